"""Key phrases of German and English posts, and the heads of German compounds.

Candidates are runs of content words: a stopword, laughter, a number, punctuation, an
emoji, a URL, a hashtag or a @handle ends a run. German runs are cut into noun groups by
capitalisation (``_noun_groups``). A run of up to three words is one candidate; a longer
one is cut into near-equal pieces of at most three words. Each candidate is scored by

    mean word score x (1 + 0.25 x (words - 1))
    + 0.5 x (1 - run start / words in text)   (earlier is better)
    + 0.5 x (occurrences - 1)                 (repeated is better)

where a word scores 1 + min(letters, 20) / 10 (long words: compounds, names), plus 1 when
capitalised (German nouns, names; 0.5 at the start of a sentence) and 0.5 more for an
acronym ("ICE", "DB"). The five best, lower-cased, are returned in order of appearance.
Only the first ``MAX_CHARS`` characters are read.

Compounds stay whole ("Zugausfall"); ``compound_head`` names their last part from a list
of frequent heads ("zugausfall" -> "ausfall"), so posts about "Zugausfall" and
"Totalausfall" can be grouped. Its limits: only the listed heads are found (about 150,
with their plural forms), a modifier must have at least three letters and not be a bare
prefix ("Ausfall" is no compound), and the split is not checked against a dictionary.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from resonanz.analytics.stopwords import STOPWORDS
from resonanz.query.text import fold

__all__ = ["MAX_CHARS", "MAX_PHRASES", "Compound", "compound_head", "key_phrases", "split_compound"]

MAX_CHARS = 2000
MAX_PHRASES = 5
_MAX_WORD = 40  # longer "words" are junk (base64, hashes, keyboard mashing)

_TOKEN_RE = re.compile(
    r"(?P<skip>(?:https?://|www\.)\S+|[@#][\w.]+)"
    r"|(?P<word>[^\W\d_][^\W_]*(?:['’-][^\W_]+)*)"
    r"|(?P<end>[.!?…]+)"
    r"|(?P<stop>[^\w\s]|\d[\d.,:/]*)"
)

# Function words and chat words the shared list lacks (folded like query.text.fold).
_MORE_WORDS = """
    ab aehnlich allerdings andere anders beide beiden bereits besonders bevor bitte bloss
    dafuer dagegen daher danach daneben danke darauf daraus darf darin darum darueber davon
    dazu denen dennoch deren dich dir ebenfalls eher eigentlich einige einmal endlich erst
    etwa fast finde findet gar gegen geht gehen gemacht genau genug gerne gewesen gleich gut
    halt hast heisst her hey irgendwie je jemand jene kaum klar komme kommen kommt konnte
    lassen laesst leider lieber los mach mache machen macht meinen meint meist moechte
    musst musste naja natuerlich neben nie niemand nochmal oft ok okay sagen sagt schlecht
    sei seid seit selbst sicher sieht sogar sowie statt steht tun tut uebrigens viele
    vielleicht voll waere wann weg wegen wem wen wenig wieso wirklich wollen wollte wuerde
    echt total mega super toll schoen lol haha hahaha omg xd gibts gehts wars ists
    nen ne nem nix nee jo yo sry thx pls bzw usw ca zb dh wg
    also already always anyone anything back cant couldnt dont doesnt didnt even ever get
    gets getting go goes going gonna got great good hey know let like look make makes many
    may maybe much must need next one really right said say says see since still take
    tell thank thanks thats thing things think today u ur us use want way well went yes yet
    youre im ive ill id lot oh please pls ya yeah wow
