"""The likely reason a delivery failed or needs attention, and what to do about it.

``diagnose`` returns a code (for the pages' translated advice) and an English sentence
(for the CLI and the API). The codes, checked in this order:

- ``removed``: its channel was removed (the delivery was canceled with it);
- ``disconnected``: the channel's credentials were refused; reconnect it, then retry;
- ``in_doubt``: an attempt of unknown outcome may be online already; look at the account
  before retrying (a retry after that is the user's word that it is not);
- ``rejected``: the platform refused the content (HTTP 422 or a message naming the
  text, media or length); edit the post, then retry;
- ``credentials``: refused credentials (HTTP 401/403) on a channel still marked connected;
- ``gave_up``: transient errors (timeouts, 5xx, 429) used up every attempt; retry later;
- ``other``: anything else; the platform's message says what.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from resonanz.publishing import states as st
from resonanz.publishing.models import Delivery, PublishChannel

_REJECTED = re.compile(r"\b422\b|too long|unprocessable|invalid (media|text)|rejected", re.I)
_CREDENTIALS = re.compile(r"\b40[13]\b|unauthori[sz]ed|forbidden|token|revoked", re.I)

ADVICE = {
    "removed": "its channel was removed",
    "disconnected": "the channel is disconnected (its credentials were refused): reconnect "
    "it, then retry",
    "in_doubt": "an earlier attempt may already be online: look at the account before retrying",
    "rejected": "the platform refused the content: edit the post, then retry",
    "credentials": "the platform refused the credentials: reconnect the channel, then retry",
    "gave_up": "the platform kept failing (timeouts, server errors, rate limits): retry later",
    "other": "read the platform's message, fix the cause, then retry",
}


@dataclass(frozen=True)
class Diagnosis:
    """A reason code (see the module doc) and its English advice."""

    code: str
    advice: str


def diagnose(delivery: Delivery, channel: PublishChannel | None) -> Diagnosis | None:
    """Why this failed or needs-attention delivery is not online (None for
    other states)."""
    if delivery.state not in (st.FAILED, st.NEEDS_ATTENTION):
        return None
    error = delivery.last_error or ""
    if channel is None:
        code = "removed"
    elif channel.status != "connected":
        code = "disconnected"
    elif delivery.doubt_version is not None:
        code = "in_doubt"
    elif _REJECTED.search(error):
        code = "rejected"
    elif _CREDENTIALS.search(error):
        code = "credentials"
    elif delivery.state == st.FAILED:
        code = "gave_up"
    else:
        code = "other"
    return Diagnosis(code, ADVICE[code])
