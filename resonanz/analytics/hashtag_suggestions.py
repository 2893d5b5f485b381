"""Hashtag suggestions for a draft, from the workspace's own listening data.

**Co-occurring.** The recent mentions (``WINDOW``, the newest ``SAMPLE`` of them) that
share a content word or a hashtag with the draft are its *context*. A hashtag is
suggested when it appears in at least ``MIN_SUPPORT`` context mentions and more often
there than in all recent mentions (lift > 1: lift = its share of the context / its
share of all). They are ranked by support x log2(lift), the hashtag's contribution to
the mutual information of "shares a word with the draft" and "has the hashtag", which
prefers tags both frequent and specific over rare flukes; the reason names the count,
the lift and the draft words they co-occur with most.

**Trending.** For the topics the draft matches (their queries run on its text; all of the
workspace's topics when it matches none), hashtags whose daily rate in the last
``TREND_RECENT`` days is at least ``TREND_RATIO`` times their rate in the weeks before,
with at least ``MIN_SUPPORT`` recent mentions.

Hashtags already in the draft are never suggested.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from resonanz.analytics.terms import content_words
from resonanz.query.document import Document
from resonanz.query.matcher import Matcher
from resonanz.query.text import hashtags, search_text
from resonanz.store import MentionFilter, Store

WINDOW = timedelta(days=28)
SAMPLE = 20_000
MIN_SUPPORT = 3
TOP = 10
TREND_RECENT = timedelta(days=7)
TREND_RATIO = 2.0


@dataclass(frozen=True)
class Suggestion:
    """One suggested hashtag, how often it was seen and why."""

    tag: str  # with '#'
    kind: str  # cooccurring | trending
    count: int
    score: float  # cooccurring: support x log2(lift); trending: the rate ratio
    lift: float | None
    why: str


@dataclass(frozen=True)
class HashtagSuggestions:
    """Suggestions for one draft and what they were computed from."""

    terms: tuple[str, ...]  # the draft's content words and hashtags looked for
    mentions: int  # recent mentions read
    context: int  # of them sharing a word or hashtag with the draft
    topics: tuple[str, ...]  # the draft's topics (trending)
    cooccurring: tuple[Suggestion, ...]
    trending: tuple[Suggestion, ...]


def _features(folded: str, text: str) -> tuple[set[str], set[str]]:
    return content_words(folded), set(hashtags(text))


def suggest_hashtags(
    store: Store,
    workspace_id: int,
    text: str,
    *,
    now: datetime,
    window: timedelta = WINDOW,
    min_support: int = MIN_SUPPORT,
    sample: int = SAMPLE,
) -> HashtagSuggestions:
    """Co-occurring and trending hashtags for the draft ``text`` (module doc)."""
    words, tags = _features(search_text([text]), text)
    looked = tuple(sorted(words)) + tuple(f"#{t}" for t in sorted(tags))
    rows = store.recent_texts(workspace_id, MentionFilter(since=now - window), limit=sample)
    everywhere: Counter[str] = Counter()
    near: Counter[str] = Counter()
    via: dict[str, Counter[str]] = {}
    context = 0
    for folded, body in rows:
        seen_words, seen_tags = _features(folded, body)
        everywhere.update(seen_tags)
        both = seen_tags & tags
        shared = (seen_words & words - both) | {f"#{t}" for t in both}
        if not shared:
            continue
        context += 1
        near.update(seen_tags)
        for tag in seen_tags - tags:
            via.setdefault(tag, Counter()).update(shared)
    found: list[Suggestion] = []
    for tag, count in near.items():
        if tag in tags or count < min_support:
            continue
        lift = (count / context) / (everywhere[tag] / len(rows))
        if lift <= 1.0:
            continue
        ranked = sorted(via[tag].items(), key=lambda item: (-item[1], item[0]))
        top = ", ".join(repr(w) for w, _ in ranked[:2])
        found.append(
            Suggestion(
                tag=f"#{tag}",
                kind="cooccurring",
                count=count,
                score=round(count * math.log2(lift), 3),
                lift=round(lift, 2),
                why=(
                    f"in {count} of {context} recent mentions sharing words with the draft "
                    f"(most with {top}); {lift:.1f}x as common there as in all "
                    f"{len(rows)} recent mentions"
                ),
            )
        )
    found.sort(key=lambda s: (-s.score, -s.count, s.tag))
    topic_names, trending = _trending(store, workspace_id, text, tags, now, min_support, sample)
    return HashtagSuggestions(
        terms=looked,
        mentions=len(rows),
        context=context,
        topics=topic_names,
        cooccurring=tuple(found[:TOP]),
        trending=tuple(trending[:TOP]),
    )


def _trending(
    store: Store,
    workspace_id: int,
    text: str,
    own: set[str],
    now: datetime,
    min_support: int,
    sample: int,
) -> tuple[tuple[str, ...], list[Suggestion]]:
    topics = store.list_topics(workspace_id, active_only=True)
    matcher = Matcher.from_queries((t.id, t.query) for t in topics)
    hit = {topic_id for topic_id, _ in matcher.match(Document(text))}
    chosen = [t for t in topics if t.id in hit]
    filters: Sequence[int | None] = [t.id for t in chosen] or [None]
    recent_from = now - TREND_RECENT
    before_from = now - WINDOW
    recent: Counter[str] = Counter()
    before: Counter[str] = Counter()
    for topic_id in filters:
        for since, until, counter in (
            (recent_from, None, recent),
            (before_from, recent_from, before),
        ):
            flt = MentionFilter(topic_id=topic_id, since=since, until=until)
            for _, body in store.recent_texts(workspace_id, flt, limit=sample):
                counter.update(hashtags(body))
    days_recent = TREND_RECENT / timedelta(days=1)
    days_before = (WINDOW - TREND_RECENT) / timedelta(days=1)
    out: list[Suggestion] = []
    for tag, count in recent.items():
        if tag in own or count < min_support:
            continue
        # +1 smoothing: a tag unseen before is new, not infinitely trending.
        ratio = (count / days_recent) / ((before[tag] + 1) / days_before)
        if ratio < TREND_RATIO:
            continue
        scope = ", ".join(t.name for t in chosen) if chosen else "all topics"
        out.append(
            Suggestion(
                tag=f"#{tag}",
                kind="trending",
                count=count,
                score=round(ratio, 2),
                lift=None,
                why=(
                    f"{count} mentions of {scope} in the last {int(days_recent)} days, "
                    f"{before[tag]} in the {int(days_before)} days before: "
                    f"{ratio:.1f}x the daily rate"
                ),
            )
        )
    out.sort(key=lambda s: (-s.score, -s.count, s.tag))
    return tuple(t.name for t in chosen), out


def suggestions_record(found: HashtagSuggestions) -> dict[str, Any]:
    """The suggestions as plain JSON-ready data (CLI --json, REST)."""
    return {
        "terms": list(found.terms),
        "mentions": found.mentions,
        "context": found.context,
        "topics": list(found.topics),
        "cooccurring": [asdict(s) for s in found.cooccurring],
        "trending": [asdict(s) for s in found.trending],
    }
