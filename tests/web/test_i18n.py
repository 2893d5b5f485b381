"""German and English UI: every string translated, language chosen and switched."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from resonanz.web.i18n import negotiate
from resonanz.web.i18n_check import missing_translations, ui_strings


def test_every_ui_string_has_a_german_translation() -> None:
    assert len(ui_strings()) > 40
    assert missing_translations("de") == [], "run scripts/i18n_missing.py and translate these"


def test_negotiate_picks_the_browsers_first_supported_language() -> None:
    assert negotiate("fr-FR,de;q=0.8,en;q=0.5", "en") == "de"
    assert negotiate("en-GB,en;q=0.9,de;q=0.8", "de") == "en"
    assert negotiate("fr", "de") == "de"
    assert negotiate("de;q=0.1,en;q=0.9", "de") == "en"
    assert negotiate(None, "en") == "en"


def test_browser_language_then_switch_and_back(anon: TestClient) -> None:
    page = anon.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert '<html lang="de">' in page.text and "Anmelden" in page.text
    english = anon.get("/login?lang=en", headers={"Accept-Language": "de-DE"})
    assert '<html lang="en">' in english.text and "Log in" in english.text
    # The choice sticks for the session, whatever the browser says.
    again = anon.get("/login", headers={"Accept-Language": "de-DE"})
    assert '<html lang="en">' in again.text
    back = anon.get("/login?lang=de")
    assert "Passwort vergessen?" in back.text


def test_error_messages_in_german(login: Callable[[str], TestClient]) -> None:
    client = login("viewer")
    page = client.get("/nowhere?lang=de")
    assert page.status_code == 404
    assert "Unter dieser Adresse gibt es keine Seite." in page.text
