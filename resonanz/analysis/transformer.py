"""Optional transformer sentiment backend: a Hugging Face model the user downloaded, run locally.

Resonanz never downloads a model (``local_files_only=True``): point ``sentiment_model_path``
at a folder made by ``save_pretrained`` or ``hf download``. ``torch`` and
``transformers`` come with ``pip install 'resonanz[transformers]'`` and are imported only
when this backend is built, so the default install stays small.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from resonanz.analysis.base import SENTIMENT_LABELS, Prediction
from resonanz.analysis.sentiment import probabilities_to_prediction
from resonanz.config import Settings
from resonanz.errors import ConfigError

INSTALL_HINT = "pip install 'resonanz[transformers]'"

# Names that models on the Hugging Face hub give their classes, lower-cased; several names may
# point to one sentiment label (star ratings), whose probabilities are then added up.
_LABEL_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ("negative", "neg", "negativ", "very negative", "1 star", "2 stars"), "negative"
    ),
    **dict.fromkeys(("neutral", "neu", "mixed", "3 stars"), "neutral"),
    **dict.fromkeys(
        ("positive", "pos", "positiv", "very positive", "4 stars", "5 stars"), "positive"
    ),
}
# Models saved without label names say LABEL_0, LABEL_1, ...: read them in the order of the
# common sentiment models (cardiffnlp: 0 negative, 1 neutral, 2 positive; SST-2: 0 negative,
# 1 positive). Anything else needs sentiment_label_map.
_NUMBERED_LABELS: dict[int, tuple[str, ...]] = {
    2: ("negative", "positive"),
    3: SENTIMENT_LABELS,
}
# A token covers at least one character, so a prefix this many times max_length is never cut
# short by truncation, and a 100,000-character post costs no more than a tweet.
_CHARS_PER_TOKEN = 12


def parse_label_map(text: str) -> dict[str, str]:
    """``LABEL_0=negative,LABEL_1=neutral`` as a dict; ConfigError on a malformed pair."""
    mapping: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = pair.partition("=")
        label = _LABEL_ALIASES.get(value.strip().lower())
        if not sep or not key.strip() or label is None:
            raise ConfigError(
                f"setting 'sentiment_label_map': {pair!r} is not "
                "model-label=negative|neutral|positive"
            )
        mapping[key.strip().lower()] = label
    return mapping


def map_labels(
    id2label: Mapping[int, str], overrides: Mapping[str, str] | None = None
) -> list[str]:
    """The sentiment label of each model class, by class index.

    ``overrides`` (keys: model label names or class indices, any case) win over the built-in
    names; a class that maps to nothing, or a model without both a negative and a positive
    class, is a ConfigError that names the model's labels.
    """
    overrides = {k.lower(): v for k, v in (overrides or {}).items()}
    count = len(id2label)
    names = [str(id2label[i]) for i in range(count)] if set(id2label) == set(range(count)) else []
    numbered = (
        _NUMBERED_LABELS.get(count) if names == [f"LABEL_{i}" for i in range(count)] else None
    )
    mapped: list[str] = []
    for index, name in enumerate(names):
        label = (
            overrides.get(name.lower())
            or overrides.get(str(index))
            or _LABEL_ALIASES.get(name.strip().lower())
            or (numbered[index] if numbered else None)
        )
        if label is None:
            break
        mapped.append(label)
    if not names or len(mapped) < count or not {"negative", "positive"} <= set(mapped):
        shown = ", ".join(f"{i}={id2label[i]!r}" for i in sorted(id2label))
        raise ConfigError(
            f"the model's labels ({shown}) cannot be read as negative/neutral/positive; "
            "set sentiment_label_map, e.g. LABEL_0=negative,LABEL_1=neutral,LABEL_2=positive"
        )
    return mapped


def _import_backend() -> tuple[Any, Any]:
    try:
        torch = importlib.import_module("torch")
        transformers = importlib.import_module("transformers")
    except ImportError as exc:
        raise ConfigError(
            f"the transformer sentiment backend needs torch and transformers ({exc.name} is "
            f"missing): {INSTALL_HINT}"
        ) from exc
    return torch, transformers


class TransformerSentiment:
    """A local Hugging Face sequence-classification model behind the TextClassifier contract.

    One model for every language (``langs`` is accepted and ignored): choose a multilingual
    model, or a German one for German mentions.
    """

    task = "sentiment"
    labels = SENTIMENT_LABELS

    def __init__(
        self,
        model_path: str | Path,
        *,
        batch_size: int = 32,
        max_length: int = 256,
        device: str = "cpu",
        label_map: Mapping[str, str] | None = None,
    ) -> None:
        path = Path(model_path).expanduser()
        if batch_size < 1 or max_length < 2:
            raise ConfigError("transformer sentiment: batch_size and max_length must be positive")
        if not path.is_dir():
            raise ConfigError(f"sentiment model folder {path} does not exist")
        if not (path / "config.json").is_file():
            raise ConfigError(
                f"{path} is not a Hugging Face model folder (no config.json); save one with "
                "save_pretrained() or `hf download MODEL --local-dir PATH`"
            )
        self.torch, transformers = _import_backend()
        # transformers draws a progress bar while loading weights; it would cut into the CLI's.
        progress = transformers.utils.logging
        bars_were_on = progress.is_progress_bar_enabled()
        progress.disable_progress_bar()
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = transformers.AutoModelForSequenceClassification.from_pretrained(
                path, local_files_only=True
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"sentiment model {path} could not be loaded: {exc}") from exc
        finally:
            if bars_were_on:
                progress.enable_progress_bar()
        self.class_labels = map_labels(model.config.id2label, label_map)
        try:
            self.device = self.torch.device(device)
            self.model = model.to(self.device).eval()
        except (RuntimeError, AssertionError) as exc:  # torch asserts on a missing CUDA build
            raise ConfigError(
                f"transformer sentiment: device {device!r} is unusable: {exc}"
            ) from exc
        self.batch_size = batch_size
        limits = [
            max_length,
            getattr(self.tokenizer, "model_max_length", max_length),
            getattr(model.config, "max_position_embeddings", max_length),
        ]
        self.max_length = min(int(n) for n in limits)
        self.name = f"transformer:{path.name}"

    @classmethod
    def from_settings(cls, settings: Settings) -> TransformerSentiment:
        """The backend configured by ``sentiment_model_path`` and its companion settings."""
        if not settings.sentiment_model_path:
            raise ConfigError(
                "sentiment_backend is 'transformer' but sentiment_model_path is empty: set it to "
                "the folder of a downloaded Hugging Face model"
            )
        return cls(
            settings.sentiment_model_path,
            batch_size=settings.sentiment_batch_size,
            device=settings.sentiment_device,
            label_map=parse_label_map(settings.sentiment_label_map),
        )

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Prediction]:
        """Predict every text, in batches of similar length (less padding)."""
        cleaned = [_clean(text, self.max_length * _CHARS_PER_TOKEN) for text in texts]
        order = sorted(range(len(cleaned)), key=lambda i: len(cleaned[i]))
        found: dict[int, Prediction] = {}
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            for i, probs in zip(rows, self._probabilities([cleaned[i] for i in rows]), strict=True):
                found[i] = self._prediction(probs)
        return [found[i] for i in range(len(cleaned))]

    def _probabilities(self, batch: list[str]) -> list[list[float]]:
        with self.torch.inference_mode():
            encoded = self.tokenizer(
                batch,
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_tensors="pt",
            ).to(self.device)
            logits = self.model(**encoded).logits
            rows: list[list[float]] = self.torch.softmax(logits.float(), dim=-1).cpu().tolist()
        return rows

    def _prediction(self, probs: Sequence[float]) -> Prediction:
        summed = dict.fromkeys(SENTIMENT_LABELS, 0.0)
        for label, p in zip(self.class_labels, probs, strict=True):
            summed[label] += p
        return probabilities_to_prediction(SENTIMENT_LABELS, list(summed.values()))


def _clean(text: str, limit: int) -> str:
    # Lone surrogates (from broken JSON escapes) cannot cross into the Rust tokenizer.
    return text[:limit].encode("utf-8", "replace").decode("utf-8")
