"""Sentiment in the web app: explorer filter and badges, keywords and aspects, exports, the
REST API, the overview's sentiment charts, German labels."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from resonanz.web.charts import net_sentiment, sentiment_by_topic, sentiment_over_time, signed
from resonanz.web.enrichments import aspects_of, keywords_of, sentiment_of
from tests.web.conftest import World
from tests.web.test_overview import specs, values

Login = Callable[[str], TestClient]
BASE = "/w/acme/mentions"
API = "/api/v1/workspaces/acme/mentions"
XSS = "<script>alert(1)</script>"


def _sentiment(label: str, score: float) -> dict[str, Any]:
    return {"sentiment": {"label": label, "score": score, "model": "default-de"}}


def label_world(world: World) -> None:
    """acme's three mentions get a sentiment (and the negative one keywords and aspects)."""
    ws = world.ids["acme.workspace"]
    stored = {m.text: m for m in world.store.iter_mentions(ws)}
    enrichments = {
        "Die Bahn ist pünktlich": _sentiment("positive", 0.7),
        "Zug fällt aus": {
            **_sentiment("negative", -0.8),
            "keywords": {"hashtags": ["bahnchaos", f"x{XSS}"], "domains": ["bahn.de"]},
            "aspects": [
                {"category": "Pünktlichkeit", "polarity": "negative", "terms": ["fällt aus"]},
                {"category": f"<b>{XSS}</b>", "polarity": "positive", "terms": []},
            ],
        },
        "Kaffee im ICE": _sentiment("neutral", 0.05),
    }
    world.store.save_batch(
        ws, [stored[text].with_fields(enrichments=e) for text, e in enrichments.items()]
    )


# -- explorer


def test_filter_returns_only_the_label(login: Login, world: World) -> None:
    label_world(world)
    client = login("viewer")
    page = client.get(BASE, params={"sentiment": "negative"})
    assert page.status_code == 200
    assert "Zug fällt aus" in page.text
    assert "Kaffee" not in page.text and "pünktlich</p>" not in page.text
    assert '<option value="negative" selected>Negative</option>' in page.text
    assert "Kaffee" in client.get(BASE, params={"sentiment": "neutral"}).text
    bad = client.get(BASE, params={"sentiment": "angry"})
    assert bad.status_code == 422 and "angry" in bad.text
    api = client.get(API, params={"sentiment": "positive"}).json()["items"]
    assert [item["text"] for item in api] == ["Die Bahn ist pünktlich"]
    assert api[0]["sentiment"] == {"label": "positive", "score": 0.7, "model": "default-de"}
    assert client.get(API, params={"sentiment": "angry"}).status_code == 422


def test_badge_keywords_and_aspects_are_shown_escaped(login: Login, world: World) -> None:
    client = login("viewer")
    assert "sentiment-badge" not in client.get(BASE).text  # none before the analysis
    label_world(world)
    page = client.get(BASE, params={"q": "zug"}).text
    assert '<span class="sentiment-badge sentiment-negative">' in page
    assert '<span class="visually-hidden">Sentiment: </span>' in page
    assert "Negative <small>-0.80</small>" in page
    assert "#bahnchaos" in page and "bahn.de" in page
    assert "Pünktlichkeit (Negative: fällt aus)" in page
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;" in page


