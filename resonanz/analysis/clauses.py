"""The clause around a word of a post, and its tone from the polarity lexicon and negation.

``TextLayout`` finds the matcher's folded words again in the text, with the marks between
them. The clause of a word runs to the nearest sentence mark (``. ! ? ;`` before a space,
a line break), clause mark (``, : ( ) " –`` or a spaced hyphen) or contrast word
(``aber``, ``doch``, ``sondern``, ``but``, …); a clause of fewer than ``MIN_CLAUSE`` words
is widened to its sentence; either is cut to ``WINDOW`` words on each side.

``clause_tone`` adds up the words of a clause: the given tones of aspect terms (+1 for a
term that praises, -1 for one that names a problem), else the word's lexicon polarity
(``lexicon``), scaled by intensifiers (``sehr``, ``really``).
Negation works as in ``textfeatures`` — a negator flips (× -0.6) the next polar word
within three words (``nicht pünktlich``, ``keine Verspätung``) — and, for German word
order, a negator with no polar word after it flips the polar word just before it
(``funktioniert nicht``). A negated plain aspect term, or a negator with nothing to
flip, counts -1: something is missing or does not work (``kein WLAN``,
``WLAN geht nicht``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

from resonanz.analysis.lexicon import INTENSIFIERS, NEGATORS, lexicon
from resonanz.query.text import URL_RE

__all__ = ["CONTRAST", "MIN_CLAUSE", "WINDOW", "TextLayout", "clause_tone"]

MIN_CLAUSE = 4
WINDOW = 10
NEGATION_SCOPE = 3
CONTRAST = frozenset(
    ["aber", "doch", "jedoch", "sondern", "allerdings", "but", "however", "although", "though"]
)
_WORD_RE = re.compile(r"[^\W_]+")
_SENTENCE_RE = re.compile(r"[.!?;]\s|\n")
_CLAUSE_RE = re.compile(r"[,:()\"“”„–—]|\s-\s")


class TextLayout:
    """Where the matcher's words are in the text, and the clause marks between them.

    When the words found again in the (NFKC-normalised, links blanked) text are not the
    matcher's words one for one, text pieces are the folded words and there are no marks.
    """

    def __init__(self, text: str, folded: Sequence[str]) -> None:
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        if "://" in text or "www." in text.lower():
            text = URL_RE.sub(lambda m: " " * len(m.group()), text)
        self.text = text
        self.folded = folded
        spans = [m.span() for m in _WORD_RE.finditer(text)]
        self.spans = spans if len(spans) == len(folded) else None

    def words(self, first: int, end: int) -> str:
        """The text of words first..end-1 as written."""
        if self.spans is None:
            return " ".join(self.folded[first:end])
        return self.text[self.spans[first][0] : self.spans[end - 1][1]]

    def _cut(self, j: int, level: int) -> bool:
        """Whether a clause (level 1) or sentence (level 2) starts at word j."""
        if self.spans is None:
            return False
        gap = self.text[self.spans[j - 1][1] : self.spans[j][0]]
        if _SENTENCE_RE.search(gap):
            return True
        return level == 1 and (_CLAUSE_RE.search(gap) is not None or self.folded[j] in CONTRAST)

    def clause(self, first: int, end: int) -> tuple[int, int]:
        """The word range (lo, hi inclusive) of the clause around words first..end-1."""
        lo, hi = first, end - 1
        for level in (1, 2):
            while lo > max(0, first - WINDOW) and not self._cut(lo, level):
                lo -= 1
            last = min(len(self.folded) - 1, end - 1 + WINDOW)
            while hi < last and not self._cut(hi + 1, level):
                hi += 1
            if hi - lo + 1 >= MIN_CLAUSE:
                break
        return lo, hi


@lru_cache(maxsize=100_000)
def _polarity(word: str, lang: str) -> float:
    return lexicon(lang).lookup(word) or 0.0


def _negates(words: Sequence[str], j: int, negators: frozenset[str]) -> bool:
    word = words[j]
    # "don't" is the words "don" and "t"
    return word in negators or (word == "t" and j > 0 and words[j - 1].endswith("n"))


def clause_tone(
    words: Sequence[str], lo: int, hi: int, tones: Mapping[int, float | None], lang: str
) -> float:
    """The tone of words lo..hi (see the module docstring); ``tones`` maps a word index to
    its aspect term's tone (None: a later word of a phrase, which adds nothing)."""
    lang = "en" if lang == "en" else "de"
    negators, intensifiers = NEGATORS[lang], INTENSIFIERS[lang]
    values: list[float] = []
    last_polar = -1  # index into values of the latest polar word, -1: none
    last_polar_word = -10
    scope = 0  # words a negator still reaches forward
    open_negator = False  # a negator that has flipped nothing yet
    negator_at = 0
    boost = 1.0
    for j in range(lo, hi + 1):
        if _negates(words, j, negators):
            if open_negator:
                values.append(_backward(values, last_polar, negator_at - last_polar_word))
            scope, open_negator, negator_at = NEGATION_SCOPE, True, j
            continue
        word = words[j]
        if word in intensifiers:
            boost *= intensifiers[word]
            continue
        tone = tones.get(j, 0.0)
        if tone is None:
            continue
        value = tone or _polarity(word, lang)
        if not value and j in tones and scope:  # "kein WLAN"
            values.append(-1.0)
            scope, open_negator = 0, False
            continue
        if value:
            value *= boost
            boost = 1.0
            if scope:
                value *= -0.6
                scope, open_negator = 0, False
            values.append(value)
            last_polar, last_polar_word = len(values) - 1, j
        elif scope:
            scope -= 1
    if open_negator:
        values.append(_backward(values, last_polar, negator_at - last_polar_word))
    return sum(values)


def _backward(values: list[float], last_polar: int, distance: int) -> float:
    """What a negator with nothing after it adds: it flips the polar word just before it
    (replacing its value, returning the change), or counts -1 when there is none."""
    if last_polar >= 0 and distance <= NEGATION_SCOPE + 1:
        old = values[last_polar]
        values[last_polar] = -0.6 * old
        return 0.0
    return -1.0
