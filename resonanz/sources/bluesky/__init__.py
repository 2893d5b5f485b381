"""Bluesky: repo firehose, Jetstream, post search and one account (docs/connectors/bluesky.md).

Modules: ``options`` (config checks), ``stream`` (websocket listening runs), ``frames``
(firehose CBOR/CAR decoding), ``search`` and ``account`` (XRPC paging over ``xrpc``),
``normalise`` (raw kinds -> Mention), ``source`` (the ``BlueskySource`` class).
"""

from __future__ import annotations

from typing import Any

from resonanz.hookspecs import hookimpl
from resonanz.sources.bluesky.normalise import (
    COMMIT_KIND,
    POST_KIND,
    RECORD_KIND,
    normalise_commit,
    normalise_post_view,
    normalise_record,
)
from resonanz.sources.bluesky.source import BlueskySource

__all__ = ["BlueskySource", "register_normalisers", "register_sources"]


@hookimpl
def register_sources() -> list[Any]:
    """Register the Bluesky source."""
    return [BlueskySource]


@hookimpl
def register_normalisers() -> dict[str, Any]:
    """Register the normalisers of Bluesky's raw kinds."""
    return {
        COMMIT_KIND: normalise_commit,
        POST_KIND: normalise_post_view,
        RECORD_KIND: normalise_record,
    }
