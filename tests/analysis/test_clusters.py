"""Incremental topic clusters: conversations apart, growth, merges, resuming, bad input."""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from resonanz.analysis.cluster_labels import distinctive_terms
from resonanz.analysis.cluster_terms import post_terms
from resonanz.analysis.clusters import Assignment, Cluster, Clusterer, ClusterItem, ClusterParams
from resonanz.errors import ParseError, ValidationError

START = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

# Each conversation: words a post draws from, and a hashtag some posts carry.
TOPICS: dict[str, tuple[str, str]] = {
    "streik": (
        "Bahnstreik GDL Lokführer Züge fallen Pendler Fahrplan Ersatzverkehr Streik "
        "Stellwerk Bahnsteig warten Verspätung Notfahrplan Gewerkschaft",
        "#bahnstreik",
    ),
    "akku": (
        "battery iphone update drains charging overnight percent apple ios phone "
        "settings background brightness replacement",
        "#iphone",
    ),
    "festival": (
        "festival lineup tickets stage headliner camping wristband sold weekend "
        "crowd music sunscreen",
        "#festival",
    ),
    "kaffee": (
        "Kaffee Bohnen Röstung Espresso Siebträger Mühle Crema Barista Filterkaffee "
        "Milchschaum Tasse Sorte",
        "#kaffee",
    ),
}
FILLER = ["super", "echt", "heute", "wirklich", "wow", "great", "really"]


def post(topic: str, rng: random.Random) -> str:
    """A post of a conversation: five of its words, maybe its hashtag, maybe filler."""
    pool, tag = TOPICS[topic]
    picked = rng.sample(pool.split(), 5) + rng.sample(FILLER, 1)
    if rng.random() < 0.4:
        picked.append(tag)
    return " ".join(picked)


def stream(
    topics: list[str], per_topic: int, seed: int, *, start: datetime = START, first_id: int = 0
) -> list[ClusterItem]:
    """Posts of the topics, interleaved at random, a minute apart."""
    rng = random.Random(seed)
    labels = [t for t in topics for _ in range(per_topic)]
    rng.shuffle(labels)
    return [
        ClusterItem(
            f"{topic}-{first_id + i}",
            post(topic, rng),
            "de" if topic in ("streik", "kaffee") else "en",
            start + timedelta(minutes=first_id + i),
        )
        for i, topic in enumerate(labels)
    ]


def feed(clusterer: Clusterer, items: list[ClusterItem], batch: int) -> list[Assignment]:
    out: list[Assignment] = []
    for start in range(0, len(items), batch):
        out += clusterer.add(items[start : start + batch])
    return out


def clusters_by_topic(clusterer: Clusterer, assigned: list[Assignment]) -> dict[str, Counter[int]]:
    found: dict[str, Counter[int]] = {}
    for a in assigned:
        assert a.cluster_id is not None
        topic = str(a.item_id).split("-")[0]
        found.setdefault(topic, Counter())[clusterer.resolve(a.cluster_id)] += 1
    return found


def test_post_terms_fold_drop_function_words_and_keep_hashtags() -> None:
    terms = post_terms("RT @DB_Bahn: Die Züge fallen heute aus! #Bahnstreik https://t.co/x 2024")
    assert terms == ["zuege", "fallen", "bahnstreik", "#bahnstreik"]
    assert "verspaetung" in post_terms("Wieder eine Zugverspätung in Köln", "de")
    assert "verspaetung" not in post_terms("Wieder eine Zugverspätung in Köln", "en")


def test_labels_prefer_distinctive_terms_and_hashtags() -> None:
    counts = {"flood": 9, "#flood": 6, "calgary": 8, "people": 9, "once": 1}
    df = {"flood": 50.0, "#flood": 30.0, "calgary": 10.0, "people": 900.0, "once": 1.0}
    terms = distinctive_terms(counts, 10, df.__getitem__, posts=1000, limit=3)
    # "people" is everywhere, "once" is in one post only; "#flood" takes "flood"'s place.
    assert terms == ["calgary", "#flood", "people"]
    assert distinctive_terms(counts, 10, df.__getitem__, posts=1000, limit=2) == [
        "calgary",
        "#flood",
    ]


