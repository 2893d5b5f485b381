"""The feature dicts a workspace's trained classifiers read (``training``, ``aspect_model``).

A document's features are built from parts: the default features with character n-grams
of its first ``head_chars`` characters plus language, @handles and link domains
(``base``), the words and pairs of its first FULL_TEXT_CHARS (``full``), their word
trigrams (``trigrams``), and the default sentiment model's probabilities (``stacked``).

A workspace's sentiment, relevance and aspect classifiers each read one batch of posts
right after another, and relevance and aspects read the same base and full parts. Inside
``shared_parts()`` (the pipeline wraps each batch's enrichment in it), the parts built
are kept until the block ends, up to KEPT_FEATURES features in all, so that each part of
a post is built once per batch instead of once per classifier. Callers always get a
fresh dict: the kept parts are never handed out. Outside such a block nothing is kept.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from resonanz.analysis.langguess import guess_language
from resonanz.analysis.lexicon import fold as fold_word
from resonanz.analysis.textfeatures import MAX_CHARS, features

__all__ = ["FULL_TEXT_CHARS", "KEPT_FEATURES", "document_features", "shared_parts"]

# How much of a text the full-text word features read (bounds one post's cost).
FULL_TEXT_CHARS = 5_000
# Features kept in one shared_parts() block (a dict slot each, the names mostly shared
# with the token caches): a 500-post batch of tweets has ~300,000; of long articles, the
# first posts' parts are kept and the rest built again by each classifier.
KEPT_FEATURES = 1_000_000
_FULL_WORD_RE = re.compile(r"\w\w+")
_TRIGRAM_TOKEN_RE = re.compile(r"[@#]?\w\w+")
_HANDLE_RE = re.compile(r"(?<![\w@])@(\w{1,40})")
_DOMAIN_RE = re.compile(r"(?:https?://|www\.)(?:www\.)?([\w.-]+\.[a-z]{2,})", re.IGNORECASE)

# (part, language, head_chars, text) -> features
_Key = tuple[str, str, int, str]


class _Kept:
    """The parts kept in one shared_parts() block."""

    def __init__(self) -> None:
        self.parts: dict[_Key, dict[str, float]] = {}
        self.size = 0


_scope: ContextVar[_Kept | None] = ContextVar("resonanz_document_parts", default=None)


@contextmanager
def shared_parts() -> Iterator[None]:
    """Keep the document parts built inside the block for the rest of it (a block
    inside another shares the outer one's)."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set(_Kept())
    try:
        yield
    finally:
        _scope.reset(token)


def _part(key: _Key, build: Callable[..., dict[str, float]], *args: object) -> dict[str, float]:
    """The features of ``key`` (``build(*args)``), kept inside shared_parts() (the
    result is not to be changed)."""
    kept = _scope.get()
    if kept is None:
        return build(*args)
    found = kept.parts.get(key)
    if found is None:
        found = build(*args)
        if kept.size + len(found) <= KEPT_FEATURES:
            kept.parts[key] = found
            kept.size += len(found)
    return found


def _extra(text: str, lang: str) -> dict[str, float]:
    """Language, @handles and link domains (the default features keep only placeholders)."""
    head = text[:MAX_CHARS]
    names = {"h:@" + h.lower() for h in _HANDLE_RE.findall(head)}
    for domain in _DOMAIN_RE.findall(head):
        parts = domain.lower().rstrip(".").split(".")
        names.add("u:" + ".".join(parts[-2:]))
    out = {name: 1.0 / math.sqrt(len(names)) for name in names}
    out["x:lang:" + lang] = 1.0
    return out


def _base(text: str, lang: str, head_chars: int) -> dict[str, float]:
    doc = features(text, lang, char_ngrams=True, max_chars=head_chars)
    doc.update(_extra(text, lang))
    return doc


def _damped_unit(counts: Counter[str]) -> dict[str, float]:
    """Each feature weighted 1 + ln(count), the block L2-normalised (empty: no features)."""
    if not counts:
        return {}
    weights = {name: 1.0 + math.log(n) for name, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {name: w / norm for name, w in weights.items()}


def _full_text(text: str) -> dict[str, float]:
    """Words (``f:``) and word pairs (``g:``) of the text's first FULL_TEXT_CHARS,
    each weighted 1 + ln(count), the block L2-normalised."""
    words = [fold_word(w) for w in _FULL_WORD_RE.findall(text[:FULL_TEXT_CHARS])]
    counts = Counter("f:" + w for w in words)
    counts.update(f"g:{a}|{b}" for a, b in itertools.pairwise(words))
    return _damped_unit(counts)


def _trigrams(text: str) -> dict[str, float]:
    """Word trigrams (``t:``) of the text's first FULL_TEXT_CHARS, @handles and #hashtags
    kept as words, each weighted 1 + ln(count), the block L2-normalised."""
    words = [fold_word(w) for w in _TRIGRAM_TOKEN_RE.findall(text[:FULL_TEXT_CHARS])]
    counts = Counter(f"t:{a}|{b}|{c}" for a, b, c in zip(words, words[1:], words[2:], strict=False))
    return _damped_unit(counts)


def document_features(
    texts: Sequence[str],
    langs: Sequence[str | None],
    stacked: bool,
    full_text: bool = False,
    trigrams: bool = False,
    head_chars: int = MAX_CHARS,
) -> list[dict[str, float]]:
    """The feature dict of every text (with the default model's probabilities if
    ``stacked``, with the whole text's words if ``full_text``, its word trigrams if
    ``trigrams``; the default features of the first ``head_chars`` characters)."""
    chosen = [lang or guess_language(text) for text, lang in zip(texts, langs, strict=True)]
    docs = []
    for text, lang in zip(texts, chosen, strict=True):
        # A text no shorter than both spans reads the same with either: one part for both.
        head = min(head_chars, len(text))
        key = text[: max(head, MAX_CHARS)]  # what _base reads
        doc = dict(_part(("base", lang, head, key), _base, text, lang, head))
        if full_text or trigrams:
            span = text[:FULL_TEXT_CHARS]
            if full_text:
                doc.update(_part(("full", "", 0, span), _full_text, span))
            if trigrams:
                doc.update(_part(("trigrams", "", 0, span), _trigrams, span))
        docs.append(doc)
    if stacked:
        from resonanz.analysis.sentiment import default_sentiment

        for doc, prediction in zip(docs, default_sentiment().predict(texts, chosen), strict=True):
            for label, p in prediction.probs.items():
                doc["d:" + label] = p
    return docs
