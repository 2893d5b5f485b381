"""What the publishing pages and API routes need: the publishing store and the channel
classes (loaded from the plugins once per app, on first use)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from resonanz.store.publishing import PublishingStore, publishing_store
from resonanz.web.deps import get_store
from resonanz.web.post_checks import classes_of


@dataclass(frozen=True)
class Publishing:
    """The publishing tables of the app's store and the channel kinds it knows."""

    pub: PublishingStore
    classes: dict[str, type]


def get_publishing(request: Request) -> Publishing:
    """The app's publishing store and channel classes."""
    return Publishing(publishing_store(get_store(request)), classes_of(request))


PublishingDep = Annotated[Publishing, Depends(get_publishing)]
