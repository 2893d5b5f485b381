"""Publishing to a Telegram channel through a bot, against a loopback server answering
the Bot API's documented bodies; the outbox on SQLite and PostgreSQL. The bot token is
in every request path and in no log line or error."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from resonanz.errors import ConfigError, ValidationError
from resonanz.publishing import compose
from resonanz.publishing.channels.telegram import poll_body
from resonanz.publishing.connect import add_channel
from resonanz.publishing.scheduler import Scheduler
from tests.sources.apiserver import ApiServer, JsonReply

from .conftest import SETTINGS, Clock, World

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
BOT = f"/bot{TOKEN}"
ME = {
    "ok": True,
    "result": {"id": 123456, "is_bot": True, "first_name": "Resonanz", "username": "resonanz_bot"},
}
CHAT = {
    "ok": True,
    "result": {
        "id": -1001234567890,
        "title": "ACME News",
        "username": "acme_news",
        "type": "channel",
    },
}
ADMIN = {
    "ok": True,
    "result": {"status": "administrator", "can_post_messages": True, "user": ME["result"]},
}


def _script_check(platform: ApiServer, member: dict[str, object] = ADMIN) -> None:
    platform.script("POST", f"{BOT}/getMe", JsonReply(ME))
    platform.script("POST", f"{BOT}/getChat", JsonReply(CHAT))
    platform.script("POST", f"{BOT}/getChatMember", JsonReply(member))


def _add(world: World, classes: dict[str, type], platform: ApiServer, name: str = "tg") -> None:
    add_channel(
        world.pub,
        SETTINGS,
        classes,
        world.workspace.id,
        "telegram",
        name,
        {"api": platform.base_url, "chat": "@acme_news"},
        {"bot_token": TOKEN},
    )


@pytest.fixture
def scheduler(world: World, classes: dict[str, type], clock: Clock) -> Iterator[Scheduler]:
    made = Scheduler(world.pub, SETTINGS, classes, runner="t", clock=clock)
    yield made
    made.close()


def _due(world: World, classes: dict[str, type], text: str) -> int:
    post = compose.new_post(world.pub, classes, world.workspace.id, text, ["tg"]).post
    compose.publish_now(world.pub, classes, world.workspace.id, post.id)
    return post.id


def test_send_message_and_rights(
    world: World,
    classes: dict[str, type],
    platform: ApiServer,
    scheduler: Scheduler,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _script_check(platform, {"ok": True, "result": {"status": "member", "user": ME["result"]}})
    with pytest.raises(ConfigError, match="make it an administrator"):
        _add(world, classes, platform, "nope")
    _script_check(platform)
    _add(world, classes, platform)
    channel = world.pub.get_channel(world.workspace.id, "tg")
    assert channel.config["account"] == "ACME News (via @resonanz_bot)"
    assert channel.config["chat_id"] == -1001234567890
    # 4,096 UTF-16 units: an emoji outside the BMP counts 2.
    with pytest.raises(ValidationError, match=r"tg \(telegram\): the text has 4098 characters"):
        compose.new_post(
            world.pub, classes, world.workspace.id, "😀" * 2049, ["tg"], at="2099-01-01 09:00"
        )
    sent = {
        "ok": True,
        "result": {
            "message_id": 42,
            "date": 1733480000,
            "chat": CHAT["result"],
            "text": "Hallo <b>",
        },
    }
    platform.script("POST", f"{BOT}/sendMessage", JsonReply(sent))
    post_id = _due(world, classes, "Hallo <b>")
    assert scheduler.tick().sent
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert (row.remote_id, row.remote_url) == ("42", "https://t.me/acme_news/42")
    [call] = platform.calls(f"{BOT}/sendMessage")
    assert json.loads(call.body) == {
        "chat_id": -1001234567890,
        "text": "Hallo <b>",
    }  # no parse_mode
    assert TOKEN not in caplog.text and "ABC-DEF" not in caplog.text
    assert platform.calls("/bot/sendMessage") == []  # the placeholder never left the process


def test_errors_and_an_attempt_in_doubt(
    world: World,
    classes: dict[str, type],
    platform: ApiServer,
    clock: Clock,
    scheduler: Scheduler,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _script_check(platform)
    _add(world, classes, platform)
    limited = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 35",
        "parameters": {"retry_after": 35},
    }
    long = {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
    kicked = {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was kicked from the channel chat",
    }
    platform.script(
        "POST",
        f"{BOT}/sendMessage",
        [
            JsonReply(limited, status=429),
            JsonReply(long, status=400),
            JsonReply(kicked, status=403),
        ],
    )
    post_id = _due(world, classes, "Eins")
    assert scheduler.tick().retrying
    [row] = world.pub.deliveries(world.workspace.id, post_id=post_id)
    assert (
        row.next_attempt_at is not None
        and 34 <= (row.next_attempt_at - clock()).total_seconds() <= 36
    )
    clock.advance(36)
    assert scheduler.tick().needs_attention
    assert "message is too long" in (
        world.pub.deliveries(world.workspace.id, post_id=post_id)[0].last_error or ""
    )
    second = _due(world, classes, "Zwei")
    assert scheduler.tick().needs_attention
    assert "bot was kicked" in (
        world.pub.deliveries(world.workspace.id, post_id=second)[0].last_error or ""
    )
    channel = world.pub.get_channel(world.workspace.id, "tg")
    assert channel.status == "disconnected"
    # Reconnected; a sendMessage whose answer is lost (a 502) is not sent again.
    world.pub.update_channel(channel.id, at=clock(), status="connected")
    platform.script(
        "POST",
        f"{BOT}/sendMessage",
        JsonReply({"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502),
    )
    third = _due(world, classes, "Drei")
    assert scheduler.tick().retrying
    clock.advance(60)
    assert scheduler.tick().needs_attention
    [row] = world.pub.deliveries(world.workspace.id, post_id=third)
    assert "a bot cannot read the channel" in (row.last_error or "")
    assert len([c for c in platform.calls(f"{BOT}/sendMessage")]) == 4  # 3 earlier + 1, no retry
    assert TOKEN not in caplog.text and all(
        TOKEN not in (d.last_error or "") for d in world.pub.deliveries(world.workspace.id)
    )
    assert poll_body("-100", "Wann?", ["Mo", "Di"])["options"] == [{"text": "Mo"}, {"text": "Di"}]
