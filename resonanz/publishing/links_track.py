"""Tracked links in posts: ``post new --track`` replaces every http(s) link of the text
with a short link per channel, so each click is attributed to the channel it came through
(utm_source = the platform, utm_medium = social, utm_campaign as given)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import regex

from resonanz.errors import ValidationError
from resonanz.publishing.links import TrackedLink, build_utm, check_target, merge_utm, short_url
from resonanz.publishing.models import PublishChannel
from resonanz.store.links import LinkStore

# As publishing.text counts URLs: up to whitespace, without closing punctuation.
_URL = regex.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", regex.IGNORECASE)


@dataclass(frozen=True)
class Tracked:
    """The per-channel texts with short links, and the links made for them."""

    variants: dict[str, str]
    links: list[TrackedLink]


def _replace(text: str, short: Mapping[str, str]) -> str:
    replaced: str = _URL.sub(lambda m: short.get(m.group(0), m.group(0)), text)
    return replaced


def add_link(
    links: LinkStore,
    workspace_id: int,
    target: str,
    *,
    channel: PublishChannel | None = None,
    utm: Mapping[str, str | None] | None = None,
    created_by: int | None = None,
) -> TrackedLink:
    """Check the target and store a tracked link with its UTM parameters (a channel's
    defaults filled in)."""
    checked = check_target(target)
    given = dict(utm or {})
    parameters = build_utm(
        source=given.get("utm_source"),
        medium=given.get("utm_medium"),
        campaign=given.get("utm_campaign"),
        content=given.get("utm_content"),
        term=given.get("utm_term"),
        channel_kind=channel.kind if channel is not None else None,
    )
    return links.add_link(
        workspace_id,
        target=checked,
        utm=parameters,
        destination=merge_utm(checked, parameters),
        channel_id=channel.id if channel is not None else None,
        created_by=created_by,
        at=datetime.now(UTC),
    )


def track_texts(
    links: LinkStore,
    workspace_id: int,
    text: str,
    channels: Sequence[PublishChannel],
    *,
    base_url: str,
    variants: Mapping[str, str] | None = None,
    campaign: str | None = None,
    created_by: int | None = None,
) -> Tracked:
    """Each channel's text (its variant, else ``text``) with every link replaced by a
    short link of its own for that channel. The same URL twice in one text gets one
    short link. A text without links is left as it is (and gets no variant)."""
    if not base_url.startswith(("http://", "https://")):
        raise ValidationError(
            f"the base URL for short links must start with http:// or https://, not {base_url!r}"
        )
    made: list[TrackedLink] = []
    out: dict[str, str] = {}
    for channel in channels:
        original = (variants or {}).get(channel.name, text)
        found: dict[str, str] = {}
        for url in dict.fromkeys(m.group(0) for m in _URL.finditer(original)):
            if url.startswith(base_url.rstrip("/") + "/r/"):
                continue  # already a short link
            link = add_link(
                links,
                workspace_id,
                url,
                channel=channel,
                utm={"utm_campaign": campaign},
                created_by=created_by,
            )
            made.append(link)
            found[url] = short_url(base_url, link.code)
        if found:
            out[channel.name] = _replace(original, found)
        elif variants and channel.name in variants:
            out[channel.name] = original
    return Tracked(out, made)
