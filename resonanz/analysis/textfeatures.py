"""Text -> sparse features for the linear classifiers (sentiment, relevance).

What the features know about social-media text:
- URLs and @handles are placeholders, hashtags count as the word and as the tag;
- elongations ("suuuper") are folded to two letters and flagged;
- negation ("nicht gut", "kein Problem", "not bad") marks the next three words (up to
  punctuation) with ``NEG_`` and flips their lexicon polarity;
- intensifiers ("sehr", "mega", "really") and ALL-CAPS strengthen the next polar word;
- emoji and emoticons are tokens of their own with a polarity;
- German compounds reach the lexicon through their head ("Zugverspätung" -> "verspätung");
- optionally (``stems``) German word features use a light stem ("schlechten", "schlechte",
  "schlecht" -> "schlech"), so inflections seen once in training share their weight;
- optionally (``symbols``) emoticons without their nose (":-)" = ":)") and emoji without
  skin tone or variation selector ("👍🏽" = "👍") are one feature each;
- optional character 3-5-grams let unseen inflections and spellings share weight;
- optionally (``lexicons``, English) AFINN and pattern's adjective lexicon add their summed
  polarity and the count of subjective words, and each listed word a feature for its
  polarity class: a word seen rarely in training still says how polar it is;
- optionally (``emotions``) the emotion reader's eight scores and its top emotion
  (``analysis.emotion``: Resonanz's own cue lexicon with its negation and compound rules).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from functools import lru_cache

from resonanz.analysis.emotion import shared_reading
from resonanz.analysis.lexicon import (
    INTENSIFIERS,
    NEGATORS,
    EnglishPriors,
    english_priors,
    fold,
    lexicon,
)

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
# What ``symbols`` drops from an emoji's feature name: VS16 and the five skin tones.
_EMOJI_MODIFIERS = dict.fromkeys([0xFE0F, *range(0x1F3FB, 0x1F400)])
_SCOPE_END = frozenset(".!?;:,")


def _block(features: dict[str, float], names: Iterable[str]) -> None:
    """Add binary features, L2-normalised within their block."""
    unique = names if isinstance(names, set) else set(names)
    if not unique:
        return
    # dict.fromkeys keeps the set's order: the same keys in the same order as a loop.
    features.update(dict.fromkeys(unique, 1.0 / math.sqrt(len(unique))))


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


# One listed word's ``lexicons`` contribution, as written and when negated: the names of its
# polarity classes and what it adds to (AFINN positive, AFINN negative, pattern positive,
# pattern negative, subjective words).
_Prior = tuple[tuple[str, ...], tuple[float, float, float, float, float]]


# What a word does to its neighbours (the role in a _Token).
_PLAIN, _NEGATOR, _INTENSIFIER = 0, 1, 2

# Everything ``features`` needs of one word token, cached per token and language:
# (ALL CAPS with more than two letters, elongated, folded word, polarity (None also for a
# negator), "t:word" for a hashtag else None, "w:word", "w:NEG_word", role, the
# intensifier's factor, the English word's ``lexicons`` entries from _prior_table else None).
# A plain tuple of str/float/int/bool/None (and tuples of those): the cyclic garbage
# collector stops tracking such tuples, so a large cache costs no collection time (a
# NamedTuple stays tracked: 50,000 cached words made the full collections ~1 s slower
# over 20,000 posts).
_Token = tuple[
    bool, bool, str, float | None, str | None, str, str, int, float, tuple[_Prior, _Prior] | None
]
_CACHE_SIZE = 200_000
# One cache per (language, stems): the word feature names differ, the rest is the same.
_TOKENS: dict[tuple[str, bool], dict[str, _Token]] = {
    (lang, stems): {} for lang in ("de", "en") for stems in (False, True)
}


# The character 3-5-grams of a word (``char_ngrams``), built once per word; ~1.3 KB a
# word, so fewer words are kept than tokens.
_GRAMS: dict[str, tuple[str, ...]] = {}
_GRAMS_SIZE = 30_000


def _char_grams(word: str) -> tuple[str, ...]:
    grams = _GRAMS.get(word)
    if grams is None:
        if len(_GRAMS) >= _GRAMS_SIZE:
            _GRAMS.clear()
        padded = f" {word} "
        grams = _GRAMS[word] = tuple(
            "c:" + padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)
        )
    return grams


def _token(token: str, lang: str, stems: bool = False) -> _Token:
    """The cached _Token of a word token (a dict per language: cheaper than lru_cache)."""
    cache = _TOKENS[lang, stems]
    info = cache.get(token)
    if info is None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        info = cache[token] = _new_token(token, lang, stems)
    return info


def light_stem(word: str) -> str:
    """A German word (folded) without its inflection endings, for feature names only.

    CISTEM-like (Weissweiler & Fraser 2017, simplified): strip "em", "er", "nd" from words
    longer than five letters and "t", "e", "s", "n" from words longer than three, until
    neither applies. Over-stemming ("regen" -> "reg") is harmless for features.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    while len(word) > 3:
        if len(word) > 5 and word[-2:] in ("em", "er", "nd"):
            word = word[:-2]
        elif word[-1] in "tesn":
            word = word[:-1]
        else:
            break
    return word


