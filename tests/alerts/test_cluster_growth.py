"""Topic clusters that grew: the test, feeding stored clusters, the engine, the CLI.

The chatter is real: the GermEval 2017 sample of posts about Deutsche Bahn shipped for the
demo (``resonanz/data/demo``), less its strike posts; the story that grows is thirty
reactions to one strike announcement, in the varied wording of different people.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz import secrets
from resonanz.alerts import engine
from resonanz.alerts.cluster_growth import GrowthParams, find_growth, subject_cluster
from resonanz.alerts.rules import check_params
from resonanz.analytics.topic_clusters import (
    cluster_counts,
    load_topic_clusters,
    update_topic_clusters,
)
from resonanz.cli import app
from resonanz.config import Settings
from resonanz.demo import sample_texts
from resonanz.errors import StoreError, ValidationError
from resonanz.models import Topic, TopicMatch, Workspace
from resonanz.store import SqlStore, open_store
from tests.alerts.receiver import SECRET, Receiver, receiver
from tests.alerts.test_emerging_terms import _mentions

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
_STRIKE = re.compile(r"streik|gdl|lokf(ü|ue)hrer|schlicht|tarif|weselsky", re.IGNORECASE)
STORY = """\
GDL kündigt Streik ab Mittwoch an, Lokführer legen bundesweit die Arbeit nieder #Bahnstreik
Schon wieder Streik bei der Bahn? Die GDL ruft die Lokführer ab Mittwoch zum Ausstand auf
Bahnstreik ab Mittwoch: GDL-Chef Weselsky lässt die Lokführer 48 Stunden streiken
Na toll, GDL-Streik ab Mittwoch und ich muss nach Frankfurt. Lokführer streiken #Bahnstreik
Die Lokführergewerkschaft GDL streikt ab Mittwoch im Personen- und Güterverkehr
Streik der GDL: Was Fahrgäste jetzt wissen müssen, Ersatzfahrplan ab Mittwoch #Bahnstreik
Weselsky und die GDL schon wieder. Streik ab Mittwoch, Lokführer bleiben zu Hause
Ich verstehe die Lokführer ja, aber ein GDL-Streik ab Mittwoch trifft die Pendler #Bahnstreik
GDL-Streik: Bahn kündigt Notfahrplan an, Lokführer streiken ab Mittwoch früh
Eilmeldung: GDL ruft zum Streik auf – ab Mittwoch stehen Züge still, Lokführer im Ausstand
Wie lange streikt die GDL diesmal? Streik ab Mittwoch, Ende offen #Bahnstreik
Streik bei der Bahn: GDL will Lokführer ab Mittwoch in den Ausstand schicken
Pendler aufgepasst: GDL-Streik ab Mittwoch, die Lokführer fahren nicht #Bahnstreik
Die GDL streikt ab Mittwoch, Weselsky fordert mehr Geld für die Lokführer
Mittwoch Streik, Donnerstag Streik – danke GDL. Lokführer im Ausstand, ich im Homeoffice
GDL-Streik ab Mittwoch: Fernverkehr fast komplett eingestellt, Lokführer legen Arbeit nieder
Wer fährt Mittwoch überhaupt? GDL-Streik, die Lokführer streiken bundesweit #Bahnstreik
Tarifstreit eskaliert: GDL ruft Lokführer ab Mittwoch zum Streik
Kann die GDL nicht mal ankündigen, wie lange der Streik ab Mittwoch dauert? Lokführer
Streik-Chaos droht: GDL und Lokführer legen ab Mittwoch den Bahnverkehr lahm #Bahnstreik
Mein ICE am Mittwoch fällt aus, GDL-Streik. Die Lokführer streiken, ich nehme das Auto
GDL-Streik: Lokführer streiken ab Mittwoch, auch die S-Bahn ist betroffen
Weselsky droht mit langem Streik, GDL-Lokführer ab Mittwoch im Ausstand #Bahnstreik
Solidarität mit den Lokführern! GDL-Streik ab Mittwoch ist berechtigt
Der GDL-Streik ab Mittwoch trifft auch den Güterverkehr, Lokführer streiken 48 Stunden
Bahn und GDL ohne Einigung, Streik der Lokführer beginnt Mittwoch #Bahnstreik
Hat jemand Infos zum Streik? GDL ab Mittwoch, fahren die Lokführer im Regionalverkehr?
GDL-Streik ab Mittwoch: Die Bahn rät, Reisen zu verschieben. Lokführer streiken
Streik, Streik, Streik. Die GDL und ihre Lokführer ab Mittwoch wieder #Bahnstreik
GDL setzt auf Streik ab Mittwoch, Lokführer sollen bundesweit die Arbeit niederlegen
""".splitlines()


def _chatter() -> list[str]:
    return [t for t in sample_texts() if not _STRIKE.search(t)]


def _week_of_chatter(store: SqlStore, ws: Workspace, topic: Topic, until: datetime) -> int:
    """Two passes over the chatter, evenly over the week before ``until`` (about 14 an
    hour): the topic's ordinary life."""
    texts = _chatter() * 2
    step = WEEK / len(texts)
    store.save_batch(ws.id, _mentions(topic.id, texts, until - WEEK, step, "c"))
    return len(texts)


