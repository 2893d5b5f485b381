"""End to end through the CLI: workspace, topics, import, RSS collect, search, stats."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz.cli import app
from resonanz.demo import sample_path

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Bahn-Blog</title><link>http://127.0.0.1/</link>
<item><guid>post-1</guid><title>Wieder Verspätung</title><link>http://127.0.0.1/p/1</link>
<description>&lt;p&gt;Der ICE nach Köln hatte &lt;b&gt;40 Minuten&lt;/b&gt;
 Verspätung.&lt;/p&gt;</description>
<pubDate>Mon, 02 Nov 2026 08:00:00 +0000</pubDate></item>
<item><guid>post-2</guid><title>Flixbus fährt öfter</title><link>http://127.0.0.1/p/2</link>
<description>Flixbus erweitert das Netz nach Leipzig.</description>
<pubDate>Tue, 03 Nov 2026 09:30:00 +0000</pubDate></item>
</channel></rss>"""


class _FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = FEED.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def feed_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RESONANZ_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RESONANZ_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RESONANZ_WORKSPACE", "bahn")
    monkeypatch.setenv("RESONANZ_LANGUAGE_DETECTION", "false")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_listening_flow(cli: CliRunner, tmp_path: Path, feed_url: str) -> None:
    assert "Workspace 'bahn' created" in run(cli, "init")
    out = run(cli, "topic", "lint", '"deutsche bahn" OR (bahn AND', code=1)
    assert "position" in out
    run(cli, "topic", "add", "Deutsche Bahn", '"deutsche bahn" OR bahn OR ice', "--kind", "brand")
    run(cli, "topic", "add", "Flixbus", "flixbus", "--kind", "competitor")
    out = run(cli, "topic", "add", "Broken", "(bahn", code=1)
    assert "position" in out

    rows = [r for r in sample_path().read_text(encoding="utf-8").splitlines() if r][:200]
    sample = tmp_path / "sample.tsv"
    sample.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = run(cli, "import", str(sample), "--format", "germeval")
    assert "200 read, 200 new" in out
    out = run(cli, "import", str(sample), "--format", "germeval")
    assert "0 read" in out  # resumed at the end: nothing new, nothing doubled
    out = run(cli, "import", str(sample), "--format", "germeval", "--again")
    assert "0 new, 200 already known" in out

    out = run(cli, "topic", "test", "verspätung*")
    assert "stored mentions match" in out

    run(cli, "source", "add", "rss", feed_url, code=1)  # loopback refused by default
    run(cli, "--allow-private-targets", "source", "add", "rss", feed_url, "--name", "blog")
    out = run(cli, "--allow-private-targets", "collect")
    assert "blog: 2 read, 2 new" in out
    out = run(cli, "source", "status")
    assert "blog" in out and "ok" in out

    out = run(cli, "search", "verspätung AND köln")
    assert "1 mentions match" in out and "40 Minuten" in out
    out = run(cli, "search", "flixbus", "--json")
    records = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(r["native_id"].endswith("post-2") for r in records)  # feed-scoped guid

    stats = json.loads(run(cli, "stats", "--json"))
    assert stats["mentions"] == 202
    topics = dict(stats["by_topic"])
    assert topics["Flixbus"] >= 1 and topics["Deutsche Bahn"] > 10
    platforms = dict(stats["by_platform"])
    assert platforms["twitter"] > 0 and sum(platforms.values()) == 202


def test_bad_file_reports_lines_and_keeps_the_good_rows(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "init")
    data = tmp_path / "posts.jsonl"
    data.write_text(
        '{"id": "1", "text": "Zug pünktlich"}\n'
        "{not json\n"
        '{"id": "3", "text": ""}\n'
        '{"id": "4", "text": "Bahn wieder zu spät"}\n',
        encoding="utf-8",
    )
    result = cli.invoke(app, ["import", str(data)])
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output
    assert "posts.jsonl:2" in result.output

    junk = tmp_path / "junk.jsonl"
    junk.write_text("nothing\nusable\n", encoding="utf-8")
    result = cli.invoke(app, ["import", str(junk)])
    assert result.exit_code == 1
    assert "junk.jsonl" in result.output


def test_errors_are_one_line_messages(cli: CliRunner) -> None:
    run(cli, "init")
    out = run(cli, "-w", "nope", "stats", code=1)
    assert "nope" in out and "Traceback" not in out
    out = run(cli, "search", "ba*", code=1)
    assert "position" in out
    out = run(cli, "workspace", "create", "Not A Slug", code=1)
    assert "invalid workspace slug" in out
