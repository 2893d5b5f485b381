"""Write a post as a draft, its links optionally replaced by tracked short links per
channel, then schedule or publish it: what ``post new [--track]`` does, for the web
composer and the REST API.

The draft is stored first, so a post that fails a check when it is scheduled (too long,
a disconnected channel, a time in the past) is still there, with its id, and nothing the
user wrote is lost. A time that cannot be read stores nothing (as in compose.new_post).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resonanz.config import Settings
from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.links import links_base_url
from resonanz.publishing.links_track import track_texts
from resonanz.publishing.models import Poll, Post
from resonanz.publishing.when import plan
from resonanz.store import Store
from resonanz.store.links import link_store
from resonanz.store.publishing import PublishingStore, publishing_store

DRAFT, SCHEDULE, PUBLISH = "draft", "schedule", "publish"
ACTIONS = (DRAFT, SCHEDULE, PUBLISH)


@dataclass(frozen=True)
class Written:
    """The stored post, what was done with it, and (when it was kept as a draft) why."""

    post: Post
    composed: compose.Composed | None = None
    refused: str | None = None
    tracked_links: int = 0


def write_post(
    store: Store,
    settings: Settings,
    classes: Mapping[str, type],
    workspace_id: int,
    text: str,
    channel_names: Sequence[str],
    *,
    action: str = DRAFT,
    variants: Mapping[str, str] | None = None,
    at: str | None = None,
    timezone: str = "UTC",
    author_id: int | None = None,
    track: bool = False,
    campaign: str | None = None,
    images: Sequence[compose.NewImage] = (),
    thread: Sequence[str] = (),
    poll: Poll | None = None,
) -> Written:
    """Store the post, then schedule it for ``at`` (action ``schedule``) or make it due
    now (``publish``), with its images, further thread parts and poll (links in thread
    parts are not tracked). A check that fails after the draft is stored is returned in
    ``refused`` (the post stays a draft); bad input before that raises ValidationError."""
    if action not in ACTIONS:
        raise ValidationError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    if action == SCHEDULE:
        if not at:
            raise ValidationError("to schedule a post, give a date and time")
        plan(at, timezone)  # an unreadable time or unknown zone stores nothing
    if campaign and not track:
        raise ValidationError("a campaign is for tracked links: switch tracking on")
    if not text.strip():
        raise ValidationError("the post's text is empty")
    pub = publishing_store(store)
    given = dict(variants or {})
    links = []
    if track:
        targets = [pub.get_channel(workspace_id, name) for name in dict.fromkeys(channel_names)]
        tracked = track_texts(
            link_store(store),
            workspace_id,
            text,
            targets,
            base_url=links_base_url(settings),
            variants=given,
            campaign=campaign or None,
            created_by=author_id,
        )
        given = {**given, **tracked.variants}
        links = tracked.links
    draft = compose.new_post(
        pub,
        classes,
        workspace_id,
        text,
        channel_names,
        variants=given,
        author_id=author_id,
        timezone=timezone,
        images=images,
        thread=thread,
        poll=poll,
    ).post
    if links:
        link_store(store).attach_post(workspace_id, [link.id for link in links], draft.id)
    return then(pub, classes, draft, action, at=at, timezone=timezone, links=len(links))


def then(
    pub: PublishingStore,
    classes: Mapping[str, type],
    post: Post,
    action: str,
    *,
    at: str | None = None,
    timezone: str = "UTC",
    links: int = 0,
) -> Written:
    """Schedule or publish a stored post as ``action`` says; a refusal is returned."""
    try:
        if action == SCHEDULE:
            if not at:
                raise ValidationError("to schedule a post, give a date and time")
            done = compose.schedule(pub, classes, post.workspace_id, post.id, at, timezone=timezone)
        elif action == PUBLISH:
            done = compose.publish_now(pub, classes, post.workspace_id, post.id)
        else:
            return Written(pub.get_post(post.workspace_id, post.id), tracked_links=links)
    except ValidationError as exc:
        current = pub.get_post(post.workspace_id, post.id)
        return Written(current, refused=str(exc), tracked_links=links)
    return Written(done.post, done, tracked_links=links)