def test_german_and_english_conversations_end_up_apart() -> None:
    clusterer = Clusterer()
    items = stream(["streik", "akku"], per_topic=40, seed=1)
    assigned = feed(clusterer, items, batch=10)
    by_topic = clusters_by_topic(clusterer, assigned)
    assert not set(by_topic["streik"]) & set(by_topic["akku"])
    for counts in by_topic.values():
        assert counts.most_common(1)[0][1] >= 0.8 * sum(counts.values())
    top = clusterer.clusters()[:2]
    labels = {c.label for c in top}
    assert any("#bahnstreik" in c.terms for c in top) and any("#iphone" in c.terms for c in top)
    assert all(term not in {"super", "echt", "heute", "great"} for c in top for term in c.terms)
    assert len(labels) == 2


def test_a_growing_cluster_is_reported_as_grown() -> None:
    clusterer = Clusterer()
    feed(clusterer, stream(["akku", "festival", "kaffee"], per_topic=20, seed=2), batch=60)
    later = stream(["akku"], per_topic=15, seed=3, start=START + timedelta(hours=2), first_id=100)
    grown = Counter(a.cluster_id for a in clusterer.add(later))
    ((akku, joined),) = grown.most_common(1)
    assert akku is not None and joined >= 12
    report = {c.id: c for c in clusterer.clusters()}
    assert report[akku].growth == joined
    assert report[akku].size >= 20 + joined
    assert report[akku].last_seen == later[-1].time
    first_seen = report[akku].first_seen
    assert first_seen is not None and first_seen < START + timedelta(hours=1)
    others = [c for c in report.values() if c.id != akku and c.size >= 10]
    assert others and all(c.growth == 0 for c in others)


def test_representatives_are_posts_of_the_cluster_nearest_its_centre() -> None:
    clusterer = Clusterer()
    items = stream(["festival", "kaffee", "akku"], per_topic=25, seed=4)
    typical = ClusterItem(
        "festival-typical",
        "festival lineup tickets stage headliner camping wristband crowd #festival",
        "en",
        START,
    )
    assigned = feed(clusterer, [*items, typical], batch=25)
    festival = clusterer.resolve(assigned[-1].cluster_id or 0)
    report = {c.id: c for c in clusterer.clusters()}[festival]
    assert len(report.representatives) == 3
    assert all(str(r).startswith("festival-") for r in report.representatives)
    assert "festival-typical" in report.representatives


def test_alike_clusters_merge_and_old_ids_resolve() -> None:
    # Strict joining keeps two near-identical groups apart; lenient merging joins them.
    params = ClusterParams(threshold=0.9, merge_threshold=0.3, min_df=1)
    clusterer = Clusterer(params)
    filler = [ClusterItem(f"f{i}", f"filler{i} other{i} words{i}") for i in range(20)]
    first = clusterer.add(
        [
            *filler,
            ClusterItem("a1", "kiwi mango papaya"),
            ClusterItem("a2", "kiwi mango papaya"),
            ClusterItem("b1", "kiwi mango guava"),
            ClusterItem("b2", "kiwi mango guava"),
        ]
    )
    by_id = {a.item_id: a.cluster_id for a in first}
    assert by_id["a1"] == by_id["b1"]  # returned ids are already resolved
    ((gone, kept),) = clusterer.merges
    assert kept == by_id["a1"] and clusterer.resolve(gone) == kept
    merged = next(c for c in clusterer.clusters() if c.id == kept)
    assert merged.size == 4 and {"kiwi", "mango"} <= set(merged.terms)


def test_silent_clusters_close_and_stay_reported() -> None:
    clusterer = Clusterer(ClusterParams(max_idle_days=1.0))
    old = stream(["streik", "akku"], per_topic=20, seed=5)
    feed(clusterer, old, batch=40)
    later = START + timedelta(days=3)
    fresh = clusterer.add(stream(["streik"], per_topic=20, seed=6, start=later, first_id=500))
    report = clusterer.clusters()
    closed = [c for c in report if not c.active]
    assert closed and all(c.last_seen is not None and c.last_seen < later for c in closed)
    # The new posts of a closed topic start a new cluster.
    assert {a.cluster_id for a in fresh}.isdisjoint({c.id for c in closed})


