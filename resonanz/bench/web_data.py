"""Generate a large workspace for ``bench web``: sample texts spread over a year.

Texts are the rows of the bundled GermEval 2017 sample (``bench.match.load_rows``), each
matched once against the demo topics of ``resonanz.demo`` so that millions of mentions
carry real topic matches without re-running the matcher per mention. Authors get
follower counts from a Pareto distribution (a few with very many), platforms, languages
and sentiment labels a fixed skewed mix; posting times are uniform over the 365 days
before ``END``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from resonanz.bench.match import MAX_CHARS, load_rows
from resonanz.demo import DEMO_TOPICS
from resonanz.models import Author, Engagement, Mention, TopicMatch
from resonanz.query import Document, Matcher
from resonanz.query.text import search_text
from resonanz.store import Store

Progress = Callable[[str, int, int], None]
END = datetime(2026, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
BATCH = 5_000
PLATFORMS = ("twitter", "mastodon", "bluesky", "facebook", "web", "youtube", "reddit")
PLATFORM_WEIGHTS = (40, 15, 12, 12, 10, 6, 5)
LANGS = ("de", "en", "fr", None)
LANG_WEIGHTS = (78, 15, 2, 5)
# Roughly the GermEval 2017 mix of brand feedback; None: not analysed (another language).
SENTIMENTS = ("negative", "neutral", "positive", None)
SENTIMENT_WEIGHTS = (30, 55, 8, 7)


@dataclass(frozen=True, slots=True)
class _Text:
    """A sample text with its precomputed full-text words and topic matches."""

    text: str
    url: str
    words: str
    matches: tuple[TopicMatch, ...]


@dataclass(frozen=True)
class Generated:
    """What was generated: the workspace and its topics' ids by name."""

    workspace_id: int
    slug: str
    topic_ids: dict[str, int]


def _texts(topic_ids: dict[str, int]) -> list[_Text]:
    matcher = Matcher.from_queries((topic_ids[t.name], t.query) for t in DEMO_TOPICS)
    texts = []
    for row in load_rows():
        text = row.text[:MAX_CHARS]
        found = matcher.match(Document.build(text=text, url=row.url))
        matches = tuple(TopicMatch(tid, terms) for tid, terms in found)
        texts.append(_Text(text, row.url, search_text([None, text]), matches))
    return texts


def _authors(rng: random.Random, n: int) -> list[tuple[str, int]]:
    """(handle, followers): Pareto-distributed, median about 100, a few in the millions."""
    return [(f"user{i}", min(int(50 * rng.paretovariate(1.1)), 20_000_000)) for i in range(n)]


def _sentiment(label: str | None) -> dict[str, object]:
    if label is None:
        return {}
    return {"sentiment": {"label": label, "score": 0.0, "model": "bench"}}


def generate(
    store: Store, slug: str, n: int, *, seed: int = 0, progress: Progress | None = None
) -> Generated:
    """Create workspace ``slug`` with the demo topics and n mentions (saved in batches)."""
    rng = random.Random(seed)
    ws = store.create_workspace(slug, "web benchmark")
    topic_ids = {t.name: store.add_topic(ws.id, t.name, t.query, t.kind).id for t in DEMO_TOPICS}
    texts = _texts(topic_ids)
    authors = _authors(rng, max(100, n // 20))
    start = END - SPAN
    span_s = int(SPAN.total_seconds())
    done = 0
    while done < n:
        size = min(BATCH, n - done)
        platforms = rng.choices(PLATFORMS, PLATFORM_WEIGHTS, k=size)
        langs = rng.choices(LANGS, LANG_WEIGHTS, k=size)
        labels = rng.choices(SENTIMENTS, SENTIMENT_WEIGHTS, k=size)
        batch = []
        for k in range(size):
            i = done + k
            source = rng.choice(texts)
            handle, followers = rng.choice(authors)
            posted = start + timedelta(seconds=rng.randrange(span_s))
            batch.append(
                Mention(
                    platform=platforms[k],
                    native_id=f"w{i}",
                    text=source.text,
                    collected_at=posted + timedelta(minutes=5),
                    created_at=posted,
                    url=f"{source.url}#{i}",
                    author=Author(platform=platforms[k], handle=handle, followers=followers),
                    lang=langs[k],
                    engagement=Engagement(likes=rng.randrange(200)),
                    raw_kind="bench",
                    enrichments=_sentiment(labels[k]),
                    matches=source.matches,
                    search_hint=(None, source.text, source.words),
                )
            )
        store.save_batch(ws.id, batch)
        done += size
        if progress is not None:
            progress("generating mentions", done, n)
    return Generated(ws.id, slug, topic_ids)
