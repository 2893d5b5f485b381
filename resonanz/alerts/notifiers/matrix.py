"""Matrix: post the alert into a room through the client-server API.

``PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}`` with a transaction id
derived from the message's key: the homeserver drops a repeated delivery with the same id
from the same access token, so a retry never posts twice. A room alias (``#room:server``)
is resolved through the room directory before the first send.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from resonanz.alerts.message import AlertMessage
from resonanz.alerts.notifiers import http
from resonanz.alerts.notifiers.base import TIMEOUT_FIELD, FieldSpec, Notifier
from resonanz.alerts.notifiers.render import matrix_html, plain_text
from resonanz.config import Settings
from resonanz.errors import DeliveryError
from resonanz.hookspecs import hookimpl

__all__ = ["MatrixNotifier", "register_notifiers", "transaction_id"]

# Room ids are "!opaque:server", or just "!opaque" from room version 12 on.
_ROOM_ID = re.compile(r"^![^\s:/]+(:[^\s/]+)?$")
_ALIAS = re.compile(r"^#[^\s:/]+:[^\s/]+$")
# Retrying cannot help: the token is wrong or revoked, or the bot may not post there.
_PERMANENT_CODES = frozenset(
    {"M_UNKNOWN_TOKEN", "M_MISSING_TOKEN", "M_FORBIDDEN", "M_NOT_FOUND", "M_USER_DEACTIVATED"}
)


def transaction_id(message: AlertMessage, room_id: str) -> str:
    """The Matrix transaction id of ``message`` in ``room_id``: the same on every retry."""
    room = hashlib.sha256(room_id.encode("utf-8")).hexdigest()[:8]
    return f"{message.key}-{room}"


class MatrixNotifier(Notifier):
    """Post to a Matrix room as a bot user."""

    kind = "matrix"
    fields = (
        FieldSpec("homeserver", "The homeserver's client URL, e.g. https://matrix.example.org."),
        FieldSpec(
            "room_id",
            "The room: its id (!abc:example.org) or an alias (#alerts:example.org); "
            "the bot user must have joined it.",
        ),
        FieldSpec("access_token", "The bot user's access token.", secret=True),
        TIMEOUT_FIELD,
    )

    def __init__(self, config: Mapping[str, str], settings: Settings) -> None:
        super().__init__(config, settings)
        self._homeserver = http.check_url(
            self.kind, "homeserver", self._values["homeserver"], settings
        ).rstrip("/")
        self._room = self._values["room_id"]
        if not (_ROOM_ID.match(self._room) or _ALIAS.match(self._room)):
            raise self.invalid(
                "room_id", "must be a room id (!abc:example.org) or an alias (#room:example.org)"
            )
        self._token = self._values["access_token"].strip()
        self._resolved: str | None = self._room if self._room.startswith("!") else None

    def describe(self) -> str:
        """ "matrix #alerts:example.org on https://matrix.example.org"."""
        return f"{self.kind} {self._room} on {http.short_url(self._homeserver)}"

    def send(self, message: AlertMessage) -> None:
        """Post the message (plain text and HTML); DeliveryError when the server refuses."""
        room_id = self._room_id()
        content = {
            "msgtype": "m.text",
            "body": plain_text(message),
            "format": "org.matrix.custom.html",
            "formatted_body": matrix_html(message),
            # No one is pinged: a mention's text saying "@room" must not alert the room.
            "m.mentions": {},
        }
        path = (
            f"/_matrix/client/v3/rooms/{quote(room_id, safe='')}/send/m.room.message/"
            f"{quote(transaction_id(message, room_id), safe='')}"
        )
        self._call("PUT", path, json.dumps(content, ensure_ascii=False).encode(), room_id)

    def _room_id(self) -> str:
        if self._resolved is None:
            path = f"/_matrix/client/v3/directory/room/{quote(self._room, safe='')}"
            answer = self._call("GET", path, None, self._room)
            room_id = answer.get("room_id") if isinstance(answer, dict) else None
            if not isinstance(room_id, str) or not room_id.startswith("!"):
                raise DeliveryError(
                    f"{self._target()}: the directory gave no room id for {self._room}",
                    permanent=False,
                )
            self._resolved = room_id
        return self._resolved

    def _target(self) -> str:
        return f"matrix homeserver {http.origin(self._homeserver)}"

    def _call(self, method: str, path: str, body: bytes | None, room: str) -> Any:
        headers = {"Authorization": f"Bearer {self._token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        reply = http.deliver(
            method,
            self._homeserver + path,
            self.settings,
            target=self._target(),
            timeout=self.timeout,
            headers=headers,
            content=body,
        )
        answer = reply.json()
        if 200 <= reply.status < 300:
            return answer
        code = answer.get("errcode") if isinstance(answer, dict) else None
        if isinstance(code, str):
            said = str(answer.get("error", "")).strip()
            text = f"{self._target()} refused {room}: {code}" + (f" ({said})" if said else "")
            if code == "M_LIMIT_EXCEEDED":
                wait = answer.get("retry_after_ms")
                if isinstance(wait, int | float):
                    text += f"; retry after {wait / 1000:.0f} s"
                raise DeliveryError(text, permanent=False)
            if code in _PERMANENT_CODES:
                raise DeliveryError(text, permanent=True)
            raise DeliveryError(
                text, permanent=reply.status < 500 and reply.status not in (408, 429)
            )
        error = http.status_error(reply, self._target())
        assert error is not None
        raise error


@hookimpl
def register_notifiers() -> list[Any]:
    """Register the Matrix notifier."""
    return [MatrixNotifier]