def _new_token(token: str, lang: str, stems: bool = False) -> _Token:
    raw = token.lstrip("#")
    word, polarity, elongated = _word(raw, lang)
    role, factor = _PLAIN, 1.0
    if word in NEGATORS[lang] or word.endswith("n't"):
        role, polarity = _NEGATOR, None
    elif word in INTENSIFIERS[lang]:
        role, factor = _INTENSIFIER, INTENSIFIERS[lang][word]
    tag = "t:" + word if token.startswith("#") else None
    caps = len(raw) > 2 and raw.isupper()
    # Negators and intensifiers keep their own names: the stem of "keine" is not "kein".
    named = light_stem(word) if stems and lang == "de" and role == _PLAIN else word
    # The word's ``lexicons`` entries (English, not for negators), used only where asked for.
    prior = _prior_table().get(word) if lang == "en" and role != _NEGATOR else None
    return (
        caps,
        elongated,
        word,
        polarity,
        tag,
        "w:" + named,
        "w:NEG_" + named,
        role,
        factor,
        prior,
    )


# Tokens as _TOKEN_RE.findall gives them: (url, user, emo, emoji, word, num, punct).
_Groups = tuple[str, str, str, str, str, str, str]
_PUNCT = ".!?;:,"
# Letters-only chunks that _TOKEN_RE reads as an emoticon ("xD"), or as one when a colon
# follows ("D:").
_LETTER_EMOTICONS = frozenset(["xD", "XD", "D"])


def _tokens(text: str) -> list[_Groups]:
    """``_TOKEN_RE.findall(text)``, ~2x faster on the usual text.

    No token contains whitespace, so the tokens of the text are those of its
    whitespace-separated chunks. A chunk of letters is one word token, and so is a chunk of
    letters before a run of ``.!?;:,`` (followed by that run as one punctuation token),
    except for the letters _LETTER_EMOTICONS lists; every other chunk goes through the
    regex.
    """
    tokens: list[_Groups] = []
    for chunk in text.split():
        if chunk.isalpha():
            if chunk not in _LETTER_EMOTICONS:
                tokens.append(("", "", "", "", chunk, "", ""))
                continue
        else:
            core = chunk.rstrip(_PUNCT)
            if core.isalpha() and core not in _LETTER_EMOTICONS:
                tokens.append(("", "", "", "", core, "", ""))
                tokens.append(("", "", "", "", "", "", chunk[len(core) :]))
                continue
        tokens.extend(_TOKEN_RE.findall(chunk))
    return tokens


