"""A workspace's own aspect categories: check and store a category file, and build the
analyser its collection uses (``collect`` binds it to the aspects enricher, like the
workspace's trained models)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from resonanz.analysis.aspectfile import MAX_FILE_BYTES, AspectCategory, parse_categories
from resonanz.errors import ConfigError, ValidationError

if TYPE_CHECKING:
    from resonanz.analysis.aspects import AspectAnalyzer
    from resonanz.store import Store
    from resonanz.store.aspect_categories import StoredCategories

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("toml", "json")


def format_of(filename: str) -> str:
    """The format a file name says: ``.json`` is JSON, anything else TOML."""
    return "json" if filename.lower().endswith(".json") else "toml"


def check_categories(source: str, fmt: str, where: str) -> tuple[AspectCategory, ...]:
    """The categories of a category file's text; ValidationError naming ``where`` and the
    line of what is wrong (the same checks as a file named by ``aspect_categories``)."""
    if fmt not in FORMATS:
        raise ValidationError(f"unknown category file format {fmt!r}; known: toml, json")
    size = len(source.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        raise ValidationError(f"{where}: {size} bytes; a category file may have {MAX_FILE_BYTES}")
    try:
        return parse_categories(source, where, fmt=fmt)
    except ConfigError as exc:
        raise ValidationError(str(exc)) from None


def save_categories(
    store: Store, workspace_id: int, source: str, fmt: str, where: str
) -> tuple[StoredCategories, tuple[AspectCategory, ...]]:
    """Check the text and store it as the workspace's categories (nothing is stored when
    it does not parse)."""
    categories = check_categories(source, fmt, where)
    stored = store.aspects.put(workspace_id, source, fmt, datetime.now(UTC))
    return stored, categories


def workspace_analyzer(store: Store, workspace_id: int) -> AspectAnalyzer | None:
    """The analyser of the workspace's own categories; None where it has none, or where
    what was stored no longer parses (logged: collecting goes on with the process-wide
    categories)."""
    stored = store.aspects.get(workspace_id)
    if stored is None:
        return None
    from resonanz.analysis.aspects import AspectAnalyzer

    try:
        categories = check_categories(stored.source, stored.fmt, "the workspace's categories")
    except ValidationError as exc:
        log.error("%s; collecting with the process-wide aspect categories", exc)
        return None
    return AspectAnalyzer(categories)


def category_source(store: Store, workspace_id: int, setting: str) -> tuple[str, str]:
    """The text and format of the category file the workspace collects with: its own,
    else the file of the setting ``aspect_categories`` (``setting``), else the shipped
    template (what a trained aspect classifier keeps to read the term lists as trained)."""
    from resonanz.analysis.aspectfile import read_category_file, template_text

    stored = store.aspects.get(workspace_id)
    if stored is not None:
        return stored.source, stored.fmt
    if setting.strip():
        return read_category_file(setting.strip()), format_of(setting.strip())
    return template_text(), "toml"
