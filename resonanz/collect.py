"""Units of work over batches with persisted cursors: collect a source, re-match topics.

Each function takes the store and plain records, so a later worker (Celery) can run it
unchanged. A batch and its cursor are stored in one transaction: killing the process at
any point loses nothing and duplicates nothing; the next run resumes from the cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from resonanz.config import parse_bool
from resonanz.errors import AuthError, ConfigError, SourceError
from resonanz.models import Mention, Skipped, SourceConfig, Topic, TopicMatch
from resonanz.pipeline import Enricher, build_matcher, match_mention, process
from resonanz.query import Matcher
from resonanz.runtime import Runtime
from resonanz.sources.configure import decrypted_config
from resonanz.store import Store
from resonanz.workspace_models import workspace_enrichers


@dataclass
class RunReport:
    """What one run of one source did."""

    source: str
    batches: int = 0
    fetched: int = 0
    inserted: int = 0
    updated: int = 0
    matched: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the source could be read (some rows may still have been skipped)."""
        return self.error is None


BatchCallback = Callable[[RunReport], None]


def _now() -> datetime:
    return datetime.now(UTC)


def run_source(
    store: Store,
    runtime: Runtime,
    source: SourceConfig,
    *,
    matcher: Matcher | None = None,
    enrichers: Sequence[Enricher] | None = None,
    on_batch: BatchCallback | None = None,
) -> RunReport:
    """Fetch one source from its cursor, process and store batch by batch.

    ``enrichers`` default to the runtime's, bound to the workspace's trained models.
    """
    report = RunReport(source=source.name)
    if matcher is None:
        matcher = build_matcher(store.list_topics(source.workspace_id, active_only=True))
    if enrichers is None:
        enrichers = workspace_enrichers(store, runtime.enrichers, source.workspace_id)
    keep_unmatched = parse_bool(source.config.get("keep_unmatched", True), "keep_unmatched")
    try:
        config = decrypted_config(runtime.settings, source.config)
        instance = runtime.source_class(source.kind)(config, runtime.settings)
    except ConfigError as exc:
        report.error = f"the source's settings cannot be used: {exc}"
        store.record_source_run(source.id, at=_now(), error=report.error)
        return report
    try:
        for batch in instance.fetch(source.cursor):
            processed = process(
                batch.items,
                normalisers=runtime.normalisers,
                matcher=matcher,
                enrichers=enrichers,
                keep_unmatched=keep_unmatched,
            )
            result = store.save_batch(
                source.workspace_id,
                processed.mentions,
                source_id=source.id,
                cursor=batch.cursor,
                at=_now(),
            )
            report.batches += 1
            report.fetched += len(batch.items)
            report.inserted += result.inserted
            report.updated += result.updated
            report.matched += sum(1 for m in processed.mentions if m.matches)
            report.skipped.extend(batch.skipped)
            report.skipped.extend(processed.skipped)
            if on_batch is not None:
                on_batch(report)
    except AuthError as exc:
        # Retrying revoked or expired credentials cannot help: stop until the user acts.
        report.error = (
            f"{exc} — the source is paused; renew its credentials with "
            f"`resonanz source update {source.name} -o <option>=<value>`"
        )
        store.record_source_run(
            source.id, at=_now(), error=report.error, items=report.inserted, attention=True
        )
        return report
    except SourceError as exc:
        report.error = str(exc)
        store.record_source_run(source.id, at=_now(), error=report.error, items=report.inserted)
        return report
    store.record_source_run(source.id, at=_now(), items=report.inserted)
    return report


def collect(
    store: Store,
    runtime: Runtime,
    workspace_id: int,
    *,
    names: Sequence[str] = (),
    on_batch: BatchCallback | None = None,
) -> list[RunReport]:
    """Run every enabled source of a workspace (or only those named) once.

    A source paused for its credentials is not run; its report repeats why.
    """
    sources = [s for s in store.list_sources(workspace_id) if s.enabled]
    if names:
        wanted = set(names)
        sources = [s for s in sources if s.name in wanted]
    matcher = build_matcher(store.list_topics(workspace_id, active_only=True))
    enrichers = workspace_enrichers(store, runtime.enrichers, workspace_id) if sources else ()
    reports = []
    for s in sources:
        if s.health.attention:
            reports.append(RunReport(source=s.name, error=f"paused: {s.health.attention}"))
            continue
        reports.append(
            run_source(store, runtime, s, matcher=matcher, enrichers=enrichers, on_batch=on_batch)
        )
    return reports


def rematch_topics(
    store: Store,
    workspace_id: int,
    topics: Sequence[Topic],
    *,
    chunk_size: int = 1000,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Re-evaluate stored mentions against these topics; return how many now match."""
    matcher = build_matcher(topics)
    topic_ids = [t.id for t in topics]
    matched = 0
    chunk: list[Mention] = []

    def flush() -> None:
        nonlocal matched
        found: dict[int, Sequence[TopicMatch]] = {}
        for mention in chunk:
            assert mention.id is not None
            found[mention.id] = match_mention(mention, matcher)
        matched += sum(1 for v in found.values() if v)
        store.replace_matches(workspace_id, found, topic_ids)
        if on_chunk is not None:
            on_chunk(len(chunk))
        chunk.clear()

    for mention in store.iter_mentions(workspace_id, chunk_size=chunk_size):
        chunk.append(mention)
        if len(chunk) >= chunk_size:
            flush()
    if chunk:
        flush()
    return matched
