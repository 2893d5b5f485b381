"""Webhook: POST the alert as JSON, signed with HMAC-SHA256, with an idempotency key.

Headers: ``X-Resonanz-Timestamp`` (Unix seconds), ``X-Resonanz-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`` and ``Idempotency-Key``
(the message's key, the same on every retry). Receivers check the signature with
``verify_signature``. Redirects are not followed.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from resonanz.alerts.message import AlertMessage
from resonanz.alerts.notifiers import http
from resonanz.alerts.notifiers.base import TIMEOUT_FIELD, FieldSpec, Notifier
from resonanz.alerts.notifiers.render import plain_text
from resonanz.config import Settings
from resonanz.hookspecs import hookimpl

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookNotifier",
    "payload",
    "register_notifiers",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Resonanz-Signature"
TIMESTAMP_HEADER = "X-Resonanz-Timestamp"
_MIN_SECRET = 16


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, "sha256")
    return f"sha256={digest.hexdigest()}"


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    header: str,
    *,
    tolerance_s: float = 300,
    now: float | None = None,
) -> bool:
    """True when ``header`` (X-Resonanz-Signature) signs ``body`` at ``timestamp``
    (X-Resonanz-Timestamp) with ``secret``, and the timestamp is at most ``tolerance_s``
    seconds from now (an old, replayed request fails). Several comma-separated signatures
    are accepted if any matches."""
    stamp = str(timestamp).strip()
    if not stamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance_s:
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else body
    expected = sign(secret, stamp, raw)
    return any(
        hmac.compare_digest(expected.encode("ascii"), candidate.strip().encode("utf-8"))
        for candidate in header.split(",")
    )


def payload(message: AlertMessage) -> dict[str, Any]:
    """The JSON object a webhook receives."""
    return {
        "key": message.key,
        "incident_id": message.incident_id,
        "sequence": message.sequence,
        "status": message.status,
        "kind": message.kind,
        "workspace": message.workspace,
        "topic": message.topic,
        "title": message.title,
        "explanation": message.explanation,
        "lang": message.lang,
        "started_at": message.started_at.isoformat(),
        "observed_at": message.observed_at.isoformat(),
        "url": message.url,
        "examples": [{"author": e.author, "text": e.text, "url": e.url} for e in message.examples],
        "text": plain_text(message),
    }


class WebhookNotifier(Notifier):
    """POST signed JSON to a URL of your own."""

    kind = "webhook"
    fields = (
        FieldSpec("url", "The receiver's URL, https:// (or http:// inside your network)."),
        FieldSpec(
            "secret",
            f"Shared secret for the HMAC signature, at least {_MIN_SECRET} characters.",
            secret=True,
        ),
        TIMEOUT_FIELD,
    )

    def __init__(self, config: Mapping[str, str], settings: Settings) -> None:
        super().__init__(config, settings)
        self._url = http.check_url(self.kind, "url", self._values["url"], settings)
        self._secret = self._values["secret"]
        if len(self._secret) < _MIN_SECRET:
            raise self.invalid("secret", f"must have at least {_MIN_SECRET} characters")

    def describe(self) -> str:
        """ "webhook https://hooks.example.org/path" (no query string, no secret)."""
        return f"{self.kind} {http.short_url(self._url)}"

    def send(self, message: AlertMessage) -> None:
        """POST the message; DeliveryError unless the receiver answers 2xx."""
        body = json.dumps(payload(message), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        target = f"webhook {http.origin(self._url)}"
        reply = http.deliver(
            "POST",
            self._url,
            self.settings,
            target=target,
            timeout=self.timeout,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self._secret, timestamp, body),
                "Idempotency-Key": message.key,
            },
            content=body,
        )
        error = http.status_error(reply, target)
        if error is not None:
            raise error


@hookimpl
def register_notifiers() -> list[Any]:
    """Register the webhook notifier."""
    return [WebhookNotifier]
