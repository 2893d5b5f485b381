"""The emotion lexicon: Resonanz's own German and English cue words, phrases and emoji.

Files in ``resonanz/data/emotion`` (``de.tsv``, ``en.tsv``, ``emoji.tsv`` for both
languages), one entry a line: ``term<TAB>emotions[<TAB>weight]``.

- ``term``: a word (``wütend``), a stem ending in ``*`` that stands for every word it
  begins (``ärger*``: ärgerlich, ärgern, verärgert is its own stem), a phrase of two or
  three words (``kann es kaum erwarten``: read before negation, so the negator in it
  does not flip anything), or an emoji / emoticon (``emoji.tsv``);
- ``emotions``: comma-separated names of the eight emotions (``anger,disgust``), or ``-``
  for a term that is no cue although a stem or its words would make it one
  (``freundliche grüße``, ``lieber``, ``vertraulich``);
- ``weight``: how strongly the term cues its emotions, default 1.

Words are looked up folded (lower case, umlauts and ß spelled out: "Ärger" = "aerger").
A word is found as itself, else through the longest listed stem it begins with, else (a
German noun, written with a capital letter) through its compound head: "Reiseangst" ->
"Angst", "Riesenfrechheit" -> "Frechheit", "Bahnkatastrophe" -> "Katastroph*". Only
German entries written with a capital letter (nouns) serve as heads, at least
``MIN_HEAD`` letters long, a stem with an ending of at most ``MAX_ENDING`` letters: a
suffix that happens to be an adjective or verb ("ausführlich" ends in "ehrlich",
"geblieben" in "lieben") is no head.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from resonanz.analysis.emotion_labels import EMOTIONS
from resonanz.analysis.lexicon import fold
from resonanz.errors import ValidationError

__all__ = ["Cue", "EmotionLexicon", "emotion_lexicon", "parse_entries"]

MIN_STEM = 3
MIN_HEAD = 3
MAX_ENDING = 3
MAX_PHRASE = 3


@dataclass(frozen=True)
class Cue:
    """What one term cues: emotion -> weight (empty: listed as no cue)."""

    emotions: Mapping[str, float]


NO_CUE = Cue({})


@dataclass(frozen=True)
class EmotionLexicon:
    """One language's words, stems and phrases (folded) and the shared emoji."""

    lang: str
    words: Mapping[str, Cue]
    stems: Mapping[str, Cue]
    phrases: Mapping[tuple[str, ...], Cue]
    symbols: Mapping[str, Cue]
    head_words: Mapping[str, Cue]
    head_stems: Mapping[str, Cue]
    phrase_starts: frozenset[str] = frozenset()

    def lookup(self, word: str, *, noun: bool = False) -> Cue | None:
        """The cue of a folded word: itself, its longest stem, or (``noun``: a German word
        written with a capital letter) its compound head."""
        found = self.words.get(word) or _stem(self.stems, word, 0)
        if found is not None or not noun or not self.head_words or len(word) < MIN_HEAD + 3:
            return found
        for start in range(3, len(word) - MIN_HEAD + 1):
            head = word[start:]
            found = self.head_words.get(head) or _stem(
                self.head_stems, head, len(head) - MAX_ENDING
            )
            if found is not None:
                return found
        return None


def _stem(stems: Mapping[str, Cue], word: str, shortest: int) -> Cue | None:
    """The cue of the longest stem that word begins with (leaving at most len - shortest)."""
    for end in range(len(word), max(MIN_STEM, shortest) - 1, -1):
        found = stems.get(word[:end])
        if found is not None:
            return found
    return None


def _cue(emotions: str, weight: str, where: str) -> Cue:
    if emotions == "-":
        return NO_CUE
    names = [name.strip() for name in emotions.split(",")]
    unknown = [name for name in names if name not in EMOTIONS]
    if unknown:
        raise ValidationError(f"{where}: {unknown[0]!r} is not one of {', '.join(EMOTIONS)}")
    try:
        value = float(weight) if weight else 1.0
    except ValueError:
        raise ValidationError(f"{where}: weight {weight!r} is not a number") from None
    if not 0.0 < value <= 3.0:
        raise ValidationError(f"{where}: weight {value} is not in (0, 3]")
    return Cue(dict.fromkeys(names, value))


def parse_entries(text: str, name: str) -> list[tuple[str, Cue]]:
    """The (term, cue) entries of one lexicon file; ValidationError names file and line."""
    entries: list[tuple[str, Cue]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        where = f"{name}:{number}"
        if len(parts) not in (2, 3) or not parts[0].strip():
            raise ValidationError(f"{where}: expected term<TAB>emotions[<TAB>weight]")
        weight = parts[2].strip() if len(parts) == 3 else ""
        entries.append((parts[0].strip(), _cue(parts[1].strip(), weight, where)))
    return entries


def _read(name: str) -> list[tuple[str, Cue]]:
    path = resources.files("resonanz").joinpath("data", "emotion", name)
    return parse_entries(path.read_text("utf-8"), name)


def build(
    lang: str, entries: list[tuple[str, Cue]], symbols: list[tuple[str, Cue]]
) -> EmotionLexicon:
    """A lexicon from parsed entries (a later entry of the same term replaces an earlier)."""
    words: dict[str, Cue] = {}
    stems: dict[str, Cue] = {}
    phrases: dict[tuple[str, ...], Cue] = {}
    head_words: dict[str, Cue] = {}
    head_stems: dict[str, Cue] = {}
    for term, cue in entries:
        noun = lang == "de" and term[:1].isupper()
        folded = fold(term.replace("’", "'"))
        if " " in folded:
            key = tuple(folded.split())
            if len(key) > MAX_PHRASE:
                raise ValidationError(f"{lang}: phrase {term!r} has more than {MAX_PHRASE} words")
            phrases[key] = cue
        elif folded.endswith("*"):
            stem = folded[:-1]
            if len(stem) < MIN_STEM:
                raise ValidationError(f"{lang}: stem {term!r} is shorter than {MIN_STEM} letters")
            stems[stem] = cue
            if noun:
                head_stems[stem] = cue
        else:
            words[folded] = cue
            if noun:
                head_words[folded] = cue
    table = {symbol: cue for symbol, cue in symbols}
    return EmotionLexicon(
        lang=lang,
        words=words,
        stems=stems,
        phrases=phrases,
        symbols=table,
        head_words=head_words,
        head_stems=head_stems,
        phrase_starts=frozenset(key[0] for key in phrases),
    )


@lru_cache(maxsize=2)
def emotion_lexicon(lang: str) -> EmotionLexicon:
    """The shipped lexicon of ``de`` or ``en`` (loaded once per process)."""
    if lang not in ("de", "en"):
        raise ValidationError(f"no emotion lexicon for language {lang!r} (only de and en)")
    return build(lang, _read(f"{lang}.tsv"), _read("emoji.tsv"))