"""
_STOPWORDS = STOPWORDS | frozenset(fold(w) for w in _MORE_WORDS.split())

# Frequent last parts of German compounds in posts about brands and services, each with
# the forms it takes at the end of a compound (a plural, a genitive).
_HEAD_WORDS = """
ausfall ausfälle verspätung verspätungen störung störungen streik streiks chaos stau staus
zug züge bahn bahnen bahnhof bahnhöfe bahnsteig bahnsteige gleis gleise haltestelle
verbindung verbindungen strecke strecken verkehr fahrt fahrten reise reisen ticket tickets
fahrkarte fahrkarten karte karten preis preise kosten gebühr gebühren tarif tarife
vertrag verträge rechnung rechnungen konto konten zahlung zahlungen geld steuer steuern
service kunde kunden beratung hotline schalter automat automaten personal mitarbeiter
chef chefin leitung manager team firma konzern unternehmen marke marken werbung kampagne
produkt produkte angebot angebote qualität lieferung lieferungen paket pakete bestellung
bestellungen versand laden läden filiale filialen markt märkte geschäft geschäfte
handy handys telefon netz netze internet anschluss router app apps seite seiten portal
datenschutz schutz sicherheit versicherung bank banken kredit zinsen
wetter hitze regen sturm schnee unfall unfälle flug flüge flughafen hafen auto autos
wagen fahrzeug fahrzeuge fahrrad fahrräder platz plätze sitz sitze klasse abteil toilette
getränk getränke kaffee bier wasser strom gas energie heizung miete wohnung
politik partei parteien regierung minister ministerin wahl wahlen gesetz gesetze krise
krieg debatte skandal problem probleme fehler panne pannen ärger frust wut kritik
nachricht nachrichten bericht meldung video videos foto fotos post spiel spiele
verein mannschaft trainer saison
"""
_HEADS = _HEAD_WORDS.split()
_UMLAUT_PLURALS = {
    "ausfälle": "ausfall",
    "züge": "zug",
    "bahnhöfe": "bahnhof",
    "verträge": "vertrag",
    "läden": "laden",
    "märkte": "markt",
    "unfälle": "unfall",
    "flüge": "flug",
    "fahrräder": "fahrrad",
    "plätze": "platz",
}


def _head_forms() -> dict[str, str]:
    """Each listed form -> its head: itself, or the singular its plural ending points to."""
    head_of = {form: _UMLAUT_PLURALS.get(form, form) for form in _HEADS}
    for form in _HEADS:
        for ending in ("en", "n", "e", "s", "es"):
            if form.endswith(ending) and form[: -len(ending)] in head_of:
                head_of[form] = head_of[form[: -len(ending)]]
                break
    return head_of


_HEAD_OF = _head_forms()
_MIN_HEAD = min(len(h) for h in _HEAD_OF)
# Modifiers that are prefixes, not words: "Ausfall" is aus+fall, not a compound.
_PREFIX_WORDS = "ab an auf aus be bei durch ein emp ent er ge hin her miss mit nach über um un \
unter ver vor weg zer zu zurück"
_PREFIXES = frozenset(_PREFIX_WORDS.split())
_LINKED = ("ung", "heit", "keit", "schaft", "ion", "tät", "ling", "tum")  # take a Fugen-s
_VOWEL_RE = re.compile("[aeiouyäöü]")
_ADJECTIVE_ENDINGS = ("e", "en", "er", "es", "em")
_LAUGH_RE = re.compile("(?:[hkw][aeiou]){2,}[hk]?")  # haha, hehe, hihihi, wakakak


@dataclass(frozen=True)
class Compound:
    """A German compound split at its head: modifier (linking element removed) and head."""

    modifier: str
    head: str


def _modifier(part: str) -> str:
    """A compound's first part without its linking element (Zeitungs- -> zeitung)."""
    if part.endswith("s") and part[:-1].endswith(_LINKED):
        return part[:-1]
    if part.endswith("en") and part[:-2].endswith(("ung", "heit", "keit")):
        return part[:-2]
    if part.endswith("n") and part[:-1].endswith("e"):
        return part[:-1]
    return part


@lru_cache(maxsize=65536)
def split_compound(word: str) -> Compound | None:
    """Split a lower-case German compound at its longest listed head, or None."""
    if len(word) < 3 + _MIN_HEAD:
        return None
    if "-" in word:  # "S-Bahn-Ausfall": the last part is the head
        last = word.rsplit("-", 1)[1]
        if len(last) < 3:
            return None
        inner = split_compound(last)
        return Compound(word[: -len(last) - 1], inner.head if inner else last)
    for start in range(3, len(word) - _MIN_HEAD + 1):
        head = _HEAD_OF.get(word[start:])
        if head is None:
            continue
        first = word[:start]
        if first in _PREFIXES or not _VOWEL_RE.search(first):
            return None
        return Compound(_modifier(first), head)
    return None


def compound_head(word: str) -> str | None:
    """The head of a German compound ("zugausfall" -> "ausfall"), or None."""
    found = split_compound(word.lower())
    return found.head if found else None


@lru_cache(maxsize=65536)
def _word_info(word: str) -> tuple[float, bool] | None:
    """(score of the word, capitalised?) for a content word; None for a stopword or junk."""
    if not 1 < len(word) <= _MAX_WORD:
        return None
    key = word.lower().replace("'", "").replace("’", "")
    if (key if key.isascii() else fold(key)) in _STOPWORDS or _LAUGH_RE.fullmatch(key):
        return None
    score = 1.0 + min(len(word), 20) / 10
    capitalised = word[0].isupper()
    if capitalised:
        score += 1.0
        if word.isupper():
            score += 0.5
    return score, capitalised


