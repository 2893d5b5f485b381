"""Emotion: the eight emotions of Plutchik's wheel, read from German and English cue words.

A transparent lexicon-and-rules reader, not a trained model (there is no
emotion-labelled data to learn from or to measure against): the cues are Resonanz's own
list (``emotion_lexicon``, ``resonanz/data/emotion``), and the rules are those the
sentiment features use (``textfeatures``, ``clauses``):

- a negator (``nicht``, ``kein*``, ``ohne``, ``not``, ``never``, ``…n't``, see
  ``lexicon.NEGATORS``) reaches the next cue within three words, up to punctuation; in
  German a negator with no cue after it reaches the cue just before it ("freut mich
  nicht"). A negated joy cue counts as sadness, a negated trust cue as disgust (the
  opposites on the wheel), at ``FLIP_WEIGHT``; any other negated cue counts for
  nothing: "keine Angst" is no fear, "not surprised" no surprise;
- phrases are read before negation ("kann es kaum erwarten", "can't wait", "nicht zu
  fassen"), so their negators flip nothing;
- an intensifier (``sehr``, ``mega``, ``really``) scales the next cue; ALL-CAPS and
  elongation ("suuuper") scale the word's own cue by ``EMPHASIS``; a word that is both an
  intensifier and a cue ("super", "unglaublich", "krass") is the intensifier when a word
  follows it and the cue otherwise;
- emoji and emoticons are cues, never negated; hashtags are read as their word, and a
  CamelCase tag by its parts ("#DankeBahn" -> "danke").

Each emotion's score is ``1 - exp(-sum of its cue weights)``: one plain cue gives 0.63,
two give 0.86. ``top`` is the emotion with the highest score (on a tie, the one cued
first). Only the first ``MAX_CHARS`` characters are read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from resonanz.analysis.batch import each_or_skip
from resonanz.analysis.emojis import emoji_in
from resonanz.analysis.emotion_labels import EMOTIONS, OPPOSITE
from resonanz.analysis.emotion_lexicon import Cue, EmotionLexicon, emotion_lexicon
from resonanz.analysis.langguess import guess_language
from resonanz.analysis.lexicon import INTENSIFIERS, NEGATORS, fold
from resonanz.config import Settings
from resonanz.hookspecs import hookimpl
from resonanz.models import Mention, titled_text

__all__ = ["EMOTION_LANGUAGES", "EmotionEnricher", "read_emotions"]

EMOTION_LANGUAGES: tuple[str, ...] = ("de", "en")
MAX_CHARS = 1_000
MAX_TERMS = 20
NEGATION_SCOPE = 3
FLIP_WEIGHT = 0.5
EMPHASIS = 1.3
# Negated, these count as their opposite; every other emotion is cancelled by negation.
FLIPPED = frozenset(["joy", "trust"])
# Intensifiers beyond the sentiment ones (words that scale the next word in speech).
EXTRA_INTENSIFIERS: dict[str, dict[str, float]] = {
    "de": {"wahnsinnig": 1.5, "krass": 1.3, "tierisch": 1.3, "unheimlich": 1.3, "hoechst": 1.3},
    "en": {"insanely": 1.5, "crazy": 1.3, "damn": 1.3, "bloody": 1.3, "soo": 1.5},
}

_EMOTICON = r"(?:>:-?\(|:'\(|:-?[()DOo]|;-?\)|\(:|[xX]D|</?3)"
_TOKEN_RE = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+)"
    r"|(?P<user>@\w+)"
    rf"|(?P<emo>{_EMOTICON})(?!\w)"
    r"|(?P<word>#?[^\W\d_][\w'-]*)"
    r"|(?P<punct>[.!?;:,()\"“”„–—]+)"
)
_ELONG_RE = re.compile(r"(\w)\1{2,}")
_CAMEL_RE = re.compile(r"[A-ZÄÖÜ]?[a-zäöüß]+")
_SKIN_TONES = str.maketrans(dict.fromkeys(range(0x1F3FB, 0x1F400)) | {0xFE0F: None})


@dataclass
class _Found:
    """One cue found in a text: the term as written and what it adds per emotion."""

    term: str
    values: dict[str, float]
    position: int


@dataclass
class _Reader:
    """The state of reading one text left to right."""

    lexicon: EmotionLexicon
    found: list[_Found] = field(default_factory=list)
    words: int = 0  # words read so far
    scope: int = 0  # words a negator still reaches forward
    negator: str = ""  # that negator as written
    open_negator: bool = False  # a negator that has reached no cue yet
    negator_at: int = 0
    last_cue: int = -1  # index into found of the clause's latest word cue, -1: none
    last_cue_at: int = -10
    boost: float = 1.0

    def add(self, term: str, cue: Cue, weight: float, position: int) -> None:
        values = {emotion: w * weight for emotion, w in cue.emotions.items()}
        if self.scope:
            values = _negated(values)
            term = f"{self.negator} {term}"
            self.scope, self.open_negator = 0, False
        else:
            self.last_cue, self.last_cue_at = len(self.found), self.words
        self.found.append(_Found(term, values, position))

    def close_negator(self) -> None:
        """A German negator with nothing after it reaches the cue just before it."""
        if not self.open_negator or self.lexicon.lang != "de":
            return
        self.open_negator = False
        if self.last_cue >= 0 and self.negator_at - self.last_cue_at <= NEGATION_SCOPE + 1:
            before = self.found[self.last_cue]
            before.values = _negated(before.values)
            before.term = f"{before.term} {self.negator}"
            self.last_cue = -1

    def end_clause(self) -> None:
        self.close_negator()
        self.scope, self.boost, self.last_cue = 0, 1.0, -1


def _negated(values: Mapping[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for emotion, value in values.items():
        if emotion in FLIPPED:
            opposite = OPPOSITE[emotion]
            out[opposite] = out.get(opposite, 0.0) + value * FLIP_WEIGHT
    return out


# What a word does besides cueing an emotion (bits of _Word.flags).
NEGATOR, INTENSIFIER, PHRASE_START = 1, 2, 4


@dataclass(frozen=True)
class _Word:
    """A word token as the reader needs it (cached per token: the words of a stream repeat)."""

    raw: str  # the token without its "#"
    cue: Cue | None
    weight: float  # EMPHASIS for elongation and for ALL CAPS, each
    flags: int
    folded: str


@lru_cache(maxsize=200_000)
def _word(token: str, lang: str) -> _Word | None:
    """A word token's cue and role; None for a word that neither cues nor does anything
    (most words: the cache then holds None, which costs the garbage collector nothing,
    where 50,000 cached _Word objects made its full collections ~0.5 s slower over 20,000
    posts). "suuuper" is looked up as "suuper", then as "super"; a capitalised word or a
    hashtag may be a compound ("Reiseangst", "#bahnfrust"), and a hashtag is also read by
    its CamelCase parts ("#DankeBahn")."""
    lex = emotion_lexicon(lang)
    tag = token.startswith("#")
    raw = token.lstrip("#")
    word = fold(raw)
    noun = tag or (raw[:1].isupper() and not raw.isupper())
    cue = lex.lookup(word, noun=noun)
    weight = 1.0
    if _ELONG_RE.search(word) is not None:
        weight = EMPHASIS
        if cue is None:
            for variant in (_ELONG_RE.sub(r"\1\1", word), _ELONG_RE.sub(r"\1", word)):
                word, cue = variant, lex.lookup(variant, noun=noun)
                if cue is not None:
                    break
    if cue is None and tag:
        cue = _tag(raw, lex)
    if len(raw) > 2 and raw.isupper():
        weight *= EMPHASIS
    flags = 0
    if word in NEGATORS[lang] or word.endswith("n't"):
        flags |= NEGATOR
    if word in INTENSIFIERS[lang] or word in EXTRA_INTENSIFIERS[lang]:
        flags |= INTENSIFIER
    if word in lex.phrase_starts:
        flags |= PHRASE_START
    if cue is not None and not cue.emotions:
        cue = None
    if not flags and cue is None:
        return None
    return _Word(raw, cue, weight, flags, word)


def _tag(raw: str, lex: EmotionLexicon) -> Cue | None:
    """A hashtag's cue by its CamelCase parts, when the whole tag has none."""
    if raw.islower() or raw.isupper():
        return None
    for part in _CAMEL_RE.findall(raw):
        if len(part) > 2:
            cue = lex.lookup(fold(part))
            if cue is not None and cue.emotions:
                return cue
    return None


