"""Publishing to a Telegram channel through a bot that is an administrator there.

``sendMessage`` (``chat_id``, ``text``, no ``parse_mode``: the text goes out as written),
4,096 characters counted in UTF-16 code units. The check calls ``getMe``, ``getChat`` and
``getChatMember`` (the bot must be an administrator allowed to post). Answers are
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code": N, "description": …,
"parameters": {"retry_after": s}}``.

The bot token is part of every URL (``/bot<token>/METHOD``). It is never logged: the
client asks for ``/bot/METHOD`` and a transport puts the token in at the last moment, so
what httpx logs, error messages and URLs in exceptions hold no token.

Exactly once: a bot cannot read a channel's history (the Bot API has no such method), so
an attempt of unknown outcome cannot be checked; the delivery goes to needs_attention
("check the channel") instead of being sent again.

A post with a poll goes out as ``sendPoll`` (the text is the question, 1–300 characters;
2–10 options of 1–100; ``open_period`` only when the poll runs at most 10 minutes, the
longest Telegram allows, else it stays open); a post with an image as ``sendPhoto``
(multipart, the text as its caption, at most 1,024 UTF-16 units; one JPEG, PNG or WebP
of at most 10 MB). Telegram keeps no alt text. Threads are not built for Telegram.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError, ValidationError
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.httpapi import (
    ChannelApi,
    checked_api,
    in_doubt,
    multipart_body,
)
from resonanz.publishing.channels.units import CountedLimits, utf16_units
from resonanz.publishing.models import Attempt, Receipt
from resonanz.publishing.post_rules import MediaRules, PollRules, PostRules

API = "https://api.telegram.org"
LIMITS = CountedLimits(max_units=4096, unit="characters (UTF-16)", counter=utf16_units)
OPEN_PERIOD_MAX_S = 600  # sendPoll's open_period: 5-600 seconds
_PLACEHOLDER = "/bot/"
_AUTH_WORDS = ("bot was kicked", "not a member", "not enough rights", "chat not found")


class _TokenTransport(httpx.BaseTransport):
    """Puts the bot token into the path of each request just before it is sent."""

    def __init__(self, token: str, inner: httpx.BaseTransport | None) -> None:
        self._token = token
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode("ascii")
        if path.startswith(_PLACEHOLDER):
            path = f"/bot{self._token}/" + path[len(_PLACEHOLDER) :]
        sent = httpx.Request(
            request.method,
            request.url.copy_with(raw_path=path.encode("ascii")),
            headers=request.headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return self._inner.handle_request(sent)

    def close(self) -> None:
        self._inner.close()


def _telegram_error(status: int, body: Any, message: str) -> Exception | None:
    if not isinstance(body, Mapping) or body.get("ok") is not False:
        return None
    said = f"Telegram answered {body.get('error_code', status)}: {body.get('description', message)}"
    parameters = body.get("parameters")
    if status == 429:
        wait = parameters.get("retry_after") if isinstance(parameters, Mapping) else None
        return PublishError(
            said, retry_after=float(wait) if isinstance(wait, int | float) else None
        )
    lowered = said.lower()
    if status in (401, 404) or (status in (400, 403) and any(w in lowered for w in _AUTH_WORDS)):
        return PublishError(
            f"{said} (check the bot token and the bot's rights in the channel)", auth=True
        )
    if status >= 500:
        return PublishError(said, in_doubt=True)
    return PublishError(said, permanent=True)


def poll_body(
    chat_id: str | int,
    question: str,
    options: Sequence[str],
    *,
    multiple: bool = False,
    minutes: int | None = None,
) -> dict[str, Any]:
    """The body of ``sendPoll``: a question of 1–300 characters, 2–10 options of 1–100;
    ``open_period`` for a poll of at most 10 minutes (Telegram allows no longer one)."""
    if not 1 <= len(question) <= 300:
        raise ValidationError("a Telegram poll question has 1 to 300 characters")
    if not 2 <= len(options) <= 10:
        raise ValidationError(f"a Telegram poll has 2 to 10 options, not {len(options)}")
    if any(not 1 <= len(option) <= 100 for option in options):
        raise ValidationError("each Telegram poll option has 1 to 100 characters")
    body: dict[str, Any] = {
        "chat_id": chat_id,
        "question": question,
        "options": [{"text": o} for o in options],
    }
    if multiple:
        body["allows_multiple_answers"] = True
    if minutes is not None and minutes * 60 <= OPEN_PERIOD_MAX_S:
        body["open_period"] = minutes * 60
    return body


class TelegramChannel:
    """A Telegram channel: ``chat`` (``@username`` or ``-100…`` id) in the config
    (learned: ``chat_id``, ``chat_username``, ``bot``), ``bot_token`` in the secrets."""

    kind: ClassVar[str] = "telegram"
    label: ClassVar[str] = "Telegram"
    replaces_in_doubt: ClassVar[bool] = False
    idempotency_window_s: ClassVar[float | None] = None

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = dict(config)
        self.api = ChannelApi(
            settings,
            name=f"Telegram {self.config.get('chat', '')}",
            base_url=str(self.config.get("api") or API),
            transport=_TokenTransport(str(secrets.get("bot_token", "")), transport),
            error_for=_telegram_error,
        )

    @classmethod
    def validate(
        cls, config: Mapping[str, Any], secrets: Mapping[str, str], settings: Settings
    ) -> tuple[dict[str, Any], dict[str, str]]:
        api = checked_api(config, settings, API)
        chat = str(config.get("chat") or "").strip()
        if not (chat.startswith("@") and len(chat) > 1) and not chat.lstrip("-").isdigit():
            raise ConfigError(
                "a Telegram channel needs --chat: the channel's @username or its numeric id (-100…)"
            )
        token = str(secrets.get("bot_token") or "").strip()
        if ":" not in token:
            raise ConfigError("a Telegram channel needs --token: the bot token from @BotFather")
        return {**dict(config), "api": api, "chat": chat}, {"bot_token": token}

    @classmethod
    def text_limits(cls, config: Mapping[str, Any]) -> CountedLimits:
        return LIMITS

    @classmethod
    def post_rules(cls, config: Mapping[str, Any]) -> PostRules:
        """One photo (JPEG, PNG, WebP; 10 MB) with a caption of 1,024 UTF-16 units, or a
        poll (the text is its question); no threads."""
        return PostRules(
            media=MediaRules(
                max_images=1,
                max_bytes=10 * 1024 * 1024,
                types=frozenset({"image/jpeg", "image/png", "image/webp"}),
            ),
            poll=PollRules(min_options=2, max_options=10, option_max=100, text_max=300),
            caption_max=1024,
            caption_counter=utf16_units,
        )

    def close(self) -> None:
        self.api.close()

    def _result(self, method: str, body: Mapping[str, Any], *, publishes: bool) -> Any:
        response = self.api.call(
            "POST", f"{_PLACEHOLDER}{method}", json_body=body, publishes=publishes
        )
        return self.api.data(response).get("result")

    def check(self) -> ChannelCheck:
        me = self._result("getMe", {}, publishes=False)
        chat = self._result("getChat", {"chat_id": self.config.get("chat")}, publishes=False)
        if not isinstance(me, Mapping) or not isinstance(chat, Mapping):
            raise PublishError("Telegram: getMe/getChat answered without a result")
        member = self._result(
            "getChatMember", {"chat_id": chat.get("id"), "user_id": me.get("id")}, publishes=False
        )
        status = member.get("status") if isinstance(member, Mapping) else None
        may_post = status == "creator" or (
            status == "administrator" and bool(member.get("can_post_messages", True))  # type: ignore[union-attr]
        )
        if not may_post:
            raise PublishError(
                f"the bot @{me.get('username')} may not post in {self.config.get('chat')} "
                f"(its status there: {status}); make it an administrator with 'Post messages'",
                auth=True,
            )
        title = str(chat.get("title") or self.config.get("chat"))
        learned = {
            "account": f"{title} (via @{me.get('username')})",
            "chat_id": chat.get("id"),
            "chat_username": chat.get("username"),
            "bot": me.get("username"),
        }
        return ChannelCheck(account=str(learned["account"]), config=learned)

    def publish(self, attempt: Attempt) -> Receipt:
        if in_doubt(attempt):
            raise PublishError(
                f"an earlier attempt to post to {self.config.get('chat')} may have been "
                "published (its answer was lost), and a bot cannot read the channel to check; "
                f"look at the channel, then 'resonanz post publish-now {attempt.delivery.post_id}' "
                "if the post is not there",
                permanent=True,
            )
        chat_id: str | int = self.config.get("chat_id") or str(self.config.get("chat"))
        if attempt.poll is not None:
            method = "sendPoll"
            poll = attempt.poll
            message = self._result(
                method,
                poll_body(
                    chat_id,
                    attempt.text,
                    poll.options,
                    multiple=poll.multiple,
                    minutes=poll.minutes,
                ),
                publishes=True,
            )
        elif attempt.media:
            method = "sendPhoto"
            message = self._photo(str(chat_id), attempt)
        else:
            method = "sendMessage"
            message = self._result(
                method, {"chat_id": chat_id, "text": attempt.text}, publishes=True
            )
        if not isinstance(message, Mapping) or not message.get("message_id"):
            raise PublishError(f"Telegram: {method} answered without a message", in_doubt=True)
        message_id = str(message["message_id"])
        return Receipt(remote_id=message_id, url=self._link(message_id))

    def _photo(self, chat_id: str, attempt: Attempt) -> Any:
        """``sendPhoto`` with the image uploaded in the request (multipart)."""
        item = attempt.media[0]
        body, content_type = multipart_body(
            {"chat_id": chat_id, "caption": attempt.text},
            "photo",
            f"photo.{item.media.mime.rsplit('/', 1)[-1]}",
            item.media.mime,
            item.data,
        )
        response = self.api.call(
            "POST",
            f"{_PLACEHOLDER}sendPhoto",
            content=body,
            headers={"Content-Type": content_type},
            publishes=True,
        )
        return self.api.data(response).get("result")

    def _link(self, message_id: str) -> str | None:
        username = self.config.get("chat_username")
        if username:
            return f"https://t.me/{username}/{message_id}"
        chat_id = str(self.config.get("chat_id") or "")
        if chat_id.startswith("-100"):
            return f"https://t.me/c/{chat_id[4:]}/{message_id}"
        return None


@hookimpl
def register_channels() -> list[Any]:
    return [TelegramChannel]
