"""Labelling mentions for the workspace's own classifiers (page and REST API alike).

An editor sets a mention's sentiment label, whether it is relevant and its aspect label
(``Category:polarity`` items or ``none``, see ``analysis.aspectlabels``); each is stored
as a training example of its task (``store.training``: one label per mention and task,
the mention's text copied). An empty value removes the mention's label of that task.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from resonanz.analysis.tasklabels import canonical_label
from resonanz.errors import ValidationError
from resonanz.store import Store
from resonanz.store.training import NewExample
from resonanz.web.deps import Access

RELEVANT = {"true": True, "false": False}
# Each field of Labels and the training task it is stored as.
TASK_OF = {"sentiment": "sentiment", "relevant": "relevance", "aspects": "aspects"}


@dataclass(frozen=True)
class Labels:
    """A mention's labels: sentiment (None: none), relevance (None: not labelled) and
    aspects (the canonical aspect label; None: not labelled, ``none``: no category)."""

    sentiment: str | None = None
    relevant: bool | None = None
    aspects: str | None = None


def parse_relevant(value: str) -> bool | None:
    """'true' or 'false' as a bool, '' as None; ValidationError for anything else."""
    value = value.strip().lower()
    if not value:
        return None
    if value not in RELEVANT:
        raise ValidationError(f"relevant: {value!r} is not true or false")
    return RELEVANT[value]


def parse_aspects(value: str) -> str | None:
    """An aspect label as typed in its canonical form, '' as None; ValidationError says
    what is wrong with a bad one."""
    if not value.strip():
        return None
    try:
        return canonical_label("aspects", value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def save_labels(
    store: Store,
    access: Access,
    mention_id: int,
    labels: Labels,
    *,
    source: str,
    fields: Collection[str] = tuple(TASK_OF),
) -> None:
    """Store (or remove) the mention's labels of these fields of ``labels`` (all three by
    default; the others keep what is stored); NotFoundError for another's mention."""
    ws = access.workspace
    store.get_mention(ws.id, mention_id)  # 404 before anything is written
    given = {
        "sentiment": labels.sentiment,
        "relevant": None if labels.relevant is None else str(labels.relevant).lower(),
        "aspects": labels.aspects,
    }
    values = {task: given[field] for field, task in TASK_OF.items() if field in fields}
    if not values:
        return
    for task, label in values.items():
        if label is None:
            store.training.delete_examples(ws.id, task, mention_ids=[mention_id])
        else:
            store.training.add_examples(
                ws.id,
                task,
                [NewExample(label=label, mention_id=mention_id)],
                source=source,
                created_by=access.user.id,
            )
    store.accounts.audit(
        ws.id, access.user.id, "mentions.label", str(mention_id), {**values, "source": source}
    )


def labels_of(store: Store, workspace_id: int, mention_ids: Sequence[int]) -> dict[int, Labels]:
    """The labels of these mentions (those without any are left out)."""
    found = store.training.labels_of(workspace_id, mention_ids)
    return {
        mention_id: Labels(
            sentiment=tasks.get("sentiment"),
            relevant=RELEVANT.get(tasks.get("relevance", "")),
            aspects=tasks.get("aspects"),
        )
        for mention_id, tasks in found.items()
    }