def test_open_clusters_are_bounded() -> None:
    clusterer = Clusterer(ClusterParams(max_active=3, max_kept=2, min_df=1))
    items = [ClusterItem(i, f"unique{i} words{i} here{i}") for i in range(50)]
    feed(clusterer, items, batch=7)
    assert len([c for c in clusterer.clusters(min_size=1) if c.active]) <= 3
    assert len([c for c in clusterer.clusters(min_size=1) if not c.active]) <= 2


def test_state_round_trip_resumes_identically() -> None:
    params = ClusterParams(max_active=6, step=16, max_idle_days=0.5, representatives=2)
    noise = [ClusterItem(f"n{i}", f"rare{i // 2} once{i // 2} only{i // 2}") for i in range(30)]
    before = stream(list(TOPICS), per_topic=25, seed=7) + noise
    random.Random(7).shuffle(before)
    # A day later only two topics go on: the others fall silent and close.
    after = stream(["streik", "akku"], per_topic=30, seed=8, start=START + timedelta(days=1))
    original = Clusterer(params)
    feed(original, before, batch=25)
    resumed = Clusterer.from_bytes(original.to_bytes())
    assert resumed.params == params and resumed.posts == original.posts == len(before)
    assert resumed.clusters(min_size=1) == original.clusters(min_size=1)
    for start in range(0, len(after), 25):
        batch = after[start : start + 25]
        assert resumed.add(batch) == original.add(batch)
        assert resumed.merges == original.merges
    assert resumed.clusters(min_size=1) == original.clusters(min_size=1)
    assert any(not c.active for c in original.clusters())
    assert Clusterer.from_bytes(resumed.to_bytes()).clusters(1) == original.clusters(1)


def test_a_state_that_is_not_one_is_a_parse_error() -> None:
    for junk in (b"", b"not a zip", Clusterer().to_bytes()[:100]):
        with pytest.raises(ParseError, match="topic cluster state"):
            Clusterer.from_bytes(junk)


@pytest.mark.parametrize(
    "kwargs",
    [{"threshold": 0.0}, {"merge_threshold": 1.5}, {"step": 0}, {"dims": 3}, {"max_idle_days": 0}],
)
def test_bad_parameters_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        ClusterParams(**kwargs)  # type: ignore[arg-type]


def test_bad_input_never_raises() -> None:
    rng = random.Random(8)
    junk = bytes(rng.randrange(256) for _ in range(3000)).decode("latin-1")
    items = [
        ClusterItem(1, ""),
        ClusterItem(2, "   \n\t "),
        ClusterItem(3, "Zugausfall " * 10_000),  # 110,000 characters
        ClusterItem(4, junk),
        ClusterItem(5, "\x00\ud800\udfff\u202e#\ufeff@@@ ### http:// \U0001f525" * 50),
        ClusterItem(6, b"\xff\xfe bytes instead of text"),  # type: ignore[arg-type]
        ClusterItem(7, None),  # type: ignore[arg-type]
        ClusterItem(8, "naive time", time=datetime(2024, 1, 1)),
        ClusterItem(9, "text with a time that is not one", time="yesterday"),  # type: ignore[arg-type]
        ClusterItem("x" * 500, "ένα κείμενο 混合 スクリプト mixed scripts עברית", lang="el"),
    ]
    clusterer = Clusterer()
    started = time.perf_counter()
    assigned = clusterer.add(items)
    assigned += clusterer.add(items)
    assert time.perf_counter() - started < 5
    assert [a.item_id for a in assigned] == [i.id for i in items] * 2
    assert assigned[0].cluster_id is None and assigned[1].cluster_id is None
    assert isinstance(clusterer.clusters(min_size=1), list)
    assert Clusterer.from_bytes(clusterer.to_bytes()).clusters(1) == clusterer.clusters(1)
    assert clusterer.add([]) == []


def test_cluster_records_are_frozen() -> None:
    clusterer = Clusterer()
    feed(clusterer, stream(["akku", "kaffee"], per_topic=10, seed=9), batch=20)
    cluster = clusterer.clusters()[0]
    assert isinstance(cluster, Cluster)
    with pytest.raises(AttributeError):
        cluster.size = 0  # type: ignore[misc]
