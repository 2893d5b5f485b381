"""``BlueskySource``: the four modes behind one source kind ``bluesky``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.sources import FetchedBatch
from resonanz.sources.bluesky.account import account_batches
from resonanz.sources.bluesky.options import STREAM_MODES, check_options
from resonanz.sources.bluesky.search import search_batches
from resonanz.sources.bluesky.stream import HandleCache, StreamListener
from resonanz.sources.bluesky.xrpc import XrpcClient
from resonanz.sources.retry import RetryPolicy

__all__ = ["BlueskySource"]


class BlueskySource:
    """Bluesky: the repo firehose or Jetstream (network-wide, bounded listening runs),
    post search (login), or one account's posts and mentions.

    ``policy`` and ``transport`` are test seams (no sleeping, scripted HTTP).
    """

    kind: ClassVar[str] = "bluesky"
    target_key: ClassVar[str] = "mode"

    def __init__(
        self,
        config: Mapping[str, Any],
        settings: Settings,
        *,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        mode = config.get("mode")
        if mode not in ("firehose", "jetstream", "search", "account") or not config.get("url"):
            raise ConfigError("a bluesky source needs a mode and a url (see validate_config)")
        self.config = dict(config)
        self.settings = settings
        self._policy = policy
        self._transport = transport
        # Handles learnt from identity events outlive one listening run (collect --follow).
        self._handles = HandleCache()

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """Check mode, service URL (no private targets), limits and credentials."""
        return check_options(config, settings)

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """E.g. "bluesky firehose", "bluesky search: deutsche bahn", "bluesky @alice.test"."""
        mode = str(config.get("mode", "firehose"))
        if mode == "search":
            return f"bluesky search: {config.get('query', '')}"[:80]
        if mode == "account":
            return f"bluesky @{config.get('actor', '')}"
        return f"bluesky {mode}"

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Listen (stream modes) or page (search, account) from ``cursor``."""
        mode = self.config["mode"]
        batch_size = max(1, self.settings.batch_size)
        if mode in STREAM_MODES:
            listener = StreamListener(
                self.settings,
                mode=mode,
                url=self.config["url"],
                max_seconds=float(self.config.get("max_seconds", 30)),
                max_events=int(self.config.get("max_events", 200_000)),
                policy=self._policy,
                handles=self._handles,
            )
            yield from listener.run(cursor)
            return
        options: dict[str, Any] = {"transport": self._transport}
        if self._policy is not None:
            options["policy"] = self._policy
        client = XrpcClient(self.settings, self.config["url"], **options)
        try:
            if mode == "search":
                client.login(self.config["handle"], self.config["app_password"])
                yield from search_batches(client, self.config, cursor, batch_size)
            else:
                yield from account_batches(client, self.config, cursor, batch_size)
        finally:
            client.close()
