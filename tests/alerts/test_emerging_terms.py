"""Emerging terms, hashtags and links: the test itself, and the engine on a real store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from resonanz import secrets
from resonanz.alerts import engine
from resonanz.alerts.rules import check_params
from resonanz.analytics.emerging import EmergingParams, emerging_terms, mention_terms
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.models import Author, Mention, TopicMatch
from resonanz.query.text import search_text
from resonanz.store import SqlStore
from tests.alerts.receiver import SECRET, Receiver, receiver

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
USUAL = [
    "Der ICE nach Hamburg war pünktlich",
    "Verspätung in Köln, wieder mal",
    "Schönes WLAN im Zug heute",
    "Fahrkarte gekauft, Preis geht so",
]


def _pairs(texts: list[str]) -> list[tuple[str, str]]:
    return [(search_text([t]), t) for t in texts]


def test_terms_of_a_mention_words_hashtags_links() -> None:
    text = "Der #BahnStreik nervt: https://www.Bahn.de/streik/ heute!"
    assert mention_terms(search_text([text]), text) == {
        "bahnstreik",
        "#bahnstreik",
        "nervt",
        "link:bahn.de/streik",
    }


def test_a_new_hashtag_and_link_emerge_usual_words_do_not() -> None:
    baseline = _pairs(USUAL * 100)
    window = _pairs(
        USUAL * 3 + ["#Bahnstreik ab Montag https://gdl.de/streik"] * 12 + ["Verspätung"] * 2
    )
    found = emerging_terms(window, baseline, EmergingParams())
    terms = [t.term for t in found]
    assert "#bahnstreik" in terms and "link:gdl.de/streik" in terms
    assert "bahnstreik" not in terms  # the word echoes its hashtag
    assert "verspatung" not in terms and "montag" in terms
    tag = next(t for t in found if t.term == "#bahnstreik")
    assert tag.count == 12 and tag.baseline_count == 0 and tag.ratio > 20
    assert "in 12 of 26 mentions in the last 60 min" in tag.explain("en", 60, 7)
    assert "in 12 von 26 Erwähnungen" in tag.explain("de", 60, 7)


def test_thresholds_hold_back_small_or_usual_rises() -> None:
    baseline = _pairs(USUAL * 100 + ["Streik angekündigt"] * 40)
    # four mentions: below min_count
    assert emerging_terms(_pairs(USUAL + ["#neu dabei"] * 4), baseline) == []
    # "streik" is usual (10 % of the baseline) and 2x now: below min_ratio
    window = _pairs(USUAL * 5 + ["Streik angekündigt"] * 5)
    assert [t.term for t in emerging_terms(window, baseline)] == []
    assert emerging_terms([], baseline) == []


def test_rule_settings_are_checked() -> None:
    merged = check_params("emerging_terms", {"min_count": 8})
    assert merged == {
        "sensitivity": "normal",
        "min_count": 8,
        "min_ratio": 3.0,
        "window_minutes": 60,
        "baseline_days": 7,
    }
    for bad in ({"min_count": 1}, {"min_ratio": 1}, {"baseline_days": 0}, {"window_minutes": 1}):
        with pytest.raises(ValidationError):
            check_params("emerging_terms", bad)


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def _mentions(topic_id: int, texts: list[str], start: datetime, step: timedelta, prefix: str):
    return [
        Mention(
            platform="mastodon",
            native_id=f"{prefix}{i}",
            text=text,
            collected_at=start + i * step,
            created_at=start + i * step,
            url=f"https://social.example/@u{i}/{prefix}{i}",
            author=Author(platform="mastodon", handle=f"user{i % 30}"),
            matches=(TopicMatch(topic_id, ("bahn",)),),
        )
        for i, text in enumerate(texts)
    ]


def test_engine_opens_one_incident_per_term_with_examples_and_resolves(
    store: SqlStore, hook: Receiver, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=str(tmp_path), allow_private_targets=True, encryption_key=secrets.new_key()
    )
    ws = store.create_workspace("bahn", "Bahn PR")
    topic = store.add_topic(ws.id, "Bahn", "bahn", "brand")
    encrypted = secrets.encrypt(settings, json.dumps({"secret": SECRET}))
    channel = store.alerts.add_channel(
        ws.id, "ops", "webhook", {"url": hook.url("/hook")}, encrypted, at=NOW
    )
    store.alerts.add_rule(
        ws.id,
        topic.id,
        "emerging_terms",
        check_params("emerging_terms", {}),
        quiet_hours=None,
        timezone="Europe/Berlin",
        lang="en",
        channel_ids=[channel.id],
        at=NOW,
    )
    week = NOW - timedelta(days=7)
    store.save_batch(ws.id, _mentions(topic.id, USUAL * 250, week, timedelta(minutes=10), "b"))
    assert engine.check(store, settings, ws, now=NOW).opened == 0

    burst = ["Bahn: #Warnstreik morgen früh, alle Infos https://bahn.de/warnstreik"] * 15
    start = NOW - timedelta(minutes=30)
    store.save_batch(ws.id, _mentions(topic.id, burst, start, timedelta(minutes=2), "w"))
    report = engine.check(store, settings, ws, now=NOW)
    assert report.errors == []
    subjects = {i.subject for i in store.alerts.history(ws.id)}
    assert {"#warnstreik", "link:bahn.de/warnstreik"} <= subjects
    assert report.opened == len(subjects)
    tag = next(i for i in store.alerts.history(ws.id) if i.subject == "#warnstreik")
    assert tag.kind == "emerging_terms" and tag.observed == 15
    assert "“#warnstreik” in 15 of" in tag.explanation
    assert len(tag.mention_ids) == 15
    assert all("#Warnstreik" in store.get_mention(ws.id, i).text for i in tag.mention_ids)

    # the next tick sees the same burst: no second message for the same term
    assert engine.check(store, settings, ws, now=NOW + timedelta(minutes=1)).opened == 0
    sent = engine.deliver(store, settings, now=NOW + timedelta(minutes=1))
    assert (sent.sent, sent.errors) == (len(subjects), [])
    titles = {json.loads(hit.body)["title"] for hit in hook.hits}
    assert "Emerging in “Bahn”: #warnstreik" in titles
    examples = json.loads(hook.hits[0].body)["examples"]
    assert examples and examples[0]["url"].startswith("https://social.example/")

    # two hours later the term is no longer rising in the window: resolved
    later = engine.check(store, settings, ws, now=NOW + timedelta(hours=2))
    assert later.resolved == len(subjects)
