"""The shipped sentiment models and the sentiment enricher: rules, contract, bad input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from resonanz.analysis.langguess import guess_language
from resonanz.analysis.lexicon import fold, lexicon
from resonanz.analysis.linear import LinearModel, fit_linear
from resonanz.analysis.sentiment import LanguageModels, SentimentEnricher, default_sentiment
from resonanz.analysis.textfeatures import features, light_stem
from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.models import Mention, RawItem
from resonanz.pipeline import build_matcher, process
from resonanz.runtime import Runtime

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _mention(text: str, lang: str | None = "de", native_id: str | None = None) -> Mention:
    return Mention(
        platform="twitter",
        native_id=native_id or str(abs(hash(text))),
        text=text,
        collected_at=NOW,
        lang=lang,
    )


def _score(text: str, lang: str) -> float:
    return default_sentiment().predict([text], [lang])[0].score


def test_negation_flips_the_lexicon_polarity_within_its_scope() -> None:
    good = features("Das ist gut", "de")
    not_good = features("Das ist nicht gut", "de")
    assert good["lex:pos"] > 0 and good["lex:neg"] == 0
    assert not_good["lex:neg"] > 0 and not_good["lex:pos"] == 0
    assert "w:NEG_gut" in not_good and "w:gut" not in not_good
    # "kein Problem" is not a problem; a comma ends the scope
    relief = features("kein Problem, schlecht war es trotzdem", "de")
    assert "w:NEG_problem" in relief and "w:schlecht" in relief
    assert features("not bad", "en")["lex:pos"] > 0


def test_intensifiers_elongation_caps_emoji_and_compounds() -> None:
    plain = features("gut", "de")["lex:pos"]
    assert features("sehr gut", "de")["lex:pos"] > plain
    elongated = features("suuuper guuut", "de")
    assert "w:gut" in elongated and elongated["x:elong"] > 0
    assert features("GUT", "de")["lex:pos"] > plain
    angry = features("Zugverspätung 😡😡 :(", "de")
    assert "e:😡" in angry and "e::(" in angry and angry["lex:neg"] > 0
    assert lexicon("de").lookup(fold("Zugverspätung")) is not None  # via its head
    assert lexicon("de").lookup(fold("schoen")) == lexicon("de").lookup(fold("schön"))
    tagged = features("#fail", "de")
    assert "t:fail" in tagged and "w:fail" in tagged


def test_stems_name_german_inflections_alike_and_leave_the_rest() -> None:
    assert light_stem("schlechten") == light_stem("schlechte") == light_stem("schlecht")
    assert light_stem("gut") == "gut" and light_stem("zug-chaos") == "zug-chaos"
    stemmed = features("Keine guten Nachrichten #Verspätungen", "de", stems=True)
    assert "w:kein" not in stemmed and "w:keine" in stemmed  # negators keep their name
    assert "w:NEG_gut" in stemmed and "t:verspaetungen" in stemmed
    # lexicon values come from the whole word either way
    plain = features("Keine guten Nachrichten #Verspätungen", "de")
    assert {k: v for k, v in stemmed.items() if k.startswith("lex:")} == {
        k: v for k, v in plain.items() if k.startswith("lex:")
    }
    assert features("good movies", "en", stems=True) == features("good movies", "en")
    assert default_sentiment().models["de"].meta.get("stems") is True


def test_symbols_name_emoticon_and_emoji_variants_alike() -> None:
    wink = features("super ;-) 👍🏽 ❤️", "de", symbols=True)
    assert {"e:;)", "e:👍", "e:❤"} <= set(wink)
    assert features("super ;) 👍 ❤", "de", symbols=True).keys() == wink.keys()
    # the polarity is the written symbol's, as without the option
    assert wink["lex:pos"] == features("super ;-) 👍🏽 ❤️", "de")["lex:pos"]
    assert "e:;-)" in features("super ;-)", "de")  # off by default
    assert default_sentiment().models["de"].meta.get("symbols") is True


def test_lexicons_add_english_word_priors_turned_by_negation() -> None:
    text = "a wonderful day"
    plain = features(text, "en")
    primed = features(text, "en", lexicons=True)
    assert plain.items() <= primed.items()  # only additions
    assert primed["lex:a_pos"] > 0 and primed["lex:a_neg"] == 0
    assert primed["lex:p_pos"] > 0 and primed["lex:subj"] > 0
    assert "lex:a:4" in primed  # AFINN: wonderful 4
    negated = features("not a wonderful day", "en", lexicons=True)
    assert negated["lex:a_neg"] > 0 and negated["lex:a_pos"] == 0
    assert "lex:a:NEG4" in negated and negated["lex:a_diff"] < 0
    # English only, off by default: German features and older models are unchanged
    assert features("ein schöner Tag", "de", lexicons=True) == features("ein schöner Tag", "de")
    assert "lex:a_pos" not in plain
    assert default_sentiment().models["en"].meta.get("lexicons") is True
    assert not default_sentiment().models["de"].meta.get("lexicons")


def test_emotions_add_the_emotion_readers_scores_and_top() -> None:
    text = "Ich freue mich so auf die Fahrt"
    plain = features(text, "de")
    read = features(text, "de", emotions=True)
    assert plain.items() <= read.items()  # only additions
    added = {k: v for k, v in read.items() if k not in plain}
    assert added["emo:top:joy"] == 1.0 and 0 < added["emo:joy"] <= 1
    assert all(k.startswith("emo:") for k in added)
    # negated joy reads as sadness (the emotion reader's rule), not as joy
    negated = features("Ich freue mich nicht", "de", emotions=True)
    assert "emo:joy" not in negated and negated["emo:top:sadness"] == 1.0
    # no cue, no emotion features; English reads its own list
    assert features("Der Zug fährt um 8 Uhr", "de", emotions=True) == features(
        "Der Zug fährt um 8 Uhr", "de"
    )
    assert features("I am so angry at this", "en", emotions=True)["emo:top:anger"] == 1.0
    # off unless a model's meta asks for it: the shipped models do (version 5)
    assert all(m.meta.get("emotions") is True for m in default_sentiment().models.values())


def test_the_default_model_remembers_its_recent_predictions() -> None:
    # The sentiment enricher and a workspace classifier's stacked features ask the shared
    # default model about the same batch: the second asking reads what the first computed.
    shared = default_sentiment()
    first = shared.predict(["Der Zug ist schon wieder zu spät", "Alles gut"], ["de", "de"])
    again = shared.predict(["Alles gut", "Der Zug ist schon wieder zu spät"], ["de", "de"])
    assert again[0] is first[1] and again[1] is first[0]
    # keyed by the model's language too: the English model reads the text afresh
    english = shared.predict(["Alles gut"], ["en"])[0]
    assert english is not first[1]
    # a bounded memory: the oldest predictions go first
    small = LanguageModels("sentiment", "small", shared.models, fallback="de", remember=2)
    a, b, c = (small.predict([t], ["de"])[0] for t in ("eins", "zwei", "drei"))
    assert small.predict(["drei"], ["de"])[0] is c and small.predict(["zwei"], ["de"])[0] is b
    assert small.predict(["eins"], ["de"])[0] is not a
    assert small.predict(["eins"], ["de"])[0] == a  # recomputed, the same prediction
    # models built without it (the workspace's own) compute every time
    plain = LanguageModels("sentiment", "plain", shared.models, fallback="de")
    assert plain.predict(["eins"], ["de"])[0] is not plain.predict(["eins"], ["de"])[0]


def test_default_models_order_clear_cases_in_german_and_english() -> None:
    assert _score("Super, der Zug war pünktlich und das Personal sehr freundlich! 😊", "de") > 0.3
    assert _score("Schon wieder Verspätung, totales Chaos, unverschämt 😡", "de") < -0.3
    assert _score("Der Zug fährt um 10:15 ab Gleis 4.", "de") < _score("Danke, toll! 👍", "de")
    assert _score("I love this, what a great day :)", "en") > 0.3
    assert _score("This is awful, worst service ever", "en") < -0.3
    assert _score("nicht gut", "de") < _score("gut", "de")


def test_predictions_keep_the_contract() -> None:
    model = default_sentiment()
    assert model.task == "sentiment" and model.labels == ("negative", "neutral", "positive")
    out = model.predict(["gut", "bad", "x"], ["de", "en", None])
    assert len(out) == 3
    for prediction in out:
        assert prediction.label in model.labels
        assert abs(sum(prediction.probs.values()) - 1) < 1e-3
        assert prediction.score == pytest.approx(
            prediction.probs["positive"] - prediction.probs["negative"], abs=1e-3
        )


def test_language_guess_for_unstated_languages() -> None:
    assert guess_language("Das ist nicht der Zug, den ich wollte") == "de"
    assert guess_language("This is not the train I wanted") == "en"


def test_enricher_labels_german_and_english_and_leaves_other_languages() -> None:
    out = SentimentEnricher(Settings()).enrich(
        [
            _mention("Das ist wirklich toll, danke!", "de"),
            _mention("This is terrible :(", "en"),
            _mention("C'est vraiment génial", "fr"),
            _mention("Heute ist ein guter Tag", None),
        ]
    )
    assert out[0].enrichments["sentiment"]["label"] == "positive"
    assert out[0].enrichments["sentiment"]["model"] == default_sentiment().name
    assert out[1].enrichments["sentiment"]["label"] == "negative"
    assert "sentiment" not in out[2].enrichments
    assert "sentiment" in out[3].enrichments


def test_enricher_disabled_by_setting() -> None:
    out = SentimentEnricher(replace(Settings(), sentiment_analysis=False)).enrich(
        [_mention("toll")]
    )
    assert "sentiment" not in out[0].enrichments


def test_bad_input_never_stops_a_batch() -> None:
    junk = bytes(range(256)).decode("latin-1") * 10
    texts = ["", "   ", "a" * 100_000, junk, "Привет мир 你好 مرحبا", "\ud800 broken", "gut"]
    out = SentimentEnricher(Settings()).enrich(
        [_mention(t, "de", native_id=str(i)) for i, t in enumerate(texts)]
    )
    assert len(out) == len(texts)
    assert all(m.enrichments["sentiment"]["label"] for m in out)


def test_runs_as_a_registered_plugin_in_the_pipeline() -> None:
    runtime = Runtime.load(Settings(), load_entry_points=False)
    assert "sentiment" in [e.name for e in runtime.enrichers]
    item = RawItem(
        kind="jsonl",
        payload={
            "id_str": "1",
            "full_text": "Der Zug ist schon wieder ausgefallen, so ein Mist 😡",
        },
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
    assert mention.lang == "de"
    assert mention.enrichments["sentiment"]["label"] == "negative"


def test_model_files_round_trip_and_damage_is_a_clear_error(tmp_path: Path) -> None:
    docs = [features(t, "en") for t in ("good", "great", "bad", "awful", "ok", "fine")]
    model = fit_linear(docs, ["p", "p", "n", "n", "p", "n"], min_count=1, meta={"k": 1})
    path = tmp_path / "m.npz"
    model.save(path)
    again = LinearModel.load(path)
    assert again.labels == model.labels and again.meta == {"k": 1}
    assert np.allclose(again.predict_proba(docs), model.predict_proba(docs), atol=1e-5)
    path.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match=r"m\.npz"):
        LinearModel.load(path)
    with pytest.raises(ConfigError, match="two labels"):
        fit_linear(docs[:2], ["p", "p"])


def test_texts_longer_than_a_tweet_lean_to_neutral() -> None:
    short = "Die Bahn ist schlecht."
    article = short + " Der Bericht nennt Zahlen zum Fahrplan und zu den Bauarbeiten." * 8
    (alone,) = default_sentiment().predict([short], ["de"])
    (inside,) = default_sentiment().predict([article], ["de"])
    assert inside.probs["neutral"] > alone.probs["neutral"]
