"""The composer in chromium: typing updates each channel's count and errors (HTMX), the
time zone starts at the browser's, a post too long for a channel is kept as a draft
with the reason next to the channel and the text still there, and an image with its alt
text and a thread part are added from the edit form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from resonanz.store.publishing import publishing_store
from tests.publishing.images import image_bytes
from tests.web.browser.conftest import LiveApp, Watched, log_in, screenshot
from tests.web.test_posts_web import save_tagged_mentions

pytestmark = pytest.mark.browser


def test_live_counts_and_kept_draft(live_app: LiveApp, page: Any, watched: Watched) -> None:
    world = live_app.world
    acme = world.ids["acme.workspace"]
    pub = publishing_store(world.store)
    sky = pub.add_channel(acme, "bluesky", "sky", {"handle": "a.test"}, None, at=datetime.now(UTC))
    save_tagged_mentions(world.store, acme)
    base = live_app.url
    page.context.clear_cookies()
    page.emulate_media(color_scheme="light")
    log_in(page, base, world.users["editor"].email)
    page.goto(f"{base}/w/acme/posts/new")
    assert page.locator("#f-timezone").input_value() == "UTC"  # the browser's (TZ of the run)
    page.locator("input[name=channel][value=sky]").check()
    page.locator("#f-text").fill("ü" * 305)
    check = page.locator(f"#check-{sky.id}")
    check.get_by_text("305 von 300 Zeichen (Grapheme)").wait_for()
    assert "5 mehr als die Grenze von 300" in check.inner_text()
    page.locator("#f-text").fill("Hallo <b>Welt</b>")
    check.get_by_text("17 von 300 Zeichen (Grapheme)").wait_for()
    assert check.locator("blockquote").inner_text() == "Hallo <b>Welt</b>"
    # A suggested hashtag from the workspace's mentions, added to the text by a click.
    page.locator("#f-text").fill("Der Zug nach Köln")
    check.get_by_text("17 von 300 Zeichen (Grapheme)").wait_for()
    page.locator("button[hx-post$='/posts/hashtags']").click()
    page.locator("[data-add-tag='#bahnchaos']").click()
    assert page.locator("#f-text").input_value() == "Der Zug nach Köln #bahnchaos"
    check.get_by_text("28 von 300 Zeichen (Grapheme)").wait_for()
    page.locator("#f-text").fill("ü" * 301)
    check.get_by_text("301 von 300").wait_for()
    page.fill("#f-date", "2099-12-24")
    page.fill("#f-time", "09:00")
    with page.expect_navigation():
        page.locator("button[value=schedule]").click()
    assert "als Entwurf gespeichert" in page.locator("#e-form").inner_text()
    assert page.locator("#f-text").input_value() == "ü" * 301
    assert page.locator("input[type=checkbox][name=channel][value=sky]").is_checked()
    assert "1 mehr als die Grenze von 300" in page.locator(f"#check-{sky.id}").inner_text()
    screenshot(page, "composer-kept-draft")
    # An image with its alt text (multipart upload) and a thread part, from the edit form.
    page.locator("#f-text").fill("Kurz")
    page.set_input_files(
        "#f-image-1", files=[{"name": "rot.png", "mimeType": "image/png", "buffer": image_bytes()}]
    )
    page.fill("#f-image-alt-1", "Eine rote Fläche")
    # Files over the request limit are not sent (they would be answered 413): said there.
    limit = "document.querySelector('form.composer').setAttribute('data-max-bytes', '%s')"
    page.evaluate(limit % "100")
    page.get_by_role("button", name="Als Entwurf speichern").click()
    page.locator("#e-too-large").wait_for()
    assert "zusammen größer als" in page.locator("#e-too-large").inner_text()
    page.evaluate(limit % "10000000")
    page.locator("textarea[name=thread]").first.fill("Teil zwei")
    page.locator("[data-add-part]").click()
    assert page.locator("textarea[name=thread]").count() == 2
    with page.expect_navigation():
        page.get_by_role("button", name="Als Entwurf speichern").click()
    image = page.locator("img[alt='Eine rote Fläche']")
    image.wait_for()
    assert image.evaluate("i => i.complete && i.naturalWidth") == 40
    assert page.get_by_text("Teil zwei").count() == 1
    screenshot(page, "post-with-image")
    page.goto(f"{base}/w/acme/posts")
    assert page.locator("td", has_text="sky: Entwurf").count() == 1
    screenshot(page, "posts-list")
    page.locator("a", has_text="#").first.click()
    page.get_by_role("heading", name="Zustellungen").wait_for()
    screenshot(page, "post-detail")
    assert not watched.errors and not watched.dialogs
