"""The emotion enricher: cues in German and English, negation, intensifiers, emoji,
compounds, the lexicon files, bad input, and the enricher as a registered plugin.

The examples here check the rules, one behaviour each; they are not a measure of how well
emotions are read (there is no emotion-labelled data to measure against).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from resonanz.analysis.emotion import EmotionEnricher, read_emotions
from resonanz.analysis.emotion_labels import EMOTIONS, OPPOSITE
from resonanz.analysis.emotion_lexicon import build, emotion_lexicon, parse_entries
from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.models import Mention, RawItem
from resonanz.pipeline import build_matcher, process
from resonanz.runtime import Runtime

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def _mention(text: str, lang: str | None = "de", native_id: str | None = None) -> Mention:
    return Mention(
        platform="twitter",
        native_id=native_id or str(abs(hash(text))),
        text=text,
        collected_at=NOW,
        lang=lang,
    )


def _read(text: str, lang: str = "de") -> dict[str, Any]:
    found = read_emotions(text, lang)
    assert found is not None, f"no emotion read from {text!r}"
    return found


def _top(text: str, lang: str = "de") -> str:
    return str(_read(text, lang)["top"])


@pytest.mark.parametrize(
    ("text", "lang", "emotion"),
    [
        ("Verspätung nervt", "de", "anger"),
        ("So eine Frechheit!", "de", "anger"),
        ("Ich habe Angst vor dem Flug", "de", "fear"),
        ("Danke für die schnelle Hilfe", "de", "joy"),
        ("Vorfreude auf den Urlaub, bin gespannt", "de", "anticipation"),
        ("Ich bin echt überrascht", "de", "surprise"),
        ("Das Essen im Bordbistro war ekelhaft", "de", "disgust"),
        ("Leider sehr enttäuscht vom Service", "de", "sadness"),
        ("Auf euch ist Verlass, zuverlässig wie immer", "de", "trust"),
        ("This delay is so annoying", "en", "anger"),
        ("I'm scared of flying", "en", "fear"),
        ("So happy with the new plan", "en", "joy"),
        ("I trust this airline, always reliable", "en", "trust"),
        ("Wow, I was really surprised", "en", "surprise"),
        ("So disappointed with the support", "en", "sadness"),
        ("The toilet was disgusting", "en", "disgust"),
        ("Looking forward to the trip", "en", "anticipation"),
    ],
)
def test_cues_in_both_languages(text: str, lang: str, emotion: str) -> None:
    found = _read(text, lang)
    assert found["top"] == emotion
    assert set(found["scores"]) == set(EMOTIONS)
    assert all(0.0 <= v <= 1.0 for v in found["scores"].values())
    assert found["scores"][emotion] > 0
    assert found["terms"]


def test_no_cues_no_emotion() -> None:
    assert read_emotions("Der Zug fährt um 12:05 ab Gleis 7", "de") is None
    assert read_emotions("The train leaves at 12:05 from platform 7", "en") is None
    assert read_emotions("Mit freundlichen Grüßen, Ihr Kundenservice", "de") is None
    assert read_emotions("Best regards, the team", "en") is None


def test_negation_cancels_fear_surprise_anger_and_sadness() -> None:
    assert read_emotions("Keine Angst, wir sind pünktlich", "de") is None
    assert read_emotions("Keine Sorge, kein Problem", "de") is None
    assert read_emotions("I am not afraid", "en") is None
    assert read_emotions("Ich bin nicht überrascht", "de") is None
    assert read_emotions("I'm not angry", "en") is None
    # only the negated cue is cancelled: the other cue of the text stays
    found = _read("Keine Angst, aber die Verspätung nervt")
    assert found["top"] == "anger"
    assert found["scores"]["fear"] == 0.0


def test_negated_joy_and_trust_turn_to_their_opposites() -> None:
    assert OPPOSITE["joy"] == "sadness" and OPPOSITE["trust"] == "disgust"
    unhappy = _read("Ich bin nicht glücklich")
    assert unhappy["top"] == "sadness"
    assert unhappy["scores"]["joy"] == 0.0
    assert unhappy["terms"] == ["nicht glücklich"]
    assert _top("I am not happy with this", "en") == "sadness"
    assert _top("I don't trust them anymore", "en") == "disgust"
    # weaker than the plain cue
    assert unhappy["scores"]["sadness"] < _read("Ich bin traurig")["scores"]["sadness"]


def test_negation_ends_at_punctuation_and_after_three_words() -> None:
    assert _top("Nicht heute. Ich bin glücklich", "de") == "joy"
    assert _top("not on the train today, happy anyway", "en") == "joy"
    assert _top("Kein Zug kam heute morgen, Angst", "de") == "fear"


def test_german_negator_after_the_verb_reaches_back() -> None:
    found = _read("Das freut mich nicht")
    assert found["top"] == "sadness"
    assert found["terms"] == ["freut nicht"]
    assert read_emotions("Das überrascht mich nicht", "de") is None


def test_phrases_with_negators_are_read_whole() -> None:
    assert _top("Ich kann es kaum erwarten", "de") == "anticipation"
    assert _top("I can't wait to see you", "en") == "anticipation"
    assert _top("Das ist nicht zu fassen", "de") == "surprise"
    assert _top("Hätte ich nicht erwartet", "de") == "surprise"
    assert _top("Nie wieder fliege ich mit euch", "de") == "anger"
    assert _top("Na toll, wieder kein WLAN", "de") == "anger"
    assert _top("Thanks for nothing", "en") == "anger"


def test_intensifiers_caps_and_elongation_strengthen() -> None:
    plain = _read("Ich bin traurig")["scores"]["sadness"]
    assert _read("Ich bin sehr traurig")["scores"]["sadness"] > plain
    assert _read("Ich bin TRAURIG")["scores"]["sadness"] > plain
    assert _read("Ich bin ein bisschen traurig")["scores"]["sadness"] < plain
    assert _top("Das war suuuper", "de") == "joy"
    # "super" is an intensifier before a word and a cue on its own
    assert read_emotions("super schnell geliefert", "de") is None
    assert _top("Der Service war super!", "de") == "joy"
    assert (
        _read("so incredibly happy", "en")["scores"]["joy"] > _read("happy", "en")["scores"]["joy"]
    )


def test_emoji_and_emoticons() -> None:
    assert _top("Zug fällt aus 😡", "de") == "anger"
    assert _top("Zug fällt aus 😭", "de") == "sadness"
    assert _top("Wir fahren in den Urlaub 🤞", "de") == "anticipation"
    assert _top("Das Bad 🤢", "de") == "disgust"
    assert _top("Gute Reise :)", "de") == "joy"
    assert _top("missed the train :(", "en") == "sadness"
    # skin tones and ZWJ sequences fall back to their base emoji
    assert _top("ok 🤦🏽\u200d♂️", "en") == "disgust"
    assert _top("hallo 🙏🏻", "de") == "trust"
    # a time is no emoticon
    assert read_emotions("Abfahrt 12:00 (Gleis 3)", "de") is None


def test_german_compounds_and_hashtags() -> None:
    assert _top("Was für eine Riesenfrechheit", "de") == "anger"
    assert _top("Meine Reiseangst ist zurück", "de") == "fear"
    assert _top("#bahnfrust", "de") == "anger"
    assert _top("Super Tag #DankeBahn", "de") == "joy"
    # only nouns (capitalised) are compounds: a word that ends in a cue is not one
    assert read_emotions("eine ausführliche und verständliche Antwort", "de") is None
    assert read_emotions("wir sind gemeinsam geblieben", "de") is None
    # inflections through stems, umlauts in both spellings
    assert _top("Ich ärgere mich", "de") == "anger"
    assert _top("Ich aergere mich", "de") == "anger"
    assert _top("verärgerte Kunden", "de") == "anger"


def test_top_scores_and_terms() -> None:
    found = _read("Frechheit! Ich bin wütend und traurig 😡")
    assert found["top"] == "anger"
    assert found["scores"]["anger"] > found["scores"]["sadness"] > 0
    assert found["terms"] == ["frechheit", "wütend", "traurig", "😡"]
    # one cue of weight 1 scores 1 - e^-1
    assert _read("Angst")["scores"]["fear"] == pytest.approx(0.632, abs=0.001)
    # a tie goes to the emotion cued first
    assert _top("traurig und wütend", "de") == "sadness"
    assert _top("wütend und traurig", "de") == "anger"


def test_lexicon_files_are_well_formed_and_sizeable() -> None:
    for lang in ("de", "en"):
        lex = emotion_lexicon(lang)
        cues = [*lex.words.values(), *lex.stems.values(), *lex.phrases.values()]
        assert len(cues) >= 300, f"{lang}: {len(cues)} entries"
        covered = {e for cue in cues for e in cue.emotions}
        assert covered == set(EMOTIONS)
        assert len(lex.symbols) >= 80
    with pytest.raises(ValidationError, match=r"x.tsv:2: 'rage' is not one of"):
        parse_entries("# comment\nwut\trage\n", "x.tsv")
    with pytest.raises(ValidationError, match=r"x.tsv:1: weight 'viel' is not a number"):
        parse_entries("wut\tanger\tviel\n", "x.tsv")
    with pytest.raises(ValidationError, match=r"x.tsv:1: expected term"):
        parse_entries("wut anger\n", "x.tsv")
    with pytest.raises(ValidationError, match="more than 3 words"):
        build("de", parse_entries("eins zwei drei vier\tjoy\n", "x.tsv"), [])
    with pytest.raises(ValidationError, match="no emotion lexicon for language 'fr'"):
        emotion_lexicon("fr")


def test_enricher_sets_emotion_on_german_and_english_only() -> None:
    out = EmotionEnricher(Settings()).enrich(
        [
            _mention("Verspätung nervt 😡", "de", "1"),
            _mention("So happy, thank you!", "en", "2"),
            _mention("Je suis en colère 😡", "fr", "3"),
            _mention("Der Zug fährt um 12 Uhr", "de", "4"),
            _mention("I am so scared of this flight", None, "5"),
        ]
    )
    assert out[0].enrichments["emotion"]["top"] == "anger"
    assert out[1].enrichments["emotion"]["top"] == "joy"
    assert "emotion" not in out[2].enrichments
    assert "emotion" not in out[3].enrichments
    assert out[4].enrichments["emotion"]["top"] == "fear"
    assert set(out[0].enrichments["emotion"]) == {"scores", "top", "terms"}


def test_title_is_read_too() -> None:
    mention = replace(_mention("Der ICE 598 heute", "de"), title="Frechheit")
    (out,) = EmotionEnricher(Settings()).enrich([mention])
    assert out.enrichments["emotion"]["terms"] == ["frechheit"]


def test_enricher_disabled_by_setting() -> None:
    out = EmotionEnricher(replace(Settings(), emotion_analysis=False)).enrich(
        [_mention("Frechheit")]
    )
    assert "emotion" not in out[0].enrichments


def test_bad_input_never_stops_a_batch() -> None:
    junk = bytes(range(256)).decode("latin-1") * 10
    texts = [
        "",
        "   ",
        "a" * 100_000,
        "Frechheit " * 10_000,
        junk,
        "Привет мир 你好 مرحبا 😡 Angst",
        "\ud800 broken Angst",
        "😡" * 50_000,
        "#" * 1000 + "@" * 1000 + ":(" * 1000,
        "Frechheit",
    ]
    started = time.perf_counter()
    out = EmotionEnricher(Settings()).enrich(
        [_mention(t, "de", native_id=str(i)) for i, t in enumerate(texts)]
    )
    assert time.perf_counter() - started < 2.0
    assert len(out) == len(texts)
    assert "emotion" not in out[0].enrichments and "emotion" not in out[1].enrichments
    assert "emotion" not in out[2].enrichments
    assert out[3].enrichments["emotion"]["terms"] == ["frechheit"]
    assert out[5].enrichments["emotion"]["top"] == "anger"
    assert out[6].enrichments["emotion"]["top"] == "fear"
    assert out[7].enrichments["emotion"]["top"] == "anger"
    assert out[9].enrichments["emotion"]["top"] == "anger"


def test_a_failing_text_is_skipped_not_the_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    import resonanz.analysis.emotion as emotion

    real = emotion.read_emotions

    def fail_on_boom(text: str, lang: str) -> dict[str, Any] | None:
        if "BOOM" in text:
            raise RuntimeError("broken")
        return real(text, lang)

    monkeypatch.setattr(emotion, "read_emotions", fail_on_boom)
    out = EmotionEnricher(Settings()).enrich(
        [_mention("Frechheit", native_id="1"), _mention("BOOM Angst", native_id="2")]
    )
    assert out[0].enrichments["emotion"]["top"] == "anger"
    assert "emotion" not in out[1].enrichments


def test_runs_as_a_registered_plugin_after_sentiment() -> None:
    runtime = Runtime.load(Settings(), load_entry_points=False)
    names = [e.name for e in runtime.enrichers]
    assert names.index("emotion") == names.index("sentiment") + 1
    item = RawItem(
        kind="jsonl",
        payload={"id_str": "1", "full_text": "Der Zug ist schon wieder ausgefallen, Frechheit 😡"},
        fetched_at=NOW,
        origin="tweets.jsonl:1",
        context={"mapping": {"id": "id_str", "text": "full_text"}, "platform": "twitter"},
    )
    batch = process(
        [item],
        normalisers=runtime.normalisers,
        matcher=build_matcher([]),
        enrichers=runtime.enrichers,
    )
    (mention,) = batch.mentions
    assert mention.enrichments["emotion"]["top"] == "anger"
