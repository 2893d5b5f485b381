"""Records that flow between the stages: sources -> pipeline -> store.

All are frozen dataclasses; stages never share mutable state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal

from resonanz.errors import ValidationError

TopicKind = Literal["brand", "competitor", "product", "campaign", "keyword"]
TOPIC_KINDS: tuple[str, ...] = ("brand", "competitor", "product", "campaign", "keyword")
WORKSPACE_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class RawItem:
    """One item exactly as a platform or file delivered it.

    ``kind`` names the normaliser that turns it into a Mention ("rss", "jsonl", "csv",
    "germeval", ...). ``payload`` is the platform JSON (or file row) untouched.
    ``context`` carries source-level facts the normaliser needs (feed title, column
    mapping, default platform). ``origin`` says where it came from for error messages
    ("feed https://...", "posts.csv:12").
    """

    kind: str
    payload: Mapping[str, Any]
    fetched_at: datetime
    origin: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Author:
    """Who wrote a mention, as the platform describes them."""

    platform: str
    handle: str
    name: str | None = None
    followers: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Engagement:
    """Engagement counts at collection time (None: the platform does not say)."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    views: int | None = None


@dataclass(frozen=True)
class TopicMatch:
    """A mention matched a topic, through these (folded) terms."""

    topic_id: int
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    """A normalised public post, comment, article or review.

    ``id`` is the store's row id once saved (None before). ``reply_to``, ``repost_of`` and
    ``quote_of`` hold the *native* id of the linked item on the same platform.
    """

    platform: str
    native_id: str
    text: str
    collected_at: datetime
    url: str | None = None
    title: str | None = None
    author: Author | None = None
    created_at: datetime | None = None
    lang: str | None = None
    lang_score: float | None = None
    reply_to: str | None = None
    repost_of: str | None = None
    quote_of: str | None = None
    engagement: Engagement = field(default_factory=Engagement)
    raw: Mapping[str, Any] = field(default_factory=dict)
    raw_kind: str = ""
    enrichments: Mapping[str, Any] = field(default_factory=dict)
    matches: tuple[TopicMatch, ...] = ()
    id: int | None = None
    # (title, text, their full-text words) from the pipeline, which folds and splits the
    # words for matching anyway; the store uses them only while title and text are these
    # very objects, and computes them itself otherwise.
    search_hint: tuple[str | None, str, str] | None = field(default=None, compare=False, repr=False)

    def with_fields(self, **changes: Any) -> Mention:
        """Return a copy with some fields replaced."""
        if type(self) is Mention and changes.keys() <= _MENTION_FIELDS:
            # What dataclasses.replace does for this class (no __post_init__, every field
            # in __init__), without its per-field loop: the pipeline copies every mention.
            copy = object.__new__(Mention)
            copy.__dict__.update(self.__dict__)
            copy.__dict__.update(changes)
            return copy
        return replace(self, **changes)


_MENTION_FIELDS = frozenset(f.name for f in fields(Mention))


def titled_text(title: str | None, text: str) -> str:
    """What the classifiers read of a post: its title, then its text (also what stored
    labels are trained on)."""
    return f"{title}. {text}" if title else text


def check_workspace_slug(slug: str) -> str:
    """A workspace slug (lower-case letters, digits, hyphens); ValidationError otherwise."""
    if not WORKSPACE_SLUG_RE.fullmatch(slug):
        raise ValidationError(
            f"invalid workspace slug {slug!r}: use lower-case letters, digits and hyphens "
            "(e.g. 'deutsche-bahn')"
        )
    return slug


@dataclass(frozen=True)
class Workspace:
    """A brand or client: owns topics, sources and mentions."""

    id: int
    slug: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Topic:
    """A named listening query inside a workspace."""

    id: int
    workspace_id: int
    name: str
    kind: str
    query: str
    active: bool = True


@dataclass(frozen=True)
class SourceHealth:
    """How a configured source is doing."""

    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    items_total: int = 0
    newest_item_at: datetime | None = None
    newest_item_seen_at: datetime | None = None
    previous_run_at: datetime | None = None
    last_run_items: int = 0
    attention: str | None = None

    @property
    def lag_seconds(self) -> float | None:
        """How late the newest item was stored after it was posted (None: not known)."""
        if self.newest_item_at is None or self.newest_item_seen_at is None:
            return None
        return max(0.0, (self.newest_item_seen_at - self.newest_item_at).total_seconds())

    @property
    def items_per_minute(self) -> float | None:
        """New items of the last run per minute since the run before (None: one run only)."""
        if self.last_run_at is None or self.previous_run_at is None:
            return None
        minutes = (self.last_run_at - self.previous_run_at).total_seconds() / 60
        return self.last_run_items / minutes if minutes > 0 else None


@dataclass(frozen=True)
class SourceConfig:
    """A configured connector instance with its persisted cursor."""

    id: int
    workspace_id: int
    kind: str
    name: str
    config: Mapping[str, Any]
    cursor: Mapping[str, Any]
    enabled: bool = True
    health: SourceHealth = field(default_factory=SourceHealth)


@dataclass(frozen=True)
class Skipped:
    """An input that could not be used, and why (shown to the user in a summary)."""

    where: str
    reason: str
