"""Checks for connector options typed at `resonanz source add KIND TARGET -o key=value`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from resonanz.config import parse_bool
from resonanz.errors import ConfigError

__all__ = ["check_known", "choices_option", "int_option", "keep_unmatched_option"]


def check_known(kind: str, config: Mapping[str, Any], known: Sequence[str]) -> None:
    """Raise ConfigError naming the options ``kind`` does not know."""
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ConfigError(
            f"unknown {kind} option(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )


def int_option(
    kind: str, config: Mapping[str, Any], name: str, default: int, low: int, high: int
) -> int:
    """The whole number option ``name`` (``default`` when absent), within [low, high]."""
    value = config.get(name, default)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{kind} option {name}: expected a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{kind} option {name}: {number} is not between {low} and {high}")
    return number


def choices_option(
    kind: str, config: Mapping[str, Any], name: str, choices: Sequence[str]
) -> list[str]:
    """Some of ``choices`` (a list or "a,b"; all of them when absent), in their order."""
    value = config.get(name, list(choices))
    items = value if isinstance(value, list) else str(value).split(",")
    picked = [str(item).strip().lower() for item in items if str(item).strip()]
    wrong = [item for item in picked if item not in choices]
    if wrong or not picked:
        raise ConfigError(
            f"{kind} option {name}: {', '.join(wrong) or 'nothing'} is not one of "
            f"{', '.join(choices)} (give them comma-separated)"
        )
    return [choice for choice in choices if choice in picked]


def keep_unmatched_option(config: Mapping[str, Any], result: dict[str, Any]) -> None:
    """Copy ``keep_unmatched`` (the pipeline's option) into ``result`` when it is set."""
    if "keep_unmatched" in config:
        result["keep_unmatched"] = parse_bool(config["keep_unmatched"], "keep_unmatched")
