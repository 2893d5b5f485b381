"""The delivery state machine, retry backoff and the keys that make a retry harmless.

::

    draft --schedule/publish-now--> scheduled --claim--> claimed --version ok--> sending
      ^                               ^   ^               |  (stale or paused: back to
      |                               |   |               |   scheduled, or canceled)
      |                               |   +--lease over---+ (another scheduler takes it)
      |                               +--transient error (backoff)--- sending
      |                                                             |
      |                 sent <--platform accepted-------------------+
      |      needs_attention <--permanent error (401/403, 422)------+
      |               failed <--transient errors, attempts used up---+
      +--- any unsent state --delete--> canceled

A row in ``claimed`` or ``sending`` carries ``claimed_by`` and ``claimed_until`` (the
lease); when the lease runs out the row can be claimed again. A ``sending`` row taken over
that way had an attempt whose outcome is unknown: it is "in doubt" (``doubt_version``),
and the retry uses the same idempotency key or record key, so the platform does not
publish it twice.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

DRAFT = "draft"
SCHEDULED = "scheduled"
CLAIMED = "claimed"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
NEEDS_ATTENTION = "needs_attention"
CANCELED = "canceled"

STATES = (DRAFT, SCHEDULED, CLAIMED, SENDING, SENT, FAILED, NEEDS_ATTENTION, CANCELED)
# Waiting for or in the scheduler's hands: what the sweeper watches.
UNSENT = (SCHEDULED, CLAIMED, SENDING)

# Transient failures are retried this often in all before the row is "failed".
MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 30.0
BACKOFF_MAX_S = 900.0

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def backoff(
    attempts: int, *, retry_after: float | None = None, rng: random.Random | None = None
) -> float:
    """Seconds to wait after ``attempts`` failed attempts: the platform's Retry-After when
    it gave one, else exponential (30 s, 60 s, ... at most 15 min) with +-20 % jitter.
    The sum of all waits stays under 50 minutes, inside Mastodon's one-hour memory of an
    Idempotency-Key."""
    if retry_after is not None:
        return max(1.0, retry_after)
    base = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0 ** max(0, attempts - 1))
    return base * (rng or random).uniform(0.8, 1.2)


def idempotency_key(delivery_id: int, created_at: datetime, version: int) -> str:
    """The Idempotency-Key of an attempt: the delivery, its creation instant (so two
    installations' delivery 1 differ) and the post version it sends."""
    created_us = int(created_at.timestamp() * 1_000_000)
    return f"resonanz-{delivery_id}-{created_us:x}-v{version}"


def record_key(delivery_id: int, created_at: datetime) -> str:
    """A deterministic atproto TID for the delivery (Bluesky's post record key).

    A TID is 64 bits: 0, 53 bits of microseconds since the epoch, 10 bits of clock id,
    written in base32-sortable. The microseconds are the delivery's creation second plus
    ``id mod 10^6`` and the clock id is ``(id // 10^6) mod 1024``: distinct for every
    delivery id below 1,024,000,000, and always the same for one delivery.
    """
    second_us = int(created_at.timestamp()) * 1_000_000
    micros = second_us + delivery_id % 1_000_000
    clock = (delivery_id // 1_000_000) % 1024
    return _tid((micros << 10) | clock)


def part_record_key(rkey: str, index: int) -> str:
    """The record key of thread part ``index`` (0: the post itself): the delivery's TID
    plus ``index``, so the part's clock id is the delivery's plus the index (deliveries
    below id 1,000,000 have clock id 0: their parts 1-1023 cannot meet another
    delivery's key unless that one was created in the same second with an id
    1,000,000 x index higher)."""
    if index == 0:
        return rkey
    value = 0
    for char in rkey:
        value = value * 32 + _TID_ALPHABET.index(char)
    return _tid(value + index)


def _tid(value: int) -> str:
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def lease_end(now: datetime, lease_s: float) -> datetime:
    """When a claim taken at ``now`` may be taken over."""
    return now + timedelta(seconds=lease_s)
