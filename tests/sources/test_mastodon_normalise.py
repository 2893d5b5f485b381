"""Mastodon statuses and notifications -> Mention, on shapes the peer cannot produce.

``boost_of_media_post.json`` is a boost of a remote, media-only post that quotes another
post, shaped after docs.joinmastodon.org/entities/Status, MediaAttachment and
ShallowQuote (the mock serves neither remote accounts nor shallow quotes).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from resonanz.errors import ParseError
from resonanz.models import RawItem
from resonanz.pipeline.normalise import normalise_item
from resonanz.sources.mastodon_normalise import (
    NOTIFICATION_KIND,
    STATUS_KIND,
    normalise_mastodon,
    register_normalisers,
)

PAYLOADS = Path(__file__).parent.parent / "payloads" / "mastodon"
FETCHED = datetime(2024, 11, 20, 10, 0, tzinfo=UTC)


def item(payload: dict[str, Any], kind: str = STATUS_KIND) -> RawItem:
    context = {"instance": "https://mastodon.social", "stream": "public"}
    return RawItem(kind, payload, FETCHED, origin="mastodon.social id 1", context=context)


@pytest.fixture
def boost() -> dict[str, Any]:
    return dict(json.loads((PAYLOADS / "boost_of_media_post.json").read_text("utf-8")))


def test_a_boost_is_the_boosters_mention_of_the_boosted_text(boost: dict[str, Any]) -> None:
    mention = normalise_mastodon(item(boost))
    assert mention.native_id == boost["uri"]
    assert mention.repost_of == boost["reblog"]["uri"]
    assert mention.text == "Anzeigetafel: ICE 599 fällt aus"  # media-only: its description
    assert mention.title == "Zugausfall"
    assert mention.lang == "de"
    assert mention.url == boost["reblog"]["url"]  # a boost has no page of its own
    assert mention.author is not None
    assert (mention.author.handle, mention.author.followers) == ("Gargron@mastodon.social", 322930)
    assert (mention.reply_to, mention.quote_of) == (None, None)
    assert mention.engagement.likes == 0  # favourites count on the boosted status
    assert mention.created_at == datetime(2024, 11, 20, 9, 15, tzinfo=UTC)
    assert mention.raw is boost and mention.raw_kind == STATUS_KIND


def test_a_remote_reply_with_a_shallow_quote(boost: dict[str, Any]) -> None:
    original = boost["reblog"]
    mention = normalise_mastodon(item(original))
    assert mention.native_id == "https://chaos.social/users/bahnfan/statuses/113499000000000001"
    assert mention.author is not None
    assert mention.author.handle == "bahnfan@chaos.social"
    assert mention.author.name == "bahnfan"  # no display name: the username
    assert mention.reply_to == "113499999999999999"
    assert mention.quote_of == "103270115826048975"
    assert (mention.engagement.likes, mention.engagement.reposts) == (1200, 1)
    assert mention.engagement.replies == 3


def test_a_poll_without_text_reads_as_its_options(boost: dict[str, Any]) -> None:
    status = {
        **boost["reblog"],
        "media_attachments": [],
        "poll": {"id": "34830", "options": [{"title": "ICE"}, {"title": "Flixbus"}]},
    }
    assert normalise_mastodon(item(status)).text == "ICE\nFlixbus"


@pytest.mark.parametrize(
    ("payload", "kind", "reason"),
    [
        ({"id": "1", "content": "<p>x</p>"}, STATUS_KIND, "neither uri nor url"),
        ({"id": "1", "uri": "https://m.example/1", "content": ""}, STATUS_KIND, "no text"),
        ({"id": "9", "type": "follow", "status": None}, NOTIFICATION_KIND, "type follow"),
    ],
)
def test_unusable_items_are_skipped_with_a_reason(
    payload: dict[str, Any], kind: str, reason: str
) -> None:
    normalisers = register_normalisers()
    with pytest.raises(ParseError, match=reason) as err:
        normalise_item(item(payload, kind), normalisers)
    assert err.value.where == "mastodon.social id 1"
