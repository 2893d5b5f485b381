"""Labelled examples and trained models of a workspace (``SqlStore.training``).

An example is a text with a label for one task; one taken from a stored mention keeps
the mention's id, and labelling that mention again replaces its label (one label per
mention and task). Examples imported as bare texts are matched on their text instead, so
importing the same file twice changes nothing. A trained model is stored as bytes with
its quality; saving one makes it the workspace's active model for its task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from resonanz.analysis.labelfiles import NewExample
from resonanz.analysis.tasklabels import LABEL_TASKS, canonical_label
from resonanz.errors import NotFoundError, ValidationError
from resonanz.models import titled_text
from resonanz.store.bulk import chunks
from resonanz.store.schema import mentions, training_examples, workspace_models
from resonanz.store.transactions import TxStore
from resonanz.store.writes import workspace_slug

__all__ = [
    "SOURCES",
    "AddResult",
    "ModelInfo",
    "NewExample",
    "StoredModel",
    "TrainingExample",
    "TrainingStore",
]

SOURCES: tuple[str, ...] = ("csv", "ui", "api")
# Models kept per workspace and task (the active one always among them).
KEEP_MODELS = 10
_ex, _mo = training_examples.c, workspace_models.c


@dataclass(frozen=True)
class TrainingExample:
    """A stored labelled example."""

    id: int
    workspace_id: int
    task: str
    text: str
    lang: str | None
    label: str
    mention_id: int | None
    source: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class AddResult:
    """What one add_examples did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ModelInfo:
    """A stored model without its bytes."""

    id: int
    workspace_id: int
    task: str
    name: str
    created_at: datetime
    n_examples: int
    quality: Mapping[str, Any]
    active: bool


@dataclass(frozen=True)
class StoredModel:
    """A stored model with its bytes (``info`` says what it is)."""

    info: ModelInfo
    blob: bytes


