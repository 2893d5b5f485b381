"""`bench publish` end to end at a reduced size, on SQLite and PostgreSQL, through
mastodon-mock and the Bluesky PDS (when installed): the real scheduler killed and
restarted, answers lost after the platform stored the post, 429 bursts, edits and
deletes before due; then the verdict's own checks on made-up records, so a duplicate, a
lost delivery and a stale post are seen to be counted, in total and per peer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from resonanz.bench.pds_peer import peer_missing
from resonanz.bench.publish import PublishBenchOptions, bench_publish
from resonanz.bench.publish_check import Outcome, figures, percentile
from resonanz.bench.publish_peers import Published
from resonanz.cli import app
from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.publishing import states as st
from resonanz.publishing.models import Delivery, Post

from .conftest import World

KEYS = {"deliveries", "duplicates", "lost", "stale", "overdue_unreported", "lateness_p99_s"}


@pytest.mark.timeout(300)
def test_a_small_crash_injection_run_publishes_everything_once(store_url: str) -> None:
    # Kills every 10-20 s: on the loaded 2-core VM a scheduler needs ~10 s to start.
    options = PublishBenchOptions(
        deliveries=40,
        window_s=15.0,
        lead_s=8.0,
        kill_min_s=10.0,
        kill_max_s=20.0,
        edits=10,
        lose_share=0.1,
        drain_s=150.0,
        database_url=store_url,
        seed=2,  # its fault proxies lose answers early on every peer
    )
    result = bench_publish(Settings(language_detection=False), options)
    assert result.keys() >= KEYS
    peers = ["mastodon"] if peer_missing() else ["mastodon", "bluesky"]
    assert result["peers"] == peers and sorted(result["by_peer"]) == sorted(peers)
    assert result["deliveries"] == 40
    assert (result["duplicates"], result["lost"], result["stale"]) == (0, 0, 0)
    assert result["unexpected_statuses"] == 0 and result["unsent_at_end"] == 0
    assert result["kills"] >= 2
    assert result["edits"] + result["deletes"] + result["changes_refused"] == 10
    # Every delivery is accounted for: sent, canceled by a delete, or reported.
    settled = result["sent"] + result["canceled"] + result["needs_attention"] + result["failed"]
    assert settled == 40
    assert result["canceled"] == result["deletes"]
    # Posts 5, 15, 25 and 35 carry an image (uploadBlob / POST /api/v2/media).
    assert result["with_images"] >= 1 and result["missing_images"] == 0
    for peer in peers:
        own = result["by_peer"][peer]
        assert own["deliveries"] == 40 // len(peers)
        assert (own["duplicates"], own["lost"], own["stale"]) == (0, 0, 0)
        assert own["lost_answers"] >= 1  # answers lost on every peer: retries exercised


def test_a_database_with_channels_is_refused(world: World, store_url: str) -> None:
    world.channel("someone-elses")
    options = PublishBenchOptions(deliveries=5, database_url=store_url)
    with pytest.raises(ConfigError, match="already has publishing channels"):
        bench_publish(Settings(language_detection=False), options)


def test_the_cli_refuses_bad_kill_intervals() -> None:
    result = CliRunner().invoke(app, ["bench", "publish", "--kill-min", "5", "--kill-max", "2"])
    assert result.exit_code != 0
    assert "--kill-min" in result.output


def _post(post_id: int, text: str, status: str = "scheduled") -> Post:
    now = datetime.now(UTC)
    return Post(post_id, 1, None, text, {}, status, now, "UTC", None, 2, now, now)


def _delivery(
    delivery_id: int,
    post_id: int,
    state: str,
    due: datetime,
    channel: tuple[str, str] = ("m0-alice", "mastodon"),
    **more: object,
) -> Delivery:
    return Delivery(
        id=delivery_id,
        workspace_id=1,
        post_id=post_id,
        channel_id=1,
        channel_name=channel[0],
        channel_kind=channel[1],
        state=state,
        due_at=due,
        next_attempt_at=due,
        attempts=1,
        created_at=due,
        updated_at=due,
        **more,  # type: ignore[arg-type]
    )


def test_the_verdict_counts_duplicates_lost_stale_and_unreported_overdue() -> None:
    due = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    at = due + timedelta(seconds=4)
    sent = {"sent_at": at}
    deliveries = [
        _delivery(1, 1, st.SENT, due, **sent),  # posted twice
        _delivery(2, 2, st.SENT, due, **sent),  # posted with the old text
        _delivery(3, 3, st.SCHEDULED, due),  # never posted, not reported
        _delivery(4, 4, st.NEEDS_ATTENTION, due),  # not posted, but the user was told
        _delivery(5, 5, st.CANCELED, due),  # deleted, then published anyway
        _delivery(6, 6, st.SENT, due, sent_at=due + timedelta(minutes=7)),  # late, unreported
    ]
    posts = {
        1: _post(1, "bench post 1: planned text"),
        2: _post(2, "bench post 2: edited"),
        3: _post(3, "bench post 3: planned text"),
        4: _post(4, "bench post 4: planned text"),
        5: _post(5, "bench post 5: planned text", status="deleted"),
        6: _post(6, "bench post 6: planned text"),
    }
    statuses = {
        1: [Published("a", posts[1].text, at), Published("b", posts[1].text, at)],
        2: [Published("c", "bench post 2: planned text", at)],
        5: [Published("d", posts[5].text, due + timedelta(seconds=30))],
        6: [Published("e", posts[6].text, due + timedelta(minutes=7))],
    }
    outcome = Outcome(
        deliveries=deliveries,
        posts=posts,
        numbers={n: n for n in posts},
        statuses={"m0-alice": statuses},
        deleted_at={5: due + timedelta(seconds=10)},
        ended_at=due + timedelta(minutes=3),
    )
    result = figures(outcome)
    assert (result["duplicates"], result["lost"], result["stale"]) == (1, 1, 2)
    assert result["overdue_unreported"] == 1
    assert result["needs_attention"] == 1
    assert result["lateness_max_s"] == 420.0
    assert result["lateness_p50_s"] == 4.0


def test_the_verdict_is_also_given_per_peer() -> None:
    due = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    at = due + timedelta(seconds=2)
    sky = ("b-alice", "bluesky")
    deliveries = [
        _delivery(1, 1, st.SENT, due, sent_at=at),
        _delivery(2, 2, st.SENT, due, sky, sent_at=at),  # on Bluesky twice
        _delivery(3, 3, st.SCHEDULED, due, sky),  # never on Bluesky
    ]
    posts = {n: _post(n, f"bench post {n}: planned text") for n in (1, 2, 3)}
    mastodon = {1: [Published("a", posts[1].text, at)]}  # without post 1's image
    uri = "at://did:plc:x/app.bsky.feed.post/"
    bluesky = {
        2: [
            Published(uri + "1", posts[2].text, at, images=1),
            Published(uri + "2", posts[2].text, at),
        ],
        -1: [Published(uri + "3", "someone else's post", at)],
    }
    outcome = Outcome(
        deliveries=deliveries,
        posts=posts,
        numbers={n: n for n in posts},
        statuses={"m0-alice": mastodon, "b-alice": bluesky},
        deleted_at={},
        ended_at=due + timedelta(minutes=1),
        images={1: 1, 2: 1},
    )
    result = figures(outcome)
    assert (result["deliveries"], result["duplicates"], result["lost"]) == (3, 1, 1)
    assert (result["with_images"], result["missing_images"]) == (2, 2)
    sky_figures, masto = result["by_peer"]["bluesky"], result["by_peer"]["mastodon"]
    assert (sky_figures["deliveries"], sky_figures["duplicates"], sky_figures["lost"]) == (2, 1, 1)
    assert sky_figures["unexpected_statuses"] == 1
    assert (masto["deliveries"], masto["duplicates"], masto["lost"]) == (1, 0, 0)
    assert masto["unexpected_statuses"] == 0
    assert (masto["missing_images"], sky_figures["missing_images"]) == (1, 1)


def test_the_cli_refuses_an_unknown_peer() -> None:
    result = CliRunner().invoke(app, ["bench", "publish", "--peers", "mastodon,myspace"])
    assert result.exit_code != 0
    assert "--peers takes one or more of: mastodon, bluesky" in result.output


def test_without_the_pds_bluesky_is_left_out_with_a_message_or_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("resonanz.bench.pds_peer.peer_missing", lambda: "not installed here")
    seen: dict[str, PublishBenchOptions] = {}

    def fake(settings: Settings, options: PublishBenchOptions, **_: object) -> dict[str, int]:
        seen["options"] = options
        return dict.fromkeys(KEYS, 0)

    monkeypatch.setattr("resonanz.bench.publish.bench_publish", fake)
    result = CliRunner().invoke(app, ["bench", "publish", "--quick", "--json"])
    assert result.exit_code == 0, result.output
    assert "Bluesky left out, Mastodon only: not installed here" in result.output
    assert seen["options"].peers is None
    monkeypatch.undo()
    monkeypatch.setattr("resonanz.bench.pds_peer.peer_missing", lambda: "not installed here")
    options = PublishBenchOptions(deliveries=5, peers=("bluesky",))
    with pytest.raises(ConfigError, match="cannot reach Bluesky: not installed here"):
        bench_publish(Settings(language_detection=False), options)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.99), percentile([], 0.99)) == (
        50.0,
        99.0,
        0.0,
    )


def test_bench_publish_json_prints_one_object(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, PublishBenchOptions] = {}

    def fake(settings: Settings, options: PublishBenchOptions, **_: object) -> dict[str, int]:
        seen["options"] = options
        return dict.fromkeys(KEYS, 0)

    monkeypatch.setattr("resonanz.bench.publish.bench_publish", fake)
    result = CliRunner().invoke(
        app, ["bench", "publish", "--quick", "--kill-min", "3", "--kill-max", "4", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output).keys() >= KEYS
    options = seen["options"]
    assert (options.deliveries, options.window_s, options.edits) == (200, 60.0, 50)
    assert (options.kill_min_s, options.kill_max_s) == (3.0, 4.0)
