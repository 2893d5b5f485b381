"""Reanalysing a workspace's stored mentions from the settings page: ``reanalyse``
(resonanz/reanalyse.py) over the mentions posted since a day, with the runtime the
settings give (as `resonanz collect` and `resonanz reanalyse` build it), in a spawned
child process like training (``training_jobs.in_child_process``): it is CPU-bound
enrichment of possibly many thousand mentions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resonanz.config import Settings
    from resonanz.store import Store

__all__ = ["reanalyse_here", "reanalyse_in_subprocess"]


def reanalyse_here(
    store: Store, workspace_id: int, settings: Settings, since: datetime
) -> dict[str, int]:
    """Reanalyse in this process: {"read": mentions, "changed": their new sentiment}."""
    from resonanz.reanalyse import reanalyse
    from resonanz.runtime import Runtime
    from resonanz.store import MentionFilter

    report = reanalyse(store, Runtime.load(settings), workspace_id, MentionFilter(since=since))
    return {"read": report.read, "changed": report.sentiment_changed}


def reanalyse_in_subprocess(
    store: Store, workspace_id: int, settings: Settings, since: datetime
) -> dict[str, int]:
    """``reanalyse_here`` in a fresh child process (one per job)."""
    from resonanz.web.training_jobs import in_child_process

    found: dict[str, int] = in_child_process(store, reanalyse_here, workspace_id, settings, since)
    return found
