"""The explorer's filters (shared by the page, the exports and the REST API): parse, page.

Dates are ``YYYY-MM-DD`` (or ISO timestamps; UTC when no zone is given); ``until`` as a
bare date includes that whole day. Pages are cut with an opaque keyset cursor, so a page
never skips or repeats a mention when new ones arrive.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

from resonanz.errors import NotFoundError, ValidationError
from resonanz.query import Node
from resonanz.search import Hit, parse_query, position_of, search_mentions
from resonanz.store import MentionFilter, Store
from resonanz.web.enrichments import parse_emotion, parse_sentiment

PAGE_SIZE = 50
PAGE_NAMES = {"lang": "language"}


@dataclass(frozen=True)
class SearchForm:
    """What the user asked for, as typed (kept to fill the form again)."""

    q: str = ""
    topic: str = ""
    platform: str = ""
    lang: str = ""
    author: str = ""
    since: str = ""
    until: str = ""
    sentiment: str = ""
    emotion: str = ""
    aspect: str = ""

    def as_query(self) -> dict[str, str]:
        """The non-empty fields under the page's parameter names, for links and exports.

        Pages call the language filter ``language``: ``?lang=`` switches the UI language.
        """
        return {PAGE_NAMES.get(k, k): value for k, value in vars(self).items() if value}


@dataclass(frozen=True)
class Search:
    """A parsed search: the query (None: everything) and the store filter."""

    node: Node | None
    flt: MentionFilter


def _when(value: str, name: str, *, end_of_day: bool = False) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a date (use YYYY-MM-DD)") from None
    if end_of_day and len(value) == 10:
        parsed += timedelta(days=1)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def build_search(store: Store, workspace_id: int, form: SearchForm) -> Search:
    """Parse the form; QueryError for a bad query, ValidationError for a bad filter."""
    node = parse_query(form.q) if form.q.strip() else None
    topic_id = None
    if form.topic.strip():
        try:
            topic_id = store.get_topic(workspace_id, form.topic.strip()).id
        except NotFoundError:
            raise ValidationError(f"topic: there is no topic {form.topic.strip()!r}") from None
    flt = MentionFilter(
        topic_id=topic_id,
        platform=form.platform.strip() or None,
        lang=form.lang.strip() or None,
        author=form.author.strip().removeprefix("@") or None,
        since=_when(form.since, "since"),
        until=_when(form.until, "until", end_of_day=True),
        sentiment=parse_sentiment(form.sentiment),
        emotion=parse_emotion(form.emotion),
        aspect=form.aspect.strip() or None,
    )
    return Search(node, flt)


def encode_cursor(position: tuple[datetime, int]) -> str:
    """An opaque page cursor for a keyset position."""
    raw = f"{position[0].isoformat()}|{position[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The keyset position of a cursor; ValidationError when it is not one of ours."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, ident = raw.partition("|")
        parsed = datetime.fromisoformat(when)
        position = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC), int(ident))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError("cursor: not a valid page cursor") from None
    return position


def hits(
    store: Store, workspace_id: int, search: Search, *, chunk_size: int = 500
) -> Iterator[Hit]:
    """Every hit of the search, newest first, streamed."""
    return search_mentions(store, workspace_id, search.node, search.flt, chunk_size=chunk_size)


def page(
    store: Store, workspace_id: int, search: Search, *, cursor: str | None, limit: int = PAGE_SIZE
) -> tuple[list[Hit], str | None]:
    """One page of hits after the cursor, and the cursor of the next page (None: last)."""
    after = decode_cursor(cursor)
    # Read no more rows than the page needs: the store stops a full-text search as soon as
    # it has them, and the full-text prefilter is exact for most queries (a query with NOT
    # or field conditions that rejects candidates reads further chunks of the same size).
    found = search_mentions(
        store, workspace_id, search.node, search.flt, after=after, chunk_size=limit + 1
    )
    taken = list(islice(found, limit + 1))
    if len(taken) <= limit:
        return taken, None
    return taken[:limit], encode_cursor(position_of(taken[limit - 1].mention))
