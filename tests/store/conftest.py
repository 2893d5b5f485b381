"""Factories for store tests: mentions and a workspace with topics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resonanz.models import Author, Engagement, Mention, Workspace
from resonanz.store import SqlStore

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

MakeMention = Callable[..., Mention]


@pytest.fixture
def make_mention() -> MakeMention:
    """Build a Mention: make_mention("1", text=..., minutes=5, handle="anna", ...)."""

    def make(native_id: str, **fields: Any) -> Mention:
        minutes = fields.pop("minutes", int(native_id) if native_id.isdigit() else 0)
        handle = fields.pop("handle", None)
        followers = fields.pop("followers", None)
        fields.setdefault("platform", "bluesky")
        fields.setdefault("text", f"post number {native_id}")
        fields.setdefault("collected_at", T0 + timedelta(hours=1))
        fields.setdefault("created_at", T0 + timedelta(minutes=minutes))
        fields.setdefault("raw", {"uri": f"at://{native_id}", "nested": {"n": [1, 2]}})
        fields.setdefault("raw_kind", "bluesky")
        fields.setdefault("engagement", Engagement(likes=1))
        if handle is not None:
            fields["author"] = Author(
                platform=fields["platform"], handle=handle, name=handle.title(), followers=followers
            )
        return Mention(native_id=native_id, **fields)

    return make


@pytest.fixture
def ws(store: SqlStore) -> Workspace:
    """A workspace "demo" with topics "Flixbus" (brand) and "Bahn" (competitor)."""
    workspace = store.create_workspace("demo", "Demo GmbH")
    store.add_topic(workspace.id, "Flixbus", "flixbus", "brand")
    store.add_topic(workspace.id, "Bahn", "bahn OR db", "competitor")
    return workspace
