"""One account: its own posts and replies from its repo, and (logged in) its mentions.

Own posts come from ``com.atproto.repo.listRecords`` on the account's PDS in rkey order
(``reverse=true``: oldest first after the saved rkey; record keys are time-ordered TIDs),
so every batch's cursor is simply the last rkey in it: gapless and exact. This needs no
login and works against any PDS. Mentions, replies to the account and quotes of it come
from ``app.bsky.notification.listNotifications`` (login needed; newest first): read down
to the newest one seen last run, the cursor moves only with the last batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from resonanz.errors import FetchError, ParseError
from resonanz.models import RawItem, Skipped
from resonanz.sources import FetchedBatch
from resonanz.sources.bluesky.normalise import POST_COLLECTION, POST_KIND, RECORD_KIND
from resonanz.sources.bluesky.xrpc import XrpcClient

__all__ = ["account_batches"]

_PAGE = 100
_REASONS = ("mention", "reply", "quote")


def account_batches(
    client: XrpcClient,
    config: Mapping[str, Any],
    cursor: Mapping[str, Any],
    batch_size: int,
) -> Iterator[FetchedBatch]:
    """Own posts after the saved rkey, then mentions newer than the saved time."""
    did, handle = _identify(client, str(config["actor"]))
    state = dict(cursor)
    yield from _own_posts(client, config, did, handle, state, batch_size)
    if config.get("app_password"):
        yield from _mentions(client, config, state)


def _identify(client: XrpcClient, actor: str) -> tuple[str, str | None]:
    """(DID, handle) of the account: a handle is resolved by the service, a DID described."""
    if not actor.startswith("did:"):
        found = client.get("com.atproto.identity.resolveHandle", {"handle": actor})
        did = found.get("did")
        if not isinstance(did, str) or not did.startswith("did:"):
            raise ParseError(f"the service did not resolve the handle {actor}", where=client.url)
        return did, actor
    try:
        repo = client.get("com.atproto.repo.describeRepo", {"repo": actor})
    except FetchError as exc:
        if exc.status is None or exc.status >= 500:
            raise
        return actor, None  # the handle is unverified here: show the DID
    handle = repo.get("handle")
    return actor, handle if isinstance(handle, str) and handle != "handle.invalid" else None


def _own_posts(
    client: XrpcClient,
    config: Mapping[str, Any],
    did: str,
    handle: str | None,
    state: dict[str, Any],
    batch_size: int,
) -> Iterator[FetchedBatch]:
    pending: list[RawItem] = []
    for _ in range(int(config.get("max_pages", 10))):
        params = {
            "repo": did,
            "collection": POST_COLLECTION,
            "limit": _PAGE,
            "reverse": "true",
            "cursor": state.get("rkey"),
        }
        data = client.get("com.atproto.repo.listRecords", params)
        records = [r for r in data.get("records") or [] if isinstance(r, Mapping)]
        fetched = datetime.now(UTC)
        for record in records:
            uri = str(record.get("uri") or "")
            pending.append(
                RawItem(
                    kind=RECORD_KIND,
                    payload=record,
                    fetched_at=fetched,
                    origin=uri or "listRecords",
                    context={"handle": handle} if handle else {},
                )
            )
            state["rkey"] = uri.rsplit("/", 1)[-1]
            if len(pending) >= batch_size:
                yield FetchedBatch(items=tuple(pending), cursor=dict(state))
                pending = []
        if len(records) < _PAGE:
            break
    if pending:
        yield FetchedBatch(items=tuple(pending), cursor=dict(state))


def _mentions(
    client: XrpcClient, config: Mapping[str, Any], state: dict[str, Any]
) -> Iterator[FetchedBatch]:
    client.login(config["handle"], config["app_password"])
    seen = state.get("notified")
    newest: str | None = None
    items: list[RawItem] = []
    skipped: list[Skipped] = []
    page_cursor: str | None = None
    caught_up = False
    pages = int(config.get("max_pages", 10))
    for _ in range(pages):
        params = {"limit": _PAGE, "reasons": list(_REASONS), "cursor": page_cursor}
        data = client.get("app.bsky.notification.listNotifications", params)
        fetched = datetime.now(UTC)
        for note in data.get("notifications") or []:
            if not isinstance(note, Mapping):
                continue
            indexed = note.get("indexedAt")
            if isinstance(seen, str) and isinstance(indexed, str) and indexed <= seen:
                caught_up = True
                break
            if isinstance(indexed, str) and (newest is None or indexed > newest):
                newest = indexed
            if note.get("reason") in _REASONS:
                items.append(
                    RawItem(
                        kind=POST_KIND,
                        payload=note,
                        fetched_at=fetched,
                        origin=str(note.get("uri") or "listNotifications"),
                        context={"reason": note.get("reason")},
                    )
                )
        page_cursor = data.get("cursor") if isinstance(data.get("cursor"), str) else None
        if caught_up or not page_cursor:
            break
    else:
        skipped.append(
            Skipped(
                where=f"Bluesky notifications of {config['handle']}",
                reason=f"more than {pages} pages of notifications since the last run: older "
                "ones were not read (raise max_pages)",
            )
        )
    if newest is not None:
        state["notified"] = newest
    # Newest first: only the whole set moves the cursor (one batch).
    yield FetchedBatch(items=tuple(items), cursor=dict(state), skipped=tuple(skipped))
