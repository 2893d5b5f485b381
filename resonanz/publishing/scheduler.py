"""The scheduler: claim due deliveries, send each once, record what happened.

One tick: the sweeper reports what is overdue; recurring posts make their occurrences
due within the horizon (publishing.series); up to ``batch`` due deliveries are claimed
with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, under SQLite's write lock there);
each is moved to ``sending`` only after the post's version is checked under the post's
lock (an edit or delete since the claim wins, nothing stale is sent), then published:

- accepted: ``sent`` with the platform's id and URL;
- transient failure (timeout, 5xx, 429): ``scheduled`` again after a backoff (Retry-After
  when the platform gave one), ``failed`` after ``MAX_ATTEMPTS``;
- permanent failure (401/403: the channel is disconnected too; 422: content rejected):
  ``needs_attention`` with the platform's message.

An attempt of unknown outcome (timeout, 5xx) is retried with the same idempotency key or
record key. If the post was edited since and the channel cannot replace what that attempt
may have published (Mastodon), or the platform's memory of the key may have run out, the
delivery goes to ``needs_attention`` instead of risking a second post.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from resonanz.config import Settings
from resonanz.errors import NotFoundError, PublishError, ResonanzError
from resonanz.publishing import states as st
from resonanz.publishing.channels import ChannelClient, channel_class
from resonanz.publishing.connect import open_client
from resonanz.publishing.models import Attempt, Delivery
from resonanz.publishing.notify import PublishingNotifier
from resonanz.publishing.oauth_tokens import WARN_DAYS, Expiry, ensure_fresh, expiring, refresh_due
from resonanz.publishing.series import make_due
from resonanz.publishing.sweeper import Overdue, sweep
from resonanz.store.publishing import PublishingStore

log = logging.getLogger(__name__)


def runner_id() -> str:
    """A name for this scheduler process: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class SchedulerOptions:
    """How the scheduler claims and retries."""

    lease_s: float = 120.0  # a claim not finished by then may be taken over
    batch: int = 10  # deliveries claimed per tick
    interval_s: float = 5.0  # pause between ticks when nothing was due
    max_attempts: int = st.MAX_ATTEMPTS
    token_warn_days: float = WARN_DAYS  # warn this long before credentials expire


@dataclass
class TickReport:
    """What one tick did, delivery ids by outcome."""

    claimed: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    needs_attention: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # stale, deleted, paused, lost
    overdue: list[Overdue] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)  # channels whose token was renewed
    expiring: list[Expiry] = field(default_factory=list)  # channels to connect again soon
    occurrences: list[int] = field(default_factory=list)  # posts made from recurring posts