# Letters-only chunks that _TOKEN_RE reads as an emoticon.
_LETTER_EMOTICONS = frozenset(["xD", "XD"])
_CLAUSE_END = ".!?;:,"
_CLAUSE_SET = frozenset(_CLAUSE_END)


def _tokens(text: str) -> list[tuple[str | None, str]]:
    """``(kind, token)`` of each ``_TOKEN_RE`` match, ~2x faster on the usual text.

    No token contains whitespace, so the tokens of the text are those of its
    whitespace-separated chunks. A chunk of letters is one word, and so is a chunk of
    letters before a run of ``.!?;:,`` (then that run is one punctuation token), except
    for the emoticons _LETTER_EMOTICONS lists; other chunks go through the regex.
    """
    tokens: list[tuple[str | None, str]] = []
    for chunk in text.split():
        if chunk.isalpha():
            if chunk not in _LETTER_EMOTICONS:
                tokens.append(("word", chunk))
                continue
        else:
            core = chunk.rstrip(_CLAUSE_END)
            if core.isalpha() and core not in _LETTER_EMOTICONS:
                tokens.append(("word", core))
                tokens.append(("punct", chunk[len(core) :]))
                continue
        tokens.extend((m.lastgroup, m.group()) for m in _TOKEN_RE.finditer(chunk))
    return tokens


