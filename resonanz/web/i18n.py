"""German and English UI text from Babel catalogs (``locales/<lang>/LC_MESSAGES/*.po``).

Source strings are English. All .po files of a locale are read and merged when first used
(no compile step; one file per part of the UI keeps them small). The language of a request
is, in order: the ``lang`` query parameter (remembered in the session), the session's choice
(set from the user's setting at login), the browser's Accept-Language,
``settings.default_locale``.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES: tuple[str, ...] = ("de", "en")
_current: ContextVar[str] = ContextVar("resonanz_locale", default="en")


@cache
def translations(locale: str) -> NullTranslations:
    """The catalog of a locale (English: the source strings)."""
    folder = resources.files("resonanz.web").joinpath("locales", locale, "LC_MESSAGES")
    if locale == "en" or not folder.is_dir():
        return NullTranslations()
    merged: Translations | None = None
    for po in sorted(folder.iterdir(), key=lambda p: p.name):
        if not po.name.endswith(".po"):
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        merged = part if merged is None else merged.merge(part)
    return merged or NullTranslations()


def set_locale(locale: str) -> None:
    """Use this locale for the rest of the current request."""
    _current.set(locale if locale in LOCALES else "en")


def current_locale() -> str:
    """The locale of the current request."""
    return _current.get()


def gettext(message: str) -> str:
    """message in the current request's language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """singular or plural in the current request's language."""
    return translations(_current.get()).ngettext(singular, plural, n)


def negotiate(accept_language: str | None, default: str) -> str:
    """The first of LOCALES the browser asks for, else default."""
    if accept_language:
        weighted = []
        for index, part in enumerate(accept_language.split(",")):
            tag, _, params = part.strip().partition(";")
            q = 1.0
            if params.strip().startswith("q="):
                try:
                    q = float(params.strip()[2:])
                except ValueError:
                    q = 0.0
            weighted.append((-q, index, tag.strip().lower()[:2]))
        for _, _, lang in sorted(weighted):
            if lang in LOCALES:
                return lang
    return default if default in LOCALES else "en"
