"""REST API for planning posts: queue slots (CRUD), queuing a post, recurring posts (list,
stop), best time and hashtag suggestions; roles and error answers. SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.publishing.channels import channel_classes
from resonanz.publishing.compose import new_post
from resonanz.publishing.series import new_series
from resonanz.store.publishing import publishing_store
from resonanz.web import create_app
from tests.web.conftest import World, api_headers

API = "/api/v1/workspaces/acme"


def test_slots_queue_series_and_suggestions(world: World, web_settings: Settings) -> None:
    pub = publishing_store(world.store)
    acme = world.ids["acme.workspace"]
    config = {"instance": "https://m.example", "max_characters": 500, "account": "@a"}
    channel = pub.add_channel(acme, "mastodon", "masto", config, None, at=datetime.now(UTC))
    editor, viewer = api_headers(world, "editor"), api_headers(world, "viewer")
    app = create_app(web_settings, world.store)
    with TestClient(app) as client:
        slots = f"{API}/channels/{channel.id}/slots"
        body = {"slots": ["mon 09:00", "thu 18:30"], "timezone": "Europe/Berlin"}
        assert client.post(slots, json=body, headers=viewer).status_code == 403
        added = client.post(slots, json=body, headers=editor)
        assert added.status_code == 200, added.text
        assert [s["slot"] for s in added.json()] == ["mon 09:00", "thu 18:30"]
        assert client.get(slots, headers=viewer).json() == added.json()
        bad = client.post(slots, json={"slots": ["montag"]}, headers=editor)
        assert bad.status_code == 422 and "DAY HH:MM" in bad.text

        classes = channel_classes()
        draft = new_post(pub, classes, acme, "Hallo", ["masto"]).post
        queued = client.post(f"{API}/posts/{draft.id}/queue", headers=editor)
        assert queued.status_code == 200, queued.text
        assert queued.json()["timezone"] == "Europe/Berlin"
        assert queued.json()["local_time"][11:] in ("09:00", "18:30")

        gone = client.delete(slots, params={"slot": ["mon 09:00"]}, headers=editor)
        assert [s["slot"] for s in gone.json()] == ["thu 18:30"]
        missing = client.delete(slots, params={"slot": ["fri 09:00"]}, headers=editor)
        assert missing.status_code == 404

        start = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%d 09:00")
        made = new_series(
            pub,
            classes,
            acme,
            "Täglich",
            ["masto"],
            at=start,
            timezone="UTC",
            repeat="daily",
            count=5,
        )
        listed = client.get(f"{API}/publishing/series", headers=viewer).json()
        assert [(s["id"], s["repeats"], len(s["post_ids"])) for s in listed] == [
            (made.series.id, "daily at 09:00, 5 times", 5)
        ]
        body = {
            "text": "Woche",
            "channels": ["masto"],
            "at": start,
            "repeat": "weekly",
            "on": "mon,funday",
        }
        refused = client.post(f"{API}/publishing/series", json=body, headers=editor)
        assert refused.status_code == 422 and "funday" in refused.text
        body["on"] = "mon"
        assert client.post(f"{API}/publishing/series", json=body, headers=viewer).status_code == 403
        weekly = client.post(f"{API}/publishing/series", json=body, headers=editor)
        assert weekly.status_code == 201, weekly.text
        assert weekly.json()["repeats"] == "weekly on mon at 09:00" and weekly.json()["post_ids"]
        stop = f"{API}/publishing/series/{made.series.id}/stop"
        assert client.post(stop, headers=viewer).status_code == 403
        stopped = client.post(stop, headers=editor).json()
        assert stopped["series"]["status"] == "stopped" and len(stopped["deleted_post_ids"]) == 5
        assert client.post(f"{API}/publishing/series/999/stop", headers=editor).status_code == 404

        best = client.get(f"{API}/publishing/best-time", headers=viewer).json()
        assert best["source"] == "audience" and best["timezone"] == "Europe/Berlin"
        assert best["accounts"] == ["mastodon:a"]
        tags = client.get(f"{API}/publishing/hashtags", params={"text": "Bahn"}, headers=viewer)
        assert tags.status_code == 200 and tags.json()["terms"] == ["bahn"]
        empty = client.get(f"{API}/publishing/hashtags", params={"text": " "}, headers=viewer)
        assert empty.status_code == 422
