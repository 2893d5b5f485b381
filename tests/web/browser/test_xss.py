"""Stored XSS: hostile mention texts, authors, URLs and topic names render inert in chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resonanz.models import Author, Mention, TopicMatch
from tests.web.browser.conftest import LiveApp, Watched, log_in, screenshot

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__xss=1</script>"
ATTRIBUTE = '"><img src=x onerror="window.__xss=1">'
SVG = "<svg onload=window.__xss=1;alert(1)>"
JS_URL = "javascript:window.__xss=1"
IMG_ALERT = "<img src=x onerror=alert(document.domain)>"


def _store_payloads(live: LiveApp) -> None:
    world = live.world
    store = world.store
    ws = world.ids["acme.workspace"]
    topic = store.add_topic(ws, f"Bahn {SVG}{ATTRIBUTE}", "bahn OR xss", "brand")
    now = datetime.now(UTC)
    payloads = [
        (f"Bahn xss {SCRIPT} text", SCRIPT, JS_URL),
        (f"Bahn xss {ATTRIBUTE} text", ATTRIBUTE, f"https://example.org/a{ATTRIBUTE}"),
        (f"Bahn xss {SVG} text", SVG, JS_URL),
        (f"Bahn xss {IMG_ALERT} text", IMG_ALERT, " javascript:alert(1)"),
    ]
    mentions = [
        Mention(
            platform="web",
            native_id=f"xss-{i}",
            text=text,
            title=name,
            collected_at=now,
            created_at=now - timedelta(minutes=i),
            url=url,
            author=Author(platform="web", handle=f"xss{i}", name=name, url=JS_URL),
            lang="de",
            matches=(
                TopicMatch(topic.id, ("bahn",)),
                TopicMatch(world.ids["acme.topic"], ("bahn",)),
            ),
        )
        for i, (text, name, url) in enumerate(payloads)
    ]
    store.save_batch(ws, mentions)


def _assert_inert(page: Any, watched: Watched, where: str) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.__xss") == "undefined", f"script ran on {where}"
    assert not watched.dialogs, f"dialog on {where}: {watched.dialogs}"
    js_links = page.eval_on_selector_all(
        "a[href]", "els => els.map(e => e.href).filter(h => /^\\s*javascript:/i.test(h))"
    )
    assert not js_links, f"javascript: links on {where}: {js_links}"
    injected = page.eval_on_selector_all(
        "img[src='x'], svg[onload], [onerror]", "els => els.map(e => e.outerHTML)"
    )
    assert not injected, f"injected elements on {where}: {injected}"


def test_stored_payloads_stay_text(live_app: LiveApp, page: Any, watched: Watched) -> None:
    _store_payloads(live_app)
    base = live_app.url
    log_in(page, base, live_app.world.users["owner"].email)
    topic_id = live_app.world.ids["acme.topic"]
    visited = []
    missing = []
    for name, path in [
        ("overview", "/w/acme"),
        ("mentions", "/w/acme/mentions"),
        ("mentions-search", "/w/acme/mentions?q=xss"),
        ("topics", "/w/acme/topics"),
        ("topic", f"/w/acme/topics/{topic_id}"),
        ("sources", "/w/acme/sources"),
        ("settings", "/w/acme/settings"),
    ]:
        answer = page.goto(base + path)
        if answer is not None and answer.status == 404:
            missing.append(path)
            continue
        assert answer is not None and answer.status == 200, (path, answer and answer.status)
        _assert_inert(page, watched, path)
        screenshot(page, f"xss-{name}")
        visited.append(path)
    # the mention texts are shown as text (escaped), so the payloads are visible
    page.goto(base + "/w/acme/mentions?q=xss")
    page.wait_for_load_state("networkidle")
    assert "window.__xss=1" in page.inner_text("main")
    _assert_inert(page, watched, "mentions again")
    assert not watched.errors, watched.errors
    assert {"/w/acme", "/w/acme/mentions", "/w/acme/topics"} <= set(visited), missing
