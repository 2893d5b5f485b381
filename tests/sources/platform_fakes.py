"""Pieces the payload-driven connector tests share (Hacker News, Discourse): recorded
sleeps, a base for responders that answer like a platform (with queued error replies and a
failure switch), payload files, and a runtime whose source class gets test seams."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from apiserver import JsonReply, Recorded

from resonanz.config import Settings
from resonanz.runtime import Runtime
from resonanz.sources.retry import RetryPolicy

PAYLOADS = Path(__file__).parent.parent / "payloads"
# End-to-end runs: loopback allowed, small batches so a run stores several.
E2E_SETTINGS = Settings(
    language_detection=False, allow_private_targets=True, http_timeout=3.0, batch_size=2
)


def load_payload(platform: str, name: str) -> Any:
    """A JSON body from tests/payloads/<platform>/<name>."""
    return json.loads((PAYLOADS / platform / name).read_text(encoding="utf-8"))


class Sleeps(list[float]):
    """A RetryPolicy ``sleep`` that records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def quick_policy(attempts: int = 3, sleeps: Sleeps | None = None) -> RetryPolicy:
    """A retry policy that records its waits instead of sleeping them."""
    return RetryPolicy(
        attempts=attempts, max_delay=30.0, sleep=sleeps if sleeps is not None else Sleeps()
    )


class ScriptedPlatform:
    """A responder for the api_server: ``queued`` replies first (errors, slow answers), then
    ``failure`` for every request from the ``fail_from``-th on, else ``answer(request)``."""

    failure = JsonReply({"message": "Service Unavailable", "status": 503}, status=503)

    def __init__(self) -> None:
        self.queued: list[JsonReply] = []
        self.fail_from: int | None = None
        self.answered = 0

    def __call__(self, request: Recorded) -> JsonReply:
        self.answered += 1
        if self.queued:
            return self.queued.pop(0)
        if self.fail_from is not None and self.answered >= self.fail_from:
            return self.failure
        return self.answer(request)

    def answer(self, request: Recorded) -> JsonReply:
        raise NotImplementedError


def runtime_with(settings: Settings, kind: str, factory: Callable[..., Any]) -> Runtime:
    """The built-in runtime, with ``kind`` built by ``factory(config, settings)``."""
    runtime = Runtime.load(settings, load_entry_points=False)
    return replace(runtime, sources={**runtime.sources, kind: factory})
