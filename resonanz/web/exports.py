"""Mention exports as CSV (Excel-friendly, formula-safe) and JSON Lines, streamed in batches.

Only the normalised fields are exported, never ``raw`` (the platform payload may carry
tokens or private fields).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from fastapi.responses import StreamingResponse

from resonanz.search import Hit
from resonanz.store import Store
from resonanz.web.enrichments import emotion_of, sentiment_of

COLUMNS = (
    "id",
    "posted_at",
    "platform",
    "author_handle",
    "author_name",
    "author_followers",
    "url",
    "text",
    "lang",
    "sentiment",
    "sentiment_score",
    "emotion",
    "topics",
    "matched_terms",
    "tags",
    "likes",
    "reposts",
    "replies",
    "quotes",
    "views",
)
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_BATCH = 200


def record(hit: Hit, topic_names: Mapping[int, str], tags: list[str]) -> dict[str, Any]:
    """The exported fields of one hit."""
    m = hit.mention
    author = m.author
    sentiment = sentiment_of(m.enrichments)
    emotion = emotion_of(m.enrichments)
    return {
        "id": m.id,
        "posted_at": (m.created_at or m.collected_at).isoformat(),
        "platform": m.platform,
        "author_handle": author.handle if author else None,
        "author_name": author.name if author else None,
        "author_followers": author.followers if author else None,
        "url": m.url,
        "text": m.text,
        "lang": m.lang,
        "sentiment": sentiment.label if sentiment else None,
        "sentiment_score": sentiment.score if sentiment else None,
        "emotion": emotion.top if emotion else None,
        "topics": [topic_names.get(t.topic_id, str(t.topic_id)) for t in m.matches],
        "matched_terms": list(hit.terms),
        "tags": tags,
        "likes": m.engagement.likes,
        "reposts": m.engagement.reposts,
        "replies": m.engagement.replies,
        "quotes": m.engagement.quotes,
        "views": m.engagement.views,
    }


def records(
    store: Store, hits: Iterable[Hit], topic_names: Mapping[int, str]
) -> Iterator[list[dict[str, Any]]]:
    """Batches of export records (tags read once per batch)."""
    it = iter(hits)
    while batch := list(islice(it, _BATCH)):
        ids = [h.mention.id for h in batch if h.mention.id is not None]
        tags = store.accounts.tags_of(ids)
        yield [record(h, topic_names, tags.get(h.mention.id or 0, [])) for h in batch]


def safe_cell(value: Any) -> str:
    """A CSV cell: lists joined with "; ", numbers as they are, and text that a spreadsheet
    would run defused."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a number (a negative score too) is no formula
    text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_chunks(batches: Iterable[list[dict[str, Any]]]) -> Iterator[str]:
    """CSV text (BOM and header first), one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield BOM + buffer.getvalue()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([safe_cell(row[c]) for c in COLUMNS] for row in batch)
        yield buffer.getvalue()


def jsonl_chunks(batches: Iterable[list[dict[str, Any]]]) -> Iterator[str]:
    """JSON Lines, one chunk per batch."""
    for batch in batches:
        yield "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in batch)


def export_response(
    store: Store, workspace_id: int, slug: str, hits: Iterable[Hit], fmt: str
) -> StreamingResponse:
    """A streamed attachment of the hits as ``csv`` or ``jsonl``."""
    names = {t.id: t.name for t in store.list_topics(workspace_id)}
    batches = records(store, hits, names)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        body, media = csv_chunks(batches), "text/csv; charset=utf-8"
    else:
        body, media = jsonl_chunks(batches), "application/x-ndjson; charset=utf-8"
    filename = f"{slug}-mentions-{stamp}.{fmt}"
    return StreamingResponse(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