# -- the test itself


def test_a_new_cluster_far_above_its_share_grew() -> None:
    params = GrowthParams()
    found = find_growth({7: 20, 3: 9}, 44, {3: 300}, 2352, params)
    assert [g.cluster_id for g in found] == [7]
    grown = found[0]
    assert grown.new == 20 and grown.before == 0
    assert grown.expected == pytest.approx(44 * 0.5 / 2353)
    assert grown.ratio > 1000 and grown.p_value < params.alpha
    # a cluster at about its usual share, however large, did not grow
    assert find_growth({3: 40}, 300, {3: 2400}, 24_000, params) == []
    # fewer new posts than min_new, or too little above the usual share: held back
    assert find_growth({7: 9}, 44, {}, 2352, params) == []
    # 20 of 44 against a usual 8.5 % (3.8 expected) is 5.3 times the usual: not 6
    assert find_growth({7: 20}, 44, {7: 200}, 2352, GrowthParams(min_ratio=3.0))
    assert find_growth({7: 20}, 44, {7: 200}, 2352, GrowthParams(min_ratio=6.0)) == []
    # a topic with no history: every share is unknown, nothing can surprise
    assert find_growth({7: 40}, 44, {}, 0, params) == []


def test_growth_explains_itself_in_both_languages() -> None:
    (found,) = find_growth({7: 20}, 44, {7: 2}, 2352, GrowthParams())
    grown = replace(found, label="mittwoch, gdl, streik", baseline_hours=168.0)
    assert grown.explain("en") == (
        "Cluster “mittwoch, gdl, streik” grew by 20 posts in the last 60 min (20 of 44 on "
        "the topic), expected 0.05 from its share of the 7 days before (2 of 2,352 posts, "
        "0.01 per hour)"
    )
    assert grown.explain("de") == (
        "Cluster „mittwoch, gdl, streik“ wuchs in den letzten 60 Min. um 20 Beiträge (20 von "
        "44 zum Thema), erwartet 0.05 nach seinem Anteil an den 7 Tagen davor (2 von 2.352 "
        "Beiträgen, 0.01 pro Stunde)"
    )


def test_rule_settings_are_checked() -> None:
    assert check_params("cluster_growth", {"min_new": 15}) == {
        "sensitivity": "normal",
        "min_new": 15,
        "min_ratio": 3.0,
        "window_minutes": 60,
    }
    bad = (
        ({"min_new": 1}, "min_new must be between 2"),
        ({"min_ratio": 1}, "min_ratio must be above 1"),
        ({"window_minutes": 4}, "window_minutes must be between 5"),
        ({"sensitivity": "max"}, "sensitivity must be one of"),
        ({"min_count": 5}, "unknown setting"),
    )
    for params, message in bad:
        with pytest.raises(ValidationError, match=message):
            check_params("cluster_growth", params)


# -- feeding the stored clusters


