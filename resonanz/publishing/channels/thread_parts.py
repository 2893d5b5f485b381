"""Publishing a post and its thread parts in order, exactly once per part.

A thread is the post's text followed by ``attempt.thread``, each part a reply to the one
before. Every part the platform accepts is recorded on the delivery at once
(``attempt.part_done``), so a retry after a failure half-way (a timeout on part 3, a
scheduler killed) starts at the first part not recorded and replies to the last one
recorded: part 1 is never posted again. The part in flight when a failure of unknown
outcome happens is protected by the platform's own means (Mastodon: an Idempotency-Key
per part; Bluesky: a fixed record key per part, read before writing).
"""

from __future__ import annotations

from collections.abc import Callable

from resonanz.errors import PublishError
from resonanz.publishing.models import Attempt, Receipt, SentPart

# send(index, text, parent) -> the accepted part; parent is the part replied to (None
# for the first), from which a platform takes what it needs (Bluesky: root and parent).
SendPart = Callable[[int, str, SentPart | None, SentPart | None], SentPart]


def publish_parts(attempt: Attempt, send: SendPart) -> Receipt:
    """Send the parts not yet recorded; the Receipt is the first part's, with every
    part in ``extra["parts"]``."""
    parts = attempt.parts
    done: list[SentPart] = []
    for index, text in enumerate(parts):
        earlier = attempt.sent_part(index)
        if earlier is None:
            parent = done[-1] if done else None
            root = done[0] if done else None
            try:
                earlier = send(index, text, parent, root)
            except PublishError as exc:
                if index == 0:
                    raise
                raise PublishError(
                    f"thread part {index + 1} of {len(parts)}: {exc} (parts 1-{index} are "
                    "published; a retry continues with this part)",
                    permanent=exc.permanent,
                    auth=exc.auth,
                    in_doubt=exc.in_doubt,
                    retry_after=exc.retry_after,
                ) from exc
            attempt.part_done(earlier)
        done.append(earlier)
    first = done[0]
    return Receipt(
        remote_id=first.remote_id,
        url=first.url,
        extra={"parts": [part.remote_id for part in done], "cid": first.cid},
    )
