"""The explorer's platform and language lists, kept for a minute per workspace.

Listing them sums the workspace's daily counts (``count_by``): ~20 ms on SQLite and ~75 ms
on PostgreSQL at 1,000,000 mentions, on every explorer page although the lists hardly ever
change. Each app keeps them for ``FACET_TTL_S`` seconds; a platform or language seen for
the first time appears in the select within that minute (searching for it by URL works at
once). The HTMX result fragments do not show them and do not read them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from resonanz.store import Store

FACET_TTL_S = 60.0


@dataclass(frozen=True)
class Facets:
    """Platforms and languages of a workspace's mentions, the most frequent first."""

    platforms: list[str]
    langs: list[str]


class FacetCache:
    """Facets per workspace id, each kept for ``ttl`` seconds."""

    def __init__(self, ttl: float = FACET_TTL_S) -> None:
        self._ttl = ttl
        self._entries: dict[int, tuple[float, Facets]] = {}
        self._lock = threading.Lock()

    def get(self, store: Store, workspace_id: int) -> Facets:
        """The workspace's facets, read again when the kept ones are older than ttl."""
        now = time.monotonic()
        with self._lock:
            kept = self._entries.get(workspace_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        facets = Facets(
            platforms=[name for name, _ in store.count_by(workspace_id, "platform", limit=0)],
            langs=[name for name, _ in store.count_by(workspace_id, "lang", limit=0)],
        )
        with self._lock:
            self._entries[workspace_id] = (now + self._ttl, facets)
        return facets
