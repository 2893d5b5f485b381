"""What every notifier is: a kind, the config fields it takes, ``send`` and ``describe``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from resonanz.alerts.message import AlertMessage
from resonanz.config import Settings
from resonanz.errors import ValidationError

__all__ = ["TIMEOUT_FIELD", "FieldSpec", "Notifier"]

DEFAULT_TIMEOUT = 15.0
CONNECT_TIMEOUT = 5.0


@dataclass(frozen=True)
class FieldSpec:
    """One config field of a notifier. A ``secret`` field is encrypted at rest by whoever
    stores the config and never shown back (a form shows it empty: "unchanged")."""

    name: str
    help: str
    required: bool = True
    secret: bool = False


TIMEOUT_FIELD = FieldSpec(
    "timeout",
    f"Seconds one delivery may take in all (default {DEFAULT_TIMEOUT:g}).",
    required=False,
)


class Notifier:
    """Base of the built-in notifiers (one level only); a plugin's class may also just
    provide the same attributes and methods.

    ``__init__`` checks the config and raises ValidationError naming the field; it may
    resolve host names but sends nothing. ``send`` delivers one message or raises
    DeliveryError, ``permanent`` when retrying cannot help. Neither ``repr`` nor
    ``describe`` shows a secret.
    """

    kind: ClassVar[str] = ""
    fields: ClassVar[tuple[FieldSpec, ...]] = ()

    def __init__(self, config: Mapping[str, str], settings: Settings) -> None:
        self.settings = settings
        known = {spec.name for spec in self.fields}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValidationError(
                f"{self.kind}: unknown field {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
        values: dict[str, str] = {}
        for spec in self.fields:
            raw = config.get(spec.name)
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                raw = str(raw)  # a number from a JSON config, e.g. "timeout": 5
            if raw is not None and not isinstance(raw, str):
                raise ValidationError(f"{self.kind}: {spec.name!r} must be text")
            # Secrets are kept as given (a password may end in a space); other fields trimmed.
            value = (raw or "") if spec.secret else (raw or "").strip()
            if spec.required and not value.strip():
                raise ValidationError(f"{self.kind}: {spec.name!r} is required ({spec.help})")
            values[spec.name] = value
        self._values = values
        self.timeout = self._timeout(values.get("timeout", ""))

    def send(self, message: AlertMessage) -> None:
        """Deliver ``message``; DeliveryError when it could not be delivered."""
        raise NotImplementedError

    def describe(self) -> str:
        """A one-line description without secrets, e.g. "webhook https://hooks.example.org/…"."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"

    def __str__(self) -> str:
        return self.describe()

    def invalid(self, field: str, problem: str) -> ValidationError:
        """A ValidationError naming this kind and ``field``."""
        return ValidationError(f"{self.kind}: {field!r} {problem}")

    def _timeout(self, text: str) -> float:
        if not text:
            return DEFAULT_TIMEOUT
        try:
            seconds = float(text)
        except ValueError:
            raise self.invalid("timeout", f"must be a number of seconds, not {text!r}") from None
        if not 0 < seconds <= 300:
            raise self.invalid("timeout", "must be more than 0 and at most 300 seconds")
        return seconds
