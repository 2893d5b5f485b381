"""Access tokens that expire: refreshed single-flight per channel, expiries warned early.

A channel class that can renew its access token has ``refresh_margin_s`` (renew when the
token expires within that many seconds) and the classmethod ``refresh_grant(config,
secrets, settings, **options) -> Grant``. Its config says ``auto_refresh`` and the
expiries (publishing.oauth).

**Single-flight.** The refresh runs inside a write transaction that first locks the
channel's row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the transaction is
``BEGIN IMMEDIATE``, the database's write lock). Under the lock the expiry is read again:
a scheduler that waited while another refreshed finds a fresh token and makes no call.
The new tokens replace the old ones in the same transaction, so a single-use refresh
token is never used twice and never lost to a crash between the call and the write (a
crash before the commit loses the answer; see docs/publishing.md). The lock is held for
the one HTTP call (at most ``http_timeout``); on SQLite other writers wait that long.

**Expiry.** What ends a channel's connection without a user: the refresh token's expiry
when Resonanz refreshes (LinkedIn: 365 days from the first grant), else the access
token's. ``expiring`` lists channels whose end is within ``warn_days``, and channels
whose refresh keeps failing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from resonanz import secrets as secret_box
from resonanz.config import Settings
from resonanz.errors import PublishError
from resonanz.publishing.channels import channel_class
from resonanz.publishing.models import PublishChannel
from resonanz.publishing.oauth import grant_config, grant_secrets, parse_time
from resonanz.store.publishing import PublishingStore

log = logging.getLogger(__name__)
WARN_DAYS = 7


def can_refresh(cls: Any, config: Mapping[str, Any]) -> bool:
    return bool(config.get("auto_refresh")) and callable(getattr(cls, "refresh_grant", None))


def needs_refresh(cls: Any, config: Mapping[str, Any], now: datetime) -> bool:
    """True when Resonanz can renew the access token and it expires within the margin."""
    if not can_refresh(cls, config):
        return False
    expires = parse_time(config.get("token_expires_at"))
    margin = timedelta(seconds=float(getattr(cls, "refresh_margin_s", 600.0)))
    return expires is not None and expires - now <= margin


def ensure_fresh(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    channel: PublishChannel,
    *,
    now: datetime | None = None,
    **options: Any,
) -> PublishChannel:
    """The channel with an access token that is not about to expire: refreshed (once,
    whatever runs concurrently) when needed. A refused refresh disconnects the channel
    and raises PublishError (``auth``); a transient failure is recorded and raised."""
    moment = now or datetime.now(UTC)
    cls = channel_class(classes, channel.kind)
    if not needs_refresh(cls, channel.config, moment):
        return channel

    def refresh(current: PublishChannel, sealed: str | None) -> tuple[dict[str, Any], str] | None:
        if not needs_refresh(cls, current.config, moment):
            return None  # another scheduler refreshed it while we waited for the lock
        old: dict[str, str] = json.loads(secret_box.decrypt(settings, sealed)) if sealed else {}
        grant = cls.refresh_grant(current.config, old, settings, **options)
        config = {**current.config, **grant_config(grant, auto_refresh=True)}
        if grant.refresh_expires_at is None:  # the refresh token's end did not move
            config["refresh_expires_at"] = current.config.get("refresh_expires_at")
        sealed_new = secret_box.encrypt(settings, json.dumps(grant_secrets(grant, None, old)))
        log.info("channel %s: access token refreshed", current.name)
        return config, sealed_new

    try:
        return pub.refresh_channel(channel.id, refresh, at=moment)
    except PublishError as exc:
        status = "disconnected" if exc.auth else None
        pub.update_channel(channel.id, at=moment, error=str(exc), status=status)
        raise


@dataclass(frozen=True)
class Expiry:
    """A channel whose connection ends soon (or whose refresh is failing)."""

    channel: PublishChannel
    ends_at: datetime | None
    reason: str


def connection_end(cls: Any, config: Mapping[str, Any]) -> datetime | None:
    """When the channel stops working unless a user connects it again (None: not known
    to end)."""
    if can_refresh(cls, config):
        return parse_time(config.get("refresh_expires_at"))
    return parse_time(config.get("token_expires_at"))


def describe_end(cls: Any, config: Mapping[str, Any], now: datetime) -> str:
    """For `channels list`: when the credentials end, or '-' when they do not expire."""
    end = connection_end(cls, config)
    token = parse_time(config.get("token_expires_at"))
    if end is None and token is None:
        return "-"
    parts = []
    if end is not None:
        days = (end - now).total_seconds() / 86400
        parts.append(f"{end:%Y-%m-%d} ({days:.0f} d)" if days >= 0 else f"{end:%Y-%m-%d} EXPIRED")
    if can_refresh(cls, config):
        parts.append("auto-refreshed")
    return ", ".join(parts)


def expiring(
    channels: Iterable[PublishChannel],
    classes: Mapping[str, type],
    *,
    now: datetime,
    warn_days: float = WARN_DAYS,
) -> list[Expiry]:
    """Connected channels whose connection ends within ``warn_days`` (or has ended), and
    auto-refreshed ones whose access token has run out (the refresh is failing)."""
    found = []
    for channel in channels:
        if channel.status != "connected" or channel.kind not in classes:
            continue
        cls = classes[channel.kind]
        end = connection_end(cls, channel.config)
        token = parse_time(channel.config.get("token_expires_at"))
        if end is not None and end - now <= timedelta(days=warn_days):
            how = "expired" if end <= now else f"expire on {end:%Y-%m-%d %H:%M} UTC"
            found.append(
                Expiry(
                    channel,
                    end,
                    f"channel {channel.name!r}: its credentials {how}; connect it again with "
                    f"'resonanz channels connect {channel.kind} {channel.name}'",
                )
            )
        elif can_refresh(cls, channel.config) and token is not None and token <= now:
            found.append(
                Expiry(
                    channel,
                    token,
                    f"channel {channel.name!r}: its access token expired at "
                    f"{token:%Y-%m-%d %H:%M} UTC and could not be refreshed "
                    f"({channel.last_error or 'not tried'})",
                )
            )
    return found


def refresh_due(
    pub: PublishingStore,
    settings: Settings,
    classes: Mapping[str, type],
    channels: Iterable[PublishChannel],
    *,
    now: datetime,
    **options: Any,
) -> list[str]:
    """Refresh every connected channel whose token is about to expire (so an account
    that publishes rarely keeps working); returns the names refreshed. Failures are
    logged and recorded on the channel, not raised."""
    done = []
    for channel in channels:
        if channel.status != "connected" or channel.kind not in classes:
            continue
        if not needs_refresh(classes[channel.kind], channel.config, now):
            continue
        try:
            ensure_fresh(pub, settings, classes, channel, now=now, **options)
        except PublishError as exc:
            log.warning("channel %s: refreshing the access token failed: %s", channel.name, exc)
            continue
        done.append(channel.name)
    return done
