"""Run the enrichers again over mentions already stored.

A mention keeps what the models of its day said: after a workspace trains its own
sentiment, relevance or aspect classifier (`resonanz train`), changes its aspect
categories, or Resonanz ships a better default, only mentions collected afterwards get
the new labels. ``reanalyse`` brings stored ones up to date, as if they were collected
now: chunks of the workspace's mentions (newest first, within a filter) go through the
runtime's enrichers bound to the workspace's active models and categories (as
``collect`` binds them) and are saved with ``save_batch``, which replaces their
enrichments, the sentiment and emotion columns, the aspect rows and the hourly counts.

Topic matches, engagement, texts and sources are kept as stored. Each chunk is one
transaction: stopping at any point loses nothing, and running again does the rest (and
the chunks already done again, to the same result). An enricher that fails on a post
leaves that post's earlier enrichment in place, as it does when collecting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from resonanz.analysis.docfeatures import shared_parts
from resonanz.errors import ValidationError
from resonanz.models import Mention
from resonanz.pipeline import Enricher, pipeline_order
from resonanz.runtime import Runtime
from resonanz.store import MentionFilter, Store
from resonanz.store.bulk import chunks
from resonanz.workspace_models import workspace_enrichers

__all__ = ["ReanalyseReport", "reanalyse"]

CHUNK = 500  # mentions per enrichment batch and transaction (the pipeline's batch size)


@dataclass
class ReanalyseReport:
    """What a run did: mentions read and saved, how many changed sentiment label (and from
    what to what), and the models that labelled them."""

    enrichers: list[str]
    read: int = 0
    saved: int = 0
    sentiment_changed: int = 0
    changes: Counter[tuple[str, str]] = field(default_factory=Counter)
    models: Counter[str] = field(default_factory=Counter)


def _chosen(enrichers: Sequence[Enricher], only: Sequence[str]) -> list[Enricher]:
    if not only:
        return list(enrichers)
    known = [e.name for e in enrichers]
    unknown = sorted(set(only) - set(known))
    if unknown:
        raise ValidationError(
            f"no enricher named {', '.join(unknown)}; this installation runs: {', '.join(known)}"
        )
    return [e for e in enrichers if e.name in set(only)]


def _label(mention: Mention) -> str | None:
    found = mention.enrichments.get("sentiment")
    return found.get("label") if isinstance(found, dict) else None


def _enrich(enrichers: Sequence[Enricher], mentions: list[Mention]) -> list[Mention]:
    """Stored mentions through the enrichers in pipeline order (no matching: their
    matches are kept), without their matches, so that saving leaves those as stored."""
    batch = [m.with_fields(matches=()) for m in mentions]
    with shared_parts():
        for enricher in pipeline_order(enrichers):
            batch = enricher.enrich(batch)
    return batch


def reanalyse(
    store: Store,
    runtime: Runtime,
    workspace_id: int,
    flt: MentionFilter | None = None,
    *,
    only: Sequence[str] = (),
    chunk_size: int = CHUNK,
    on_chunk: Callable[[ReanalyseReport], None] | None = None,
) -> ReanalyseReport:
    """Enrich the workspace's stored mentions in the filter again and save them.

    ``only``: names of the enrichers to run (default: all the runtime's); ValidationError
    for a name it does not run.
    """
    if chunk_size < 1:
        raise ValidationError("the chunk size must be at least 1")
    enrichers = _chosen(workspace_enrichers(store, runtime.enrichers, workspace_id), only)
    report = ReanalyseReport(enrichers=[e.name for e in enrichers])
    for chunk in chunks(store.iter_mentions(workspace_id, flt, chunk_size=chunk_size), chunk_size):
        enriched = _enrich(enrichers, chunk)
        result = store.save_batch(workspace_id, enriched)
        report.read += len(chunk)
        report.saved += result.inserted + result.updated
        for before, after in zip(chunk, enriched, strict=True):
            old, new = _label(before), _label(after)
            if old != new and new is not None:
                report.sentiment_changed += 1
                report.changes[(old or "none", new)] += 1
            sentiment = after.enrichments.get("sentiment")
            if isinstance(sentiment, dict) and isinstance(sentiment.get("model"), str):
                report.models[sentiment["model"]] += 1
        if on_chunk is not None:
            on_chunk(report)
    return report
