"""Find UI strings without a translation: every ``_()``/``gettext`` in templates and code."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_file

from resonanz.web.i18n import translations

_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def ui_strings() -> set[str]:
    """The source strings of the web UI."""
    root = Path(str(resources.files("resonanz.web")))
    found: set[str] = set()
    for path in sorted(root.rglob("*")):
        if path.suffix == ".html":
            method = "jinja2.ext:babel_extract"
        elif path.suffix == ".py":
            method = "python"
        else:
            continue
        for _lineno, message, _comments, _context in extract_from_file(
            method, str(path), keywords=_KEYWORDS
        ):
            for text in message if isinstance(message, tuple) else (message,):
                if text:
                    found.add(text)
    return found


def missing_translations(locale: str) -> list[str]:
    """The UI strings without an entry in the locale's catalogs, sorted.

    An entry whose translation equals the English ("Name", "OK") counts as translated.
    """
    catalog: dict[object, str] = getattr(translations(locale), "_catalog", {})
    known = {key[0] if isinstance(key, tuple) else key for key, text in catalog.items() if text}
    return sorted(s for s in ui_strings() if s not in known)
