"""Topics as a library: check a query, preview it over stored mentions, save and re-match.

The CLI (``resonanz topic ...``) and the web dashboard both call these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from resonanz.collect import rematch_topics
from resonanz.errors import ConfigError, NotFoundError, QueryError
from resonanz.models import TOPIC_KINDS, Mention, Topic
from resonanz.pipeline import document_of
from resonanz.query import LintResult, evaluate, lint, matched_terms, parse, to_fts
from resonanz.store import MentionFilter, Store

ChunkCallback = Callable[[int], None]


@dataclass(frozen=True)
class QueryPreview:
    """How many stored mentions a query matches, out of how many, with a few examples."""

    hits: int
    total: int
    examples: list[tuple[Mention, tuple[str, ...]]] = field(default_factory=list)

    @property
    def share(self) -> float:
        """Share of stored mentions that match (0 when there are none)."""
        return self.hits / self.total if self.total else 0.0


def check_query(query: str) -> LintResult:
    """The lint result of a usable query; QueryError at the first error otherwise."""
    result = lint(query)
    if not result.ok:
        first = result.errors[0]
        raise QueryError(first.message, first.position, query)
    return result


def check_kind(kind: str) -> str:
    """The kind if it is one of TOPIC_KINDS; ConfigError otherwise."""
    if kind not in TOPIC_KINDS:
        raise ConfigError(f"unknown topic kind {kind!r} (choose from {', '.join(TOPIC_KINDS)})")
    return kind


def preview_query(store: Store, workspace_id: int, query: str, *, limit: int = 5) -> QueryPreview:
    """Run a (checked) query over the workspace's stored mentions, newest first."""
    check_query(query)
    node = parse(query)
    total = store.count_mentions(workspace_id)
    hits = 0
    examples: list[tuple[Mention, tuple[str, ...]]] = []
    for mention in store.iter_mentions(workspace_id, MentionFilter(fts=to_fts(node))):
        doc = document_of(mention)
        if evaluate(node, doc):
            hits += 1
            if len(examples) < limit:
                examples.append((mention, matched_terms(node, doc)))
    return QueryPreview(hits, total, examples)


def topic_by_id(store: Store, workspace_id: int, topic_id: int) -> Topic:
    """The workspace's topic with this id; NotFoundError for any other id."""
    for topic in store.list_topics(workspace_id):
        if topic.id == topic_id:
            return topic
    raise NotFoundError(f"topic {topic_id} does not exist in this workspace")


def add_topic(
    store: Store,
    workspace_id: int,
    name: str,
    query: str,
    kind: str,
    *,
    on_chunk: ChunkCallback | None = None,
) -> tuple[Topic, int]:
    """Check and add a topic, then match the stored mentions; (topic, matching mentions)."""
    check_query(query)
    created = store.add_topic(workspace_id, name, query, check_kind(kind))
    return created, rematch_topics(store, workspace_id, [created], on_chunk=on_chunk)


def update_topic(
    store: Store,
    topic: Topic,
    *,
    query: str | None = None,
    kind: str | None = None,
    active: bool | None = None,
    name: str | None = None,
    on_chunk: ChunkCallback | None = None,
) -> tuple[Topic, int | None]:
    """Change a topic (a new name keeps its matches); a new query re-matches the stored
    mentions (else None)."""
    if query is not None:
        check_query(query)
    updated = store.update_topic(
        topic.id,
        query=query,
        kind=check_kind(kind) if kind else None,
        active=active,
        name=name if name is not None and name.strip() != topic.name else None,
    )
    if query is None:
        return updated, None
    return updated, rematch_topics(store, topic.workspace_id, [updated], on_chunk=on_chunk)