class Scheduler:
    """Sends the outbox's due deliveries; one instance per process."""

    def __init__(
        self,
        pub: PublishingStore,
        settings: Settings,
        classes: Mapping[str, type],
        *,
        runner: str | None = None,
        options: SchedulerOptions | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        client_options: Mapping[str, Any] | None = None,
        notifier: PublishingNotifier | None = None,
    ) -> None:
        self.pub = pub
        self.notifier = notifier  # queues and sends publishing notifications each tick
        self.settings = settings
        self.classes = classes
        self.runner = runner or runner_id()
        self.options = options or SchedulerOptions()
        self.clock = clock
        self._client_options = dict(client_options or {})
        # Clients by (channel id, stored secrets): reconnecting gives a fresh client.
        self._clients: dict[tuple[int, str | None], ChannelClient] = {}
        self._warned: dict[int, datetime] = {}  # channel id -> last expiry warning

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def tick(self) -> TickReport:
        """Sweep, claim what is due, deliver it."""
        report = TickReport()
        now = self.clock()
        report.overdue = sweep(self.pub, now=now)
        self._tokens(report, now)
        for made in make_due(self.pub, now=now):
            report.occurrences.extend(made.post_ids)
        claimed = self.pub.claim_due(
            self.runner, now=now, lease_s=self.options.lease_s, limit=self.options.batch
        )
        for delivery in claimed:
            report.claimed.append(delivery.id)
            self.deliver(delivery, report)
        if self.notifier is not None:
            self.notifier.tick(self.clock())
        return report

    def run(self, *, once: bool = False, stop: threading.Event | None = None) -> None:
        """Tick until ``stop`` is set (or once); a full batch is followed at once by the
        next tick, otherwise the scheduler waits ``interval_s``."""
        stop = stop or threading.Event()
        while not stop.is_set():
            report = self.tick()
            if once:
                return
            if len(report.claimed) < self.options.batch:
                stop.wait(self.options.interval_s)

    def deliver(self, delivery: Delivery, report: TickReport) -> None:
        """Send one claimed delivery and record the outcome."""
        attempt = self.pub.begin_send(
            delivery.id, self.runner, now=self.clock(), lease_s=self.options.lease_s
        )
        if isinstance(attempt, str):
            report.skipped[delivery.id] = attempt
            log.info("delivery %d not sent: %s", delivery.id, attempt)
            return
        try:
            blocked = self._doubt_blocks(attempt)
            if blocked:
                self._fail(attempt, blocked, report, state=st.NEEDS_ATTENTION)
                return
            client = self._client(attempt.delivery)
            receipt = client.publish(attempt)
        except PublishError as exc:
            self._failed(attempt, exc, report)
            return
        except ResonanzError as exc:  # a lost key, an unknown kind: the user must act
            self._fail(attempt, str(exc), report, state=st.NEEDS_ATTENTION)
            return
        self.pub.finish_sent(attempt, receipt, now=self.clock())
        report.sent.append(attempt.delivery.id)
        log.info(
            "delivery %d sent to %s: %s",
            attempt.delivery.id,
            attempt.delivery.channel_name,
            receipt.url or receipt.remote_id,
        )

    def _doubt_blocks(self, attempt: Attempt) -> str | None:
        """Why an earlier attempt of unknown outcome makes this one unsafe, or None."""
        d = attempt.delivery
        if d.doubt_version is None or d.doubt_at is None:
            return None
        cls = channel_class(self.classes, d.channel_kind)
        when = f"{d.doubt_at:%Y-%m-%d %H:%M} UTC"
        if d.doubt_version != attempt.version and not cls.replaces_in_doubt:
            return (
                f"an attempt at {when} to publish the earlier text may have reached "
                f"{d.channel_name} (its outcome is unknown), and the post was edited since; "
                "check the channel, delete the old post there if it exists, then "
                f"'resonanz post publish-now {d.post_id}'"
            )
        window = cls.idempotency_window_s
        if window is not None and self.clock() - d.doubt_at > timedelta(seconds=window * 0.9):
            return (
                f"an attempt at {when} may have reached {d.channel_name} and the platform no "
                "longer remembers its idempotency key, so a retry could post twice; check the "
                f"channel, then 'resonanz post publish-now {d.post_id}' if it is not there"
            )
        return None

    def _client(self, delivery: Delivery) -> ChannelClient:
        if delivery.channel_id is None:
            raise NotFoundError(f"the channel {delivery.channel_name!r} was removed")
        channel = self.pub.get_channel_by_id(delivery.channel_id)
        # An access token about to expire is renewed first (one refresher at a time).
        channel = ensure_fresh(
            self.pub, self.settings, self.classes, channel, now=self.clock(), **self._client_options
        )
        key = (channel.id, self.pub.channel_secrets(channel.id))
        if key not in self._clients:
            for old in [k for k in self._clients if k[0] == channel.id]:
                self._clients.pop(old).close()
            self._clients[key] = open_client(
                self.pub, self.settings, self.classes, channel, **self._client_options
            )
        return self._clients[key]

    def _tokens(self, report: TickReport, now: datetime) -> None:
        """Renew access tokens about to expire (an account that rarely publishes keeps
        working) and warn, once a day per channel, of credentials that end soon."""
        channels = self.pub.all_channels()
        report.refreshed = refresh_due(
            self.pub, self.settings, self.classes, channels, now=now, **self._client_options
        )
        if report.refreshed:
            channels = self.pub.all_channels()
        report.expiring = expiring(
            channels, self.classes, now=now, warn_days=self.options.token_warn_days
        )
        for item in report.expiring:
            last = self._warned.get(item.channel.id)
            if last is None or now - last >= timedelta(days=1):
                self._warned[item.channel.id] = now
                log.warning("%s", item.reason)

    def _failed(self, attempt: Attempt, exc: PublishError, report: TickReport) -> None:
        d = attempt.delivery
        if exc.permanent:
            self._fail(
                attempt,
                str(exc),
                report,
                state=st.NEEDS_ATTENTION,
                in_doubt=exc.in_doubt,
                disconnect=exc.auth,
            )
            return
        if d.attempts >= self.options.max_attempts:
            self._fail(
                attempt,
                f"gave up after {d.attempts} attempts: {exc}",
                report,
                state=st.FAILED,
                in_doubt=exc.in_doubt,
            )
            return
        wait = st.backoff(d.attempts, retry_after=exc.retry_after)
        now = self.clock()
        if self.pub.finish_failed(
            attempt,
            str(exc),
            now=now,
            state=st.SCHEDULED,
            in_doubt=exc.in_doubt,
            next_attempt_at=now + timedelta(seconds=wait),
        ):
            report.retrying.append(d.id)
        log.info("delivery %d: %s; retry in %.0f s", d.id, exc, wait)

    def _fail(
        self,
        attempt: Attempt,
        error: str,
        report: TickReport,
        *,
        state: str,
        in_doubt: bool = False,
        disconnect: bool = False,
    ) -> None:
        d = attempt.delivery
        self.pub.finish_failed(
            attempt,
            error,
            now=self.clock(),
            state=state,
            in_doubt=in_doubt,
            disconnect_channel=disconnect,
        )
        (report.failed if state == st.FAILED else report.needs_attention).append(d.id)
        log.warning(
            "delivery %d (post %d to %s) %s: %s", d.id, d.post_id, d.channel_name, state, error
        )
