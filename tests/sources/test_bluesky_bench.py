"""`resonanz bench connectors`: the recorded firehose replays through decode, normalise, match."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from resonanz.bench.connectors import read_frames
from resonanz.cli import app
from resonanz.sources.bluesky.frames import FrameEvent, decode_frame


def test_the_recorded_stream_is_real_firehose_frames() -> None:
    frames = read_frames()
    events = [decode_frame(frame) for frame in frames]
    assert all(isinstance(e, FrameEvent) for e in events)
    seqs = [e.seq for e in events if isinstance(e, FrameEvent)]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    kinds = {e.kind for e in events if isinstance(e, FrameEvent)}
    assert {"#commit", "#identity"} <= kinds
    posts = sum(len(e.posts) for e in events if isinstance(e, FrameEvent))
    assert 0 < posts < len(frames)


def test_bench_connectors_prints_one_json_object_with_plausible_figures() -> None:
    result = CliRunner().invoke(app, ["bench", "connectors", "--json", "--events", "600"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["events"] == 600
    assert figures["events_per_s"] > 0
    assert isinstance(figures["rss_growth_mb"], float | int)
    assert abs(figures["rss_growth_mb"]) < 200
    # 600 events replay the recorded stream (a few hundred frames) more than once.
    assert 0 < figures["matched"] <= figures["posts"] < figures["events"]
    assert figures["ignored"] > 0 and figures["queries"] >= 10


def test_bench_connectors_replays_for_a_given_time() -> None:
    result = CliRunner().invoke(app, ["bench", "connectors", "--json", "--minutes", "0.01"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert 0.5 <= figures["seconds"] < 3
    assert figures["events"] > figures["stream_frames"]
