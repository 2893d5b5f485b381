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


def _store_payloads(live: LiveApp) -> str:
    """Hostile strings everywhere a user can put one; returns an invitation's secret."""
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
    ids = [m.id or 0 for m in store.iter_mentions(ws) if m.native_id.startswith("xss-")]
    store.accounts.tag_mentions(ws, ids, f"tag {SVG}")
    store.add_source(ws, "rss", f"Feed {ATTRIBUTE}", {"url": f"https://example.org/{SCRIPT}"})
    hostile = store.accounts.create_user("hostile@acme.test", f"Mallory {SCRIPT}{ATTRIBUTE}", "x")
    store.accounts.add_member(ws, hostile.id, "viewer")
    store.accounts.create_token(hostile.id, ws, f"token {SVG}")
    owner = world.users["owner"].id
    store.accounts.audit(ws, owner, "topic.create", f"Bahn {SVG}", {"query": ATTRIBUTE})
    evil = store.create_workspace("evil", f"Evil {SCRIPT}{ATTRIBUTE}")
    store.accounts.add_member(evil.id, owner, "owner")
    _, secret = store.accounts.invite(evil.id, "newbie@evil.test", "viewer", hostile.id)
    return secret


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
    invitation = _store_payloads(live_app)
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
        ("audit", "/w/acme/settings/audit"),
        ("mentions-by-tag", f"/w/acme/mentions?tag=tag+{SVG}"),
        ("workspaces", "/w"),
        ("evil-overview", "/w/evil"),
        ("invitation", f"/invite/{invitation}"),
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


def test_query_echoes_in_lint_and_preview_stay_text(
    live_app: LiveApp, page: Any, watched: Watched
) -> None:
    """The topic form echoes the query back through HTMX (lint, preview, error): inert."""
    _store_payloads(live_app)
    base = live_app.url
    log_in(page, base, live_app.world.users["owner"].email)
    answer = page.goto(f"{base}/w/acme/topics/new")
    if answer is not None and answer.status == 404:
        pytest.skip("the topic form is not built yet")
    page.fill("input[name=name]", f"Neu {SVG}")
    page.fill("textarea[name=query]", f'bahn AND ({IMG_ALERT} "{SCRIPT}')
    page.locator("#lint li").first.wait_for()
    _assert_inert(page, watched, "the query linter")
    page.fill("textarea[name=query]", "xss")  # the preview lists the hostile mentions
    page.locator("#lint .lint-ok").wait_for()
    page.locator("button[hx-post='/w/acme/topics/preview']").click()
    page.locator("#preview").get_by_text("window.__xss=1").first.wait_for()
    page.wait_for_load_state("networkidle")
    _assert_inert(page, watched, "the query preview")
    screenshot(page, "xss-topic-preview")
    page.fill("textarea[name=query]", f"bahn AND ({SCRIPT}")
    with page.expect_navigation():
        page.locator("form[action='/w/acme/topics/new'] button[type=submit]").click()
    _assert_inert(page, watched, "the topic form with its error")
    screenshot(page, "xss-topic-error")
    assert not watched.errors, watched.errors
