"""A workspace's own classifiers: train them on its labels, load the active ones for
collecting (``collect`` binds them, and the workspace's own aspect categories, to the
enrichers that have ``for_workspace``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from resonanz.analysis.base import TextClassifier
from resonanz.analysis.tasklabels import LABEL_TASKS
from resonanz.errors import ConfigError, ValidationError
from resonanz.pipeline import Enricher

if TYPE_CHECKING:
    from resonanz.analysis.aspect_model import AspectModel
    from resonanz.analysis.training import TrainedClassifier
    from resonanz.store import Store
    from resonanz.store.training import ModelInfo

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
# The tasks a workspace labels are the ones it trains.
TASKS: tuple[str, ...] = LABEL_TASKS
# The key of a trained aspect classifier among a workspace's models (``bind_enrichers``):
# "aspects" is its category analyser.
ASPECT_MODEL = "aspect_model"


def train_workspace_model(
    store: Store,
    workspace_id: int,
    task: str,
    *,
    folds: int = 5,
    progress: Progress | None = None,
    categories_setting: str = "",
) -> tuple[TrainedClassifier | AspectModel, ModelInfo]:
    """Train ``task`` on the workspace's labelled examples, store the model as the active
    one and return it with what was stored. ValidationError when the labels cannot train
    a model (too few, a single label), naming how to add more. An aspect classifier
    reads the term lists of the workspace's category file (``category_source``; the
    setting ``aspect_categories`` is ``categories_setting``)."""
    from resonanz.analysis.training import train_classifier

    if task not in TASKS:
        raise ValidationError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    examples = store.training.list_examples(workspace_id, task)
    if not examples:
        columns = "text,aspects" if task == "aspects" else "text,label"
        raise ValidationError(
            f"this workspace has no {task} labels yet: import some with "
            f"`resonanz labels import FILE --task {task}` (a CSV with {columns} columns)"
        )
    texts, langs = [e.text for e in examples], [e.lang for e in examples]
    classifier: TrainedClassifier | AspectModel
    if task == "aspects":
        from resonanz.analysis.aspect_training import train_aspect_classifier
        from resonanz.analysis.aspectlabels import parse_aspect_label
        from resonanz.workspace_aspects import category_source

        classifier = train_aspect_classifier(
            texts,
            [parse_aspect_label(e.label) for e in examples],
            langs,
            term_source=category_source(store, workspace_id, categories_setting),
            folds=folds,
            progress=progress,
        )
    else:
        classifier = train_classifier(
            task, texts, [e.label for e in examples], langs, folds=folds, progress=progress
        )
    info = store.training.save_model(
        workspace_id,
        task,
        classifier.name,
        classifier.to_bytes(),
        n_examples=len(examples),
        quality=classifier.quality,
    )
    return classifier, info


def load_workspace_models(
    store: Store, workspace_id: int
) -> dict[str, TextClassifier | AspectModel]:
    """{task: classifier} of the workspace's active models (the aspect classifier under
    ASPECT_MODEL). A model that no longer loads (written by another version) is logged
    and left out: collecting goes on with the default."""
    stored = store.training.active_models(workspace_id)
    if not stored:
        return {}
    from resonanz.analysis.aspect_model import AspectModel
    from resonanz.analysis.training import TrainedClassifier

    models: dict[str, TextClassifier | AspectModel] = {}
    for task, model in stored.items():
        where = f"workspace model {model.info.name!r} ({task})"
        try:
            if task == "aspects":
                models[ASPECT_MODEL] = AspectModel.from_bytes(model.blob, where)
            else:
                models[task] = TrainedClassifier.from_bytes(model.blob, where)
        except ConfigError as exc:
            log.error("%s; collecting without it (train it again)", exc)
    _warn_if_stacked_on_another_default(models)
    return models


def _warn_if_stacked_on_another_default(models: Mapping[str, object]) -> None:
    """Log a warning for a trained model whose features include the probabilities of a
    default sentiment model other than the shipped one (trained before an upgrade): it
    still works, but reads probabilities it did not learn from."""
    stacked = {
        task: str(meta["stacked_on"])
        for task, model in models.items()
        if isinstance(meta := getattr(model, "meta", None), Mapping) and meta.get("stacked_on")
    }
    if not stacked:
        return
    from resonanz.analysis.training import default_model_name

    current = default_model_name()
    for task, name in sorted(stacked.items()):
        if name != current:
            log.warning(
                "the workspace's %s model was trained on the default model %s; the default "
                "is now %s: train it again (`resonanz train %s`) to learn from it",
                task,
                name,
                current,
                "aspects" if task == ASPECT_MODEL else task,
            )


def bind_enrichers(
    enrichers: Sequence[Enricher], models: Mapping[str, object]
) -> tuple[Enricher, ...]:
    """The enrichers with the workspace's models: each that has ``for_workspace(models)``
    is replaced by what that returns (a bound copy); the others are kept as they are.
    ``models`` maps a task to what serves it: a TextClassifier for sentiment and
    relevance, an AspectAnalyzer for aspects, an AspectModel for ASPECT_MODEL."""
    bound: list[Enricher] = []
    for enricher in enrichers:
        for_workspace = getattr(enricher, "for_workspace", None)
        bound.append(for_workspace(models) if callable(for_workspace) else enricher)
    return tuple(bound)


def workspace_enrichers(
    store: Store, enrichers: Sequence[Enricher], workspace_id: int
) -> tuple[Enricher, ...]:
    """The enrichers bound to the workspace's active models and its own aspect categories
    (read only where an enricher can use them)."""
    if not any(callable(getattr(e, "for_workspace", None)) for e in enrichers):
        return tuple(enrichers)
    from resonanz.workspace_aspects import workspace_analyzer

    models: dict[str, object] = dict(load_workspace_models(store, workspace_id))
    if any(getattr(e, "name", None) == "aspects" for e in enrichers):
        analyzer = workspace_analyzer(store, workspace_id)
        if analyzer is not None:
            models["aspects"] = analyzer
    return bind_enrichers(enrichers, models)
