"""Full-text search of stored mentions with the topic query language.

The query is linted and parsed, turned into the store's full-text prefilter
(``query.to_fts``), and every candidate the store streams back is checked exactly in
Python (``query.evaluate``). Used by ``resonanz search``, the web explorer, its exports
and the REST API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from math import ceil

from resonanz.errors import QueryError
from resonanz.models import Mention
from resonanz.pipeline import document_of
from resonanz.query import Node, evaluate, lint, matched_terms, parse, to_fts
from resonanz.query.fts import MARKERS, required_marker, required_tags
from resonanz.store import MentionFilter, Store

# Chunks of candidates grow by this factor, up to this size (or the first chunk's).
_GROWTH = 4
_MAX_CHUNK = 2000
# A chunk sized by the hits so far reads this many times the candidates they say it needs,
# and at least _MIN_CHUNK.
_MARGIN = 1.3
_MIN_CHUNK = 16


@dataclass(frozen=True)
class Hit:
    """A mention that matched, with the query's literals that matched it (() without query)."""

    mention: Mention
    terms: tuple[str, ...] = ()


def parse_query(query: str) -> Node:
    """Lint and parse a query; QueryError (with its position) at the first error."""
    result = lint(query)
    if not result.ok:
        first = result.errors[0]
        raise QueryError(first.message, first.position, query)
    return parse(query)


def search_mentions(
    store: Store,
    workspace_id: int,
    node: Node | None,
    flt: MentionFilter | None = None,
    *,
    newest_first: bool = True,
    after: tuple[datetime, int] | None = None,
    chunk_size: int = 1000,
) -> Iterator[Hit]:
    """Stream the workspace's mentions that pass the filter and match the query (if any)."""
    flt = flt or MentionFilter()
    if node is None:
        for mention in store.iter_mentions(
            workspace_id, flt, newest_first=newest_first, chunk_size=chunk_size, after=after
        ):
            yield Hit(mention)
        return
    marker = required_marker(node)
    tags = required_tags(node)
    flt = replace(
        flt,
        fts=to_fts(node),
        # The bare signs first: a cheap test that most posts fail before the tag condition.
        contains_any=tuple(f for sign in sorted({s for s, _ in tags}) for f in MARKERS[sign])
        if tags
        else MARKERS[marker]
        if marker
        else (),
        contains_tags=tuple(sorted(tags)) if tags else (),
    )
    # The prefilter may pass candidates the query rejects (NOT, fields, hashtags): the
    # chunks grow, so a selective query reads few of them without many small reads. Until
    # chunk_size hits are found (a result page), the next chunk is sized by the share of
    # candidates that were hits so far, with a margin; then chunks grow _GROWTH times.
    size = chunk_size
    hits = seen = 0
    while True:
        chunk = list(
            islice(
                store.iter_mentions(
                    workspace_id, flt, newest_first=newest_first, chunk_size=size, after=after
                ),
                size,
            )
        )
        for mention in chunk:
            doc = document_of(mention)
            if evaluate(node, doc):
                hits += 1
                yield Hit(mention, matched_terms(node, doc))
        if len(chunk) < size:
            return
        after = position_of(chunk[-1])
        seen += len(chunk)
        size = min(size * _GROWTH, max(chunk_size, _MAX_CHUNK))
        if 0 < hits < chunk_size:
            size = min(size, max(_MIN_CHUNK, ceil((chunk_size - hits) * seen / hits * _MARGIN)))


def position_of(mention: Mention) -> tuple[datetime, int]:
    """The mention's keyset position in the store's reading order (for ``after``)."""
    if mention.id is None:
        raise ValueError("a mention that was never stored has no position")
    return (mention.created_at or mention.collected_at, mention.id)
