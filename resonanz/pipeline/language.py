"""Enricher: language of each mention, restricted to the configured languages.

Two detectors, fastest first: fastText's language identification model (``lid.176.ftz``,
shipped in ``resonanz/data/langid``, read by the ``fasttext-predict`` wheel) decides a post
when its best configured language has at least ``FASTTEXT_CONFIDENT`` probability; every
other post goes to lingua's low-accuracy mode (trigrams), which decides where it is at least
``CONFIDENT`` sure; where neither is sure, the language with the highest sum of the two
detectors' probabilities wins. Where the fastText wheel cannot be imported, lingua decides
alone.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from importlib.resources import files
from typing import Any

from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.hookspecs import hookimpl
from resonanz.models import Mention
from resonanz.query.text import MENTION_RE, URL_RE

# Handles and URLs say nothing about the language; '#' is dropped but the tag word kept.
_NOISE_RE = re.compile(MENTION_RE.pattern + "|" + URL_RE.pattern, re.IGNORECASE)
_LETTER_RE = re.compile(r"[^\W\d_]")
# Fewer letters than this: nothing to detect (the post keeps no language).
MIN_LETTERS = 3
# Long articles are identified as well from their start; this keeps the detector fast.
_MAX_CHARS = 400
# lingua's confidence from which its answer stands without fastText's opinion.
CONFIDENT = 0.9
# fastText's probability of a post's best configured language from which lingua is not asked.
# Chosen on SB10k, PotTS, GermEval 2017 dev and TweetEval val (11,342 posts with letters; gold:
# the corpus language): 96.50 % correct (lingua's low- then high-accuracy cascade used before:
# 96.44 %, fastText alone 94.99 %); 16 % of the posts go on to lingua; no high-accuracy models
# (2.3 s and ~350 MiB to load) are needed.
FASTTEXT_CONFIDENT = 0.8
# fastText's top labels looked at for the best configured language.
_FASTTEXT_TOP = 5
_FASTTEXT_MODEL = "lid.176.ftz"
_LABEL_PREFIX = "__label__"

log = logging.getLogger(__name__)


def has_letters(text: str, count: int = MIN_LETTERS) -> bool:
    """Whether text has at least ``count`` letters (stops at the count-th one)."""
    letters = _LETTER_RE.finditer(text)
    return sum(1 for _ in itertools.islice(letters, count)) == count


def detector_input(text: str) -> str:
    """The part of a post the detector looks at: no URLs or @handles, at most 400 chars.

    Lone surrogates (left by surrogateescape decoding of binary junk) become "?": both
    detectors take UTF-8, and one such post must not stop its batch.
    """
    cleaned = _NOISE_RE.sub(" ", text).replace("#", " ")
    short = " ".join(cleaned.split())[:_MAX_CHARS]
    if not short.isascii():
        try:
            short.encode("utf-8")
        except UnicodeEncodeError:
            short = short.encode("utf-8", "replace").decode("utf-8")
    return short


def lingua_languages(languages: Sequence[str]) -> list[Any]:
    """lingua's Language for each configured code; ConfigError for an unknown code."""
    from lingua import IsoCode639_1, Language

    chosen = []
    for code in languages:
        iso = getattr(IsoCode639_1, code.upper(), None)
        if iso is None:
            raise ConfigError(f"setting 'languages': unknown ISO 639-1 code {code!r}")
        chosen.append(Language.from_iso_code_639_1(iso))
    if len(chosen) < 2:
        raise ConfigError("setting 'languages': name at least two languages")
    return chosen


@lru_cache(maxsize=8)
def _detector(languages: tuple[str, ...]) -> Any:
    """lingua's detector for the languages, in low-accuracy mode (trigram models only)."""
    from lingua import LanguageDetectorBuilder

    builder = LanguageDetectorBuilder.from_languages(*lingua_languages(languages))
    return builder.with_low_accuracy_mode().build()


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    """The fastText language model, or None where the ``fasttext`` module is missing."""
    try:
        import fasttext
    except ImportError:
        log.warning("fasttext-predict is not installed; language detection uses lingua only")
        return None
    return fasttext.load_model(str(files("resonanz").joinpath("data", "langid", _FASTTEXT_MODEL)))


def fasttext_scores(text: str, languages: Sequence[str]) -> dict[str, float]:
    """fastText's probabilities of the configured languages among its top labels, best first.

    Empty where the model is not available, none of the configured languages is among its
    top labels, or the text cannot be read (fastText takes UTF-8; lone surrogates are not).
    """
    model = _fasttext()
    if model is None:
        return {}
    try:
        labels, probs = model.predict(text, k=_FASTTEXT_TOP, threshold=0.0)
    except (ValueError, UnicodeError, TypeError):
        # pybind11 answers a str it cannot encode as UTF-8 (lone surrogates) with TypeError
        return {}
    scores: dict[str, float] = {}
    for label, prob in zip(labels, probs, strict=True):
        code = label[len(_LABEL_PREFIX) :]
        if code in languages:
            scores[code] = min(1.0, float(prob))
    return scores


def _decide(lingua_values: Sequence[Any], hint: dict[str, float]) -> tuple[str, float] | None:
    """lingua's answer where it is sure, else the best sum of both detectors' probabilities.

    The score of a summed answer is the mean of the two probabilities.
    """
    if lingua_values and lingua_values[0].value >= CONFIDENT:
        best = lingua_values[0]
        return best.language.iso_code_639_1.name.lower(), float(best.value)
    summed = dict(hint)
    for value in lingua_values:
        code = value.language.iso_code_639_1.name.lower()
        summed[code] = summed.get(code, 0.0) + float(value.value)
    if not summed:
        return None
    code = max(summed, key=lambda c: summed[c])
    return code, summed[code] / 2 if hint else summed[code]


class LanguageEnricher:
    """Sets ``lang``/``lang_score`` where the platform did not state a language."""

    name = "language"
    before_match = True  # the `lang:` query operator needs it

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.language_detection
        self.languages = settings.language_list()
        if self.enabled:
            lingua_languages(self.languages)  # a bad setting fails here, not mid-stream

    def enrich(self, mentions: Sequence[Mention]) -> list[Mention]:
        """Return the mentions with a detected language where none was given."""
        if not self.enabled:
            return list(mentions)
        todo = [i for i, m in enumerate(mentions) if not m.lang]
        texts = [detector_input(f"{mentions[i].title or ''} {mentions[i].text}") for i in todo]
        usable = [j for j, t in enumerate(texts) if has_letters(t)]
        if not usable:
            return list(mentions)
        found: dict[int, tuple[str, float]] = {}
        rest: list[int] = []
        hints: list[dict[str, float]] = []
        for j in usable:
            scores = fasttext_scores(texts[j], self.languages)
            best = next(iter(scores.items()), None)
            if best is not None and best[1] >= FASTTEXT_CONFIDENT:
                found[j] = best
            else:
                rest.append(j)
                hints.append(scores)
        if rest:
            detector = _detector(self.languages)
            values = detector.compute_language_confidence_values_in_parallel(
                [texts[j] for j in rest]
            )
            for j, lingua_values, hint in zip(rest, values, hints, strict=True):
                decided = _decide(lingua_values, hint)
                if decided is not None:
                    found[j] = decided
        out = list(mentions)
        for j, (code, score) in found.items():
            index = todo[j]
            out[index] = out[index].with_fields(lang=code, lang_score=round(score, 4))
        return out


@hookimpl
def register_enrichers() -> list[Any]:
    """Register the language enricher class (instantiated with settings by the pipeline)."""
    return [LanguageEnricher]