def read_emotions(text: str, lang: str) -> dict[str, Any] | None:
    """``{"scores", "top", "terms"}`` of a German (``de``) or English text; None when it
    has no cue that counts (see the module docstring)."""
    lex = emotion_lexicon("de" if lang == "de" else "en")
    lang = lex.lang
    intensifiers = {**INTENSIFIERS[lang], **EXTRA_INTENSIFIERS[lang]}
    text = text[:MAX_CHARS].replace("’", "'")
    tokens = _tokens(text)
    reader = _Reader(lex)
    i = 0
    while i < len(tokens):
        kind, token = tokens[i]
        if kind == "word":
            word = _word(token, lang)
            if word is None:  # most words: nothing to do
                reader.words += 1
                if reader.scope:
                    reader.scope -= 1
                i += 1
                continue
            i = _read_word(reader, tokens, i, word, intensifiers)
            continue
        if kind == "punct":
            if not _CLAUSE_SET.isdisjoint(token):
                reader.end_clause()
        elif kind == "emo":
            cue = lex.symbols.get(token)
            if cue is not None:
                reader.found.append(_Found(token, dict(cue.emotions), i))
        i += 1
    reader.close_negator()
    if not text.isascii():
        for emoji in emoji_in(text):
            key = emoji.translate(_SKIN_TONES)
            cue = lex.symbols.get(key) or lex.symbols.get(key.split("\u200d")[0])
            if cue is not None:
                reader.found.append(_Found(emoji, dict(cue.emotions), len(tokens)))
    return _result(reader.found)


def _read_word(
    reader: _Reader,
    tokens: Sequence[tuple[str | None, str]],
    i: int,
    word: _Word,
    intensifiers: Mapping[str, float],
) -> int:
    """Read the word (or phrase) at token i that cues or does something; the next index."""
    phrase = _phrase(tokens, i, reader.lexicon) if word.flags & PHRASE_START else None
    if phrase is not None:
        length, cue = phrase
        reader.words += length
        if cue.emotions:
            term = " ".join(t for _, t in tokens[i : i + length]).lower()
            reader.add(term, cue, reader.boost, i)
            reader.boost = 1.0
        return i + length
    reader.words += 1
    if word.flags & NEGATOR:
        reader.close_negator()
        reader.scope, reader.negator = NEGATION_SCOPE, tokens[i][1].lower()
        reader.open_negator, reader.negator_at = True, reader.words
    elif word.flags & INTENSIFIER and (
        word.cue is None or (i + 1 < len(tokens) and tokens[i + 1][0] == "word")
    ):
        reader.boost *= intensifiers[word.folded]
    elif word.cue is not None:
        reader.add(tokens[i][1].lower(), word.cue, reader.boost * word.weight, i)
        reader.boost = 1.0
    elif reader.scope:
        reader.scope -= 1
    return i + 1