def test_export_has_the_sentiment_columns(login: Login, world: World) -> None:
    label_world(world)
    client = login("analyst")
    answer = client.get(f"{BASE}/export.csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    by_text = {r["text"]: r for r in rows}
    assert by_text["Zug fällt aus"]["sentiment"] == "negative"
    assert by_text["Zug fällt aus"]["sentiment_score"] == "-0.8"  # a number, not defused
    assert by_text["Kaffee im ICE"]["sentiment"] == "neutral"
    lines = client.get(f"{BASE}/export.jsonl", params={"sentiment": "positive"}).text
    (only,) = [json.loads(line) for line in lines.splitlines()]
    assert only["sentiment"] == "positive" and only["sentiment_score"] == 0.7
    api = client.get(f"{API}/export", params={"format": "csv", "sentiment": "neutral"})
    assert api.text.count("\n") == 2 and "Kaffee im ICE" in api.text


def test_enrichments_of_unknown_shape_are_left_out() -> None:
    assert sentiment_of({"sentiment": {"label": "angry"}}) is None
    assert sentiment_of({"sentiment": "positive"}) is None
    odd = sentiment_of({"sentiment": {"label": "neutral", "score": float("nan"), "model": 3}})
    assert odd is not None and odd.score is None and odd.model is None
    assert keywords_of({"keywords": {"hashtags": [1, "", "ok"], "domains": "x"}}) == {
        "hashtags": ["ok"]
    }
    assert keywords_of({"keywords": []}) == {}
    assert [
        a.category for a in aspects_of({"aspects": [{"polarity": "x"}, {"category": "C"}]})
    ] == ["C"]
    assert aspects_of({"aspects": {"category": "C"}}) == []


# -- overview


def table_rows(html: str, chart_id: str) -> list[list[str]]:
    """The cells of a chart's table view."""
    body = html.split(f'data-chart="{chart_id}"', 1)[1].split("<tbody>", 1)[1]
    body = body.split("</tbody>", 1)[0]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_overview_sentiment_chart_and_table(login: Login, world: World) -> None:
    label_world(world)
    page = login("viewer").get("/w/acme")
    assert page.status_code == 200
    charts = specs(page.text)
    counts = {v["sentiment"]: v["n"] for v in values(charts["chart-sentiment"])}
    assert counts == {"Negative": 1, "Neutral": 1, "Positive": 1}
    colour = charts["chart-sentiment"]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["Negative", "Neutral", "Positive"]
    table = table_rows(page.text, "chart-sentiment")
    assert [sum(int(row[i]) for row in table) for i in (1, 2, 3)] == [1, 1, 1]
    assert '<th scope="col">Net sentiment</th>' in page.text
    assert "once the analysis is enabled" not in page.text
    assert "Net sentiment: <strong>0</strong>" in page.text
    topics = values(charts["chart-sentiment-topics"])
    assert [(v["topic"], v["sentiment"], v["n"]) for v in topics] == [("Brand", "Positive", 1)]
    # The topic filter applies to sentiment over time.
    filtered = login("viewer").get(f"/w/acme?topic={world.ids['acme.topic']}")
    counts = {v["sentiment"]: v["n"] for v in values(specs(filtered.text)["chart-sentiment"])}
    assert counts == {"Positive": 1}
    empty = login("viewer").get("/w/acme?from=2020-01-01&to=2020-01-31")
    assert "chart-sentiment" not in specs(empty.text)
    assert "once the analysis is enabled" in empty.text


def test_sentiment_charts_unit() -> None:
    labels = {
        "time": "Day",
        "topic": "Topic",
        "sentiment": "Sentiment",
        "mentions": "Mentions",
        "share": "Share",
        "net": "Net",
        "negative": "neg",
        "neutral": "neu",
        "positive": "pos",
    }
    rows = [
        ("2026-01-01", "negative", 3),
        ("2026-01-01", "positive", 1),
        ("2026-01-02", "neutral", 2),
    ]
    chart = sentiment_over_time(rows, hourly=False, labels=labels)
    assert chart.table.columns == ("Day", "neg", "neu", "pos", "Net")
    assert chart.table.rows == (("2026-01-01", 3, 0, 1, "-50"), ("2026-01-02", 0, 2, 0, "0"))
    assert values(chart.spec)[0] == {"t": "2026-01-01", "sentiment": "neg", "order": 0, "n": 3}
    hourly = sentiment_over_time([("2026-01-01 13:00", "positive", 1)], hourly=True, labels=labels)
    assert values(hourly.spec)[0]["t"] == "2026-01-01T13:00"
    by_topic = sentiment_by_topic([("A", "positive", 4), ("B", "negative", 1)], labels=labels)
    assert by_topic.spec["encoding"]["x"]["stack"] == "normalize"
    assert by_topic.table.rows == (("A", 0, 0, 4, "+100"), ("B", 1, 0, 0, "-100"))
    assert net_sentiment({}) is None and signed(None) == ""
    assert net_sentiment({"positive": 2, "negative": 1, "neutral": 1}) == 25


def test_german_labels(login: Login, world: World) -> None:
    label_world(world)
    client = login("viewer")
    overview = client.get("/w/acme?lang=de").text
    assert "Netto-Stimmung" in overview and "Stimmung pro Tag" in overview
    assert {v["sentiment"] for v in values(specs(overview)["chart-sentiment"])} == {
        "Negativ",
        "Neutral",
        "Positiv",
    }
    explorer = client.get(BASE, params={"q": "zug"}).text
    assert '<option value="">Jede Stimmung</option>' in explorer
    assert '<span class="visually-hidden">Stimmung: </span>' in explorer
    assert "Negativ <small>" in explorer and "Aspekte" in explorer
