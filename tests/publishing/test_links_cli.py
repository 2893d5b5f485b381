"""`resonanz links ...`, `post new --track` and the approval commands end to end (SQLite
file store, mastodon-mock as the channel's peer)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from resonanz.cli import app
from resonanz.store import open_store
from resonanz.store.links import link_store
from resonanz.store.publishing import publishing_store

from .conftest import Mastodon


@pytest.fixture
def cli(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The publishing command line, with a public base URL for tracked links."""
    monkeypatch.setenv("RESONANZ_BASE_URL", "https://rz.example.org/")
    return cli


def _run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def test_links_add_list_stats(cli: CliRunner) -> None:
    out = _run(cli, "links", "add", "https://shop.example/a?x=1", "--campaign", "advent")
    code = re.search(r"code (\w+)", out)
    assert code is not None
    assert f"https://rz.example.org/r/{code.group(1)}" in out
    assert "https://shop.example/a?x=1&utm_campaign=advent" in out
    assert code.group(1) in _run(cli, "links", "list")
    assert "0 clicks in all" in _run(cli, "links", "stats", code.group(1))
    refused = _run(cli, "links", "add", "mailto:someone@example.org", code=1)
    assert "http or https URL, not mailto:" in refused
    assert "no tracked link" in _run(cli, "links", "stats", "zzzzzzz", code=1)


def test_post_new_track_and_approvals(cli: CliRunner, mastodon: Mastodon, tmp_path: Path) -> None:
    _run(
        cli,
        "channels",
        "add",
        "mastodon",
        "masto",
        "--instance",
        mastodon.url,
        "--token",
        "alice_token",
    )
    for email, role, flag in (
        ("ed@acme.test", "editor", []),
        ("ap@acme.test", "editor", ["--approver"]),
    ):
        added = cli.invoke(
            app, ["user", "add", email, "--password-stdin"], input="a long enough password 1\n"
        )
        assert added.exit_code == 0, added.output
        _run(cli, "member", "add", email, role, *flag)
    out = _run(
        cli,
        "post",
        "new",
        "Neu im Shop: https://shop.example/neu",
        "-c",
        "masto",
        "--track",
        "--campaign",
        "launch",
        "--author",
        "ed@acme.test",
    )
    assert "Draft 1 saved." in out and "1 tracked links made." in out
    store = open_store(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        ws = store.get_workspace("acme").id
        post = publishing_store(store).get_post(ws, 1)
        [link] = link_store(store).list_links(ws)
    finally:
        store.close()
    assert link.post_id == 1 and link.utm["utm_source"] == "mastodon"
    assert link.destination == (
        "https://shop.example/neu?utm_source=mastodon&utm_medium=social&utm_campaign=launch"
    )
    assert list(post.variants.values()) == [f"Neu im Shop: https://rz.example.org/r/{link.code}"]
    assert "--campaign is for tracked links" in _run(
        cli, "post", "new", "x", "-c", "masto", "--campaign", "c", code=1
    )

    assert "Approval: required, 1 step(s)." in _run(cli, "post", "approvals", "--require")
    held = _run(cli, "post", "publish-now", "1")
    assert "requires approval; post 1 is published only once approved" in held
    assert "resonanz post submit 1" in held
    _run(cli, "post", "submit", "1", "--by", "ed@acme.test")
    assert "pending_approval" in _run(cli, "post", "approvals")
    refused = _run(cli, "post", "approve", "1", "--by", "ed@acme.test", code=1)
    assert "only members with the approver flag" in refused
    _run(cli, "post", "reject", "1", "--by", "ap@acme.test", "--comment", "Preis fehlt")
    assert "rejected" in _run(cli, "post", "approvals")
    _run(cli, "post", "submit", "1", "--by", "ed@acme.test")
    assert "Post 1 approved." in _run(cli, "post", "approve", "1", "--by", "ap@acme.test")
    assert "approved" in _run(cli, "post", "list")
