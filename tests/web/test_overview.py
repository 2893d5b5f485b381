"""The overview page: charts with the world's counts, date range and topic filters, errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import World, csrf_of

Login = Callable[[str], TestClient]


def specs(html: str) -> dict[str, Any]:
    """The Vega-Lite specs embedded in a page, by chart id."""
    found = re.findall(
        r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>', html, re.S
    )
    return {chart_id: json.loads(body) for chart_id, body in found}


def values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = spec["data"]["values"]
    return rows


def test_viewer_sees_all_charts_with_the_world_counts(login: Login) -> None:
    page = login("viewer").get("/w/acme")
    assert page.status_code == 200
    charts = specs(page.text)
    assert set(charts) == {
        "chart-volume",
        "chart-share",
        "chart-authors",
        "chart-platforms",
        "chart-languages",
        "chart-terms",
    }
    for spec in charts.values():
        assert "url" not in spec["data"]
    assert values(charts["chart-share"]) == [{"topic": "Brand", "n": 1, "kind": "brand"}]
    assert {v["label"]: v["n"] for v in values(charts["chart-platforms"])} == {
        "web": 2,
        "twitter": 1,
    }
    assert values(charts["chart-languages"]) == [{"label": "de", "n": 3}]
    volume = values(charts["chart-volume"])
    assert sum(v["n"] for v in volume if v["topic"] == "Brand") == 1
    assert sum(v["n"] for v in volume if v["topic"] == "(no topic)") == 2
    assert {v["author"] for v in values(charts["chart-authors"])} == {"@user0", "@user1", "@user2"}
    terms = {v["label"] for v in values(charts["chart-terms"])}
    assert {"bahn", "kaffee"} <= terms
    assert "3 mentions" in page.text
    assert "Show as table" in page.text
    assert "once the analysis is enabled" in page.text
    # Nothing of the other workspace leaks in.
    assert "Geheim" not in page.text and "other" not in values(charts["chart-terms"])


def test_short_range_counts_per_hour(login: Login) -> None:
    today = datetime.now(UTC).date()
    page = login("viewer").get(f"/w/acme?from={today - timedelta(days=2)}&to={today}")
    assert page.status_code == 200
    volume = specs(page.text)["chart-volume"]
    assert volume["encoding"]["x"]["timeUnit"] == "yearmonthdatehours"
    assert all(v["t"].endswith(":00") for v in values(volume))
    assert "Mentions per hour" in page.text


def test_range_without_mentions_and_presets(login: Login) -> None:
    client = login("viewer")
    page = client.get("/w/acme?from=2020-01-01&to=2020-01-31")
    assert page.status_code == 200
    assert values(specs(page.text)["chart-share"]) == []
    assert "0 mentions from 2020-01-01 to 2020-01-31" in page.text
    week = client.get("/w/acme?days=7")
    assert week.status_code == 200 and "3 mentions" in week.text
    assert 'aria-current="true">Last 7 days' in week.text


def test_topic_filter(login: Login, world: World) -> None:
    topic = world.ids["acme.topic"]
    page = login("viewer").get(f"/w/acme?topic={topic}")
    assert page.status_code == 200
    charts = specs(page.text)
    assert {v["label"]: v["n"] for v in values(charts["chart-platforms"])} == {"web": 1}
    assert {v["topic"] for v in values(charts["chart-volume"])} == {"Brand"}
    assert f'<option value="{topic}" selected>' in page.text


def test_invalid_dates_and_topic_answer_422_next_to_the_field(login: Login, world: World) -> None:
    client = login("viewer")
    bad = client.get("/w/acme?from=yesterday&to=2026-13-01")
    assert bad.status_code == 422
    assert 'id="e-from" class="field-error">Enter a date as YYYY-MM-DD.' in bad.text
    assert 'id="e-to" class="field-error">Enter a date as YYYY-MM-DD.' in bad.text
    reversed_range = client.get("/w/acme?from=2024-02-01&to=2024-01-01")
    assert reversed_range.status_code == 422
    assert "The start must not be after the end." in reversed_range.text
    other_topic = client.get(f"/w/acme?topic={world.ids['other.topic']}")
    assert other_topic.status_code == 422
    assert "Choose one of the workspace&#39;s topics." in other_topic.text
    assert client.get("/w/acme?days=5").status_code == 422


def test_htmx_gets_only_the_section(login: Login) -> None:
    page = login("viewer").get("/w/acme?days=30", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert page.text.lstrip().startswith('<div id="overview-body">')
    assert "<html" not in page.text
    assert "chart-volume" in page.text


def test_german_labels(login: Login) -> None:
    page = login("viewer").get("/w/acme?lang=de")
    assert page.status_code == 200
    assert "Share of Voice" in page.text and "Letzte 7 Tage" in page.text
    assert "3 Erwähnungen vom" in page.text
    assert "Erwähnungen pro Tag" in page.text


def test_access(anon: TestClient, login: Login) -> None:
    assert anon.get("/w/acme", follow_redirects=False).status_code in (302, 303)
    assert login("stranger").get("/w/acme").status_code == 404


def _aspect_mentions(world: World, aspects: list[list[tuple[str, str]]]) -> None:
    from resonanz.models import Mention

    now = datetime.now(UTC)
    world.store.save_batch(
        world.ids["acme.workspace"],
        [
            Mention(
                platform="web",
                native_id=f"aspects-{i}",
                text="Kaffee und Personal",
                collected_at=now,
                created_at=now - timedelta(minutes=i),
                enrichments={
                    "aspects": [{"category": c, "polarity": p, "terms": []} for c, p in found]
                },
            )
            for i, found in enumerate(aspects)
        ],
    )


def test_aspects_chart_only_where_the_workspace_finds_aspects(login: Login, world: World) -> None:
    _aspect_mentions(
        world,
        [
            [("Kaffee", "negative"), ("Personal", "positive")],
            [("Kaffee", "negative"), ("Kaffee", "positive")],  # counted once: the first
            [("Kaffee", "positive")],
            [],
        ],
    )
    viewer = login("viewer")
    # aspect_analysis is off for the app and the workspace has no categories: no chart.
    assert "chart-aspects" not in specs(viewer.get("/w/acme").text)
    world.store.aspects.put(
        world.ids["acme.workspace"],
        '[[category]]\nname = "Kaffee"\nterms = ["kaffee"]\n',
        "toml",
        datetime.now(UTC),
    )
    page = viewer.get("/w/acme")
    chart = specs(page.text)["chart-aspects"]
    counts = {(v["topic"], v["sentiment"].lower()): v["n"] for v in values(chart)}
    assert counts[("Kaffee", "negative")] == 2 and counts[("Kaffee", "positive")] == 1
    assert counts[("Personal", "positive")] == 1 and counts[("Personal", "negative")] == 0
    assert chart["encoding"]["y"]["sort"] == ["Kaffee", "Personal"]  # most named first
    assert "3 of the period&#39;s" in page.text or "3 of the period's" in page.text
    # Each category links to its mentions in the explorer, for the same period.
    link = re.search(r'href="(/w/acme/mentions\?[^"]*aspect=Personal)"', page.text)
    assert link is not None
    explorer = viewer.get(link.group(1).replace("&amp;", "&"))
    assert explorer.status_code == 200 and 'value="Personal"' in explorer.text
    assert explorer.text.count("<article") == 1  # only the mention that names Personal
    api = viewer.get("/api/v1/workspaces/acme/mentions", params={"aspect": "Kaffee"})
    assert api.status_code == 200 and len(api.json()["items"]) == 3
    viewer.post(
        "/w/acme/settings/locale",
        data={"csrf_token": csrf_of(viewer), "locale": "de"},
    )
    assert "Aspekte und ihre Polarität" in viewer.get("/w/acme").text