def symbol_name(emoticon: str, emoji: str) -> str:
    """The ``symbols`` feature name of an emoticon (without "-") or emoji (without VS16 and
    skin tone; a ZWJ sequence keeps its parts)."""
    if emoticon:
        return "e:" + (emoticon.replace("-", "") or emoticon)
    return "e:" + (emoji.translate(_EMOJI_MODIFIERS) or emoji)


@lru_cache(maxsize=1)
def _prior_table() -> dict[str, tuple[_Prior, _Prior]]:
    """Every AFINN or pattern word's ``_Prior`` (plain, negated), computed once and kept in
    each English word's cached ``_Token``."""
    priors: EnglishPriors = english_priors()
    table: dict[str, tuple[_Prior, _Prior]] = {}
    for word in priors.afinn.keys() | priors.adjectives.keys():
        entries: list[_Prior] = []
        for negated in (False, True):
            sign = -0.6 if negated else 1.0
            names: list[str] = []
            a_pos = a_neg = p_pos = p_neg = subjective = 0.0
            valence = priors.afinn.get(word)
            if valence is not None:
                names.append(("lex:a:NEG" if negated else "lex:a:") + str(int(valence)))
                value = valence / 5.0 * sign
                a_pos, a_neg = max(value, 0.0), max(-value, 0.0)
            adjective = priors.adjectives.get(word)
            if adjective is not None:
                polarity, subj = adjective
                value = polarity * sign
                p_pos, p_neg = max(value, 0.0), max(-value, 0.0)
                subjective = float(subj >= 0.5)
                names.append(
                    ("lex:p:NEG" if negated else "lex:p:")
                    + f"{round(polarity * 2)}s{round(subj * 2)}"
                )
            entries.append((tuple(names), (a_pos, a_neg, p_pos, p_neg, subjective)))
        table[word] = (entries[0], entries[1])
    return table


def _add_priors(
    result: dict[str, float], names: list[str], sums: tuple[float, float, float, float, float]
) -> None:
    """The ``lexicons`` features: polarity classes (one block), sums, subjective words."""
    _block(result, names)
    a_pos, a_neg, p_pos, p_neg, subjective = sums
    result["lex:a_pos"] = math.log1p(a_pos)
    result["lex:a_neg"] = math.log1p(a_neg)
    result["lex:a_diff"] = math.tanh(a_pos - a_neg)
    result["lex:p_pos"] = math.log1p(p_pos)
    result["lex:p_neg"] = math.log1p(p_neg)
    result["lex:p_diff"] = math.tanh(p_pos - p_neg)
    result["lex:subj"] = min(subjective, 4) / 4.0


def _add_emotions(result: dict[str, float], text: str, lang: str) -> None:
    """The ``emotions`` features: each cued emotion's score (0-1) and the top emotion, as
    the emotion enricher reads them (the reading is kept for it); nothing for a text
    without cues."""
    found = shared_reading(text, lang)
    if found is None:
        return
    for name, score in found["scores"].items():
        if score > 0:
            result["emo:" + name] = score
    result["emo:top:" + found["top"]] = 1.0


