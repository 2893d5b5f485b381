"""The transformer sentiment backend, on a tiny BERT this test builds and trains (no download)."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from resonanz.analysis.base import SENTIMENT_LABELS, Prediction
from resonanz.analysis.sentiment import SentimentEnricher, configured_sentiment
from resonanz.analysis.transformer import TransformerSentiment, map_labels, parse_label_map
from resonanz.config import Settings, load_settings
from resonanz.errors import ConfigError
from resonanz.models import Mention

NO_BACKEND = "torch and transformers are not installed (make test installs them from a local wheel)"
WORDS = [
    *("das", "ist", "gut", "super", "toll", "schlecht", "schrecklich", "mist"),
    *("der", "zug", "kommt", "heute", "this", "is", "good", "great", "bad", "awful"),
    *("terrible", "the", "train", "here"),
]
TRAINING = {
    "positive": ["das ist gut", "super toll", "this is good", "great"],
    "negative": ["das ist schlecht", "so ein mist", "this is bad", "awful terrible"],
    "neutral": ["der zug kommt heute", "the train is here"],
}


def _save_tiny_model(path: Path, id2label: dict[int, str], *, train: bool = False) -> Path:
    """A one-layer BERT with a 30-word vocabulary, saved like any Hugging Face model folder."""
    torch = pytest.importorskip("torch", reason=NO_BACKEND)
    transformers = pytest.importorskip("transformers", reason=NO_BACKEND)
    path.mkdir(parents=True, exist_ok=True)
    vocab = path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    tokenizer = transformers.BertTokenizer(str(vocab))
    config = transformers.BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        id2label=id2label,
        label2id={name: i for i, name in id2label.items()},
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    if train:
        _train(torch, model, tokenizer, id2label)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _train(torch: Any, model: Any, tokenizer: Any, id2label: dict[int, str]) -> None:
    """Fit the training sentences, so that a wrong label mapping shows in the predictions."""
    class_of = {map_labels(id2label)[i]: i for i in id2label}
    texts = [t for label in TRAINING for t in TRAINING[label]]
    targets = torch.tensor([class_of[label] for label in TRAINING for _ in TRAINING[label]])
    batch = tokenizer(texts, padding=True, return_tensors="pt")
    optimiser = torch.optim.Adam(model.parameters(), lr=0.02)
    model.train()
    for _ in range(60):
        optimiser.zero_grad()
        model(**batch, labels=targets).loss.backward()
        optimiser.step()
    model.eval()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # German label names in an unusual order: only a correct mapping gives the right labels.
    path = tmp_path_factory.mktemp("models") / "tiny-german-sentiment"
    return _save_tiny_model(path, {0: "positiv", 1: "negativ", 2: "neutral"}, train=True)


@pytest.fixture(scope="module")
def backend(model_dir: Path) -> TransformerSentiment:
    return TransformerSentiment(model_dir, batch_size=3)


def _check_contract(prediction: Prediction) -> None:
    assert prediction.label in SENTIMENT_LABELS
    assert tuple(prediction.probs) == SENTIMENT_LABELS
    assert math.isclose(sum(prediction.probs.values()), 1.0, abs_tol=1e-3)
    assert prediction.label == max(prediction.probs, key=lambda label: prediction.probs[label])
    expected = prediction.probs["positive"] - prediction.probs["negative"]
    assert prediction.score == pytest.approx(expected, abs=1e-3)
    assert -1.0 <= prediction.score <= 1.0


def _mention(text: str, lang: str | None, native_id: str) -> Mention:
    return Mention(
        platform="twitter",
        native_id=native_id,
        text=text,
        collected_at=datetime(2026, 11, 1, tzinfo=UTC),
        lang=lang,
    )


def test_predicts_german_and_english_through_the_label_mapping(
    backend: TransformerSentiment,
) -> None:
    assert backend.task == "sentiment"
    assert backend.labels == SENTIMENT_LABELS
    assert backend.name == "transformer:tiny-german-sentiment"
    texts = [t for label in TRAINING for t in TRAINING[label]]
    predictions = backend.predict(texts, ["de"] * len(texts))
    assert [p.label for p in predictions] == [label for label in TRAINING for _ in TRAINING[label]]
    for prediction in predictions:
        _check_contract(prediction)
    assert predictions[0].score > 0 > predictions[4].score


def test_batches_sorted_by_length_give_what_one_by_one_gives(
    backend: TransformerSentiment,
) -> None:
    texts = [
        "das ist gut",
        "this is bad",
        "der zug kommt heute und das ist super toll, this is great",
        "mist",
        "",
        "the train is here, awful terrible",
        "super toll toll toll",
    ]
    together = backend.predict(texts)
    alone = [backend.predict([text])[0] for text in texts]
    for batched, single in zip(together, alone, strict=True):
        assert batched.label == single.label
        for label in SENTIMENT_LABELS:
            assert batched.probs[label] == pytest.approx(single.probs[label], abs=2e-4)
    assert backend.predict([]) == []


def test_bad_input_never_stops_a_batch(backend: TransformerSentiment) -> None:
    junk = bytes(range(256)).decode("latin-1") * 10
    texts = ["", "   ", "gut " * 25_000, junk, "Привет мир 你好 مرحبا 🔥🔥", "\ud800 broken", "gut"]
    predictions = backend.predict(texts)
    assert len(predictions) == len(texts)
    for prediction in predictions:
        _check_contract(prediction)


def test_enricher_loads_the_configured_backend_once(model_dir: Path) -> None:
    env = {
        "RESONANZ_SENTIMENT_BACKEND": "transformer",
        "RESONANZ_SENTIMENT_MODEL_PATH": str(model_dir),
        "RESONANZ_SENTIMENT_BATCH_SIZE": "2",
    }
    enricher = SentimentEnricher(load_settings(env=env))
    mentions = [
        _mention("Das ist gut", "de", "1"),
        _mention("this is bad", "en", "2"),
        _mention("so ein mist", None, "3"),
        _mention("C'est génial", "fr", "4"),
    ]
    out = enricher.enrich(mentions)
    classifier = enricher.classifier
    assert isinstance(classifier, TransformerSentiment)
    assert classifier.batch_size == 2
    assert [m.enrichments.get("sentiment", {}).get("label") for m in out] == [
        "positive",
        "negative",
        "negative",
        None,  # other languages are left alone, as with the default models
    ]
    assert out[0].enrichments["sentiment"]["model"] == "transformer:tiny-german-sentiment"
    enricher.enrich(mentions)
    assert enricher.classifier is classifier


def test_unmappable_labels_are_a_config_error_unless_mapped(tmp_path: Path) -> None:
    path = _save_tiny_model(tmp_path / "emotions", {0: "joy", 1: "anger", 2: "calm"})
    with pytest.raises(ConfigError, match=r"'joy'.*'anger'.*sentiment_label_map"):
        TransformerSentiment(path)
    settings = replace(
        Settings(),
        sentiment_backend="transformer",
        sentiment_model_path=str(path),
        sentiment_label_map="joy=positive, anger=negative, calm=neutral",
    )
    backend = configured_sentiment(settings)
    assert isinstance(backend, TransformerSentiment)
    assert backend.class_labels == ["positive", "negative", "neutral"]
    _check_contract(backend.predict(["das ist gut"])[0])


@pytest.mark.parametrize(
    ("id2label", "expected"),
    [
        ({0: "negative", 1: "neutral", 2: "positive"}, ["negative", "neutral", "positive"]),
        ({0: "Negativ", 1: "Neutral", 2: "Positiv"}, ["negative", "neutral", "positive"]),
        ({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, ["negative", "neutral", "positive"]),
        ({0: "LABEL_0", 1: "LABEL_1"}, ["negative", "positive"]),
        ({0: "POSITIVE", 1: "NEGATIVE"}, ["positive", "negative"]),
        (
            {0: "1 star", 1: "2 stars", 2: "3 stars", 3: "4 stars", 4: "5 stars"},
            ["negative", "negative", "neutral", "positive", "positive"],
        ),
    ],
)
def test_common_label_names_map(id2label: dict[int, str], expected: list[str]) -> None:
    assert map_labels(id2label) == expected


@pytest.mark.parametrize(
    "id2label",
    [
        {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2", 3: "LABEL_3"},
        {0: "neutral", 1: "positive"},
        {0: "toxic", 1: "not toxic"},
    ],
)
def test_labels_without_a_sentiment_reading_are_named(id2label: dict[int, str]) -> None:
    with pytest.raises(ConfigError, match="cannot be read as negative/neutral/positive") as info:
        map_labels(id2label)
    assert repr(id2label[0]) in str(info.value)


def test_label_map_setting_overrides_by_name_or_index() -> None:
    overrides = parse_label_map("LABEL_0 = positiv, 2=negative ,, ")
    assert overrides == {"label_0": "positive", "2": "negative"}
    assert map_labels({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}, overrides) == [
        "positive",
        "neutral",
        "negative",
    ]
    for bad in ("LABEL_0", "LABEL_0=happy", "=negative"):
        with pytest.raises(ConfigError, match="sentiment_label_map"):
            parse_label_map(bad)


def test_missing_or_wrong_folders_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        TransformerSentiment(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"no config\.json"):
        TransformerSentiment(tmp_path)
    with pytest.raises(ConfigError, match="positive"):
        TransformerSentiment(tmp_path, batch_size=0)


def test_a_broken_model_folder_is_a_config_error(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason=NO_BACKEND)
    pytest.importorskip("transformers", reason=NO_BACKEND)
    (tmp_path / "config.json").write_text('{"model_type": "bert", "num_labels": 3}')
    with pytest.raises(ConfigError, match="could not be loaded"):
        TransformerSentiment(tmp_path)


def test_loading_draws_no_progress_bar_into_the_cli(
    model_dir: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    TransformerSentiment(model_dir)
    assert capfd.readouterr().err == ""


def test_an_unusable_device_is_a_config_error(model_dir: Path) -> None:
    with pytest.raises(ConfigError, match="device 'abacus'"):
        TransformerSentiment(model_dir, device="abacus")


@pytest.mark.parametrize("missing", ["torch", "transformers"])
def test_missing_install_names_the_pip_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setitem(sys.modules, missing, None)  # makes `import missing` fail
    with pytest.raises(ConfigError, match=r"pip install 'resonanz\[transformers\]'"):
        TransformerSentiment(tmp_path)


def test_backend_settings_are_checked_when_the_enricher_loads() -> None:
    mention = [_mention("gut", "de", "1")]
    no_path = replace(Settings(), sentiment_backend="transformer")
    with pytest.raises(ConfigError, match="sentiment_model_path is empty"):
        SentimentEnricher(no_path).enrich(mention)
    unknown = replace(Settings(), sentiment_backend="bert")
    with pytest.raises(ConfigError, match="'bert' is not default or transformer"):
        SentimentEnricher(unknown).enrich(mention)
    assert configured_sentiment(Settings()).name.startswith("resonanz-sentiment")
