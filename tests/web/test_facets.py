"""The explorer's platform and language lists: kept per workspace for a while, then read
again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from resonanz.models import Author, Mention
from resonanz.web.facets import FacetCache
from tests.web.conftest import World


def _add(world: World, platform: str, lang: str) -> None:
    world.store.save_batch(
        world.ids["acme.workspace"],
        [
            Mention(
                platform=platform,
                native_id=f"{platform}-1",
                text="Bahn",
                collected_at=datetime.now(UTC),
                author=Author(platform=platform, handle="x"),
                lang=lang,
            )
        ],
    )


def test_facets_are_kept_for_their_time_then_read_again(world: World) -> None:
    ws = world.ids["acme.workspace"]
    kept = FacetCache(ttl=3600)
    first = kept.get(world.store, ws)
    assert set(first.platforms) == {"twitter", "web"} and first.langs == ["de"]
    _add(world, "bluesky", "en")
    assert kept.get(world.store, ws) == first  # within its time: the kept lists
    fresh = FacetCache(ttl=0).get(world.store, ws)
    assert "bluesky" in fresh.platforms and "en" in fresh.langs
    other = kept.get(world.store, world.ids["other.workspace"])
    assert other.platforms != [] and other is not first  # kept per workspace


def test_the_explorer_lists_the_workspaces_platforms(
    login: Callable[[str], TestClient], world: World
) -> None:
    page = login("viewer").get("/w/acme/mentions")
    assert '<option value="twitter" ' in page.text and '<option value="web" ' in page.text
    assert "bluesky" not in page.text
