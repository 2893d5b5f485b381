"""Helpers of the publishing page tests: a stored Mastodon channel of workspace acme (no
platform involved) and posts composed through resonanz.publishing.compose."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from resonanz.plugins import create_plugin_manager
from resonanz.publishing import compose
from resonanz.publishing.channels import channel_classes
from resonanz.publishing.models import Post, PublishChannel
from resonanz.store.publishing import PublishingStore, publishing_store
from tests.web.conftest import World


@cache
def classes() -> dict[str, type]:
    """The built-in channel kinds."""
    return channel_classes(create_plugin_manager(load_entry_points=False))


def pub_of(world: World) -> PublishingStore:
    return publishing_store(world.store)


def channel(world: World, name: str = "masto", slug: str = "acme") -> PublishChannel:
    """A connected Mastodon channel row (credentials are not needed to schedule)."""
    return pub_of(world).add_channel(
        world.ids[f"{slug}.workspace"],
        "mastodon",
        name,
        {"instance": "https://masto.example", "max_characters": 500, "url_chars": 23},
        None,
        at=datetime.now(UTC),
    )


def scheduled(
    world: World,
    text: str,
    at: str,
    tz: str = "Europe/Berlin",
    channels: tuple[str, ...] = ("masto",),
) -> Post:
    """A post of acme scheduled for wall time ``at`` in ``tz``."""
    ws = world.ids["acme.workspace"]
    return compose.new_post(
        pub_of(world), classes(), ws, text, list(channels), at=at, timezone=tz
    ).post
