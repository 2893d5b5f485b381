"""Meta's Graph API error bodies (Facebook Pages, Instagram, Threads) as PublishErrors.

Errors come as ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id",
"is_transient", "error_user_msg"}}``, mostly with HTTP 400 whatever the cause, so the
``code`` decides: 190 (token invalid, expired or revoked), 102 (session) and 10 / 200–299
(a permission is missing) need the user to connect again; 4, 17, 32, 613 and 80001–80014
are rate limits (retried later, nothing was published); 1, 2 and ``is_transient`` are
Meta's own temporary failures (in doubt where the call publishes); anything else (100
invalid parameter, 368 blocked by policy, 506 duplicate post) is permanent with Meta's
message. See docs/publishing.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from resonanz.errors import PublishError

_RATE_CODES = frozenset({4, 17, 32, 613})


def graph_failure(service: str) -> Any:
    """An ``error_for`` for ApiClient that reads Graph error bodies."""

    def error_for(status: int, body: Any, message: str) -> Exception | None:
        error = body.get("error") if isinstance(body, Mapping) else None
        if not isinstance(error, Mapping):
            return None
        code = error.get("code")
        text = str(error.get("error_user_msg") or error.get("message") or message)
        said = f"{service} answered {status}: {text} (code {code})"
        if code in (190, 102) or code == 10 or (isinstance(code, int) and 200 <= code <= 299):
            return PublishError(f"{said}; connect the channel again", auth=True)
        if code in _RATE_CODES or (isinstance(code, int) and 80001 <= code <= 80014):
            return PublishError(said)
        if code in (1, 2) or error.get("is_transient") is True or status >= 500:
            return PublishError(said, in_doubt=True)
        return PublishError(said, permanent=True)

    return error_for


def graph_data(body: Any) -> list[Mapping[str, Any]]:
    """The ``data`` list of a Graph listing (empty for anything else)."""
    data = body.get("data") if isinstance(body, Mapping) else None
    return [item for item in data if isinstance(item, Mapping)] if isinstance(data, list) else []


CONTAINER_POLLS = 5  # reads of a media container's status before the attempt is retried


def wait_until_finished(
    read_status: Callable[[], Any], name: str, *, wait_s: float, hint: str
) -> None:
    """Meta fetches and processes a container's image; publishing before it is
    ``FINISHED`` fails. ``ERROR``/``EXPIRED`` is permanent (``hint`` says what to
    check); still processing after CONTAINER_POLLS reads is retried later."""
    status = None
    for poll in range(CONTAINER_POLLS):
        status = read_status()
        if status == "FINISHED":
            return
        if status in ("ERROR", "EXPIRED"):
            raise PublishError(
                f"{name}: Meta could not use the image (container {status}); {hint}",
                permanent=True,
            )
        if poll < CONTAINER_POLLS - 1:
            time.sleep(wait_s)
    raise PublishError(f"{name}: the image is still being processed ({status})")
