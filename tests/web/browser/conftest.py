"""Browser fixtures: the real app under uvicorn on 127.0.0.1 and Debian's chromium.

``live_app`` serves the world's store on a free loopback port (in a thread, stopped after
the test); ``page`` is a fresh chromium page (Playwright, no downloaded browsers) that
records dialogs and page errors. Without /usr/bin/chromium (or $RESONANZ_CHROMIUM) the
tests skip with the reason; ``.ci/run`` installs it. Screenshots go to
``test-artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from resonanz.config import Settings
from resonanz.web import create_app
from tests.web.conftest import PASSWORD, World

CHROMIUM = Path(os.environ.get("RESONANZ_CHROMIUM", "/usr/bin/chromium"))  # Debian's
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveApp:
    """The running app: its base URL and the world behind it."""

    url: str
    world: World


@pytest.fixture
def live_app(tmp_path: Path, world: World) -> Iterator[LiveApp]:
    """The app under uvicorn on 127.0.0.1:<free port>, German by default, plain http."""
    import uvicorn

    settings = Settings(
        data_dir=str(tmp_path / "data"),
        secret_key="b" * 40,
        cookie_secure=False,
        default_locale="de",
    )
    app = create_app(settings, world.store)
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", world)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Watched:
    """What the page did that a test must check: dialogs and uncaught errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright; skips when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def watched() -> Watched:
    return Watched()


@pytest.fixture
def page(browser: Any, watched: Watched) -> Iterator[Any]:
    """A fresh page (own context: no cookies) that records dialogs and page errors."""
    context = browser.new_context(accept_downloads=True, locale="de-DE")
    page = context.new_page()
    page.set_default_timeout(15_000)

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    """Log in through the login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form[action='/login'] [type=submit]").click()