def features(
    text: str,
    lang: str | None,
    *,
    char_ngrams: bool = False,
    stems: bool = False,
    symbols: bool = False,
    lexicons: bool = False,
    emotions: bool = False,
    max_chars: int = MAX_CHARS,
) -> dict[str, float]:
    """The feature vector of one text's first ``max_chars`` characters (German rules for
    ``de``, English otherwise).

    ``char_ngrams`` adds character 3-5-grams of each word (slower; helps small data sets
    with many spellings). ``stems`` names German word features by ``light_stem`` (hashtags,
    lexicon lookups and character n-grams keep the whole word; English is unchanged).
    ``symbols`` names emoticons and emoji by ``symbol_name`` (their polarity is looked up
    as written). ``lexicons`` (English only) adds the AFINN and pattern features
    (``_add_priors``). ``emotions`` adds the emotion reader's features (``_add_emotions``).
    """
    lang = "de" if lang == "de" else "en"
    polarities = lexicon(lang).polarity
    cache = _TOKENS[lang, stems]  # hits read here; _token fills it
    priors = lexicons and lang == "en"  # the entries come with the cached tokens
    prior_names: list[str] = []
    a_pos = a_neg = p_pos = p_neg = subjective = 0.0
    text = text[:max_chars]

    words: list[str] = []
    grams: set[str] = set()
    pos = neg = 0.0
    n_pos = n_neg = 0
    elong = caps = urls = users = excl = quest = 0
    negated = 0
    boost = 1.0
    # One tuple per token with exactly one group set (each alternative matches at least
    # one character): ~2x faster than finditer with lastgroup and group.
    for url, user, emo, emoji, token, _, punct in _tokens(text):
        if token:
            info = cache.get(token)
            if info is None:
                info = _token(token, lang, stems)
            shouted, elongated, word, polarity, tag, name, negated_name, role, factor, prior = info
            if shouted:
                caps += 1
                boost *= 1.3
            if elongated:
                elong += 1
                boost *= 1.3
            if tag is not None:
                words.append(tag)
            words.append(negated_name if negated else name)
            if char_ngrams:
                grams.update(_GRAMS.get(word) or _char_grams(word))
            if prior is not None and priors:
                names, (add_a_pos, add_a_neg, add_p_pos, add_p_neg, add_subj) = prior[negated > 0]
                prior_names.extend(names)
                a_pos += add_a_pos
                a_neg += add_a_neg
                p_pos += add_p_pos
                p_neg += add_p_neg
                subjective += add_subj
            if role == _NEGATOR:
                negated = NEGATION_SCOPE  # the scope, less this word (see below)
                continue
            if role == _INTENSIFIER:
                boost *= factor
                if negated:
                    negated -= 1
                continue
            flips = True  # a negated word turns: "nicht gut"
        elif emo or emoji:
            symbol = emo or emoji
            words.append(symbol_name(emo, emoji) if symbols else "e:" + symbol)
            polarity = polarities.get(symbol)
            if polarity is None and emoji:
                polarity = polarities.get(symbol[0])
            flips = False  # a negated emoji stays what it is
        elif punct:
            excl += punct.count("!")
            quest += punct.count("?")
            if not _SCOPE_END.isdisjoint(punct):
                negated = 0
            boost = 1.0
            continue
        else:
            urls += bool(url)
            users += bool(user)
            continue
        if polarity is None:
            if negated:
                negated -= 1
            continue
        value = polarity * boost
        if negated:
            if flips:
                value = -0.6 * value
            negated -= 1
        if value > 0:
            pos += value
            n_pos += 1
        elif value < 0:
            neg -= value
            n_neg += 1
        boost = 1.0

    result: dict[str, float] = {}
    _block(result, words + [f"b:{a}|{b}" for a, b in itertools.pairwise(words)])
    _block(result, grams)
    result["lex:pos"] = math.log1p(pos)
    result["lex:neg"] = math.log1p(neg)
    result["lex:diff"] = math.tanh(pos - neg)
    result["lex:npos"] = min(n_pos, 5) / 5.0
    result["lex:nneg"] = min(n_neg, 5) / 5.0
    if priors:
        _add_priors(result, prior_names, (a_pos, a_neg, p_pos, p_neg, subjective))
    if emotions:
        _add_emotions(result, text, lang)
    flags = (
        ("elong", elong),
        ("caps", caps),
        ("url", urls),
        ("user", users),
        ("excl", excl),
        ("quest", quest),
    )
    for name, count in flags:
        if count:
            result["x:" + name] = min(count, 3) / 3.0
    length = len(words)
    result[
        "x:len" + ("s" if length < 8 else "m" if length < 25 else "l" if length < 80 else "xl")
    ] = 1.0
    return result
