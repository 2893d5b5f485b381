"""The terms topic clustering reads from a post: content words, hashtags, German compound heads.

Words are folded like everywhere in Resonanz (``resonanz.query.text``); URLs and
``@handles`` are left out (a handle says who is addressed, not what about), as are
numbers, words shorter than three or longer than forty letters, and the function words of
German and English (``resonanz.analytics.stopwords``) plus those listed here: chat words
of both ("lol", "halt", "gonna") and the commonest function words of Spanish, Italian,
Portuguese and French, so that a stream in those languages does not cluster by "que" and
"della". A hashtag counts as the tag (``#yycflood``) besides its word. In German posts
the head of a compound is a term too ("Zugverspätung" also gives "verspätung").
"""

from __future__ import annotations

import re
import unicodedata

from resonanz.analysis.phrases import compound_head
from resonanz.analytics.stopwords import STOPWORDS
from resonanz.query.text import MENTION_RE, URL_RE, fold, hashtags, words

__all__ = ["CLUSTER_STOPWORDS", "MAX_CHARS", "post_terms"]

# Only the start of a long text is read: a post's topic shows there, and a 100,000-character
# article would otherwise cost as much as a thousand tweets.
MAX_CHARS = 2_000
_MIN_LEN = 3
_MAX_LEN = 40
# Compounds shorter than this have no head worth adding (phrases needs 3 + a 4-letter head).
_MIN_COMPOUND = 8
_WORD_RE = re.compile(r"[^\W_]+")

_CHAT_EN = """
don didn doesn isn wasn aren weren won wouldn couldn shouldn haven hasn hadn ain ll ve re
get got gets getting go goes going gone went gonna wanna gotta know knew like likes liked
just really think thought want wants make made say said says see saw seen let lets take took
come came coming back still even much many well way also thing things something anything
one two day days today tonight time lol lmao omg haha hahaha yeah yes yep okay dont cant
im ive youre thats theres whats pls plz thx thanks hey wow people need new good great right
never ever always every could would should may might must
"""
_CHAT_DE = """
mal halt eigentlich echt bisschen bissl naja nee jo okay hey haha lol gibt geht gehen macht
machen gemacht sagt sagen gesagt sehen gesehen kommt kommen worden waere haette haetten gut
neue neuen neues wirklich leute sowie sowas denke finde weiss viele vielen seit bzw usw etc
dafuer darauf darum dazu davon daher jemand
"""
_SPANISH = """
de la que el en los se del las un por con no una su para es al lo como más mas pero sus le ya
este sí si porque esta entre cuando muy sin sobre también tambien me hasta hay donde quien desde
todo nos durante todos uno les ni contra otros ese eso ante ellos esto mí mi antes algunos qué
unos yo otro otras otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas
algunas algo nosotros mis tú te ti tu tus ellas son fue ser ha han está están estan hoy va
"""
_ITALIAN = """
di il che la per un in è non una del le si da con al dei della sono lo gli ci ma come ha anche
più piu nel alla se delle questo sul mi ho io ti ne tra dal loro fra nella degli questa sua suo
ed essere stato stata dopo oggi tutto tutti cosa già gia solo ancora molto
"""
_PORTUGUESE = """
de que do da em um para é com não nao uma os no se na por mais as dos como mas foi ao ele das
tem à seu sua ou ser quando muito há nos já ja está esta eu também tambem só so pelo pela até
ate isso ela entre era depois sem mesmo aos ter seus quem nas me esse eles estão estao você
voce vc tinha foram essa num nem suas meu às minha têm numa pelos elas havia seja qual será
"""
_FRENCH = """
de la le les et un une des du en que qui est pour pas dans ce il elle sur au se ne plus par
avec son sa ses je tu nous vous ils elles mais ou où donc car été être avoir fait sont cette
ces aux on leur comme tout très tres bien aussi
"""

CLUSTER_STOPWORDS: frozenset[str] = STOPWORDS | frozenset(
    fold(word)
    for word in (_CHAT_EN + _CHAT_DE + _SPANISH + _ITALIAN + _PORTUGUESE + _FRENCH).split()
)


def _content(word: str) -> bool:
    return (
        _MIN_LEN <= len(word) <= _MAX_LEN and not word.isdigit() and word not in CLUSTER_STOPWORDS
    )


def _compound_heads(text: str) -> list[str]:
    # phrases.compound_head knows its heads with umlauts, so it reads the words before
    # folding turns "ä" into "ae".
    plain = URL_RE.sub(" ", unicodedata.normalize("NFKC", text)).casefold()
    heads = []
    for word in _WORD_RE.findall(plain):
        if len(word) >= _MIN_COMPOUND:
            head = compound_head(word)
            if head:
                heads.append(fold(head))
    return heads


def post_terms(text: str, lang: str | None = None) -> list[str]:
    """The distinct clustering terms of a post, in order of appearance (hashtags last)."""
    text = text[:MAX_CHARS]
    if "@" in text:
        text = MENTION_RE.sub(" ", text)
    found = dict.fromkeys(word for word in words(text) if _content(word))
    if lang == "de":
        found.update(dict.fromkeys(head for head in _compound_heads(text) if _content(head)))
    for tag in sorted(hashtags(text)):  # a frozenset: its order changes between runs
        if len(tag) <= _MAX_LEN:
            found["#" + tag] = None
    return list(found)
