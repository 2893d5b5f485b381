"""Options the API-key connectors (YouTube, X, the Graph API) share: required text such as
a credential or an id, and the platform's base URL (overridable for proxies and tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.config import Settings
from resonanz.errors import ConfigError
from resonanz.fetcher import validate_url
from resonanz.sources.options import keep_unmatched_option

__all__ = ["api_options", "api_url_option", "text_option"]


def text_option(kind: str, config: Mapping[str, Any], name: str, hint: str) -> str:
    """The non-empty text option ``name``, stripped; ConfigError saying what it is for."""
    value = config.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"a {kind} source needs '{name}' ({hint})")
    return value.strip()


def api_url_option(config: Mapping[str, Any], default: str, settings: Settings) -> str:
    """``api_url`` checked like any user-typed URL (no private targets unless allowed),
    without a trailing slash; ``default`` when it is not set."""
    value = config.get("api_url")
    if value is None or value == default:
        return default
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("api_url: expected the API's base URL, e.g. " + default)
    return validate_url(value.strip(), settings).rstrip("/")


def api_options(
    config: Mapping[str, Any], result: dict[str, Any], default_url: str, settings: Settings
) -> dict[str, Any]:
    """Add ``api_url`` (only when not the default) and ``keep_unmatched`` to ``result``."""
    url = api_url_option(config, default_url, settings)
    if url != default_url:
        result["api_url"] = url
    keep_unmatched_option(config, result)
    return result
