"""Pydantic shapes of the REST API's requests and answers (the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    locale: str | None


class WorkspaceOut(BaseModel):
    slug: str
    name: str
    role: str
    created_at: datetime


class WorkspaceIn(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Short name for URLs")
    name: str = Field(min_length=1, max_length=200)


ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Not logged in / invalid token"},
    403: {"model": ErrorOut, "description": "Role too low, or CSRF token missing"},
    404: {"model": ErrorOut, "description": "No such object in a workspace of yours"},
    422: {"model": ErrorOut, "description": "Invalid input"},
}


class MentionAuthorOut(BaseModel):
    handle: str
    name: str | None
    followers: int | None
    url: str | None


class EngagementOut(BaseModel):
    likes: int | None
    reposts: int | None
    replies: int | None
    quotes: int | None
    views: int | None


class SentimentOut(BaseModel):
    label: str = Field(description="negative, neutral or positive")
    score: float | None = Field(description="p(positive) - p(negative), from -1 to 1")
    model: str | None


class EmotionOut(BaseModel):
    top: str = Field(description="The strongest of the eight emotions (Plutchik)")
    scores: dict[str, float] = Field(description="Each emotion's score, from 0 to 1")
    terms: list[str] = Field(description="The cue words and emoji the emotions were read from")


class MentionOut(BaseModel):
    id: int
    platform: str
    native_id: str
    posted_at: datetime
    url: str | None
    title: str | None
    text: str
    lang: str | None
    sentiment: SentimentOut | None
    emotion: EmotionOut | None = None
    author: MentionAuthorOut | None
    engagement: EngagementOut
    topics: list[str]
    matched_terms: list[str]
    tags: list[str]


class MentionLabelsIn(BaseModel):
    """A mention's labels: PUT replaces all three (one left out counts as null), PATCH
    changes only those in the body (one left out keeps its stored label)."""

    sentiment: Literal["negative", "neutral", "positive"] | None = Field(
        default=None, description="The mention's sentiment label; null: none (removes one)"
    )
    relevant: bool | None = Field(
        default=None, description="Whether it is about the workspace's brand; null: no label"
    )
    aspects: str | None = Field(
        default=None,
        max_length=2000,
        description=(
            "The mention's aspect label: Category:polarity items (polarity negative, neutral"
            " or positive) separated by ';' or blanks, e.g. 'Pünktlichkeit:negative;"
            " Preis:positive', or 'none' for a text that names no category; null or empty:"
            " no label (removes one)"
        ),
    )


class MentionLabelsOut(BaseModel):
    mention_id: int
    sentiment: str | None
    relevant: bool | None
    aspects: str | None = Field(description="The stored (canonical) aspect label, or null")


class MentionPageOut(BaseModel):
    items: list[MentionOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null: last")


class MentionTagIn(BaseModel):
    mention_ids: list[int] = Field(min_length=1, max_length=1000)
    tag: str = Field(min_length=1, max_length=100)


class MentionTagOut(BaseModel):
    tagged: int = Field(description="How many of the workspace's mentions got the tag")


# -- topics, sources, members, invitations, tokens, audit


class TopicOut(BaseModel):
    id: int
    name: str
    kind: str
    query: str
    active: bool
    mentions: int = Field(description="Stored mentions that match the topic")


class TopicIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="keyword", description="One of TOPIC_KINDS, e.g. brand")
    query: str = Field(min_length=1, max_length=10000, description="See docs/queries.md")


class TopicPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: str | None = None
    query: str | None = Field(default=None, min_length=1, max_length=10000)
    active: bool | None = None


class TopicSaved(TopicOut):
    matched: int | None = Field(description="Mentions matched after a (new) query; null: unchanged")


class QueryIn(BaseModel):
    query: str = Field(max_length=10000)


class IssueOut(BaseModel):
    position: int = Field(description="0-based character position in the query")
    message: str
    severity: str


class LintOut(BaseModel):
    ok: bool
    errors: list[IssueOut]
    warnings: list[IssueOut]


class PreviewMentionOut(BaseModel):
    id: int | None
    platform: str
    text: str
    url: str | None
    matched_terms: list[str]


class PreviewOut(BaseModel):
    hits: int
    total: int
    examples: list[PreviewMentionOut]


class SourceHealthOut(BaseModel):
    state: str = Field(description="ok, new, failing, attention or disabled")
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    items_total: int
    attention: str | None = Field(
        None, description="why the source is paused until its credentials are renewed"
    )
    lag_seconds: float | None = Field(
        None, description="how late the newest item was stored after it was posted"
    )
    items_per_minute: float | None = Field(
        None, description="new items of the last run per minute since the run before"
    )


class SourceOut(BaseModel):
    id: int
    name: str
    kind: str
    enabled: bool
    config: dict[str, Any] = Field(description="The configuration, credentials masked")
    health: SourceHealthOut


class SourceIn(BaseModel):
    kind: str = Field(default="rss", description="connector kind: rss, mastodon, bluesky, ...")
    url: str = Field(default="", max_length=2000, description="the feed address (kind rss)")
    target: str = Field(
        default="", max_length=2000, description="what to listen to (other kinds; see docs)"
    )
    options: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="connector options; credentials are stored encrypted"
    )
    name: str = Field(default="", max_length=200)


class SourcePatch(BaseModel):
    enabled: bool | None = None
    options: dict[str, str | int | float | bool] | None = Field(
        None, description='options to change ("" removes one); renews credentials, resumes'
    )


class MemberOut(BaseModel):
    user_id: int
    email: str
    name: str
    role: str
    approver: bool


class MemberPatch(BaseModel):
    role: str
    approver: bool | None = None


class InvitationOut(BaseModel):
    id: int
    email: str
    role: str
    created_at: datetime
    expires_at: datetime


class InvitationIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    role: str = "viewer"


class InvitationSent(InvitationOut):
    mailed: bool
    link: str | None = Field(description="The invitation link when it was not e-mailed (once)")


class TokenOut(BaseModel):
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TokenCreated(TokenOut):
    secret: str = Field(description="The token itself; shown only in this answer")


class AuditOut(BaseModel):
    id: int
    user_email: str | None
    action: str
    target: str
    detail: dict[str, Any]
    at: datetime
