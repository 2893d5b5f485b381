"""The planning page's best-time heatmap drawn by vega-embed in chromium: one rect per
hour of the week with posts, no page errors; its table view opens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.web.browser.conftest import LiveApp, Watched, log_in, screenshot
from tests.web.publishing_world import pub_of
from tests.web.test_planning_page import _own_posts

pytestmark = pytest.mark.browser


def test_the_heatmap_is_drawn(live_app: LiveApp, page: Any, watched: Watched) -> None:
    world = live_app.world
    acme = world.ids["acme.workspace"]
    pub_of(world).add_channel(
        acme,
        "bluesky",
        "sky",
        {"pds": "https://pds.example", "handle": "acme.test"},
        None,
        at=datetime.now(UTC),
    )
    _own_posts(world, acme)
    log_in(page, live_app.url, world.users["viewer"].email)
    page.goto(f"{live_app.url}/w/acme/planning?tz=UTC")
    chart = page.locator("#chart-best-time svg")
    chart.wait_for()
    cells = page.locator("#chart-best-time svg .mark-rect.role-mark path")
    assert cells.count() == 5  # Mon 08, Tue 10, Wed 14, Thu 16, Fri 12 (UTC)
    page.locator("#best-time details > summary").click()
    assert page.locator("#best-time details table tbody tr").count() == 5
    screenshot(page, "planning-heatmap")
    assert watched.errors == [] and watched.dialogs == []
