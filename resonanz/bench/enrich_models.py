"""Workspace classifiers for ``bench enrich --train``: trained once on a labelled file,
written as model files, loaded and bound in the measured process as ``collect`` binds a
workspace's active models.

Every task the file carries labels for is trained: sentiment (a sentiment label),
relevance (a relevant flag) and aspects (aspect labels, read with the shipped category
template's term lists, as a workspace without its own category file would).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from resonanz.errors import ValidationError

__all__ = ["FOLDS", "bind_models", "train_models"]

# Cross-validation folds of each training: the figures measured are the enrichers' speed,
# not the models' quality, so fewer folds than `resonanz train` keep the set-up short.
FOLDS = 3


def train_models(path: Path, fmt: str, folder: Path) -> dict[str, Any]:
    """Train every task ``path`` has labels for and write the models into ``folder``.

    Returns {"files": {task: model file}, "models": {task: name}, "n": {task: examples},
    "train_s": seconds}; ValidationError where the file has no labels at all.
    """
    from resonanz.analysis.aspect_training import train_aspect_classifier
    from resonanz.analysis.aspectfile import template_text
    from resonanz.analysis.aspectlabels import parse_aspect_label
    from resonanz.analysis.training import train_classifier
    from resonanz.evaluation.datasets import load_dataset

    began = time.perf_counter()
    data = load_dataset(path, fmt)
    examples = data.examples
    files: dict[str, str] = {}
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    labelled = {
        "sentiment": [(e, e.label) for e in examples if e.label is not None],
        "relevance": [
            (e, "true" if e.relevant else "false") for e in examples if e.relevant is not None
        ],
    }
    for task, rows in labelled.items():
        if not rows:
            continue
        classifier = train_classifier(
            task,
            [e.text for e, _ in rows],
            [label for _, label in rows],
            [e.lang for e, _ in rows],
            folds=FOLDS,
        )
        files[task] = _write(folder, task, classifier.to_bytes())
        names[task], counts[task] = classifier.name, len(rows)
    if any(e.aspects for e in examples):
        model = train_aspect_classifier(
            [e.text for e in examples],
            [parse_aspect_label(" ".join(e.aspects)) for e in examples],
            [e.lang for e in examples],
            term_source=(template_text(), "toml"),
            folds=FOLDS,
        )
        files["aspects"] = _write(folder, "aspects", model.to_bytes())
        names["aspects"], counts["aspects"] = model.name, len(examples)
    if not files:
        raise ValidationError(
            f"{data.path}: no sentiment, relevance or aspect labels to train on in this "
            f"{data.format} file"
        )
    return {
        "files": files,
        "models": names,
        "n": counts,
        "train_s": round(time.perf_counter() - began, 3),
    }


def _write(folder: Path, task: str, blob: bytes) -> str:
    path = folder / f"{task}.npz"
    path.write_bytes(blob)
    return str(path)


def bind_models(enrichers: Sequence[Any], files: Mapping[str, str]) -> tuple[Any, ...]:
    """The enrichers bound to the models in ``files`` ({task: model file}), as
    ``collect`` binds a workspace's active models."""
    from resonanz.analysis.aspect_model import AspectModel
    from resonanz.analysis.training import TrainedClassifier
    from resonanz.workspace_models import ASPECT_MODEL, bind_enrichers

    models: dict[str, object] = {}
    for task, file in files.items():
        blob = Path(file).read_bytes()
        if task == "aspects":
            models[ASPECT_MODEL] = AspectModel.from_bytes(blob, file)
        else:
            models[task] = TrainedClassifier.from_bytes(blob, file)
    return bind_enrichers(enrichers, models)