def _example(row: Row[Any]) -> TrainingExample:
    return TrainingExample(
        id=row.id,
        workspace_id=row.workspace_id,
        task=row.task,
        text=row.text,
        lang=row.lang,
        label=row.label,
        mention_id=row.mention_id,
        source=row.source,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _info(row: Row[Any]) -> ModelInfo:
    return ModelInfo(
        id=row.id,
        workspace_id=row.workspace_id,
        task=row.task,
        name=row.name,
        created_at=row.created_at,
        n_examples=row.n_examples,
        quality=dict(row.quality),
        active=bool(row.active),
    )


def _check_labels(task: str, examples: Sequence[NewExample]) -> list[NewExample]:
    """The examples with their labels in canonical form (``tasklabels``).

    ValidationError for an unknown task, bad labels or examples without text (each named
    by its ``where``, file:line)."""
    if task not in LABEL_TASKS:
        raise ValidationError(f"unknown task {task!r}; known: {', '.join(LABEL_TASKS)}")
    problems = []
    checked: list[NewExample] = []
    for ex in examples:
        where = f"{ex.where}: " if ex.where else ""
        try:
            label = canonical_label(task, ex.label)
        except ValueError as exc:
            problems.append(f"{where}{exc}")
            continue
        if ex.mention_id is None and not (ex.text or "").strip():
            problems.append(f"{where}no text and no mention id")
        else:
            checked.append(ex if label == ex.label else replace(ex, label=label))
    if problems:
        more = f"; … and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ValidationError(f"{len(problems)} bad example(s): {'; '.join(problems[:5])}{more}")
    return checked


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL (the mentions' write path drops it too).
    return text.replace("\x00", "")


_INFO_COLUMNS = [c for c in workspace_models.c if c.name != "blob"]


class TrainingStore(TxStore):
    """Reads and writes of training_examples and workspace_models."""

    # -- examples
    def add_examples(
        self,
        workspace_id: int,
        task: str,
        examples: Sequence[NewExample],
        *,
        source: str,
        created_by: int | None = None,
        at: datetime | None = None,
    ) -> AddResult:
        """Store labels in one transaction: all of them or, on any error, none.

        A mention already labelled for ``task`` gets the new label; a bare text already
        stored (without a mention) likewise. NotFoundError names the examples whose
        mention does not exist in the workspace.
        """
        examples = _check_labels(task, examples)
        if source not in SOURCES:
            raise ValidationError(f"unknown example source {source!r}; known: {', '.join(SOURCES)}")
        at = at or datetime.now(UTC)
        with self._write(f"storing {task} labels") as conn:
            workspace_slug(conn, workspace_id)
            texts = self._mention_texts(conn, workspace_id, examples)
            by_mention, by_text = self._stored(conn, workspace_id, task, examples)
            # One row per mention / bare text; the last label given for it wins.
            latest: dict[tuple[int | None, str], tuple[str, str | None, str]] = {}
            for ex in examples:
                if ex.mention_id is not None:
                    text, lang = texts[ex.mention_id]
                    key: tuple[int | None, str] = (ex.mention_id, "")
                else:
                    text, lang = _clean(ex.text or "").strip(), None
                    key = (None, text)
                latest.pop(key, None)
                latest[key] = (text, ex.lang or lang, ex.label)
            fresh: list[dict[str, Any]] = []
            changed: list[dict[str, Any]] = []
            for (mention_id, text_key), (text, lang, label) in latest.items():
                old = (
                    by_mention.get(mention_id) if mention_id is not None else by_text.get(text_key)
                )
                if old is None:
                    fresh.append(
                        {
                            "workspace_id": workspace_id,
                            "task": task,
                            "text": text,
                            "lang": lang,
                            "label": label,
                            "mention_id": mention_id,
                            "source": source,
                            "created_by": created_by,
                            "created_at": at,
                            "updated_at": at,
                        }
                    )
                elif (old.label, old.lang) != (label, lang):
                    changed.append({"b_id": old.id, "b_label": label, "b_lang": lang})
            if fresh:
                conn.execute(sa.insert(training_examples), fresh)
            if changed:
                conn.execute(
                    sa.update(training_examples)
                    .where(_ex.id == sa.bindparam("b_id"))
                    .values(
                        label=sa.bindparam("b_label"), lang=sa.bindparam("b_lang"), updated_at=at
                    ),
                    changed,
                )
        unchanged = len(latest) - len(fresh) - len(changed)
        return AddResult(added=len(fresh), updated=len(changed), unchanged=unchanged)

    def _mention_texts(
        self, conn: Connection, workspace_id: int, examples: Sequence[NewExample]
    ) -> dict[int, tuple[str, str | None]]:
        """(text, lang) of every mention named; NotFoundError for those not in the workspace."""
        wanted = sorted({ex.mention_id for ex in examples if ex.mention_id is not None})
        found: dict[int, tuple[str, str | None]] = {}
        for part in chunks(wanted):
            rows = conn.execute(
                sa.select(mentions.c.id, mentions.c.title, mentions.c.text, mentions.c.lang).where(
                    mentions.c.workspace_id == workspace_id, mentions.c.id.in_(part)
                )
            )
            for id_, title, text, lang in rows:
                # What the sentiment enricher reads: the title, then the text.
                found[id_] = (titled_text(title, text), lang)
        missing = [
            ex for ex in examples if ex.mention_id is not None and ex.mention_id not in found
        ]
        if missing:
            shown = "; ".join(
                f"{ex.where + ': ' if ex.where else ''}mention {ex.mention_id}"
                for ex in missing[:5]
            )
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            raise NotFoundError(
                f"{len(missing)} labelled mention(s) do not exist in this workspace: {shown}{more}"
            )
        return found

    def _stored(
        self, conn: Connection, workspace_id: int, task: str, examples: Sequence[NewExample]
    ) -> tuple[dict[int, Any], dict[str, Any]]:
        """The stored examples of the mentions and bare texts named, by mention id / text."""
        columns = (_ex.id, _ex.mention_id, _ex.text, _ex.label, _ex.lang)
        mine = sa.and_(_ex.workspace_id == workspace_id, _ex.task == task)
        by_mention: dict[int, Any] = {}
        ids = sorted({e.mention_id for e in examples if e.mention_id is not None})
        for id_part in chunks(ids):
            for row in conn.execute(sa.select(*columns).where(mine, _ex.mention_id.in_(id_part))):
                by_mention[row.mention_id] = row
        by_text: dict[str, Any] = {}
        texts = sorted({_clean(e.text or "").strip() for e in examples if e.mention_id is None})
        for text_part in chunks(texts):
            query = sa.select(*columns).where(
                mine, _ex.mention_id.is_(None), _ex.text.in_(text_part)
            )
            for row in conn.execute(query):
                by_text[row.text] = row
        return by_mention, by_text

    def list_examples(
        self, workspace_id: int, task: str, *, label: str | None = None
    ) -> list[TrainingExample]:
        """The workspace's examples for ``task`` (optionally one label), oldest first."""
        query = sa.select(training_examples).where(
            _ex.workspace_id == workspace_id, _ex.task == task
        )
        if label is not None:
            query = query.where(_ex.label == label)
        with self._read(f"reading {task} labels") as conn:
            return [_example(row) for row in conn.execute(query.order_by(_ex.id))]

    def labels_of(self, workspace_id: int, mention_ids: Sequence[int]) -> dict[int, dict[str, str]]:
        """{mention id: {task: label}} of those mentions that carry a label."""
        out: dict[int, dict[str, str]] = {}
        with self._read("reading mention labels") as conn:
            for part in chunks(sorted(set(mention_ids))):
                rows = conn.execute(
                    sa.select(_ex.mention_id, _ex.task, _ex.label).where(
                        _ex.workspace_id == workspace_id, _ex.mention_id.in_(part)
                    )
                )
                for mention_id, task, label in rows:
                    out.setdefault(int(mention_id), {})[task] = label
        return out

    def count_examples(self, workspace_id: int) -> dict[str, dict[str, int]]:
        """{task: {label: examples}} of the workspace."""
        query = (
            sa.select(_ex.task, _ex.label, sa.func.count())
            .where(_ex.workspace_id == workspace_id)
            .group_by(_ex.task, _ex.label)
            .order_by(_ex.task, _ex.label)
        )
        out: dict[str, dict[str, int]] = {}
        with self._read("counting labels") as conn:
            for task, label, n in conn.execute(query):
                out.setdefault(task, {})[label] = int(n)
        return out

    def delete_examples(
        self,
        workspace_id: int,
        task: str,
        *,
        ids: Sequence[int] | None = None,
        mention_ids: Sequence[int] | None = None,
    ) -> int:
        """Delete examples of ``task``: those ids, those mentions' labels, or (neither
        given) all of them. Returns how many were deleted."""
        mine = sa.and_(_ex.workspace_id == workspace_id, _ex.task == task)
        deleted = 0
        with self._write(f"deleting {task} labels") as conn:
            if ids is None and mention_ids is None:
                return int(conn.execute(sa.delete(training_examples).where(mine)).rowcount)
            for column, values in ((_ex.id, ids), (_ex.mention_id, mention_ids)):
                for part in chunks(sorted(set(values or ()))):
                    result = conn.execute(
                        sa.delete(training_examples).where(mine, column.in_(part))
                    )
                    deleted += int(result.rowcount)
        return deleted

    # -- models
    def save_model(
        self,
        workspace_id: int,
        task: str,
        name: str,
        blob: bytes,
        *,
        n_examples: int,
        quality: Mapping[str, Any],
        at: datetime | None = None,
    ) -> ModelInfo:
        """Store a trained model as the active one for its task (the previous ones stay,
        inactive: the newest KEEP_MODELS of the task in all, older inactive ones are
        deleted, as every "train" adds a model file of up to a few MB)."""
        at = at or datetime.now(UTC)
        with self._write(f"saving the {task} model") as conn:
            conn.execute(
                sa.update(workspace_models)
                .where(_mo.workspace_id == workspace_id, _mo.task == task, _mo.active)
                .values(active=False)
            )
            model_id = conn.execute(
                sa.insert(workspace_models)
                .values(
                    workspace_id=workspace_id,
                    task=task,
                    name=name,
                    created_at=at,
                    n_examples=n_examples,
                    quality=dict(quality),
                    blob=blob,
                    active=True,
                )
                .returning(_mo.id)
            ).scalar_one()
            row = conn.execute(sa.select(*_INFO_COLUMNS).where(_mo.id == model_id)).one()
            kept = (
                sa.select(_mo.id)
                .where(_mo.workspace_id == workspace_id, _mo.task == task)
                .order_by(_mo.created_at.desc(), _mo.id.desc())
                .limit(KEEP_MODELS)
            )
            conn.execute(
                sa.delete(workspace_models).where(
                    _mo.workspace_id == workspace_id,
                    _mo.task == task,
                    sa.not_(_mo.active),
                    _mo.id.not_in(kept),
                )
            )
        return _info(row)

    def active_model(self, workspace_id: int, task: str) -> StoredModel | None:
        """The active model of ``task`` with its bytes, or None."""
        query = sa.select(workspace_models).where(
            _mo.workspace_id == workspace_id, _mo.task == task, _mo.active
        )
        with self._read(f"reading the {task} model") as conn:
            row = conn.execute(query).first()
        return None if row is None else StoredModel(_info(row), bytes(row.blob))

    def active_models(self, workspace_id: int) -> dict[str, StoredModel]:
        """{task: active model} of the workspace (one read for every task)."""
        query = sa.select(workspace_models).where(_mo.workspace_id == workspace_id, _mo.active)
        with self._read("reading the workspace's models") as conn:
            return {
                row.task: StoredModel(_info(row), bytes(row.blob)) for row in conn.execute(query)
            }

    def list_models(self, workspace_id: int, task: str | None = None) -> list[ModelInfo]:
        """The workspace's models (of one task), newest first, without their bytes."""
        query = sa.select(*_INFO_COLUMNS).where(_mo.workspace_id == workspace_id)
        if task is not None:
            query = query.where(_mo.task == task)
        with self._read("listing models") as conn:
            rows = conn.execute(query.order_by(_mo.created_at.desc(), _mo.id.desc()))
            return [_info(row) for row in rows]

    def activate_model(self, workspace_id: int, model_id: int) -> ModelInfo:
        """Make a stored model the active one of its task (e.g. to go back to an older one)."""
        with self._write("activating a model") as conn:
            row = conn.execute(
                sa.select(*_INFO_COLUMNS).where(
                    _mo.id == model_id, _mo.workspace_id == workspace_id
                )
            ).first()
            if row is None:
                raise NotFoundError(f"model {model_id} does not exist in this workspace")
            conn.execute(
                sa.update(workspace_models)
                .where(_mo.workspace_id == workspace_id, _mo.task == row.task, _mo.active)
                .values(active=False)
            )
            conn.execute(sa.update(workspace_models).where(_mo.id == model_id).values(active=True))
            row = conn.execute(sa.select(*_INFO_COLUMNS).where(_mo.id == model_id)).one()
        return _info(row)

    def deactivate_models(self, workspace_id: int, task: str) -> int:
        """Stop using trained models for ``task`` (back to the default); returns how many."""
        with self._write(f"deactivating the {task} model") as conn:
            result = conn.execute(
                sa.update(workspace_models)
                .where(_mo.workspace_id == workspace_id, _mo.task == task, _mo.active)
                .values(active=False)
            )
        return int(result.rowcount)
