"""Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): POST {"text": mrkdwn}.

The webhook URL is itself the credential, so it is a secret field and only its host is
ever shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from resonanz.alerts.message import AlertMessage
from resonanz.alerts.notifiers import http
from resonanz.alerts.notifiers.base import TIMEOUT_FIELD, FieldSpec, Notifier
from resonanz.alerts.notifiers.render import slack_text
from resonanz.config import Settings
from resonanz.hookspecs import hookimpl

__all__ = ["SlackNotifier", "register_notifiers"]


class SlackNotifier(Notifier):
    """Post to a Slack-compatible incoming webhook."""

    kind = "slack"
    fields = (
        FieldSpec(
            "url",
            "The incoming webhook URL (Slack, Mattermost or Rocket.Chat); it is the credential.",
            secret=True,
        ),
        TIMEOUT_FIELD,
    )

    def __init__(self, config: Mapping[str, str], settings: Settings) -> None:
        super().__init__(config, settings)
        self._url = http.check_url(self.kind, "url", self._values["url"], settings)

    def describe(self) -> str:
        """ "slack https://hooks.slack.com/…" (the path is the secret)."""
        return f"{self.kind} {http.short_url(self._url, secret_path=True)}"

    def send(self, message: AlertMessage) -> None:
        """POST the message as mrkdwn text; DeliveryError unless the receiver answers 2xx."""
        body = json.dumps({"text": slack_text(message)}, ensure_ascii=False).encode()
        target = f"slack webhook at {http.origin(self._url)}"
        reply = http.deliver(
            "POST",
            self._url,
            self.settings,
            target=target,
            timeout=self.timeout,
            headers={"Content-Type": "application/json; charset=utf-8"},
            content=body,
        )
        error = http.status_error(reply, target)
        if error is not None:
            raise error


@hookimpl
def register_notifiers() -> list[Any]:
    """Register the Slack-compatible notifier."""
    return [SlackNotifier]
