"""A user's way through the dashboard in chromium: workspace, topic, mentions, language, CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from resonanz.models import Author, Mention
from tests.web.browser.conftest import LiveApp, Watched, log_in, screenshot

pytestmark = pytest.mark.browser

TEXTS = ["Die Bahn kommt heute pünktlich", "Mein Zug nach Köln fällt aus", "Kaffee ist alle"]


def _import_mentions(live: LiveApp, slug: str) -> None:
    store = live.world.store
    ws = store.get_workspace(slug)
    now = datetime.now(UTC)
    store.save_batch(
        ws.id,
        [
            Mention(
                platform="web",
                native_id=f"flow-{i}",
                text=text,
                collected_at=now,
                created_at=now - timedelta(hours=i),
                url=f"https://example.org/flow/{i}",
                author=Author(platform="web", handle=f"flow{i}", name=f"Flow {i}"),
                lang="de",
            )
            for i, text in enumerate(TEXTS)
        ],
    )


def _missing(page: Any, answer: Any, what: str) -> None:
    if answer is not None and answer.status == 404:
        pytest.skip(f"{what} not built yet ({page.url} answers 404)")


def test_workspace_topic_mentions_language_and_csv(
    live_app: LiveApp, page: Any, watched: Watched
) -> None:
    base = live_app.url
    log_in(page, base, live_app.world.users["viewer"].email)
    assert page.locator("html").get_attribute("lang") == "de"

    # a new workspace through the form on /w
    page.goto(f"{base}/w")
    page.locator("details:has(form[action='/w']) > summary").click()
    page.fill("form[action='/w'] input[name=name]", "Flow GmbH")
    page.fill("form[action='/w'] input[name=slug]", "flow")
    with page.expect_navigation():
        page.locator("form[action='/w'] [type=submit]").click()
    assert page.url == f"{base}/w/flow", page.url
    _import_mentions(live_app, "flow")
    screenshot(page, "flow-1-workspace")

    # a topic with a query error: the linter marks its position, saving shows it too
    answer = page.goto(f"{base}/w/flow/topics/new")
    _missing(page, answer, "the topic form")
    page.fill("input[name=name]", "Bahn")
    page.fill("textarea[name=query]", "bahn AND (zug")
    issue = page.locator("#lint li.lint-error")
    issue.wait_for()
    assert issue.get_attribute("data-position") == "9"
    assert issue.locator("mark").inner_text() == "("
    screenshot(page, "flow-2-query-error")
    with page.expect_navigation():
        page.locator("form[action='/w/flow/topics/new'] button[type=submit]").click()
    assert "9" in page.locator("#e-query").inner_text()
    assert page.locator("textarea[name=query]").input_value() == "bahn AND (zug"

    # fixed: the linter is happy, the preview finds the imported mentions, saving works
    page.fill("textarea[name=query]", "bahn OR zug")
    page.locator("#lint .lint-ok").wait_for()
    page.locator("button[hx-post='/w/flow/topics/preview']").click()
    page.locator("#preview").get_by_text("pünktlich", exact=False).first.wait_for()
    with page.expect_navigation():
        page.locator("form[action='/w/flow/topics/new'] button[type=submit]").click()
    assert page.url == f"{base}/w/flow/topics", page.url
    row = page.locator("tr", has_text="Bahn")
    assert row.locator("td").nth(4).inner_text().strip() == "2"
    screenshot(page, "flow-3-topics")

    # the mentions of the topic
    answer = page.goto(f"{base}/w/flow/mentions?topic=Bahn")
    _missing(page, answer, "the mentions explorer")
    main = page.locator("main")
    main.get_by_text("Die Bahn kommt heute pünktlich").first.wait_for()
    assert "Mein Zug nach Köln fällt aus" in main.inner_text()
    assert "Kaffee ist alle" not in main.inner_text()
    screenshot(page, "flow-4-mentions-de")

    # English and back to German
    with page.expect_navigation():
        page.locator("a[data-lang=en]").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav a[href='/w/flow/mentions']").inner_text().strip() == "Mentions"
    screenshot(page, "flow-5-mentions-en")
    with page.expect_navigation():
        page.locator("a[data-lang=de]").click()
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("nav a[href='/w/flow/mentions']").inner_text().strip() == "Erwähnungen"

    # CSV export of what is shown (the language links drop the filters: filter again)
    page.goto(f"{base}/w/flow/mentions?topic=Bahn")
    with page.expect_download() as info:
        page.locator("a[href*='/export.csv']").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    path = download.path()
    assert path is not None
    csv = path.read_text(encoding="utf-8-sig")
    assert "Die Bahn kommt heute pünktlich" in csv and "Kaffee ist alle" not in csv
    assert not watched.dialogs and not watched.errors, (watched.dialogs, watched.errors)
