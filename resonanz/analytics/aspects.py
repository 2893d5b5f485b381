"""What people say per aspect: the aspect categories of the newest mentions (``aspect_summary``)
or of every mention in a filter (``aspect_totals``), each with how often it was named
negatively, neutrally and positively (the aspects enricher's output,
``enrichments["aspects"]``; see docs/analysis.md, *Aspects*)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from resonanz.store import MentionFilter, Store

POLARITIES: tuple[str, ...] = ("negative", "neutral", "positive")
# Newest mentions read by default: enough for a stable picture, fast on any store.
SAMPLE_LIMIT = 5_000


@dataclass(frozen=True)
class AspectSummary:
    """The aspects of the mentions read: per category its counts by polarity (a mention
    that names a category counts once for it), how many mentions were read (at most
    ``limit``, the newest) and how many of them had any aspect."""

    read: int
    with_aspects: int
    rows: list[tuple[str, dict[str, int]]]
    limit: int = SAMPLE_LIMIT  # 0: every mention of the filter was counted

    @property
    def sampled(self) -> bool:
        """Whether the limit was reached (older mentions of the filter were not read)."""
        return self.limit > 0 and self.read >= self.limit


def summarise(found: Iterable[Any], *, limit: int = SAMPLE_LIMIT) -> AspectSummary:
    """Count the aspects of each mention's ``enrichments["aspects"]`` (None or a list of
    ``{category, polarity, …}``; anything else is skipped), categories by total, most first."""
    counts: dict[str, Counter[str]] = {}
    read = with_aspects = 0
    for aspects in found:
        read += 1
        if not isinstance(aspects, list) or not aspects:
            continue
        seen: dict[str, str] = {}
        for aspect in aspects:
            if not isinstance(aspect, dict):
                continue
            category, polarity = aspect.get("category"), aspect.get("polarity")
            if isinstance(category, str) and category and category not in seen:
                seen[category] = _shown(polarity)
        if seen:
            with_aspects += 1
        for category, polarity in seen.items():
            counts.setdefault(category, Counter())[polarity] += 1
    return AspectSummary(read, with_aspects, _ordered(counts), limit)


def _ordered(counts: dict[str, Counter[str]]) -> list[tuple[str, dict[str, int]]]:
    """(category, {polarity: n}) rows, categories by total, most first."""
    return sorted(
        ((c, {p: n[p] for p in POLARITIES}) for c, n in counts.items()),
        key=lambda row: (-sum(row[1].values()), row[0]),
    )


def aspect_summary(
    store: Store, workspace_id: int, flt: MentionFilter | None = None, *, limit: int = SAMPLE_LIMIT
) -> AspectSummary:
    """The aspects of the newest ``limit`` mentions in the filter."""
    return summarise(store.recent_aspects(workspace_id, flt, limit=limit), limit=limit)


def aspect_totals(
    store: Store, workspace_id: int, flt: MentionFilter | None = None
) -> AspectSummary:
    """The aspects of every mention in the filter, counted by the store (exact; ``limit``
    0; the store keeps one row per mention and non-empty category, as ``summarise``
    counts them), a polarity other than the three counted as neutral."""
    found, with_aspects = store.aspect_counts(workspace_id, flt)
    counts: dict[str, Counter[str]] = {}
    for category, polarity, n in found:
        counts.setdefault(category, Counter())[_shown(polarity)] += n
    read = store.count_mentions(workspace_id, flt)
    return AspectSummary(read, with_aspects, _ordered(counts), limit=0)


def _shown(polarity: object) -> str:
    """The polarity counted: one of the three, anything else as neutral."""
    return polarity if isinstance(polarity, str) and polarity in POLARITIES else "neutral"
