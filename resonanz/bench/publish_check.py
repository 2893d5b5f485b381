"""The verdict of ``bench publish``: the outbox compared with what the platforms stored.

* **duplicates**: statuses beyond the first for one delivery (post x account);
* **lost**: a delivery of a post that was not deleted, with no status on the platform,
  and not in a state the user is told about (needs-attention, failed);
* **stale**: a status whose text is not the post's final text, or a status of a deleted
  post created after the delete was asked for;
* **overdue_unreported**: a delivery that was (or still is) more than 5 minutes late
  without the sweeper's report; a delivery sent within ``GRACE_S`` after crossing the
  5 minutes may go out before the next tick's sweep sees it, so that margin is allowed;
* **missing_images**: a published delivery of a post with images whose status has fewer
  (or more) images than the post (``with_images``: the published deliveries of posts
  with images);
* **lateness**: the platform's ``created_at`` of the status minus the due time (when it
  became public), and the outbox's ``sent_at`` minus the due time (when it was recorded).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from resonanz.bench.publish_peers import Published
from resonanz.publishing import states as st
from resonanz.publishing.models import Delivery, Post
from resonanz.publishing.sweeper import LATE_BY

GRACE_S = 60.0


@dataclass(frozen=True)
class Outcome:
    """The outbox at the end of the run and the platforms' statuses by channel name and
    bench number (-1: a status that is not the bench's)."""

    deliveries: Sequence[Delivery]
    posts: Mapping[int, Post]
    numbers: Mapping[int, int]
    statuses: Mapping[str, Mapping[int, Sequence[Published]]]
    deleted_at: Mapping[int, datetime]
    ended_at: datetime
    images: Mapping[int, int] = field(default_factory=dict)  # post id -> its images


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def _overdue_unreported(d: Delivery, ended_at: datetime) -> bool:
    if d.due_at is None or d.overdue_reported_at is not None:
        return False
    end = d.sent_at if d.state == st.SENT else ended_at if d.state in st.UNSENT else None
    if end is None:
        return False
    return end - d.due_at > LATE_BY + timedelta(seconds=GRACE_S)


def figures(outcome: Outcome) -> dict[str, Any]:
    """The benchmark's figures (see the module docstring), over all deliveries and in
    ``by_peer`` for each channel kind (mastodon, bluesky) alone."""
    kinds: dict[str, set[str]] = {}
    for d in outcome.deliveries:
        kinds.setdefault(d.channel_kind, set()).add(d.channel_name)
    by_peer = {
        kind: _verdict(
            replace(
                outcome,
                deliveries=[d for d in outcome.deliveries if d.channel_kind == kind],
                statuses={n: by for n, by in outcome.statuses.items() if n in names},
            )
        )
        for kind, names in sorted(kinds.items())
    }
    return {**_verdict(outcome), "by_peer": by_peer}


def _verdict(outcome: Outcome) -> dict[str, Any]:
    counts = dict.fromkeys(
        (
            "duplicates",
            "lost",
            "stale",
            "overdue_unreported",
            "unrecorded",
            "published_before_delete",
            "with_images",
            "missing_images",
        ),
        0,
    )
    lateness: list[float] = []
    recorded: list[float] = []
    for d in outcome.deliveries:
        post = outcome.posts[d.post_id]
        found = outcome.statuses[d.channel_name].get(outcome.numbers[d.post_id], ())
        counts["duplicates"] += max(0, len(found) - 1)
        if _overdue_unreported(d, outcome.ended_at):
            counts["overdue_unreported"] += 1
        if post.status == "deleted":
            deleted = outcome.deleted_at[post.id]
            late = sum(1 for s in found if s.created_at > deleted)
            counts["stale"] += late
            counts["published_before_delete"] += len(found) - late
            continue
        if not found:
            if d.state not in (st.NEEDS_ATTENTION, st.FAILED):
                counts["lost"] += 1
            continue
        final = post.text_for(d.channel_id) if d.channel_id is not None else post.text
        counts["stale"] += sum(1 for s in found if s.text != final.strip())
        images = outcome.images.get(post.id, 0)
        counts["with_images"] += 1 if images else 0
        counts["missing_images"] += 1 if any(s.images != images for s in found) else 0
        if d.state != st.SENT:
            counts["unrecorded"] += 1
        if d.due_at is not None:
            lateness.append((min(s.created_at for s in found) - d.due_at).total_seconds())
            if d.sent_at is not None:
                recorded.append((d.sent_at - d.due_at).total_seconds())
    states = [d.state for d in outcome.deliveries]
    return {
        "deliveries": len(outcome.deliveries),
        **counts,
        "unexpected_statuses": sum(len(by.get(-1, ())) for by in outcome.statuses.values()),
        "sent": states.count(st.SENT),
        "canceled": states.count(st.CANCELED),
        "needs_attention": states.count(st.NEEDS_ATTENTION),
        "failed": states.count(st.FAILED),
        "unsent_at_end": sum(1 for s in states if s in st.UNSENT),
        "retried": sum(1 for d in outcome.deliveries if d.attempts > 1),
        "lateness_p50_s": round(percentile(lateness, 0.50), 2),
        "lateness_p99_s": round(percentile(lateness, 0.99), 2),
        "lateness_max_s": round(max(lateness, default=0.0), 2),
        "recorded_lateness_p99_s": round(percentile(recorded, 0.99), 2),
    }
