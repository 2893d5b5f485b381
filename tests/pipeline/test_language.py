"""The language enricher on short, noisy posts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.models import Mention
from resonanz.pipeline.language import LanguageEnricher, detector_input

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _mention(text: str, lang: str | None = None) -> Mention:
    return Mention(platform="twitter", native_id=text[:20], text=text, collected_at=NOW, lang=lang)


def test_detects_german_and_english_on_short_noisy_posts() -> None:
    enricher = LanguageEnricher(Settings())
    posts = [
        _mention("@DB_Bahn Warum ist der Zug schon wieder zu spät?? #bahnchaos https://t.co/x"),
        _mention("@DB_Bahn why is my train late again, this is ridiculous 😡 https://t.co/y"),
        _mention("Heute fahre ich mit dem Fahrrad zur Arbeit, das Wetter ist schön."),
        _mention("Already stated", lang="fr"),
    ]
    out = enricher.enrich(posts)
    assert [m.lang for m in out] == ["de", "en", "de", "fr"]
    assert out[0].lang_score is not None and 0 < out[0].lang_score <= 1
    assert out[3].lang_score is None  # the platform's language is kept untouched


def test_too_little_text_stays_unknown() -> None:
    out = LanguageEnricher(Settings()).enrich([_mention("@a @b https://x.y 12"), _mention("🙂")])
    assert [m.lang for m in out] == [None, None]


def test_disabled_by_setting() -> None:
    settings = replace(Settings(), language_detection=False)
    out = LanguageEnricher(settings).enrich([_mention("Das ist ein deutscher Satz.")])
    assert out[0].lang is None


def test_detector_input_drops_handles_and_urls() -> None:
    assert detector_input("@DB_Bahn #Zug kommt https://t.co/abc nicht") == "Zug kommt nicht"


def test_unknown_language_code_is_a_config_error() -> None:
    settings = replace(Settings(), languages="de,xx")
    with pytest.raises(ConfigError, match="xx"):
        LanguageEnricher(settings).enrich([_mention("Das ist ein deutscher Satz.")])
