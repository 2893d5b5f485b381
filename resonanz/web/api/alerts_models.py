"""Pydantic shapes of the alerts API: rules, channels (secrets write-only), incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class DetectorOut(BaseModel):
    name: str
    label: str
    defaults: dict[str, Any] = Field(description="Every parameter with its default")


class ChannelFieldOut(BaseModel):
    name: str
    help: str
    required: bool
    secret: bool = Field(description="Write-only: stored encrypted, masked in answers")


class ChannelKindOut(BaseModel):
    kind: str
    fields: list[ChannelFieldOut]


class ChannelOut(BaseModel):
    id: int
    name: str
    kind: str
    config: dict[str, str] = Field(description="The settings; secret ones as ********")
    target: str = Field(description="The notifier's own description (no secrets)")
    created_at: datetime
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


class ChannelIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["pr-team"])
    kind: str = Field(description="email, webhook, slack, matrix or a plugin's kind")
    config: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="The kind's settings (see GET .../alerts/channel-kinds); secrets are "
        "stored encrypted and never shown back",
    )


class ChannelTestIn(BaseModel):
    lang: str = Field(default="de", pattern="^(de|en)$")


class ChannelTestOut(BaseModel):
    sent: bool
    channel: str


class RuleOut(BaseModel):
    id: int
    topic_id: int
    topic: str
    detector: str
    params: dict[str, Any]
    quiet_hours: str | None
    timezone: str
    lang: str
    channel_ids: list[int]
    channels: list[str]
    enabled: bool
    created_at: datetime
    checked_at: datetime | None


class RuleIn(BaseModel):
    topic_id: int
    detector: str = Field(default="volume_spike", description="See GET .../alerts/detectors")
    params: dict[str, Any] = Field(
        default_factory=dict, description="The detector's parameters; missing: the default"
    )
    quiet_hours: str = Field(default="", description="e.g. 22:00-07:00; empty: none")
    timezone: str = Field(default="Europe/Berlin", description="IANA time zone")
    lang: str = Field(default="de", description="de or en: the messages' language")
    channel_ids: list[int] = Field(min_length=1)


class RulePatch(BaseModel):
    params: dict[str, Any] | None = Field(
        default=None, description="The detector's parameters (all of them; missing: default)"
    )
    quiet_hours: str | None = Field(default=None, description='"" removes the quiet hours')
    timezone: str | None = None
    lang: str | None = None
    channel_ids: list[int] | None = None
    enabled: bool | None = None


class DeliveryOut(BaseModel):
    channel_id: int
    channel: str
    sequence: int
    status: str = Field(description="pending, sent or failed")
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class IncidentOut(BaseModel):
    id: int
    rule_id: int
    topic: str
    kind: str
    subject: str
    status: str = Field(description="open or resolved")
    started_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    observed: int
    expected: float
    peak_ratio: float
    explanation: str
    mention_ids: list[int]
    deliveries: list[DeliveryOut]
