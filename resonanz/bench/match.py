"""Benchmark: many topic queries against many posts, both shaped like the bundled sample.

Posts are real texts of ``data/demo/germeval2017_sample.tsv`` (GermEval 2017, about
Deutsche Bahn), resampled and sometimes recombined (a text plus a sentence of another),
cut at 1,000 characters like the ingest benchmark, with the row's URL, a platform from
its host and the author handle from Twitter URLs. Queries are built the way brand,
product and competitor topics are written, from the sample's own vocabulary: mostly
rarer words, some common ones, phrases, wildcards, NEAR pairs that co-occur in a text,
NOT exclusions, hashtags and handles of the sample, field operators. By default queries
come from one random half of the rows and posts from the other (see ``bench_match``).
"""

from __future__ import annotations

import random
import re
import resource
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from resonanz.query import Document, Matcher
from resonanz.query.lint import COMMON_WORDS
from resonanz.query.text import hashtags, host_of, mentions, words

Progress = Callable[[str, int, int], None]
SAMPLE = ("data", "demo", "germeval2017_sample.tsv")
MAX_CHARS = 1000
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_PLATFORMS = {
    "twitter.com": "twitter",
    "facebook.com": "facebook",
    "plus.google.com": "googleplus",
    "youtube.com": "youtube",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the sample: its URL and text."""

    url: str
    text: str


@dataclass(frozen=True, slots=True)
class BenchPost:
    """The raw fields of a generated post."""

    text: str
    url: str
    author: str | None
    platform: str


def load_rows() -> list[Row]:
    """The sample's rows that have a text."""
    path = resources.files("resonanz").joinpath(*SAMPLE)
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) > 1 and cells[1].strip():
            rows.append(Row(cells[0].replace("\\_", "_"), cells[1]))
    return rows


def make_posts(rows: list[Row], n: int, rng: random.Random) -> list[BenchPost]:
    """n posts resampled and recombined from the sample's texts."""
    posts = []
    for _ in range(n):
        row = rng.choice(rows)
        body = row.text
        if rng.random() < 0.3:
            other = _SENTENCE_RE.split(rng.choice(rows).text)
            body = f"{body} {rng.choice(other)}"
        host = host_of(row.url)
        platform = _PLATFORMS.get(host, "web")
        author = row.url.split("/")[3] if platform == "twitter" and row.url.count("/") > 3 else None
        posts.append(BenchPost(body[:MAX_CHARS], row.url, author, platform))
    return posts


