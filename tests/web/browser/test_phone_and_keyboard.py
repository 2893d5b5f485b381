"""On a phone-sized screen nothing overflows sideways; the main pages work by keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser.conftest import LiveApp, Watched, log_in, screenshot

pytestmark = pytest.mark.browser

PAGES = ("", "/mentions", "/topics", "/sources", "/settings")


def test_pages_fit_a_phone_screen(browser: Any, live_app: LiveApp) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="de-DE"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_app.url, live_app.world.users["owner"].email)
        too_wide = []
        for suffix in PAGES:
            page.goto(f"{live_app.url}/w/acme{suffix}")
            page.wait_for_load_state("networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390 + 1:
                too_wide.append(f"/w/acme{suffix}: {width}px")
            screenshot(page, f"phone{suffix.replace('/', '-') or '-overview'}")
        assert not too_wide, too_wide
    finally:
        context.close()


def test_search_by_keyboard(page: Any, live_app: LiveApp, watched: Watched) -> None:
    log_in(page, live_app.url, live_app.world.users["viewer"].email)
    page.goto(f"{live_app.url}/w/acme/mentions")
    # The skip link is the first stop and leads to the content.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    search = page.locator("input[name=q]")
    search.focus()
    page.keyboard.type("pünktlich")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("document.querySelectorAll('mark').length > 0")
    assert "pünktlich" in page.locator("mark").first.inner_text().lower()
    # Every form control has an accessible name (label, aria-label or title).
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                          && !e.getAttribute('title'))
             .map(e => e.name || e.id)"""
    )
    assert unnamed == []
    assert watched.errors == []
