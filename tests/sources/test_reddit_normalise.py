"""Reddit submissions and comments as Reddit sent them (praw's recordings) -> Mention."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from reddit_replay import TEST_SUBREDDIT, TEST_USERNAME, listing_of

from resonanz.errors import ParseError
from resonanz.models import Author, Engagement, RawItem
from resonanz.pipeline.normalise import normalise_item
from resonanz.sources.reddit_normalise import normalise_reddit

FETCHED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def _item(child: dict[str, Any]) -> RawItem:
    return RawItem(kind="reddit", payload=child, fetched_at=FETCHED, origin="test")


def _child(cassette: str, index: int, position: int) -> dict[str, Any]:
    child: dict[str, Any] = listing_of(cassette, index)["data"]["children"][position]
    return child


def test_comment_maps_parent_permalink_author_and_score() -> None:
    child = _child("TestSubredditStreams.test_comments__with_continue_after_id.json", 1, 0)
    mention = normalise_reddit(_item(child))
    assert mention.platform == "reddit" and mention.native_id == "t1_k3yrfii"
    assert mention.text == "Did it work?" and mention.title is None
    assert mention.url == (
        f"https://www.reddit.com/r/{TEST_SUBREDDIT}/comments/agi5zf/{TEST_SUBREDDIT}/k3yrfii/"
    )
    assert mention.reply_to == "t1_k3u4rtt" and mention.repost_of is None
    assert mention.author == Author(
        "reddit",
        "Acceptable-Bread-566",
        name="Acceptable-Bread-566",
        url="https://www.reddit.com/user/Acceptable-Bread-566",
    )
    assert mention.created_at == datetime.fromtimestamp(1696754768, UTC)
    # /r/x/comments carries the thread's num_comments on each comment: not this comment's.
    assert mention.engagement == Engagement(likes=1)
    assert mention.raw is child and mention.raw["data"]["link_id"] == "t3_agi5zf"
    assert mention.raw_kind == "reddit" and mention.collected_at == FETCHED


def test_crosspost_is_a_repost_with_engagement() -> None:
    (listing, _comments) = listing_of("TestSubmission.test_crosspost.json", 3)
    child = listing["data"]["children"][0]
    mention = normalise_reddit(_item(child))
    assert mention.native_id == "t3_6vx8n0" and mention.title == "Test Title"
    assert mention.repost_of == "t3_6vx01b" and mention.reply_to is None
    # A link post without self text: its text is the link.
    assert mention.text == "https://www.reddit.com/r/reddit_api_test/comments/6vx01b/test_title/"
    assert mention.author is not None and mention.author.handle == TEST_USERNAME
    assert mention.engagement == Engagement(likes=1, reposts=0, replies=0, views=None)
    assert mention.raw["data"]["upvote_ratio"] == 1.0 and mention.raw["data"]["over_18"] is False
    assert json.loads(json.dumps(mention.raw)) == child  # plain JSON, nothing of praw's


def test_self_post_text_and_title_only_post() -> None:
    new = "TestSubredditListings.test_new.json"
    with_text = normalise_reddit(_item(_child(new, 1, 15)))
    assert with_text.native_id == "t3_48fax4" and with_text.text == "."
    assert with_text.title is not None and with_text.title.startswith("Redditors who work")
    assert with_text.engagement == Engagement(likes=4, replies=3, reposts=None)
    title_only = normalise_reddit(_item(_child(new, 1, 0)))
    assert title_only.text == title_only.title  # AskReddit questions have no body


def test_deleted_comment_and_unknown_kind_are_skipped_with_a_reason() -> None:
    child = copy.deepcopy(_child("TestSubredditStreams.test_comments__with_pause.json", 1, 0))
    child["data"].update(body="[deleted]", author="[deleted]")  # as Reddit shows deleted ones
    with pytest.raises(ParseError, match=r"test: comment t1_dgauydy was deleted or removed"):
        normalise_reddit(_item(child))
    with pytest.raises(ParseError, match="not a reddit submission or comment"):
        normalise_item(_item({"kind": "t5", "data": {}}), {"reddit": normalise_reddit})
    removed = copy.deepcopy(child)
    removed["data"].update(body="still here")
    assert normalise_reddit(_item(removed)).author is None  # the account was deleted