@pytest.fixture
def bahn(store: SqlStore) -> tuple[Workspace, Topic]:
    ws = store.create_workspace("bahn", "Bahn PR")
    return ws, store.add_topic(ws.id, "Bahn", "bahn", "brand")


def _fed(store: SqlStore, topic: Topic) -> int:
    """Fed posts kept in the growth history, whatever their cluster."""
    return sum(store.clusters.counts(topic.id, NOW - 2 * WEEK, NOW + WEEK).values())


def test_feeding_resumes_from_the_cursor_and_a_crash_counts_nothing_twice(
    store: SqlStore, bahn: tuple[Workspace, Topic], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, topic = bahn
    texts = _chatter()[:250]
    store.save_batch(
        ws.id, _mentions(topic.id, texts, NOW - timedelta(hours=5), timedelta(minutes=1), "c")
    )
    first = update_topic_clusters(store, ws.id, topic.id, NOW, limit=100)
    assert (first.fed, first.more, first.posts) == (100, True, 100)

    real_save = store.clusters.save

    def crash(*args: object, **kwargs: object) -> bool:
        raise StoreError("saving topic clusters failed: the disk is full")

    monkeypatch.setattr(store.clusters, "save", crash)
    with pytest.raises(StoreError, match="disk is full"):
        update_topic_clusters(store, ws.id, topic.id, NOW, limit=100)
    monkeypatch.setattr(store.clusters, "save", real_save)
    stored = store.clusters.load(ws.id, topic.id)
    assert stored is not None and stored.posts == 100  # the crashed feed left no trace

    second = update_topic_clusters(store, ws.id, topic.id, NOW, limit=100)
    third = update_topic_clusters(store, ws.id, topic.id, NOW, limit=100)
    assert (second.fed, third.fed, third.more, third.posts) == (100, 50, False, 250)
    assert update_topic_clusters(store, ws.id, topic.id, NOW).fed == 0
    # every mention once: in the clusterer and in the stored cluster of each post
    clusterer = load_topic_clusters(store, ws.id, topic.id).clusterer
    assert clusterer.posts == 250
    assert _fed(store, topic) == 250
    counts = cluster_counts(store, topic.id, clusterer, NOW - WEEK, NOW)
    assert counts.total == 250
    assert sum(c.size for c in clusterer.clusters(min_size=1)) == sum(counts.per_cluster.values())

    # a stale save (another feeder saved in between) is refused and changes nothing
    stale = store.clusters.load(ws.id, topic.id)
    assert stale is not None
    store.save_batch(ws.id, _mentions(topic.id, ["Zug pünktlich"] * 3, NOW, timedelta(0), "n"))
    assert update_topic_clusters(store, ws.id, topic.id, NOW).fed == 3
    assert not store.clusters.save(
        ws.id,
        topic.id,
        state=stale.state,
        fed=stale.fed,
        version=stale.version,
        posts=[],
        keep_since=NOW - WEEK,
        at=NOW,
    )
    assert load_topic_clusters(store, ws.id, topic.id).clusterer.posts == 253


def test_a_mention_matched_late_below_the_cursor_is_still_fed(
    store: SqlStore, bahn: tuple[Workspace, Topic]
) -> None:
    ws, topic = bahn
    mentions = _mentions(topic.id, _chatter()[:10], NOW - timedelta(hours=1), timedelta(0), "c")
    mentions[4] = replace(mentions[4], matches=())
    store.save_batch(ws.id, mentions)
    assert update_topic_clusters(store, ws.id, topic.id, NOW).fed == 9
    late = next(
        m.id
        for m in store.iter_mentions(ws.id)
        if m.native_id == "c4"  # stored fifth, matched now: its id is below the cursor's last
    )
    assert late is not None
    store.replace_matches(ws.id, {late: [TopicMatch(topic.id, ("bahn",))]}, [topic.id])
    again = update_topic_clusters(store, ws.id, topic.id, NOW)
    assert (again.fed, again.posts) == (1, 10)
    assert update_topic_clusters(store, ws.id, topic.id, NOW).fed == 0


def test_posts_older_than_the_kept_days_are_forgotten(
    store: SqlStore, bahn: tuple[Workspace, Topic]
) -> None:
    ws, topic = bahn
    old = _mentions(topic.id, _chatter()[:5], NOW - timedelta(days=9), timedelta(hours=1), "o")
    new = _mentions(topic.id, _chatter()[5:8], NOW - timedelta(hours=2), timedelta(0), "n")
    store.save_batch(ws.id, old + new)
    report = update_topic_clusters(store, ws.id, topic.id, NOW)
    assert (report.fed, report.posts) == (8, 8)  # all clustered ...
    assert _fed(store, topic) == 3  # ... but the growth history keeps the last 8 days
    assert store.clusters.first_posted(topic.id) == NOW - timedelta(hours=2)


# -- the engine on a real store


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as r:
        yield r


def _rule(store: SqlStore, ws: Workspace, topic: Topic, settings: Settings, hook: Receiver) -> None:
    encrypted = secrets.encrypt(settings, json.dumps({"secret": SECRET}))
    channel = store.alerts.add_channel(
        ws.id, "ops", "webhook", {"url": hook.url("/hook")}, encrypted, at=NOW - WEEK
    )
    store.alerts.add_rule(
        ws.id,
        topic.id,
        "cluster_growth",
        check_params("cluster_growth", {}),
        quiet_hours=None,
        timezone="Europe/Berlin",
        lang="en",
        channel_ids=[channel.id],
        at=NOW - WEEK,
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=str(tmp_path), allow_private_targets=True, encryption_key=secrets.new_key()
    )


def test_engine_alerts_once_on_a_story_that_grew_then_resolves(
    store: SqlStore, bahn: tuple[Workspace, Topic], settings: Settings, hook: Receiver
) -> None:
    ws, topic = bahn
    _rule(store, ws, topic, settings, hook)
    _week_of_chatter(store, ws, topic, NOW - timedelta(hours=1))
    quiet = engine.check(store, settings, ws, now=NOW - timedelta(hours=1))
    assert (quiet.errors, quiet.opened) == ([], 0)

    # the story arrives in three parts over the hour, each fed at its tick
    for part in range(3):
        texts = STORY[part * 10 : part * 10 + 10]
        at = NOW - timedelta(minutes=55 - 20 * part)
        store.save_batch(ws.id, _mentions(topic.id, texts, at, timedelta(minutes=1), f"s{part}-"))
        tick = engine.check(store, settings, ws, now=at + timedelta(minutes=12))
        assert tick.errors == []
    (incident,) = store.alerts.history(ws.id)
    assert incident.kind == "cluster_growth" and incident.status == "open"
    assert subject_cluster(incident.subject) is not None
    assert "grew by" in incident.explanation and "expected" in incident.explanation
    assert incident.observed >= 15 and incident.observed > 5 * incident.expected
    stories = [store.get_mention(ws.id, i).text for i in incident.mention_ids]
    assert len(stories) >= 15 and all(t in STORY for t in stories)

    # the message went out once, titled with the cluster's terms, the story as examples
    assert engine.deliver(store, settings, now=NOW).sent == 1
    body = json.loads(hook.hits[0].body)
    assert body["title"].startswith("Growing topic cluster in “Bahn”: ")
    assert {"gdl", "streik"} & set(body["title"].split(": ", 1)[1].split(", "))
    assert body["examples"] and all(e["text"] in STORY for e in body["examples"])
    assert engine.check(store, settings, ws, now=NOW + timedelta(minutes=1)).opened == 0

    # two hours on, no new posts: the story stopped growing
    later = engine.check(store, settings, ws, now=NOW + timedelta(hours=2))
    assert (later.opened, later.resolved) == (0, 1)


def test_engine_is_quiet_on_steady_chatter_and_a_steady_story(
    store: SqlStore, bahn: tuple[Workspace, Topic], settings: Settings, hook: Receiver
) -> None:
    ws, topic = bahn
    _rule(store, ws, topic, settings, hook)
    n = _week_of_chatter(store, ws, topic, NOW)
    # the strike is the topic's everyday too: the story, posted evenly all week
    steady = STORY * 6
    store.save_batch(ws.id, _mentions(topic.id, steady, NOW - WEEK, WEEK / len(steady), "s"))
    for hours in (6, 3, 1, 0):
        tick = engine.check(store, settings, ws, now=NOW - timedelta(hours=hours))
        assert (tick.errors, tick.opened) == ([], 0)
    assert store.alerts.history(ws.id) == []
    assert load_topic_clusters(store, ws.id, topic.id).posts == n + len(steady)


# -- the command line


def test_clusters_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RESONANZ_DATABASE_URL", url)
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RESONANZ_WORKSPACE", "bahn")
    monkeypatch.setenv("COLUMNS", "250")
    cli = CliRunner()
    assert cli.invoke(app, ["init"]).exit_code == 0
    assert cli.invoke(app, ["topic", "add", "Bahn", "bahn", "--kind", "brand"]).exit_code == 0
    result = cli.invoke(app, ["clusters", "Bahn"])
    assert result.exit_code == 0, result.output
    assert "No clusters of two posts or more in 'Bahn' yet." in result.output

    now = datetime.now(UTC)
    with open_store(url) as store:
        ws = store.get_workspace("bahn")
        topic = store.get_topic(ws.id, "Bahn")
        start = now - timedelta(hours=20)
        store.save_batch(
            ws.id, _mentions(topic.id, _chatter()[:300], start, timedelta(minutes=4), "c")
        )
        story = _mentions(topic.id, STORY, now - timedelta(minutes=40), timedelta(minutes=1), "s")
        store.save_batch(ws.id, story)

    result = cli.invoke(app, ["clusters", "Bahn", "--json", "--limit", "50"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert 2 <= len(found) <= 50
    assert [c["size"] for c in found] == sorted((c["size"] for c in found), reverse=True)
    story_cluster = next(c for c in found if {"gdl", "streik"} <= set(c["terms"]))
    assert story_cluster["last_hour"] >= 15 and story_cluster["last_day"] >= 15
    assert story_cluster["representatives"][0]["text"] in STORY
    assert story_cluster["label"] == ", ".join(story_cluster["terms"][:3])

    result = cli.invoke(app, ["clusters", "Bahn", "--limit", "3", "--rebuild"])
    assert result.exit_code == 0, result.output
    assert "330 new mentions clustered" in result.output  # started over
    assert "last hour" in result.output and "more terms" in result.output
    result = cli.invoke(app, ["clusters", "Bahn", "--limit", "0"])
    assert result.exit_code == 1 and "--limit must be at least 1" in result.output
    result = cli.invoke(app, ["clusters", "Nope"])
    assert result.exit_code == 1 and "Nope" in result.output


def test_cluster_growth_rule_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESONANZ_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RESONANZ_WORKSPACE", "bahn")
    monkeypatch.setenv("RESONANZ_ALLOW_PRIVATE_TARGETS", "true")
    monkeypatch.setenv("COLUMNS", "250")
    cli = CliRunner()
    setup = (
        ["init"],
        ["topic", "add", "Bahn", "bahn", "--kind", "brand"],
        ["alerts", "channel", "add", "ops", "webhook", "--set", "url=http://127.0.0.1:9/h"],
    )
    for args in setup:
        assert cli.invoke(app, args, input=f"{SECRET}\n").exit_code == 0
    add = ["alerts", "rules", "add", "Bahn", "--channel", "ops", "--detector", "cluster_growth"]
    result = cli.invoke(app, [*add, "--min-new", "1"])
    assert result.exit_code == 1 and "min_new must be between 2" in result.output
    result = cli.invoke(app, [*add, "--min-new", "15", "--window", "30", "--min-ratio", "4"])
    assert result.exit_code == 0, result.output
    assert "Rule cluster_growth on 'Bahn' added" in result.output
    assert "'min_new': 15" in result.output and "'window_minutes': 30" in result.output
    result = cli.invoke(app, ["alerts", "run", "--once"])
    assert result.exit_code == 0 and "1 rules, 0 opened" in result.output
