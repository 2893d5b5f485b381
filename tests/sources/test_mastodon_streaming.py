"""Mastodon streaming against mastodon-mock's real SSE endpoints (/api/v1/streaming/*):
statuses posted while a run listens arrive through the stream and are stored once, a
delete event is skipped with a reason, an instance with streaming switched off is polled
(auto) or refused (on), a run interrupted mid-stream resumes with no gap, a refused token
is an AuthError."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from mastodon_mock.config import DatabaseConfig, MastodonMockConfig, StreamingConfig
from mastodon_mock.testing import DEFAULT_TEST_SEED, MockServer
from mastodon_peer import (  # noqa: F401 (the fixtures)
    SETTINGS,
    MastodonPeer,
    mastodon_peer_fixture,
    mastodon_server_fixture,
    runtime_fixture,
    sqlite_store_fixture,
)

from resonanz.collect import RunReport, run_source
from resonanz.errors import FetchError
from resonanz.models import Mention
from resonanz.runtime import Runtime
from resonanz.sources.mastodon import MastodonSource
from resonanz.sources.mastodon_sse import SseEvent, parse_sse
from resonanz.store import SqlStore


class Interrupted(Exception):
    """Stands for the process being stopped in the middle of a run."""


@pytest.fixture(scope="module")
def no_streaming_peer() -> Iterator[MastodonPeer]:
    """A second mastodon-mock whose streaming is switched off (stream routes answer 404)."""
    config = MastodonMockConfig(
        database=DatabaseConfig(path=":memory:"),
        seed=DEFAULT_TEST_SEED,
        streaming=StreamingConfig(enabled=False),
    )
    with MockServer(config=config) as server:
        yield MastodonPeer(server)


class Run:
    """One Mastodon source in a store; ``run()`` collects it once."""

    def __init__(self, store: SqlStore, runtime: Runtime, options: dict[str, Any]) -> None:
        self.store, self.runtime = store, runtime
        self.ws = store.create_workspace("acme", "ACME")
        config = MastodonSource.validate_config(options, SETTINGS)
        self.source_id = store.add_source(self.ws.id, "mastodon", "m", config).id

    def run(self, on_batch: Callable[[RunReport], None] | None = None) -> RunReport:
        source = self.store.get_source_by_id(self.source_id)
        return run_source(self.store, self.runtime, source, on_batch=on_batch)

    def cursor(self) -> dict[str, Any]:
        return dict(self.store.get_source_by_id(self.source_id).cursor)

    def mentions(self) -> dict[str, Mention]:
        return {m.native_id: m for m in self.store.iter_mentions(self.ws.id)}


def later(action: Callable[[], None], delay: float = 0.3) -> threading.Thread:
    """Run ``action`` in a thread after ``delay`` seconds (posts made while a run listens)."""

    def go() -> None:
        time.sleep(delay)
        action()

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def on_first_batch(action: Callable[[], None]) -> tuple[Callable[[RunReport], None], list[Any]]:
    """An on_batch callback that starts ``action`` in a thread after the first batch."""
    threads: list[threading.Thread] = []

    def callback(report: RunReport) -> None:
        if not threads:
            threads.append(later(action))

    return callback, threads


def test_statuses_posted_while_listening_come_through_the_stream_once(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    old = mastodon_peer.post("alice", "alt #bahn")
    posted: list[dict[str, Any]] = []

    def post_and_delete() -> None:
        posted.append(mastodon_peer.post("bob", "ICE fällt aus #bahn", language="de"))
        posted.append(mastodon_peer.post("carol", "Wetter #wetter"))  # another stream
        posted.append(mastodon_peer.post("carol", "Zug kommt #Bahn"))
        gone = mastodon_peer.post("alice", "Tippfehler #bahn")
        httpx.delete(
            f"{mastodon_peer.url}/api/v1/statuses/{gone['id']}",
            headers={"Authorization": "Bearer alice_token"},
        ).raise_for_status()
        posted.append(gone)

    # backfill_pages=0: the catch-up only notes the newest id and polls nothing more,
    # so whatever is posted after its batch can only come through the stream.
    listening = Run(
        sqlite_store,
        runtime,
        {
            "instance": mastodon_peer.url,
            "hashtag": "bahn",
            "backfill_pages": 0,
            "stream_seconds": 2,
        },
    )
    callback, threads = on_first_batch(post_and_delete)
    started = time.monotonic()
    report = listening.run(on_batch=callback)
    threads[0].join()
    assert report.ok, report.error
    assert time.monotonic() - started >= 2.0  # it listened for stream_seconds
    ice, _, zug, gone = posted
    stored = listening.mentions()
    assert set(stored) == {ice["uri"], zug["uri"], gone["uri"]}
    assert old["uri"] not in stored
    assert stored[ice["uri"]].text == "ICE fällt aus #bahn"
    assert (stored[ice["uri"]].raw["id"], stored[ice["uri"]].raw["content"]) == (
        ice["id"],
        ice["content"],
    )
    deleted = [s for s in report.skipped if "delete" in s.reason]
    assert [s.where for s in deleted] == [
        f"{mastodon_peer.url} hashtag timeline #bahn stream id {gone['id']}"
    ]
    assert "deleted on the instance" in deleted[0].reason
    assert listening.cursor() == {"stream": "tag:bahn", "newest_id": gone["id"]}

    again = listening.run()  # the next run's catch-up: nothing new, nothing twice
    assert (again.fetched, again.inserted) == (0, 0)
    assert len(listening.mentions()) == 3


def test_mentions_arrive_through_the_user_notification_stream(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    posted: list[dict[str, Any]] = []
    options = {
        "instance": mastodon_peer.url,
        "mode": "mentions",
        "access_token": "alice_token",
        "backfill_pages": 0,
        "stream_seconds": 2,
    }
    listening = Run(sqlite_store, runtime, options)
    callback, threads = on_first_batch(
        lambda: posted.append(mastodon_peer.post("bob", "@alice schau mal"))
    )
    mastodon_peer.post("carol", "vorher @alice")  # gives the catch-up an id to start from
    report = listening.run(on_batch=callback)
    threads[0].join()
    assert report.ok, report.error
    stored = listening.mentions()
    assert [m.text for m in stored.values() if "schau" in m.text] == ["@alice schau mal"]
    assert len(stored) == 1  # the status update on alice's user stream is not a mention
    assert listening.cursor()["stream"] == "notifications:mention"


def test_streaming_switched_off_polls_with_auto_and_fails_with_on(
    sqlite_store: SqlStore, runtime: Runtime, no_streaming_peer: MastodonPeer
) -> None:
    no_streaming_peer.reset()
    first = no_streaming_peer.post("alice", "eins #bahn")
    options = {"instance": no_streaming_peer.url, "hashtag": "bahn", "stream_seconds": 30}
    polling = Run(sqlite_store, runtime, options)
    started = time.monotonic()
    report = polling.run()
    assert report.ok, report.error
    assert time.monotonic() - started < 10  # did not listen for 30 s
    assert set(polling.mentions()) == {first["uri"]}

    config = MastodonSource.validate_config({**options, "streaming": "on"}, SETTINGS)
    with pytest.raises(FetchError) as refused:
        list(MastodonSource(config, SETTINGS).fetch({}))
    message = str(refused.value)
    assert "does not stream the hashtag timeline #bahn" in message
    assert "HTTP 404 (Streaming is not enabled)" in message
    assert "streaming=auto" in message


def test_a_run_stopped_mid_stream_resumes_without_gap_or_duplicate(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    mastodon_peer.post("alice", "alt #bahn")
    options = {
        "instance": mastodon_peer.url,
        "hashtag": "bahn",
        "backfill_pages": 0,
        "stream_seconds": 10,
    }
    listening = Run(sqlite_store, runtime, options)
    streamed: list[dict[str, Any]] = []

    def stop_after_a_streamed_status(report: RunReport) -> None:
        if report.batches == 1:
            later(lambda: streamed.append(mastodon_peer.post("bob", "zwei #bahn"))).join()
        if report.inserted:
            raise Interrupted

    try:
        listening.run(on_batch=stop_after_a_streamed_status)
    except Interrupted:
        pass
    else:
        pytest.fail("the run was not interrupted")
    gc.collect()  # the abandoned fetch generator closes its stream
    assert not [t for t in threading.enumerate() if t.name == "mastodon-sse"]
    assert set(listening.mentions()) == {streamed[0]["uri"]}
    assert listening.cursor()["newest_id"] == streamed[0]["id"]

    missed = [mastodon_peer.post("carol", f"{n} #bahn") for n in ("drei", "vier")]
    resumed = MastodonSource.validate_config({**options, "stream_seconds": 1}, SETTINGS)
    listening.store.update_source(listening.source_id, config=resumed)
    report = listening.run()
    assert report.ok, report.error
    assert (report.fetched, report.inserted) == (2, 2)  # caught up by the poll
    assert set(listening.mentions()) == {s["uri"] for s in streamed + missed}
    assert listening.cursor()["newest_id"] == missed[-1]["id"]


def test_a_refused_token_on_the_stream_pauses_the_source(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    options = {"instance": mastodon_peer.url, "mode": "mentions", "access_token": "revoked-t0ken"}
    report = Run(sqlite_store, runtime, options).run()
    assert report.error is not None
    assert "refused the stream with HTTP 401" in report.error
    assert "the access token is invalid, revoked or lacks the read scope" in report.error
    assert "revoked-t0ken" not in report.error
    assert "the source is paused" in report.error


def test_a_failing_stream_is_retried_before_listening(
    sqlite_store: SqlStore, runtime: Runtime, mastodon_peer: MastodonPeer
) -> None:
    mastodon_peer.post("alice", "alt #bahn")
    mastodon_peer.fault("/api/v1/streaming/hashtag", status=503, count=1)
    posted: list[dict[str, Any]] = []
    options = {"instance": mastodon_peer.url, "hashtag": "bahn", "backfill_pages": 0}
    listening = Run(sqlite_store, runtime, {**options, "streaming": "on", "stream_seconds": 1})
    callback, threads = on_first_batch(
        lambda: posted.append(mastodon_peer.post("bob", "neu #bahn"))
    )
    report = listening.run(on_batch=callback)
    threads[0].join()
    assert report.ok, report.error
    assert set(listening.mentions()) == {posted[0]["uri"]}


def test_event_stream_lines_are_parsed_as_the_sse_format_says() -> None:
    lines = [":connected", "", "event: update", 'data: {"id":', 'data: "1"}', "", ":thump"]
    lines += ["", "event: delete", "data:7", "", "data: no event name", "", "event: x", ""]
    assert list(parse_sse(lines)) == [
        SseEvent("update", '{"id":\n"1"}'),
        SseEvent("delete", "7"),
        SseEvent("message", "no event name"),
    ]
