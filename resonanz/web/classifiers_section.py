"""The settings page's "Trained classifiers" section: per task the labelled examples, the
active model with its cross-validated quality, and the web training job (``training_jobs``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.analysis.aspectlabels import NO_ASPECTS
from resonanz.store import Store
from resonanz.web.i18n import gettext as _
from resonanz.web.training_jobs import REANALYSE, TrainingJobs
from resonanz.workspace_models import TASKS

# The quality figures shown per task: (key in model.quality, how it is shown).
_FIGURES: dict[str, tuple[str, ...]] = {
    "sentiment": ("accuracy", "micro_f1", "macro_f1", "macro_recall"),
    "relevance": ("accuracy", "micro_f1", "macro_f1", "macro_recall"),
    "aspects": ("micro_f1", "precision", "recall", "polarity_micro_f1"),
}


def _names() -> dict[str, str]:
    return {
        "sentiment": _("Sentiment"),
        "relevance": _("Relevance"),
        "aspects": _("Aspects"),
        "accuracy": _("accuracy"),
        "micro_f1": "micro-F1",
        "macro_f1": "macro-F1",
        "macro_recall": _("macro recall"),
        "precision": _("precision"),
        "recall": _("recall"),
        "polarity_micro_f1": _("micro-F1 with polarity"),
    }


def figures(task: str, quality: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, value) of the model's quality figures; "–" where a figure is missing."""
    names = _names()
    out = []
    for key in _FIGURES[task]:
        value = quality.get(key)
        shown = f"{float(value):.4f}" if isinstance(value, int | float) else "–"
        out.append((names[key], shown))
    return out


def section(store: Store, jobs: TrainingJobs, workspace_id: int) -> dict[str, Any]:
    """The section's context: ``rows``, one per task, each with its ``counts`` ((label,
    n) pairs; aspects: labelled texts and those labelled "none"), ``total``, the active
    ``model`` (or None), its ``figures`` and ``folds`` (aspects: also ``threshold``), and
    the ``job`` of the web training (or None); ``reanalyse``: the workspace's running or
    last reanalysis job from here (or None)."""
    counts = store.training.count_examples(workspace_id)
    active = {m.task: m for m in store.training.list_models(workspace_id) if m.active}
    names = _names()
    rows = []
    for task in TASKS:
        labels = counts.get(task, {})
        total = sum(labels.values())
        if task == "aspects":
            shown = [(_("with aspects"), total - labels.get(NO_ASPECTS, 0))]
            shown.append((_("none"), labels.get(NO_ASPECTS, 0)))
        else:
            shown = sorted(labels.items())
        model = active.get(task)
        quality = model.quality if model is not None else {}
        rows.append(
            {
                "task": task,
                "name": names[task],
                "counts": shown,
                "total": total,
                "model": model,
                "figures": figures(task, quality) if model is not None else [],
                "folds": quality.get("folds"),
                "threshold": quality.get("threshold") if task == "aspects" else None,
                "job": jobs.state(workspace_id, task),
            }
        )
    return {"rows": rows, "reanalyse": jobs.state(workspace_id, REANALYSE)}