Token = tuple[str, str, str, str]  # (skip, word, sentence end, other): one is set
Run = list[tuple[str, float]]  # (word, its score at this place)
_END: Token = ("", "", ".", "")
_STOP: Token = ("", "", "", "-")


def _chunk_tokens(chunk: str) -> Sequence[Token]:
    """The tokens of a whitespace-free chunk, as ``_TOKEN_RE`` finds them.

    Most chunks are a word (see key_phrases), a word with a comma or full stop, or one
    punctuation mark; str methods find those ~5x faster than the regex.
    """
    if len(chunk) == 1:
        return (_END,) if chunk in ".!?…" else (_STOP,)
    core = chunk.rstrip(".,;:!?")
    if core.isalpha():
        return (("", core, "", ""), _STOP if chunk[-1] in ",;:" else _END)
    return _TOKEN_RE.findall(chunk)


def key_phrases(text: str, *, limit: int = MAX_PHRASES, german: bool = True) -> list[str]:
    """The best ``limit`` key phrases of text, lower-case, in order of appearance.

    ``german``: cut runs into noun groups by capitalisation (for German or unknown text).
    """
    chunks = text[:MAX_CHARS].split()
    total = len(chunks)
    scored: dict[str, list[float]] = {}  # phrase -> [score, occurrences], in order of appearance
    run: Run = []
    run_start = 0
    initial = True
    for index, chunk in enumerate(chunks):
        tokens = (("", chunk, "", ""),) if chunk.isalpha() else _chunk_tokens(chunk)
        for skip, word, end, _ in tokens:
            if word:
                info = _word_info(word)
                if info is not None:
                    if not run:
                        run_start = index
                    elif word == run[-1][0]:
                        continue  # "erste erste erste" is one word said three times
                    # A capital says less at the start of a sentence.
                    run.append((word, info[0] - 0.5 if initial and info[1] else info[0]))
                    initial = False
                    continue
                initial = False
            elif skip:
                continue  # "@DB_Bahn Warum ...": the sentence starts after the handle
            if run:
                _score_run(run, run_start / total, scored, german)
                run = []
            if end:
                initial = True
    if run:
        _score_run(run, run_start / total, scored, german)
    if len(scored) > limit:
        # Stable: of equal scores, the earlier phrase wins.
        ranked = sorted(scored.items(), key=lambda kv: kv[1][0] + 0.5 * kv[1][1], reverse=True)
        best = {phrase for phrase, _ in ranked[:limit]}
        return [phrase for phrase in scored if phrase in best]
    return list(scored)


def _noun_groups(run: Run) -> list[Run]:
    """Cut a German run into noun groups: inflected adjectives, then nouns ("rote Zahlen").

    A capitalised word is taken for a noun, a lower-case one ending in -e/-en/-er/-es/-em
    for an adjective; any other lower-case word (mostly a verb: "schreibt") stands alone,
    and so does a lower-case word after a noun ("Intershop | schreibt").
    """
    groups: list[Run] = []
    current: Run = []
    for item in run:
        word = item[0]
        if current:
            previous = current[-1][0]
            if (
                (previous[0].isupper() and not word[0].isupper())
                or not (previous[0].isupper() or previous.endswith(_ADJECTIVE_ENDINGS))
                or not (word[0].isupper() or word.endswith(_ADJECTIVE_ENDINGS))
            ):
                groups.append(current)
                current = []
        current.append(item)
    groups.append(current)
    return groups


def _score_run(run: Run, place: float, scored: dict[str, list[float]], german: bool) -> None:
    """Score a run's candidates (the run, or its pieces of at most three words) into scored."""
    if len(run) == 1:  # the common case
        phrase = run[0][0].lower()
        if phrase in scored:
            scored[phrase][1] += 1
        else:
            scored[phrase] = [run[0][1] + 0.5 * (1 - place), 1]
        return
    groups = [run]
    if german and any(w[0].isupper() for w, _ in run):  # an all lower-case post has no cues
        groups = _noun_groups(run)
    for group in groups:
        for piece in _pieces(group):
            phrase = " ".join([w for w, _ in piece]).lower()
            if phrase in scored:
                scored[phrase][1] += 1
                continue
            mean = sum([s for _, s in piece]) / len(piece)
            scored[phrase] = [mean * (1 + 0.25 * (len(piece) - 1)) + 0.5 * (1 - place), 1]


def _pieces(run: Run) -> list[Run]:
    """A run of up to three words, or near-equal pieces of at most three."""
    if len(run) <= 3:
        return [run]
    count = math.ceil(len(run) / 3)
    size, extra = divmod(len(run), count)
    pieces, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        pieces.append(run[start:end])
        start = end
    return pieces
