"""The fast engine (automaton, triggers, compiled tests) agrees with the naive reference."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resonanz.query import Document, Matcher, evaluate, lint, matched_terms, parse
from resonanz.query.reference import Post, reference_matches, reference_terms

from .strategies import posts, queries

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _document(post: Post) -> Document:
    return Document.build(
        text=post.text,
        title=post.title,
        author=post.author,
        url=post.url,
        lang=post.lang,
        platform=post.platform,
    )


def _expected(topics: dict[int, str], post: Post) -> list[tuple[int, tuple[str, ...]]]:
    nodes = {topic_id: parse(query) for topic_id, query in topics.items()}
    return [
        (topic_id, reference_terms(node, post))
        for topic_id, node in sorted(nodes.items())
        if reference_matches(node, post)
    ]


@SETTINGS
@given(st.lists(queries, min_size=1, max_size=8), st.lists(posts(), min_size=1, max_size=8))
def test_matcher_agrees_with_reference(query_list: list[str], post_list: list[Post]) -> None:
    for query in query_list:
        assert lint(query).ok, query
    topics = dict(enumerate(query_list, start=1))
    matcher = Matcher.from_queries(topics.items())
    for post in post_list:
        assert matcher.match(_document(post)) == _expected(topics, post), post


@SETTINGS
@given(queries, st.lists(posts(), min_size=1, max_size=5))
def test_evaluate_agrees_with_reference(query: str, post_list: list[Post]) -> None:
    node = parse(query)
    for post in post_list:
        doc = _document(post)
        assert evaluate(node, doc) == reference_matches(node, post), post
        assert matched_terms(node, doc) == reference_terms(node, post), post


@settings(SETTINGS, max_examples=50)
@given(
    st.lists(st.tuples(st.integers(1, 6), st.one_of(st.none(), queries)), max_size=12),
    st.lists(posts(), min_size=1, max_size=4),
)
def test_adding_and_removing_keeps_agreement(
    steps: list[tuple[int, str | None]], post_list: list[Post]
) -> None:
    # delta_limit=2 forces delta automata and full rebuilds after a few steps.
    matcher = Matcher(delta_limit=2)
    topics: dict[int, str] = {}
    for topic_id, query in steps:
        if query is None:
            if topic_id in topics:
                matcher.remove(topic_id)
                del topics[topic_id]
        else:
            matcher.add(topic_id, query)
            topics[topic_id] = query
        post = post_list[topic_id % len(post_list)]
        assert matcher.match(_document(post)) == _expected(topics, post)
    for post in post_list:
        assert matcher.match(_document(post)) == _expected(topics, post)


@settings(SETTINGS, max_examples=25)
@given(st.lists(queries, min_size=2, max_size=6), st.lists(posts(), min_size=8, max_size=24))
def test_frequency_planning_keeps_agreement(query_list: list[str], post_list: list[Post]) -> None:
    topics = dict(enumerate(query_list))
    matcher = Matcher.from_queries(topics.items())
    for post in post_list:  # every 8th document is sampled for literal frequencies
        matcher.match(_document(post))
    matcher.plan()
    for post in post_list:
        assert matcher.match(_document(post)) == _expected(topics, post)
