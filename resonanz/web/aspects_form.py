"""The settings page's "Aspect categories" section: what it shows and how a save is checked
(the same checks as `resonanz aspects set`)."""

from __future__ import annotations

from typing import Any

from resonanz.errors import ValidationError
from resonanz.store import Store
from resonanz.web.i18n import gettext as _
from resonanz.workspace_aspects import FORMATS, check_categories, save_categories

WHERE = "category file"


def section(store: Store, workspace_id: int, *, template: bool = False) -> dict[str, Any]:
    """The section's context: the stored file (or the template, when asked for), its
    format, and the names of its categories."""
    from resonanz.analysis.aspectfile import template_text

    stored = store.aspects.get(workspace_id)
    names: list[str] = []
    if stored is not None:
        try:
            names = [c.name for c in check_categories(stored.source, stored.fmt, WHERE)]
        except ValidationError:
            names = []  # shown as stored; saving it again names the problem
    if template:
        text, fmt = template_text(), "toml"
    else:
        text, fmt = (stored.source, stored.fmt) if stored else ("", "toml")
    return {
        "stored": stored,
        "names": names,
        "text": text,
        "fmt": fmt,
        "formats": FORMATS,
        "template": template,
    }


def save(store: Store, workspace_id: int, user_id: int, source: str, fmt: str) -> int:
    """Check and store the text as the workspace's categories; their number.
    ValidationError (with a translated lead) when it does not parse: nothing is stored."""
    text = source.replace("\r\n", "\n")
    if not text.strip():
        raise ValidationError(_("Please paste a category file (TOML or JSON)."))
    try:
        _stored, categories = save_categories(store, workspace_id, text, fmt, WHERE)
    except ValidationError as exc:
        raise ValidationError(_("Not saved: %(error)s") % {"error": str(exc)}) from None
    store.accounts.audit(workspace_id, user_id, "aspects.save", f"{len(categories)} categories")
    return len(categories)
