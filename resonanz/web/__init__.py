"""The web dashboard and REST API: ``create_app(settings, store)`` (FastAPI + Jinja2 + HTMX)."""

from resonanz.web.app import create_app

__all__ = ["create_app"]
