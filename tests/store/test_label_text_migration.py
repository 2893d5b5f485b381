"""Migration 0021 (training_examples.label as TEXT for aspect labels) on SQLite and
PostgreSQL: stored labels, their mention links, the unique label per mention and task and
the indexes are kept; a long aspect label fits afterwards; down again keeps the short
labels."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from resonanz.store.engine import create_engine, normalise_url
from tests.migration_steps import add_workspace, run_alembic

EXAMPLE = (
    "INSERT INTO training_examples (workspace_id, task, text, lang, label, mention_id, source,"
    " created_at, updated_at) VALUES (:ws, :task, :text, 'de', :label, :m, 'csv',"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)
LONG = ";".join(f"Kategorie {i}:negative" for i in range(12))  # 251 characters


def _rows(engine: sa.Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT task, text, label, mention_id FROM training_examples ORDER BY task, text"
            )
        )
        return [tuple(row) for row in rows]


def test_migration_0021_keeps_labels(store_url: str) -> None:
    run_alembic(store_url, "upgrade", "0020")
    engine = create_engine(normalise_url(store_url))
    try:
        with engine.begin() as conn:
            ws = add_workspace(conn)
            mention = conn.execute(
                sa.text(
                    "INSERT INTO mentions (workspace_id, platform, native_id, text, "
                    "collected_at, posted_at, raw, raw_kind, search_text) VALUES (:ws, 'rss', "
                    "'1', 't', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}', 'rss', 't') "
                    "RETURNING id"
                ),
                {"ws": ws},
            ).scalar_one()
            for task, text, label, m in [
                ("sentiment", "Zug zu spät", "negative", mention),
                ("relevance", "Zug zu spät", "true", mention),
                ("sentiment", "Danke", "positive", None),
            ]:
                conn.execute(
                    sa.text(EXAMPLE), {"ws": ws, "task": task, "text": text, "label": label, "m": m}
                )
        before = _rows(engine)
        assert len(before) == 3

        run_alembic(store_url, "upgrade", "0021")
        assert _rows(engine) == before
        indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("training_examples")}
        assert {"ix_training_examples_label", "ix_training_examples_mention"} <= indexes
        (label,) = [
            c["type"]
            for c in sa.inspect(engine).get_columns("training_examples")
            if c["name"] == "label"
        ]
        assert isinstance(label, sa.Text)
        with engine.begin() as conn:
            conn.execute(
                sa.text(EXAMPLE),
                {"ws": ws, "task": "aspects", "text": "Zug zu spät", "label": LONG, "m": mention},
            )
        # One label per mention and task, still.
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(EXAMPLE),
                {"ws": ws, "task": "aspects", "text": "x", "label": "none", "m": mention},
            )
        # A deleted mention still leaves its labelled texts (ON DELETE SET NULL).
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM mentions WHERE id = :m"), {"m": mention})
        assert {row[3] for row in _rows(engine)} == {None}
        assert ("aspects", "Zug zu spät", LONG, None) in _rows(engine)

        # Down again: the labels that fit 20 characters stay.
        run_alembic(store_url, "downgrade", "0020")
        assert _rows(engine) == [(t, x, lab, None) for t, x, lab, _ in before]
        run_alembic(store_url, "upgrade", "0021")
        assert len(_rows(engine)) == 3
    finally:
        engine.dispose()
