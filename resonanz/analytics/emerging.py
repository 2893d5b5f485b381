"""Emerging terms, hashtags and links: rising against their own baseline.

A term's baseline is its share of a topic's mentions over the past days (smoothed, so a
term never seen before is expected at half a mention); in the recent window it is expected
in ``share × window mentions`` of them. A term emerges when it is in at least ``min_count``
window mentions, at least ``min_ratio`` times its expected count, and a Poisson tail test
says that count is very unlikely from the baseline (``alpha`` from the sensitivity). Terms
are counted once per mention: content words (folded, no stop words, 3+ letters), hashtags
(``#tag``) and links (``link:host/path``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from scipy.stats import poisson

from resonanz.analytics.terms import content_words
from resonanz.query.text import hashtags

__all__ = ["EmergingParams", "EmergingTerm", "emerging_terms", "mention_terms"]

_LINK = re.compile(r"https?://([^\s/?#]+)(/[^\s?#]*)?", re.IGNORECASE)
_TRAILING = ".,;:!?)]}\"'»“”"
# A term new in the window is expected as if it had been in half a baseline mention.
_PRIOR = 0.5


@dataclass(frozen=True)
class EmergingParams:
    """How sure the test must be, and the fewest mentions and the least rise that count."""

    alpha: float = 1e-6
    min_count: int = 5
    min_ratio: float = 3.0
    max_terms: int = 5


@dataclass(frozen=True)
class EmergingTerm:
    """A term rising in the window, and how it compares with its baseline."""

    term: str
    count: int
    window_mentions: int
    expected: float
    baseline_count: int
    baseline_mentions: int
    p_value: float

    @property
    def ratio(self) -> float:
        return self.count / self.expected if self.expected > 0 else float("inf")

    def explain(self, lang: str, window_minutes: int, days: int) -> str:
        """'#bahnstreik in 23 of 41 mentions in the last 60 min, expected 0.4 from 7 days'."""
        if lang == "de":
            return (
                f"„{self.term}“ in {self.count} von {self.window_mentions} Erwähnungen der "
                f"letzten {window_minutes} min, erwartet {self.expected:.1f} nach den "
                f"{days} Tagen davor ({self.baseline_count} von {self.baseline_mentions})"
            )
        return (
            f"“{self.term}” in {self.count} of {self.window_mentions} mentions in the last "
            f"{window_minutes} min, expected {self.expected:.1f} from the {days} days before "
            f"({self.baseline_count} of {self.baseline_mentions})"
        )


def _link_term(host: str, path: str | None) -> str:
    host = host.lower().removeprefix("www.").rstrip(_TRAILING)
    path = (path or "").rstrip(_TRAILING).rstrip("/")
    return f"link:{host}{path}"


def mention_terms(folded: str, text: str) -> set[str]:
    """The distinct terms of one mention: its folded content words, hashtags and links."""
    terms = content_words(folded)
    terms.update(f"#{tag}" for tag in hashtags(text))
    terms.update(_link_term(m.group(1), m.group(2)) for m in _LINK.finditer(text))
    return terms


def _counts(texts: Iterable[tuple[str, str]]) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    n = 0
    for folded, text in texts:
        counts.update(mention_terms(folded, text))
        n += 1
    return counts, n


def emerging_terms(
    window: Iterable[tuple[str, str]],
    baseline: Iterable[tuple[str, str]],
    params: EmergingParams = EmergingParams(),
) -> list[EmergingTerm]:
    """Terms of the ``window`` texts that rise against the ``baseline`` texts, most
    surprising first; texts are (folded search text, original text) pairs."""
    now_counts, window_n = _counts(window)
    if window_n == 0:
        return []
    base_counts, base_n = _counts(baseline)
    found: list[EmergingTerm] = []
    for term, count in now_counts.items():
        if count < params.min_count:
            continue
        share = (base_counts.get(term, 0) + _PRIOR) / (base_n + 1)
        expected = share * window_n
        if count < params.min_ratio * expected:
            continue
        p_value = float(poisson.sf(count - 1, expected))
        if p_value < params.alpha:
            found.append(
                EmergingTerm(
                    term, count, window_n, expected, base_counts.get(term, 0), base_n, p_value
                )
            )
    found.sort(key=lambda t: (t.p_value, -t.count, t.term))
    return _without_echoes(found)[: params.max_terms]


def _without_echoes(found: list[EmergingTerm]) -> list[EmergingTerm]:
    """Drop a word when its hashtag emerges too (``streik`` beside ``#streik``)."""
    tags = {t.term[1:] for t in found if t.term.startswith("#")}
    return [t for t in found if t.term.startswith(("#", "link:")) or t.term not in tags]
