"""Emotion in the web app: the explorer's filter and badges, exports, the REST API, German
labels; the mentions are enriched by the real emotion enricher and stored."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from resonanz.analysis.emotion import EmotionEnricher
from resonanz.analysis.emotion_labels import EMOTIONS
from resonanz.config import Settings
from resonanz.models import Mention
from resonanz.web.enrichments import emotion_of
from tests.web.conftest import World

Login = Callable[[str], TestClient]
BASE = "/w/acme/mentions"
API = "/api/v1/workspaces/acme/mentions"
TEXTS = {
    "e-anger": "Schon wieder 40 Minuten Verspätung, Frechheit 😡",
    "e-joy": "Danke für den tollen Service!",
    "e-none": "Keine Angst, der Zug kommt um 12:05",
}


def enrich_world(world: World) -> None:
    """acme gets three mentions more, enriched by the emotion enricher and stored."""
    ws = world.ids["acme.workspace"]
    now = datetime.now(UTC)
    mentions = [
        Mention(
            platform="web",
            native_id=native_id,
            text=text,
            collected_at=now,
            created_at=now - timedelta(minutes=i),
            lang="de",
        )
        for i, (native_id, text) in enumerate(TEXTS.items())
    ]
    world.store.save_batch(ws, EmotionEnricher(Settings()).enrich(mentions))


def test_filter_badge_and_cues(login: Login, world: World) -> None:
    client = login("viewer")
    assert "emotion-badge" not in client.get(BASE).text  # none before the analysis
    enrich_world(world)
    page = client.get(BASE, params={"emotion": "anger"})
    assert page.status_code == 200
    assert "Frechheit" in page.text
    assert "Danke" not in page.text and "Kaffee" not in page.text
    assert '<option value="anger" selected>Anger</option>' in page.text
    assert '<span class="emotion-badge emotion-anger">' in page.text
    assert '<span class="visually-hidden">Emotion: </span>Anger</span>' in page.text
    assert "Emotion cues: schon wieder, frechheit, 😡" in page.text
    joy = client.get(BASE, params={"emotion": "joy"}).text
    assert "Danke für den tollen Service" in joy and "Frechheit" not in joy
    # "keine Angst" is no fear, and no other mention has fear
    assert "Keine Angst" not in client.get(BASE, params={"emotion": "fear"}).text
    everything = client.get(BASE).text
    assert "Keine Angst" in everything and everything.count('class="emotion-badge') == 2
    bad = client.get(BASE, params={"emotion": "rage"})
    assert bad.status_code == 422 and "rage" in bad.text
    # with a query and the other filters
    both = client.get(BASE, params={"emotion": "anger", "q": "verspätung", "sentiment": ""})
    assert "Frechheit" in both.text


def test_rest_api_filters_and_returns_the_emotion(login: Login, world: World) -> None:
    enrich_world(world)
    client = login("viewer")
    items = client.get(API, params={"emotion": "joy"}).json()["items"]
    assert [item["text"] for item in items] == [TEXTS["e-joy"]]
    emotion = items[0]["emotion"]
    assert emotion["top"] == "joy"
    assert emotion["terms"] == ["danke", "tollen"]
    assert emotion["scores"]["joy"] > emotion["scores"]["trust"] > 0
    assert set(emotion["scores"]) == set(EMOTIONS)
    unlabelled = client.get(API, params={"q": "kaffee"}).json()["items"]
    assert unlabelled[0]["emotion"] is None
    answer = client.get(API, params={"emotion": "rage"})
    assert answer.status_code == 422 and "rage" in answer.text


def test_exports_have_the_emotion_column(login: Login, world: World) -> None:
    enrich_world(world)
    client = login("analyst")
    answer = client.get(f"{BASE}/export.csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    by_text = {r["text"]: r for r in rows}
    assert by_text[TEXTS["e-anger"]]["emotion"] == "anger"
    assert by_text[TEXTS["e-joy"]]["emotion"] == "joy"
    assert by_text[TEXTS["e-none"]]["emotion"] == ""
    header = answer.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header.index("emotion") == header.index("sentiment_score") + 1
    lines = client.get(f"{BASE}/export.jsonl", params={"emotion": "anger"}).text
    (only,) = [json.loads(line) for line in lines.splitlines()]
    assert only["emotion"] == "anger" and only["text"] == TEXTS["e-anger"]
    api = client.get(f"{API}/export", params={"format": "csv", "emotion": "joy"})
    assert api.text.count("\n") == 2 and "tollen Service" in api.text


def test_re_enrichment_moves_the_mention_between_filters(login: Login, world: World) -> None:
    enrich_world(world)
    ws = world.ids["acme.workspace"]
    (stored,) = [m for m in world.store.iter_mentions(ws) if m.native_id == "e-joy"]
    changed = stored.with_fields(text="Danke für nichts. Ekelhaft 🤢", enrichments={})
    (again,) = EmotionEnricher(Settings()).enrich([changed])
    world.store.save_batch(ws, [again])
    client = login("viewer")
    # (a mention saved again keeps its stored text; its enrichments and column change)
    assert "tollen Service" not in client.get(BASE, params={"emotion": "joy"}).text
    disgust = client.get(BASE, params={"emotion": "disgust"}).text
    assert "tollen Service" in disgust
    assert "Emotion cues: danke für nichts, ekelhaft, 🤢" in disgust


def test_german_labels(login: Login, world: World) -> None:
    enrich_world(world)
    client = login("viewer")
    page = client.get(BASE, params={"lang": "de", "emotion": "anger"}).text
    assert '<option value="">Jede Emotion</option>' in page
    assert '<option value="anger" selected>Wut</option>' in page
    assert '<option value="anticipation" >Erwartung</option>' in page
    assert '<span class="visually-hidden">Emotion: </span>Wut</span>' in page
    assert "Emotionswörter: schon wieder, frechheit, 😡" in page


def test_emotions_of_unknown_shape_are_left_out() -> None:
    assert emotion_of({"emotion": {"top": "rage"}}) is None
    assert emotion_of({"emotion": "joy"}) is None
    assert emotion_of({}) is None
    odd = emotion_of(
        {"emotion": {"top": "joy", "scores": {"joy": 2, "fear": "x", "anger": True}, "terms": 3}}
    )
    assert odd is not None
    assert odd.scores == {"joy": 1.0} and odd.terms == ()