def _phrase(
    tokens: Sequence[tuple[str | None, str]], i: int, lex: EmotionLexicon
) -> tuple[int, Cue] | None:
    """The longest listed phrase of words that starts at token i: (its length, its cue)."""
    for length in (3, 2):
        run = tokens[i : i + length]
        if len(run) == length and all(kind == "word" for kind, _ in run):
            cue = lex.phrases.get(tuple(fold(t.lstrip("#")) for _, t in run))
            if cue is not None:
                return length, cue
    return None


def _result(found: Sequence[_Found]) -> dict[str, Any] | None:
    raw = dict.fromkeys(EMOTIONS, 0.0)
    first: dict[str, int] = {}
    terms: list[str] = []
    for cue in found:
        counted = False
        for emotion, value in cue.values.items():
            if value > 0:
                raw[emotion] += value
                first.setdefault(emotion, cue.position)
                counted = True
        if counted and cue.term not in terms and len(terms) < MAX_TERMS:
            terms.append(cue.term)
    if not first:
        return None
    top = max(first, key=lambda emotion: (raw[emotion], -first[emotion]))
    scores = {emotion: round(1.0 - math.exp(-value), 3) for emotion, value in raw.items()}
    return {"scores": scores, "top": top, "terms": terms}


class EmotionEnricher:
    """Sets ``enrichments["emotion"] = {scores, top, terms}`` on German and English
    mentions with emotion cues (other languages, and texts without cues, get none)."""

    name = "emotion"
    before_match = False

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.emotion_analysis

    def enrich(self, mentions: Sequence[Mention]) -> list[Mention]:
        """Return the mentions with their emotions."""
        out = list(mentions)
        if not self.enabled:
            return out
        todo = [i for i, m in enumerate(mentions) if m.lang in EMOTION_LANGUAGES or m.lang is None]
        rows = [(titled_text(mentions[i].title, mentions[i].text), mentions[i].lang) for i in todo]
        results = each_or_skip("emotion", rows, _read_rows)
        for i, result in zip(todo, results, strict=True):
            if result is not None:
                mention = out[i]
                out[i] = mention.with_fields(enrichments={**mention.enrichments, "emotion": result})
        return out


# Readings kept for the emotion features of the default sentiment models (which read a
# batch just before this enricher does): more than one batch of the pipeline.
SHARED_READINGS = 4_096


def shared_reading(text: str, lang: str) -> dict[str, Any] | None:
    """``read_emotions`` of the text, kept for the next reader of the same text (its first
    ``MAX_CHARS`` characters, German or English): the sentiment features read it, then
    this enricher. Read-only: the enricher stores a copy."""
    return _kept_reading(text[:MAX_CHARS], "de" if lang == "de" else "en")


@lru_cache(maxsize=SHARED_READINGS)
def _kept_reading(head: str, lang: str) -> dict[str, Any] | None:
    return read_emotions(head, lang)


def _copy(found: dict[str, Any] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"scores": dict(found["scores"]), "top": found["top"], "terms": list(found["terms"])}


def _read_rows(rows: Sequence[tuple[str, str | None]]) -> list[dict[str, Any] | None]:
    return [_copy(shared_reading(text, lang or guess_language(text))) for text, lang in rows]


@hookimpl
def register_enrichers() -> list[Any]:
    """Register the emotion enricher class (instantiated with settings by the pipeline)."""
    return [EmotionEnricher]
