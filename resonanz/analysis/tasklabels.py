"""The labelling tasks of a workspace's own classifiers and the check of their labels.

One place for what a label of each task may be and how it is stored (the store, the
labels file reader and the web UI all use it):

- ``sentiment``: negative, neutral or positive (any case);
- ``relevance``: true or false (also 1/0, yes/no), stored as ``true``/``false``;
- ``aspects``: ``Category:polarity`` items or ``none`` (``aspectlabels``), stored in
  canonical form (sorted items joined by ``;``).
"""

from __future__ import annotations

from resonanz.analysis.aspectlabels import canonical_aspect_label
from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.errors import ValidationError

__all__ = ["LABEL_TASKS", "MAX_LABEL_CHARS", "canonical_label"]

LABEL_TASKS: tuple[str, ...] = ("sentiment", "relevance", "aspects")
# A stored label stays well below what one PostgreSQL btree index entry may hold (the
# labels are indexed with their workspace and task).
MAX_LABEL_CHARS = 1000
_RELEVANCE = {
    "true": "true",
    "1": "true",
    "yes": "true",
    "false": "false",
    "0": "false",
    "no": "false",
}


def canonical_label(task: str, value: str) -> str:
    """The stored form of a label of ``task``.

    ValueError says what is wrong with a bad value (the value itself, shortened, and what
    is allowed); ValidationError for an unknown task.
    """
    if task not in LABEL_TASKS:
        raise ValidationError(f"unknown task {task!r}; known: {', '.join(LABEL_TASKS)}")
    cell = value.strip()
    if task == "aspects":
        try:
            label = canonical_aspect_label(cell)
        except ValueError as exc:
            raise ValueError(f"bad aspects label {cell[:40]!r}: {exc}") from None
        if len(label) > MAX_LABEL_CHARS:
            raise ValueError(
                f"aspects label {cell[:40]!r}… is {len(label)} characters long; "
                f"at most {MAX_LABEL_CHARS}"
            )
        return label
    if task == "relevance":
        found = _RELEVANCE.get(cell.lower())
        if found is None:
            raise ValueError(
                f"unknown relevance label {cell[:40]!r} (allowed: true, false; also 1/0, yes/no)"
            )
        return found
    if cell.lower() not in SENTIMENT_LABELS:
        raise ValueError(
            f"unknown sentiment label {cell[:40]!r} (allowed: {', '.join(SENTIMENT_LABELS)})"
        )
    return cell.lower()
