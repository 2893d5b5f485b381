"""The sentiment features as written before the token cache and the chunk tokeniser
(resonanz/analysis/textfeatures.py at commit 50b98ce): the reference that
test_fast_paths.py holds ``features`` to, key for key and bit for bit.

Change it together with ``features`` when the features are meant to change (``stems``,
German word features by their light stem, and ``symbols``, emoticons and emoji without
their variants, and ``lexicons``, the English AFINN and pattern features, and
``emotions``, the emotion reader's scores, were added that way).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable

from resonanz.analysis.emotion import read_emotions
from resonanz.analysis.lexicon import INTENSIFIERS, NEGATORS, english_priors, lexicon
from resonanz.analysis.textfeatures import (
    _TOKEN_RE,
    MAX_CHARS,
    NEGATION_SCOPE,
    _word,
    light_stem,
    symbol_name,
)

_SCOPE_END = frozenset(".!?;:,")


def _block(features: dict[str, float], names: Iterable[str]) -> None:
    unique = set(names)
    if not unique:
        return
    weight = 1.0 / math.sqrt(len(unique))
    for name in unique:
        features[name] = weight


def reference_features(
    text: str,
    lang: str | None,
    *,
    char_ngrams: bool = False,
    stems: bool = False,
    symbols: bool = False,
    lexicons: bool = False,
    emotions: bool = False,
) -> dict[str, float]:
    lang = "de" if lang == "de" else "en"
    priors = english_priors() if lexicons and lang == "en" else None
    prior_names: list[str] = []
    a_pos = a_neg = p_pos = p_neg = 0.0
    subjective = 0
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
            plain = not (word in negators or word.endswith("n't") or word in intensifiers)
            named = light_stem(word) if stems and lang == "de" and plain else word
            name = ("NEG_" + named) if negated else named
            words.append("w:" + name)
            if char_ngrams:
                padded = f" {word} "
                for n in (3, 4, 5):
                    grams.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))
            is_negator = word in negators or word.endswith("n't")
            if priors is not None and not is_negator:
                sign = -0.6 if negated else 1.0
                if word in priors.afinn:
                    valence = priors.afinn[word]
                    prior_names.append(f"lex:a:{'NEG' if negated else ''}{int(valence)}")
                    a_pos += max(valence / 5.0 * sign, 0.0)
                    a_neg += max(-valence / 5.0 * sign, 0.0)
                if word in priors.adjectives:
                    adj_polarity, subjectivity = priors.adjectives[word]
                    p_pos += max(adj_polarity * sign, 0.0)
                    p_neg += max(-adj_polarity * sign, 0.0)
                    subjective += subjectivity >= 0.5
                    prior_names.append(
                        f"lex:p:{'NEG' if negated else ''}"
                        f"{round(adj_polarity * 2)}s{round(subjectivity * 2)}"
                    )
            if is_negator:
                negated = NEGATION_SCOPE + 1
                polarity = None
            elif word in intensifiers:
                boost *= intensifiers[word]
                negated = max(0, negated - 1)
                continue
        elif kind in ("emo", "emoji"):
            if symbols:
                words.append(symbol_name(*((token, "") if kind == "emo" else ("", token))))
            else:
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
    if priors is not None:
        _block(result, prior_names)
        result["lex:a_pos"] = math.log1p(a_pos)
        result["lex:a_neg"] = math.log1p(a_neg)
        result["lex:a_diff"] = math.tanh(a_pos - a_neg)
        result["lex:p_pos"] = math.log1p(p_pos)
        result["lex:p_neg"] = math.log1p(p_neg)
        result["lex:p_diff"] = math.tanh(p_pos - p_neg)
        result["lex:subj"] = min(subjective, 4) / 4.0
    found = read_emotions(text[:MAX_CHARS], lang) if emotions else None
    if found is not None:
        result.update({"emo:" + k: v for k, v in found["scores"].items() if v > 0})
        result["emo:top:" + found["top"]] = 1.0
    for name, count in flags.items():
        if count:
            result["x:" + name] = min(count, 3) / 3.0
    length = len(words)
    result[
        "x:len" + ("s" if length < 8 else "m" if length < 25 else "l" if length < 80 else "xl")
    ] = 1.0
    return result
