"""The planning page: recurring posts in words (de/en) with their next occurrences and a
stop button, queue slots added and removed per channel, and best times to post as a
heatmap with its table (own posts' smoothed engagement, or the audience's activity,
labelled, when there are too few). SQLite."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import islice

from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.models import Author, Engagement, Mention
from resonanz.publishing.recurrence import occurrences
from resonanz.publishing.series import new_series
from resonanz.store.post_series import series_of
from resonanz.store.queue_slots import slots_of
from resonanz.web import create_app
from tests.web.conftest import World, csrf_of, log_in
from tests.web.publishing_world import channel, classes, pub_of

PAGE = "/w/acme/planning"


def _chart(page: str, chart_id: str) -> dict[str, object]:
    found = re.search(rf'data-chart="{chart_id}">(.*?)</script>', page, re.S)
    assert found, f"no chart {chart_id}"
    spec: dict[str, object] = json.loads(found.group(1))
    return spec


def _own_posts(world: World, acme: int) -> None:
    """35 posts of the account acme.test in the last weeks: Tuesday 10:00 UTC ones do well."""
    monday = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday -= timedelta(days=monday.weekday(), weeks=8)
    batch = []
    for week in range(7):
        for weekday, hour, likes in ((1, 10, 80), (0, 8, 4), (2, 14, 5), (3, 16, 3), (4, 12, 6)):
            when = monday + timedelta(weeks=week, days=weekday, hours=hour)
            batch.append(
                Mention(
                    platform="bluesky",
                    native_id=f"own-{week}-{weekday}",
                    text="Beitrag",
                    collected_at=when + timedelta(hours=1),
                    created_at=when,
                    author=Author(platform="bluesky", handle="acme.test"),
                    engagement=Engagement(likes=likes + week, reposts=0, replies=0),
                )
            )
    world.store.save_batch(acme, batch)


def test_series_slots_and_the_audience_fallback(
    world: World, login: Callable[[str], TestClient]
) -> None:
    acme = world.ids["acme.workspace"]
    masto = channel(world)
    start = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d 09:00")
    made = new_series(
        pub_of(world),
        classes(),
        acme,
        "Wochenrückblick",
        ["masto"],
        at=start,
        timezone="Europe/Berlin",
        repeat="weekly",
        on="mon,thu",
        count=10,
    ).series
    viewer = login("viewer")
    page = viewer.get(PAGE)
    assert page.status_code == 200
    assert 'aria-current="page">Planning' in page.text
    assert "weekly on Mon, Thu at 09:00, 10 times in all (Europe/Berlin)" in page.text
    upcoming = list(islice(occurrences(made.rule, skip=made.made), 3))
    assert all(f"<li>{when}</li>" in page.text for when in upcoming)
    # Too few own posts (the Mastodon channel names no listened account): said so, and
    # the audience's activity (acme's topic mentions) labelled as such.
    assert "Not enough data:" in page.text and "Instead: your audience's activity." in page.text
    spec = _chart(page.text, "chart-audience")
    assert spec["mark"] == {"type": "rect"}
    assert "Mentions per week" in page.text
    assert "/planning/series/" not in page.text and "Add slots" not in page.text
    german = viewer.get(PAGE + "?lang=de").text
    assert "wöchentlich am Mo, Do um 09:00, insgesamt 10-mal" in german
    assert "Nicht genug Daten:" in german
    viewer.get(PAGE + "?lang=en")

    editor = login("editor")
    token = csrf_of(editor, PAGE)
    bad = editor.post(
        PAGE + "/slots",
        data={
            "channel": "masto",
            "slots": "mon 09:00, montag",
            "timezone": "Europe/Berlin",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and "The slots were not added:" in bad.text
    assert 'value="mon 09:00, montag"' in bad.text  # the input is kept
    assert slots_of(pub_of(world)).slots(acme) == []  # all checked before any is stored
    added = editor.post(
        PAGE + "/slots",
        data={
            "channel": "masto",
            "slots": "mon 09:00; thu 18:30",
            "timezone": "Europe/Berlin",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = editor.get(PAGE).text
    assert "Mon 09:00 Europe/Berlin" in page and "Thu 18:30 Europe/Berlin" in page
    removed = editor.post(
        f"{PAGE}/slots/{masto.id}/remove",
        data={"slot": "mon 09:00", "csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert [(s.weekday, s.time) for s in slots_of(pub_of(world)).slots(acme)] == [(3, "18:30")]
    again = editor.post(
        f"{PAGE}/slots/{masto.id}/remove", data={"slot": "mon 09:00", "csrf_token": token}
    )
    assert again.status_code == 404 and "The slot was not removed:" in again.text

    stopped = editor.post(
        f"{PAGE}/series/{made.id}/stop", data={"csrf_token": token}, follow_redirects=False
    )
    assert stopped.status_code == 303
    assert series_of(pub_of(world)).get(acme, made.id).status == "stopped"
    assert "stopped" in editor.get(PAGE).text


def test_the_heatmap_of_own_posts(bworld: World, web_settings: Settings) -> None:
    """On SQLite and PostgreSQL."""
    world = bworld
    acme = world.ids["acme.workspace"]
    pub_of(world).add_channel(
        acme,
        "bluesky",
        "sky",
        {"pds": "https://pds.example", "handle": "acme.test"},
        None,
        at=datetime.now(UTC),
    )
    _own_posts(world, acme)
    with TestClient(create_app(web_settings, world.store)) as anon:
        client = log_in(anon, world.users["viewer"].email)
        page = client.get(PAGE, params={"channel": "sky", "tz": "Asia/Tokyo"})
        assert page.status_code == 200
        assert "From 35 of your own posts in the last 182 days" in page.text
        assert "Not enough data" not in page.text
        spec = _chart(page.text, "chart-best-time")
        values = spec["data"]["values"]  # type: ignore[index]
        assert len(values) == 5  # five hours of the week with posts, the rest empty
        best = max(values, key=lambda v: v["v"])
        assert (best["day"], best["hour"]) == ("Tue", 19)  # 10:00 UTC in Tokyo
        table = page.text.split('data-chart="chart-best-time"', 1)[1]
        assert "90 % interval" in table and "<td>7</td>" in table  # 7 posts in the cell
        unknown = client.get(PAGE, params={"channel": "nope", "tz": "Mars/Base"})
        assert unknown.status_code == 200
        assert "Unknown time zone Mars/Base: showing UTC." in unknown.text
        assert "No channel nope: showing all channels." in unknown.text
