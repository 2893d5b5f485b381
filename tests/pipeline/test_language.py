"""The language enricher on short, noisy posts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.models import Mention
from resonanz.pipeline import language
from resonanz.pipeline.language import (
    FASTTEXT_CONFIDENT,
    LanguageEnricher,
    detector_input,
    fasttext_scores,
)

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


def test_fasttext_decides_clear_posts_and_lingua_the_unsure_ones() -> None:
    languages = Settings().language_list()
    clear = "Der Zug ist heute schon wieder zu spät und keiner sagt uns warum"
    scores = fasttext_scores(clear, languages)
    assert next(iter(scores)) == "de" and scores["de"] >= FASTTEXT_CONFIDENT
    unsure = "Lol ok"
    assert max(fasttext_scores(unsure, languages).values(), default=0.0) < FASTTEXT_CONFIDENT
    out = LanguageEnricher(Settings()).enrich([_mention(clear), _mention(unsure)])
    assert out[0].lang == "de" and out[0].lang_score == round(scores["de"], 4)
    assert out[1].lang in languages and out[1].lang_score is not None


def test_only_configured_languages_are_answered() -> None:
    settings = replace(Settings(), languages="de,en")
    text = "Le train est encore en retard aujourd'hui, personne ne nous dit pourquoi"
    assert set(fasttext_scores(text, ("de", "en"))) <= {"de", "en"}
    out = LanguageEnricher(settings).enrich([_mention(text)])
    assert out[0].lang in {"de", "en"}


def test_unreadable_text_does_not_stop_the_batch() -> None:
    # A lone surrogate (as surrogateescape decoding leaves in binary junk) is not UTF-8:
    # neither detector reads it (lingua raised for the whole batch); it is replaced.
    junk = "Zug kommt nicht \udcff\udcfe pünktlich an, schon wieder"
    assert fasttext_scores(junk, ("de", "en")) == {}
    assert detector_input(junk) == "Zug kommt nicht ?? pünktlich an, schon wieder"
    out = LanguageEnricher(Settings()).enrich(
        [_mention(junk), _mention("The train is late again and nobody tells us why")]
    )
    assert out[0].lang == "de" and out[1].lang == "en"


def test_without_the_fasttext_wheel_lingua_decides_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stands in for a platform where fasttext-predict has no wheel (the import fails).
    monkeypatch.setattr(language, "_fasttext", lambda: None)
    posts = [
        _mention("Heute fahre ich mit dem Fahrrad zur Arbeit, das Wetter ist schön."),
        _mention("Today I am riding my bike to work, the weather is lovely."),
    ]
    out = LanguageEnricher(Settings()).enrich(posts)
    assert [m.lang for m in out] == ["de", "en"]
