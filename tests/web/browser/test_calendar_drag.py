"""The calendar in chromium: a post dragged onto another day's hour is rescheduled (the
page reloads with it there); the month view fits a phone screen as a list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.web.browser.conftest import LiveApp, Watched, log_in, screenshot
from tests.web.publishing_world import channel, pub_of, scheduled

pytestmark = pytest.mark.browser
BERLIN = ZoneInfo("Europe/Berlin")


def test_drag_a_post_to_another_day(page: Any, live_app: LiveApp, watched: Watched) -> None:
    world = live_app.world
    channel(world)
    post = scheduled(world, "Zum Verschieben", "2027-03-24 10:15")
    log_in(page, live_app.url, world.users["editor"].email)
    page.goto(f"{live_app.url}/w/acme/calendar?view=week&date=2027-03-24&tz=Europe/Berlin")
    source = page.locator(f"#post-{post.id}")
    target = page.locator("li.cal-slot[data-date='2027-03-26'][data-time='14:00']")
    assert source.get_attribute("draggable") == "true"
    with page.expect_navigation():  # the page reloads after the move
        source.drag_to(target)
    moved = page.locator("li.cal-slot[data-date='2027-03-26'][data-time='14:00']")
    assert moved.locator(f"#post-{post.id}").count() == 1
    screenshot(page, "calendar-after-drag")
    stored = pub_of(world).get_post(world.ids["acme.workspace"], post.id)
    # 14:15 on 26 March 2027 is still winter time (CET, UTC+1)
    assert stored.scheduled_at == datetime(2027, 3, 26, 13, 15, tzinfo=UTC)
    assert (stored.local_time, stored.timezone) == ("2027-03-26 14:15", "Europe/Berlin")
    # Dragged onto a past day: refused, the message next to the post, nothing moved.
    soon = datetime.now(UTC).astimezone(BERLIN) + timedelta(hours=1)
    second = scheduled(world, "Bald", f"{soon:%Y-%m-%d %H:%M}")
    yesterday = (soon - timedelta(days=1)).date().isoformat()
    for view in ("week", "month"):
        page.goto(
            f"{live_app.url}/w/acme/calendar?view={view}&date={soon:%Y-%m-%d}&tz=Europe/Berlin"
        )
        target = page.locator(
            f"li.cal-slot[data-date='{yesterday}'][data-time='12:00'], td[data-date='{yesterday}']"
        )
        if target.count():
            break
    else:
        pytest.skip("the day before the post is in neither its week nor its month")
    page.locator(f"#post-{second.id}").drag_to(target)
    error = page.locator(f"#post-{second.id}-error")
    page.wait_for_function(
        f"document.getElementById('post-{second.id}-error').textContent.length > 0"
    )
    assert "in the past" in error.inner_text() and "Nicht verschoben:" in error.inner_text()
    kept = pub_of(world).get_post(world.ids["acme.workspace"], second.id)
    assert kept.local_time == f"{soon:%Y-%m-%d %H:%M}"
    assert watched.errors == []


def test_month_fits_a_phone(browser: Any, live_app: LiveApp) -> None:
    world = live_app.world
    channel(world)
    scheduled(world, "Ein recht langer Beitragstext " * 5, "2027-03-24 10:15")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="de-DE"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_app.url, world.users["viewer"].email)
        for view in ("month", "week"):
            page.goto(f"{live_app.url}/w/acme/calendar?view={view}&date=2027-03-24&tz=UTC")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 391, f"{view}: {width}px"
            screenshot(page, f"phone-calendar-{view}")
            if view == "month":  # a list: the days without posts are hidden
                assert page.locator("td.cal-empty").first.is_hidden()
                assert page.locator("td[data-date='2027-03-24']").is_visible()
    finally:
        context.close()
