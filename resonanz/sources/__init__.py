"""LISTEN: connectors that talk to platforms and files and yield raw items in batches.

A source never normalises: it yields ``RawItem`` s with the platform JSON (or file row)
untouched, grouped in ``FetchedBatch`` es. Each batch carries the cursor to persist once
the batch is stored, so the pipeline saves mentions and cursor in one transaction and a
crash loses nothing and duplicates nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from resonanz.config import Settings
from resonanz.models import RawItem, Skipped


@dataclass(frozen=True)
class FetchedBatch:
    """Raw items fetched together, the cursor to persist after storing them, what was skipped."""

    items: tuple[RawItem, ...]
    cursor: Mapping[str, Any]
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)


class Source(Protocol):
    """What every connector provides (registered through the ``register_sources`` hook)."""

    kind: ClassVar[str]

    def __init__(self, config: Mapping[str, Any], settings: Settings) -> None: ...

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        """Check and normalise a config at `source add` time; raise a ResonanzError if bad."""
        ...

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        """A readable name for a new source with this config (e.g. the feed's host)."""
        ...

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        """Yield batches newer than ``cursor``; raise a SourceError when nothing can be fetched."""
        ...
