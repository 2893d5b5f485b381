"""Retries for platform calls: exponential backoff with full jitter, Retry-After honoured.

One policy for every connector, whatever client library it uses (httpx, Mastodon.py, praw,
atproto): the connector says which failures are transient and how long the platform asked
it to wait; this module waits and tries again, or gives up with the last error. A wait the
platform asks for that is longer than ``max_delay`` is not slept through: the run ends with
the error (every batch stored so far keeps its cursor) and the next run resumes.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from resonanz.config import Settings
from resonanz.errors import RateLimited

__all__ = ["RetryPolicy", "with_retries"]

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure."""

    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings, **changes: object) -> RetryPolicy:
        """The policy the settings ``http_retries`` and ``http_backoff_max`` describe."""
        values: dict[str, object] = {
            "attempts": max(1, settings.http_retries + 1),
            "max_delay": max(0.0, settings.http_backoff_max),
        }
        values.update(changes)
        return cls(**values)  # type: ignore[arg-type]

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay * 2**attempt)]."""
        return self.rng.uniform(0.0, min(self.max_delay, self.base_delay * (2.0**attempt)))


def with_retries(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    transient: Callable[[BaseException], bool],
    retry_after: Callable[[BaseException], float | None] = lambda exc: None,
    what: str = "request",
) -> T:
    """Run ``call``; retry it while it raises a ``transient`` error, at most policy.attempts
    times in all. ``retry_after`` gives the wait the platform asked for (Retry-After,
    rate-limit reset), used instead of the jittered delay. Non-transient errors and the
    last transient one propagate unchanged; a :class:`RateLimited` whose wait exceeds
    ``max_delay`` propagates at once.
    """
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            if not transient(exc):
                raise
            asked = retry_after(exc)
            if asked is None and isinstance(exc, RateLimited):
                asked = exc.retry_after
            if asked is not None and asked > policy.max_delay:
                raise
            attempt += 1
            if attempt >= policy.attempts:
                raise
            wait = asked if asked is not None else policy.delay(attempt - 1)
            log.info("%s failed (%s); retry %d in %.1f s", what, exc, attempt, wait)
            policy.sleep(wait)
