"""Tracked links on SQLite and PostgreSQL: target checks, the UTM builder merged into
existing query strings, click counting with bots, repeats inside the window and the salted
visitor hash (no address or user agent stored), and the per-channel rewriting of a post's
links (``post new --track``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from resonanz.errors import NotFoundError, ValidationError
from resonanz.publishing.links import (
    REPEAT_WINDOW,
    build_utm,
    check_target,
    is_bot,
    merge_utm,
)
from resonanz.publishing.links_track import add_link, track_texts
from resonanz.store.links import link_store

from .conftest import World

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
ADDRESS = "203.0.113.77"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("javascript:alert(1)", "http or https URL, not javascript:"),
        ("ftp://example.org/file", "not ftp:"),
        ("example.org/advent", "did you mean https://example.org/advent"),
        ("https://", "has no host name"),
        ("https://exa mple.org/", "spaces or control characters"),
        ("https://user:secret@example.org/", "user name or password"),
        ("https://ex_ample..org/", "invalid host name"),
        ("https://example.org:99999/", "not a valid URL"),
        ("", "empty"),
    ],
)
def test_bad_targets_are_refused_with_the_reason(url: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem.replace("?", r"\?")):
        check_target(url)


def test_utm_parameters_merge_into_existing_query_strings() -> None:
    utm = build_utm(channel_kind="mastodon", campaign="Advent 2026")
    assert utm == {
        "utm_source": "mastodon",
        "utm_medium": "social",
        "utm_campaign": "Advent 2026",
    }
    merged = merge_utm("https://shop.example/p?id=7&ref&utm_source=old#details", utm)
    # The target's own parameters stay as written, an old utm_source is replaced, the
    # fragment stays at the end.
    assert merged == (
        "https://shop.example/p?id=7&ref&utm_source=mastodon&utm_medium=social"
        "&utm_campaign=Advent+2026#details"
    )
    assert merge_utm("https://example.org/", {}) == "https://example.org/"
    assert build_utm(source="newsletter", term="bahn ticket", content="top") == {
        "utm_source": "newsletter",
        "utm_content": "top",
        "utm_term": "bahn ticket",
    }
    with pytest.raises(ValidationError, match="utm_campaign is empty"):
        build_utm(campaign="  ")


@pytest.mark.parametrize(
    "agent",
    [
        "Twitterbot/1.0",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "Mastodon/4.3.2 (http.rb/5.2.0; +https://mastodon.social/) Bot",
        "Mastodon/4.2.10 (http.rb/5.1.1; +https://chaos.social/)",
        "Bluesky Cardyb/1.1",
        "TelegramBot (like TwitterBot)",
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "WhatsApp/2.23.20.0",
        "curl/8.5.0",
        "Wget/1.21.4",
        "python-requests/2.32.3",
        "",
    ],
)
def test_crawlers_and_preview_fetchers_are_bots(agent: str) -> None:
    assert is_bot(agent)


def test_people_are_not_bots_but_head_requests_are() -> None:
    assert not is_bot(FIREFOX)
    assert not is_bot(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    )
    assert is_bot(FIREFOX, "HEAD")


def test_clicks_are_counted_once_per_visitor_and_window(world: World) -> None:
    links = link_store(world.store)
    link = add_link(links, world.workspace.id, "https://example.org/a?x=1")
    assert link.destination == "https://example.org/a?x=1"
    now = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)

    def hit(
        at: datetime, *, address: str = ADDRESS, agent: str = FIREFOX, bot: bool = False
    ) -> str:
        return links.record_click(
            link.id, at=at, bot=bot, address=address, user_agent=agent, window=REPEAT_WINDOW
        )

    assert hit(now) == "click"
    assert hit(now + timedelta(minutes=5)) == "repeat"  # the same visitor again
    assert hit(now + timedelta(minutes=6), address="198.51.100.9") == "click"
    assert hit(now + timedelta(minutes=7), agent="Twitterbot/1.0", bot=True) == "bot"
    assert hit(now + REPEAT_WINDOW + timedelta(minutes=1)) == "click"  # window over
    assert hit(now + timedelta(days=1)) == "click"  # next day
    days = links.clicks(link.id)
    assert [(d.day.isoformat(), d.clicks, d.bots, d.repeats) for d in days] == [
        ("2026-12-06", 3, 1, 1),
        ("2026-12-07", 1, 0, 0),
    ]
    assert links.totals(world.workspace.id) == {link.id: 4}

    # No personal data: neither the address nor the user agent is anywhere in the
    # tables, and the salts of days before yesterday are gone.
    with world.store.engine.connect() as conn:
        dumped = ""
        for table in ("link_visitors", "link_clicks", "link_salts", "tracked_links"):
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            dumped += repr(rows)
        visitors = conn.execute(sa.text("SELECT visitor FROM link_visitors")).scalars().all()
    for secret in (ADDRESS, "198.51.100.9", "Firefox", "Twitterbot"):
        assert secret not in dumped
    assert visitors and all(len(v) == 64 and int(v, 16) >= 0 for v in visitors)
    hit(now + timedelta(days=3))
    with world.store.engine.connect() as conn:
        salt_days = conn.execute(sa.text("SELECT day FROM link_salts")).scalars().all()
    assert [str(d) for d in salt_days] == ["2026-12-09"]


def test_codes_are_unique_and_unknown_codes_not_found(world: World) -> None:
    links = link_store(world.store)
    made = {add_link(links, world.workspace.id, f"https://example.org/{i}").code for i in range(30)}
    assert len(made) == 30
    code = next(iter(made))
    assert links.link_by_code(code).code == code
    with pytest.raises(NotFoundError, match="no tracked link"):
        links.link_by_code("nope123")
    other = world.store.create_workspace("other", "Other")
    with pytest.raises(NotFoundError):
        links.link_by_code(code, other.id)


def test_a_posts_links_are_replaced_per_channel(world: World) -> None:
    masto = world.channel("masto")
    sky = world.channel("sky", kind="bluesky")
    links = link_store(world.store)
    tracked = track_texts(
        links,
        world.workspace.id,
        "Advent: https://shop.example/advent?day=6 und https://shop.example/advent?day=6.",
        [masto, sky],
        base_url="https://rz.example/",
        variants={"sky": "Kurz: https://shop.example/b"},
        campaign="advent",
    )
    assert len(tracked.links) == 2
    by_channel = {link.channel_id: link for link in tracked.links}
    m, s = by_channel[masto.id], by_channel[sky.id]
    assert tracked.variants == {
        "masto": f"Advent: https://rz.example/r/{m.code} und https://rz.example/r/{m.code}.",
        "sky": f"Kurz: https://rz.example/r/{s.code}",
    }
    assert m.destination == (
        "https://shop.example/advent?day=6&utm_source=mastodon&utm_medium=social"
        "&utm_campaign=advent"
    )
    assert s.utm["utm_source"] == "bluesky" and s.target == "https://shop.example/b"
    # Clicks per channel, through the links' utm_source.
    at = datetime.now(UTC)
    for link, address in ((m, "192.0.2.1"), (m, "192.0.2.2"), (s, "192.0.2.1")):
        links.record_click(
            link.id, at=at, bot=False, address=address, user_agent=FIREFOX, window=REPEAT_WINDOW
        )
    assert links.by_source(world.workspace.id) == {"mastodon": 2, "bluesky": 1}
    assert links.by_source(world.workspace.id, since=at.date() + timedelta(days=1)) == {}
    # A text without links gets no variant and no link.
    plain = track_texts(
        links, world.workspace.id, "Ohne Link", [masto], base_url="https://x.example"
    )
    assert plain.variants == {} and plain.links == []


def test_concurrent_clicks_of_one_visitor_count_once(world: World) -> None:
    """Eight requests of one visitor at once (threads, each its own transaction): one
    click, seven repeats; the INSERT ... ON CONFLICT decides, not a read before it."""
    from concurrent.futures import ThreadPoolExecutor

    links = link_store(world.store)
    link = add_link(links, world.workspace.id, "https://example.org/rush")
    at = datetime.now(UTC)

    def hit(_: int) -> str:
        return links.record_click(
            link.id, at=at, bot=False, address=ADDRESS, user_agent=FIREFOX, window=REPEAT_WINDOW
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(hit, range(8)))
    assert outcomes == ["click"] + ["repeat"] * 7
    [day] = links.clicks(link.id)
    assert (day.clicks, day.repeats) == (1, 7)
