"""Repo firehose frames (``com.atproto.sync.subscribeRepos``) -> post commit events.

A frame is two DAG-CBOR objects: a header (``{"op": 1, "t": "#commit"}``, or ``op: -1``
for an error frame) and a body. A ``#commit`` body lists its ``ops`` (action, path
``collection/rkey``, record CID) and carries the new records as a CAR file in ``blocks``
(shapes: the subscribeRepos lexicon and the event stream spec, atproto.com/specs/event-stream).
Only post creations are decoded (the CAR is read only when the commit creates a post, which
keeps the many likes and follows cheap); each becomes the Jetstream-shaped event that
:func:`normalise_commit <resonanz.sources.bluesky.normalise.normalise_commit>` reads.
Decoding uses ``libipld`` (the Rust codec the ``atproto`` SDK's ``CAR.from_bytes`` and
frame parser use underneath) directly, without building SDK model objects per event.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import libipld

from resonanz.sources.bluesky.normalise import POST_COLLECTION

__all__ = ["FrameError", "FrameEvent", "decode_frame", "jsonable"]

_POST_PREFIX = POST_COLLECTION + "/"


@dataclass(frozen=True)
class FrameError:
    """The server sent an error frame (``op: -1``), e.g. FutureCursor or ConsumerTooSlow."""

    error: str
    message: str


@dataclass
class FrameEvent:
    """What one frame held: its seq, post creations, and what was passed over and why.

    ``posts`` are Jetstream-shaped commit events; ``skipped`` are (where, reason) pairs
    for post deletions and unreadable records; ``ignored`` counts other operations
    (likes, follows, reposts, edits) that listening has no use for.
    """

    seq: int | None
    kind: str
    posts: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    ignored: int = 0
    did: str | None = None
    handle: str | None = None
    info: str | None = None


def jsonable(value: Any) -> Any:
    """A decoded DAG-CBOR value as atproto's JSON form: CID links ``{"$link": "bafy..."}``,
    other bytes ``{"$bytes": base64}``."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, bytes):
        try:
            return {"$link": libipld.encode_cid(value)}
        except ValueError:
            return {"$bytes": base64.b64encode(value).decode("ascii").rstrip("=")}
    return value


def _cid_text(value: Any) -> str | None:
    if isinstance(value, bytes):
        try:
            return libipld.encode_cid(value)
        except ValueError:
            return None
    return value if isinstance(value, str) else None


def decode_frame(data: bytes) -> FrameEvent | FrameError:
    """Decode one binary firehose frame; ValueError when it is not a readable frame."""
    try:
        parts = libipld.decode_dag_cbor_multi(data)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not DAG-CBOR: {exc}") from exc
    if len(parts) != 2 or not isinstance(parts[0], dict) or not isinstance(parts[1], dict):
        raise ValueError(f"a frame is a header and a body, this has {len(parts)} part(s)")
    header, body = parts
    if header.get("op") == -1:
        return FrameError(str(body.get("error", "unknown")), str(body.get("message", "")))
    if header.get("op") != 1:
        raise ValueError(f"unknown frame op {header.get('op')!r}")
    kind = str(header.get("t", ""))
    seq = body.get("seq")
    event = FrameEvent(seq=seq if isinstance(seq, int) else None, kind=kind)
    if kind == "#commit":
        _read_commit(body, event)
    elif kind == "#identity":
        event.did = body.get("did") if isinstance(body.get("did"), str) else None
        event.handle = body.get("handle") if isinstance(body.get("handle"), str) else None
    elif kind == "#info":
        event.info = f"{body.get('name', '')}: {body.get('message', '')}".strip(": ")
    return event


def _read_commit(body: Mapping[str, Any], event: FrameEvent) -> None:
    did = body.get("repo")
    ops = body.get("ops")
    if not isinstance(did, str) or not isinstance(ops, list):
        raise ValueError("a #commit without repo or ops")
    event.did = did
    wanted: list[tuple[str, Any]] = []
    for op in ops:
        if not isinstance(op, Mapping):
            raise ValueError("a #commit op that is not a map")
        path, action = op.get("path"), op.get("action")
        if not isinstance(path, str) or not path.startswith(_POST_PREFIX):
            event.ignored += 1
        elif action == "create":
            wanted.append((path, op.get("cid")))
        elif action == "delete":
            event.skipped.append((f"at://{did}/{path}", "post deleted"))
        else:
            event.ignored += 1  # an edit of a post (rare; clients do not offer it)
    if not wanted:
        return
    blocks_data = body.get("blocks")
    if body.get("tooBig") or not isinstance(blocks_data, bytes):
        for path, _ in wanted:
            event.skipped.append(
                (f"at://{did}/{path}", "commit too big: its records were left out")
            )
        return
    try:
        _, blocks = libipld.decode_car(blocks_data)
    except (ValueError, RecursionError) as exc:
        for path, _ in wanted:
            event.skipped.append((f"at://{did}/{path}", f"unreadable CAR blocks: {exc}"))
        return
    for path, cid in wanted:
        uri = f"at://{did}/{path}"
        record = blocks.get(cid) if isinstance(cid, bytes) else None
        if not isinstance(record, dict):
            event.skipped.append((uri, "the commit does not carry the post's record"))
            continue
        if record.get("$type") != POST_COLLECTION:
            event.skipped.append((uri, f"record type {record.get('$type')!r} is not a post"))
            continue
        event.posts.append(
            {
                "did": did,
                "seq": event.seq,
                "time": body.get("time"),
                "kind": "commit",
                "commit": {
                    "rev": body.get("rev"),
                    "operation": "create",
                    "collection": POST_COLLECTION,
                    "rkey": path[len(_POST_PREFIX) :],
                    "cid": _cid_text(cid),
                    "record": jsonable(record),
                },
            }
        )
