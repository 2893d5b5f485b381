"""Text -> sparse features for the linear classifiers (sentiment, relevance).

What the features know about social-media text:
- URLs and @handles are placeholders, hashtags count as the word and as the tag;
- elongations ("suuuper") are folded to two letters and flagged;
- negation ("nicht gut", "kein Problem", "not bad") marks the next three words (up to
  punctuation) with ``NEG_`` and flips their lexicon polarity;
- intensifiers ("sehr", "mega", "really") and ALL-CAPS strengthen the next polar word;
- emoji and emoticons are tokens of their own with a polarity;
- German compounds reach the lexicon through their head ("Zugverspätung" -> "verspätung");
- optional character 3-5-grams let unseen inflections and spellings share weight.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from functools import lru_cache

from resonanz.analysis.lexicon import INTENSIFIERS, NEGATORS, fold, lexicon

# Long texts say what they say in their first part; this keeps one post's cost bounded.
MAX_CHARS = 1_000
NEGATION_SCOPE = 3

_EMOJI = (
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF]"
    r"(?:[\uFE0F\U0001F3FB-\U0001F3FF]|\u200D[\U0001F000-\U0001FAFF\u2600-\u27BF\u2640\u2642]"
    r"\uFE0F?)*"
)
_EMOTICON = r"(?:>:\(|:'\(|:-?[()DPp/]|;-?[)D]|\(:|\):|[xX]D|<3|\^\^|D:)"
_TOKEN_RE = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)"
    r"|(?P<user>@\w+)"
    rf"|(?P<emo>{_EMOTICON})(?!\w)"
    rf"|(?P<emoji>{_EMOJI})"
    r"|(?P<word>#?[^\W\d_][\w'’-]*)"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r"|(?P<punct>[.!?;:,]+)",
)
_ELONG_RE = re.compile(r"(\w)\1{2,}")
_SCOPE_END = frozenset(".!?;:,")


def _block(features: dict[str, float], names: Iterable[str]) -> None:
    """Add binary features, L2-normalised within their block."""
    unique = set(names)
    if not unique:
        return
    weight = 1.0 / math.sqrt(len(unique))
    for name in unique:
        features[name] = weight


@lru_cache(maxsize=200_000)
def _word(raw: str, lang: str) -> tuple[str, float | None, bool]:
    """A word's folded form, its lexicon polarity and whether it was elongated (cached:
    most words of a stream repeat)."""
    lex = lexicon(lang)
    word = fold(raw)
    elongated = _ELONG_RE.search(word) is not None
    if elongated:
        single = _ELONG_RE.sub(r"\1", word)
        double = _ELONG_RE.sub(r"\1\1", word)
        word = double if double in lex.polarity and single not in lex.polarity else single
    return word, lex.lookup(word), elongated


def features(text: str, lang: str | None, *, char_ngrams: bool = False) -> dict[str, float]:
    """The feature vector of one text (German rules for ``de``, English otherwise).

    ``char_ngrams`` adds character 3-5-grams of each word (slower; helps small data sets
    with many spellings).
    """
    lang = "de" if lang == "de" else "en"
    lex = lexicon(lang)
    negators = NEGATORS[lang]
    intensifiers = INTENSIFIERS[lang]
    text = text[:MAX_CHARS]

    words: list[str] = []
    grams: list[str] = []
    pos = neg = 0.0
    n_pos = n_neg = 0
    flags = {"elong": 0, "caps": 0, "url": 0, "user": 0, "excl": 0, "quest": 0}
    negated = 0
    boost = 1.0
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        token = match.group()
        polarity: float | None = None
        if kind == "word":
            raw = token.lstrip("#")
            if len(raw) > 2 and raw.isupper():
                flags["caps"] += 1
                boost *= 1.3
            word, polarity, elongated = _word(raw, lang)
            if elongated:
                flags["elong"] += 1
                boost *= 1.3
            if token.startswith("#"):
                words.append("t:" + word)
            name = ("NEG_" + word) if negated else word
            words.append("w:" + name)
            if char_ngrams:
                padded = f" {word} "
                for n in (3, 4, 5):
                    grams.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
            if word in negators or word.endswith("n't"):
                negated = NEGATION_SCOPE + 1
                polarity = None
            elif word in intensifiers:
                boost *= intensifiers[word]
                negated = max(0, negated - 1)
                continue
        elif kind in ("emo", "emoji"):
            words.append("e:" + token)
            polarity = lex.polarity.get(token)
            if polarity is None and kind == "emoji":
                polarity = lex.polarity.get(token[0])
        elif kind == "punct":
            flags["excl"] += token.count("!")
            flags["quest"] += token.count("?")
            if any(c in _SCOPE_END for c in token):
                negated = 0
            boost = 1.0
            continue
        elif kind in ("url", "user"):
            flags[kind] += 1
            continue
        else:
            continue
        if polarity is not None:
            value = polarity * boost
            if negated and kind == "word":
                value = -0.6 * value
            if value > 0:
                pos += value
                n_pos += 1
            elif value < 0:
                neg -= value
                n_neg += 1
            boost = 1.0
        if negated:
            negated -= 1

    result: dict[str, float] = {}
    _block(result, words + [f"b:{a}|{b}" for a, b in itertools.pairwise(words)])
    _block(result, grams)
    result["lex:pos"] = math.log1p(pos)
    result["lex:neg"] = math.log1p(neg)
    result["lex:diff"] = math.tanh(pos - neg)
    result["lex:npos"] = min(n_pos, 5) / 5.0
    result["lex:nneg"] = min(n_neg, 5) / 5.0
    for name, count in flags.items():
        if count:
            result["x:" + name] = min(count, 3) / 3.0
    length = len(words)
    result[
        "x:len" + ("s" if length < 8 else "m" if length < 25 else "l" if length < 80 else "xl")
    ] = 1.0
    return result