class _Vocabulary:
    """The sample's words, phrases, co-occurring pairs, hashtags, handles and hosts.

    Names in queries (brands, products, people) are rare words: 95% are drawn from the
    words in at most 1% of the texts, 5% from all distinct words. Context words narrowing
    a query are drawn from running text, so they are everyday words. Wildcards are a name
    with its ending cut off (``verspaetung*``).
    """

    def __init__(self, rows: list[Row]) -> None:
        self.texts = [words(row.text) for row in rows]
        self.running = [w for ws in self.texts for w in ws if _usable(w)]
        self.distinct = sorted(set(self.running))
        df = Counter(w for ws in self.texts for w in set(ws))
        self.rare = [w for w in self.distinct if df[w] <= max(1, len(self.texts) // 100)]
        self.long = [w for w in self.rare if len(w) >= 8]
        self.phrases = sorted(
            {
                tuple(ws[i : i + n])
                for ws in self.texts
                for n in (2, 3)
                for i in range(len(ws) - n + 1)
                if any(_usable(w) for w in ws[i : i + n])
            }
        )
        self.texts_with: dict[str, list[list[str]]] = {}
        for ws in self.texts:
            for w in set(ws):
                self.texts_with.setdefault(w, []).append(ws)
        self.hashtags = sorted({t for row in rows for t in hashtags(row.text)})
        self.handles = sorted({m for row in rows for m in mentions(row.text) if words(m)})
        self.hosts = sorted({host_of(row.url) for row in rows} - {""})
        self.authors = sorted({row.url.split("/")[3] for row in rows if "twitter.com/" in row.url})

    def word(self, rng: random.Random, role: str = "anchor") -> str:
        """A word for a name (anchor), a context group or an exclusion."""
        if role == "context":
            return rng.choice(self.running)
        if role == "anchor" and rng.random() < 0.95:
            return rng.choice(self.rare)
        return rng.choice(self.distinct)

    def phrase(self, rng: random.Random) -> str:
        """Two or three consecutive words of a text, drawn uniformly from the distinct ones."""
        return '"' + " ".join(rng.choice(self.phrases)) + '"'

    def pair(self, rng: random.Random) -> tuple[str, str]:
        """A name and a word found a few words from it in one of the sample's texts."""
        name = self.word(rng)
        ws = [w for w in rng.choice(self.texts_with[name]) if _usable(w)]
        i = ws.index(name)
        near = [w for w in ws[max(0, i - 4) : i + 5] if w != name]
        return (name, rng.choice(near)) if near else (name, self.word(rng, "context"))

    def operand(self, rng: random.Random, role: str = "anchor") -> str:
        """A word, a phrase (names only) or a wildcard."""
        roll = rng.random()
        if roll < 0.15 and role == "anchor":
            return self.phrase(rng)
        if roll < 0.25:
            return rng.choice(self.long)[: -rng.randint(1, 3)] + "*"
        return self.word(rng, role)

    def group(self, rng: random.Random, lo: int, hi: int, role: str = "anchor") -> str:
        """A parenthesised OR of lo to hi operands."""
        items = [self.operand(rng, role) for _ in range(rng.randint(lo, hi))]
        return "(" + " OR ".join(items) + ")"

    def query(self, rng: random.Random) -> str:
        """One topic query; the shares follow how brand/product topics are usually written."""
        roll = rng.random()
        if roll < 0.20:
            return self.operand(rng)
        if roll < 0.35:
            return self.group(rng, 2, 5)
        if roll < 0.47:
            return f"{self.group(rng, 1, 4)} AND {self.group(rng, 2, 4, 'context')}"
        if roll < 0.56:
            return f"{self.group(rng, 1, 3)} AND NOT {self.group(rng, 1, 3, 'exclude')}"
        if roll < 0.62:
            return (
                f"{self.group(rng, 1, 3)} {self.group(rng, 2, 4, 'context')}"
                f" NOT {self.group(rng, 1, 3, 'exclude')}"
            )
        if roll < 0.70:
            return self.phrase(rng)
        if roll < 0.78:
            a, b = self.pair(rng)
            near = f"NEAR/{rng.choice((3, 5, 10))}{'f' if rng.random() < 0.3 else ''}"
            if rng.random() < 0.3:
                return f"{a} {near} ({b} OR {self.word(rng)})"
            return f"{a} {near} {b}"
        if roll < 0.86:
            tag = (
                "#" + rng.choice(self.hashtags)
                if rng.random() < 0.6
                else "@" + rng.choice(self.handles)
            )
            return f"{tag} OR {self.operand(rng)}" if rng.random() < 0.5 else tag
        field = rng.choice(
            (
                "lang:de",
                f"site:{rng.choice(self.hosts)}",
                f"platform:{rng.choice(tuple(_PLATFORMS.values()))}",
                f"author:{rng.choice(self.authors)}",
            )
        )
        return f"{self.group(rng, 1, 3)} {field}"


def _usable(word: str) -> bool:
    return len(word) >= 3 and not word.isdigit() and word not in COMMON_WORDS


def make_queries(rows: list[Row], n: int, rng: random.Random) -> list[str]:
    """n topic queries written from the sample's vocabulary."""
    vocabulary = _Vocabulary(rows)
    return [vocabulary.query(rng) for _ in range(n)]


def bench_match(
    n_queries: int = 10_000,
    n_posts: int = 100_000,
    seed: int = 0,
    progress: Progress | None = None,
    *,
    shared_texts: bool = False,
) -> dict[str, Any]:
    """Compile n_queries topics, match n_posts posts one by one; return the figures.

    The sample's rows are split at random: queries are written from one half, posts drawn
    from the other, as queries are written before the posts they will meet arrive. With
    ``shared_texts`` both come from all rows, so every rare query word is sure to occur in
    the posts resampled from its text: a much denser, worst-case load.
    ``progress(stage, done, total)`` is called now and then with stage "prepare",
    "match" or "scan".
    """
    report = progress or (lambda stage, done, total: None)
    rng = random.Random(seed)
    rows = load_rows()
    if shared_texts:
        query_rows = post_rows = rows
    else:
        shuffled = rng.sample(rows, len(rows))
        query_rows, post_rows = shuffled[: len(rows) // 2], shuffled[len(rows) // 2 :]
    report("prepare", 0, 2)
    queries = make_queries(query_rows, n_queries, rng)
    posts = make_posts(post_rows, n_posts, rng)
    report("prepare", 2, 2)

    started = time.perf_counter()
    matcher = Matcher.from_queries(enumerate(queries))
    compile_s = time.perf_counter() - started

    padded: list[str] = []
    matches = 0
    started = time.perf_counter()
    for i, post in enumerate(posts):
        doc = Document.build(
            text=post.text, author=post.author, url=post.url, lang="de", platform=post.platform
        )
        matches += len(matcher.match(doc))
        padded.append(doc.padded)
        if i % 5000 == 0:
            report("match", i, n_posts)
    match_s = time.perf_counter() - started
    report("match", n_posts, n_posts)

    started = time.perf_counter()
    for i, line in enumerate(padded):
        matcher.scan_text(line)
        if i % 5000 == 0:
            report("scan", i, n_posts)
    scan_s = time.perf_counter() - started
    report("scan", n_posts, n_posts)

    return {
        "n_queries": n_queries,
        "n_posts": n_posts,
        "posts_per_s": round(n_posts / match_s, 1),
        "scan_posts_per_s": round(n_posts / scan_s, 1),
        "compile_s": round(compile_s, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "matches_total": matches,
        "candidates_per_post": round(matcher.evaluations / max(1, n_posts), 2),
        "literals": matcher.literal_count,
        "always_evaluated": matcher.always_count,
        "mean_post_chars": round(sum(len(p.text) for p in posts) / max(1, n_posts), 1),
        "matches_per_post": round(matches / max(1, n_posts), 2),
        "shared_texts": shared_texts,
        "seed": seed,
    }
