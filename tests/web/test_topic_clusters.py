"""A topic's conversation clusters on a page and in the REST API: fed on request, labelled
from the mentions' own words, their posts escaped, other workspaces' topics refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from resonanz.models import Author, Mention, TopicMatch
from tests.web.conftest import World

Login = Callable[[str], TestClient]

STRIKE = [
    "GDL Streik legt die Bahn lahm, Lokführer streiken ab Mittwoch",
    "Wieder Streik bei der Bahn: die GDL ruft Lokführer zum Streik auf",
    "Lokführer Streik der GDL, Bahn fährt nur Notfahrplan",
    "Streik der GDL: Bahn streicht Fernzüge, Lokführer im Ausstand",
    "GDL Lokführer Streik trifft Pendler, Bahn bittet um Geduld",
    "Bahn Streik: GDL und Lokführer wollen mehr Geld <script>alert(1)</script>",
]
COFFEE = [
    "Bahn Bordbistro Kaffee kalt, Kaffeemaschine im ICE kaputt",
    "Kaffee im Bordbistro der Bahn war heute heiß und lecker, Kaffeemaschine geht",
    "Bahn Bordbistro: kein Kaffee, Kaffeemaschine wieder defekt im ICE",
    "ICE Bordbistro der Bahn hat endlich wieder Kaffee aus der Kaffeemaschine",
    "Bahn Kaffee im Bordbistro teuer, Kaffeemaschine langsam",
]


def _add_stories(world: World) -> int:
    ws = world.ids["acme.workspace"]
    topic = world.ids["acme.topic"]
    now = datetime.now(UTC)
    texts = [t for pair in zip(STRIKE, COFFEE, strict=False) for t in pair] + STRIKE[5:]
    world.store.save_batch(
        ws,
        [
            Mention(
                platform="mastodon",
                native_id=f"story-{i}",
                text=text,
                collected_at=now,
                created_at=now - timedelta(minutes=50 - i),
                url="javascript:alert(1)" if "GDL" in text else f"https://social.example/@u{i}/{i}",
                author=Author(platform="mastodon", handle=f"u{i}", name=f"<b>U{i}</b>"),
                lang="de",
                matches=(TopicMatch(topic, ("bahn",)),),
            )
            for i, text in enumerate(texts)
        ],
    )
    return topic


def test_the_page_groups_the_topic_and_escapes_posts(login: Login, world: World) -> None:
    topic = _add_stories(world)
    client = login("viewer")
    listing = client.get("/w/acme/topics")
    assert f"/w/acme/topics/{topic}/clusters" in listing.text
    page = client.get(f"/w/acme/topics/{topic}/clusters")
    assert page.status_code == 200, page.text
    text = page.text.lower()
    assert "streik" in text and "kaffee" in text  # both stories became clusters
    assert "<b>U" not in page.text and "&lt;b&gt;U" in page.text  # author names escaped
    assert 'href="javascript:' not in page.text  # strike posts' script URLs not linked
    assert 'href="https://social.example/' in page.text
    german = client.get(f"/w/acme/topics/{topic}/clusters?lang=de")
    assert "Gesprächscluster" in german.text and "Letzte Stunde" in german.text


def test_the_api_lists_clusters_with_their_posts(login: Login, world: World) -> None:
    topic = _add_stories(world)
    client = login("analyst")
    answer = client.get(f"/api/v1/workspaces/acme/topics/{topic}/clusters?limit=5")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["topic_id"] == topic and body["more_waiting"] is False
    assert body["clustered"] >= len(STRIKE) + len(COFFEE)
    by_label = {c["label"]: c for c in body["clusters"]}
    strike = next(c for label, c in by_label.items() if "streik" in label.lower())
    assert strike["size"] >= 4 and strike["last_hour"] >= 4
    assert all("Streik" in r["text"] for r in strike["representatives"])
    # Fed once: a second call feeds nothing new and keeps the sizes.
    again = client.get(f"/api/v1/workspaces/acme/topics/{topic}/clusters?limit=5").json()
    assert again["clustered"] == body["clustered"]
    assert [c["size"] for c in again["clusters"]] == [c["size"] for c in body["clusters"]]


def test_another_workspaces_topic_is_not_found(login: Login, world: World) -> None:
    other = world.ids["other.topic"]
    client = login("owner")
    assert client.get(f"/w/acme/topics/{other}/clusters").status_code == 404
    assert client.get(f"/api/v1/workspaces/acme/topics/{other}/clusters").status_code == 404
