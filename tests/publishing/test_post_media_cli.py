"""`resonanz post new --image/--alt/--thread/--poll`, `post list`, `post image` and
`post alt-text` through the CLI (SQLite file, a stored Mastodon channel row)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from resonanz.cli import app

from .images import image_bytes
from .test_cli_publishing import _ok


def _channel(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from resonanz.config import load_settings
    from resonanz.store import open_store
    from resonanz.store.publishing import publishing_store

    store = open_store(load_settings().database_url)
    try:
        ws = store.get_workspace("acme")
        publishing_store(store).add_channel(
            ws.id,
            "mastodon",
            "masto",
            {"instance": "https://masto.example", "max_characters": 500},
            None,
            at=datetime.now(UTC),
        )
    finally:
        store.close()


def test_post_new_with_images_thread_and_poll(cli: CliRunner, tmp_path: Path) -> None:
    _channel(tmp_path)
    photo = tmp_path / "photo.png"
    photo.write_bytes(image_bytes("PNG"))
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"<html>not an image</html>")
    out = _ok(
        cli,
        "post",
        "new",
        "Welche Farbe?",
        "-c",
        "masto",
        "--thread",
        "Zweiter Teil",
        "--poll",
        "Rot",
        "--poll",
        "Blau",
        "--poll-minutes",
        "60",
    )
    assert "Draft 1 saved." in out
    refused = cli.invoke(
        app, ["post", "new", "Bild", "-c", "masto", "--image", str(photo), "--image", str(fake)]
    )
    assert refused.exit_code != 0
    assert "image 2 is not a JPEG, PNG, GIF or WebP image" in refused.output
    refused = cli.invoke(
        app,
        ["post", "new", "Bild", "-c", "masto", "--image", str(photo), "--alt", "a", "--alt", "b"],
    )
    assert refused.exit_code != 0 and "2 --alt texts for 1 --image files" in refused.output
    out = _ok(cli, "post", "new", "Bild", "-c", "masto", "--image", str(photo), "--alt", "Rot")
    assert "Draft 2 saved." in out
    listed = _ok(cli, "post", "list")
    assert "thread of 2 parts" in listed and "poll: Rot / Blau (60" in listed
    assert "1 image(s), 1 with" in listed
    assert "Draft 3" not in listed
    assert "Image 2 (image/png, " in _ok(cli, "post", "image", "add", "2", str(photo))
    assert "Alt text for images: required." in _ok(cli, "post", "alt-text", "--require")
    refused = cli.invoke(app, ["post", "publish-now", "2"])
    assert refused.exit_code != 0 and "image 2 has no alt text" in refused.output
    assert "Image 2 removed" in _ok(cli, "post", "image", "remove", "2", "2")
    assert "2 image(s)" not in _ok(cli, "post", "list")
    _ok(cli, "post", "edit", "1", "Welche Farbe?", "--thread", "Neu 2", "--thread", "Neu 3")
    listed = _ok(cli, "post", "list")
    assert "thread of 3 parts" in listed and "poll: Rot / Blau" in listed  # the poll stays
    _ok(cli, "post", "edit", "1", "Welche Farbe?", "--no-poll")
    assert "poll:" not in _ok(cli, "post", "list")
    refused = cli.invoke(app, ["post", "edit", "1", "x", "--thread", "a", "--no-thread"])
    assert refused.exit_code != 0 and "contradict" in refused.output
