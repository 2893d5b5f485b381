"""Posts: write, validate in each platform's units, schedule, publish now, edit, delete.

Every check happens before anything is scheduled. A post that fails one (too long for a
channel, a disconnected channel, a time in the past) is kept as a draft and the error
names the post, the channel and what is wrong; nothing the user wrote is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from resonanz.errors import ValidationError
from resonanz.publishing.channels import channel_class
from resonanz.publishing.media import MAX_IMAGES, ImageInfo, check_alt, inspect_image
from resonanz.publishing.models import Poll, Post, PublishChannel
from resonanz.publishing.post_rules import rules_of
from resonanz.publishing.when import PlannedTime, check_future, plan
from resonanz.store.publishing import PublishingStore


@dataclass(frozen=True)
class Composed:
    """A stored post and, when it was scheduled, its planned time (with any DST note)."""

    post: Post
    planned: PlannedTime | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def problems(
    post: Post,
    channels: Sequence[PublishChannel],
    classes: Mapping[str, type],
    *,
    require_alt: bool = False,
) -> list[str]:
    """Every reason the post cannot be scheduled for these channels, channel by channel:
    the text and each thread part in the platform's units, its images and its poll."""
    found: list[str] = []
    if not channels:
        found.append("the post has no channel to go to")
    if require_alt:
        found.extend(
            f"image {number} has no alt text (the workspace requires it)"
            for number, item in enumerate(post.media, 1)
            if not item.alt.strip()
        )
    for channel in channels:
        if channel.status != "connected":
            why = f" ({channel.last_error})" if channel.last_error else ""
            found.append(
                f"channel {channel.name!r} is disconnected{why}; reconnect it with "
                f"'resonanz channels reconnect {channel.name}'"
            )
        cls = channel_class(classes, channel.kind)
        limits = cls.text_limits(channel.config)
        text = post.text_for(channel.id)
        where = f"{channel.name} ({channel.kind})"
        for problem in limits.problems(text):
            found.append(f"{where}: {problem}")
        rules = rules_of(cls, channel.config)
        for problem in rules.problems(text, post.media, post.poll, post.thread):
            found.append(f"{where}: {problem}")
        if rules.thread:
            for number, part in enumerate(post.thread, 2):
                for problem in limits.problems(part):
                    found.append(f"{where}: thread part {number}: {problem}")
    return found


def _problems_of(
    pub: PublishingStore,
    post: Post,
    channels: Sequence[PublishChannel],
    classes: Mapping[str, type],
) -> list[str]:
    return problems(post, channels, classes, require_alt=pub.require_alt(post.workspace_id))


@dataclass(frozen=True)
class NewImage:
    """An upload for a post: its bytes and alt text."""

    data: bytes
    alt: str = ""


def checked_images(images: Sequence[NewImage]) -> list[tuple[ImageInfo, bytes, str]]:
    """Each upload inspected (type from the bytes, whole, not too big); ValidationError
    naming the image when one is not, before anything is stored."""
    if len(images) > MAX_IMAGES:
        raise ValidationError(f"a post has at most {MAX_IMAGES} images, not {len(images)}")
    checked = []
    for number, image in enumerate(images, 1):
        what = f"image {number}"
        checked.append((inspect_image(image.data, what), image.data, check_alt(image.alt, what)))
    return checked


def checked_extras(thread: Sequence[str], poll: Poll | None) -> tuple[tuple[str, ...], Poll | None]:
    """Thread parts and poll, trimmed; an empty part or a poll option that is empty
    after trimming is refused (what the platforms refuse too)."""
    parts = tuple(part.strip() for part in thread)
    for number, part in enumerate(parts, 2):
        if not part:
            raise ValidationError(f"thread part {number} is empty")
    if poll is None:
        return parts, None
    options = tuple(option.strip() for option in poll.options)
    for number, option in enumerate(options, 1):
        if not option:
            raise ValidationError(f"poll option {number} is empty")
    if len(set(options)) != len(options):
        raise ValidationError("the poll has the same option twice")
    if poll.minutes < 1:
        raise ValidationError(f"a poll runs at least 1 minute, not {poll.minutes}")
    return parts, Poll(options=options, minutes=poll.minutes, multiple=poll.multiple)


def attach_media(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    post_id: int,
    data: bytes,
    alt: str = "",
) -> Post:
    """Add one image to a post (the web composer's and the API's entry point). A bad
    upload stores nothing; an image a channel cannot take is stored, and a scheduled
    post goes back to draft with an error saying why (as an edit that no longer fits)."""
    [(info, body, text)] = checked_images([NewImage(data, alt)])
    post = pub.attach_media(workspace_id, post_id, [(info, body, text)], at=_now(), most=MAX_IMAGES)
    return _recheck(pub, classes, post)


def remove_media(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    post_id: int,
    media_id: int,
) -> Post:
    """Remove one image of a post (an Instagram post without one goes back to draft)."""
    return _recheck(pub, classes, pub.remove_media(workspace_id, post_id, media_id, at=_now()))


def set_alt(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    post_id: int,
    media_id: int,
    alt: str,
) -> Post:
    """Change one image's alt text (checked as for an upload; rechecked as an edit)."""
    text = check_alt(alt, f"image {media_id}")
    return _recheck(
        pub, classes, pub.set_media_alt(workspace_id, post_id, media_id, text, at=_now())
    )


def _recheck(pub: PublishingStore, classes: Mapping[str, type], post: Post) -> Post:
    found = _problems_of(pub, post, _channels_of(pub, post), classes)
    if found and post.status == "scheduled":
        post = pub.edit_post(
            post.workspace_id,
            post.id,
            text=post.text,
            variants=post.variants,
            at=_now(),
            to_draft=True,
        )
        raise _refuse(post, found, "scheduled")
    return post


def _channels_of(pub: PublishingStore, post: Post) -> list[PublishChannel]:
    deliveries = pub.deliveries(post.workspace_id, post_id=post.id)
    return [pub.get_channel_by_id(d.channel_id) for d in deliveries if d.channel_id is not None]


def _variants(
    channels: Sequence[PublishChannel], variants: Mapping[str, str] | None
) -> dict[int, str]:
    by_name = {channel.name: channel.id for channel in channels}
    result: dict[int, str] = {}
    for name, text in (variants or {}).items():
        if name not in by_name:
            raise ValidationError(
                f"a variant is for channel {name!r}, which the post does not go to "
                f"(its channels: {', '.join(sorted(by_name)) or 'none'})"
            )
        if not text.strip():
            raise ValidationError(f"the variant for {name!r} is empty")
        result[by_name[name]] = text
    return result


def _refuse(post: Post, found: list[str], doing: str) -> ValidationError:
    listed = "; ".join(found)
    # A scheduled post asked to move keeps its old time; anything else stays a draft.
    kept = "left as it was" if post.status == "scheduled" else "kept as a draft"
    return ValidationError(f"post {post.id} {kept}, not {doing}: {listed}")


def new_post(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    text: str,
    channel_names: Sequence[str],
    *,
    variants: Mapping[str, str] | None = None,
    author_id: int | None = None,
    at: str | None = None,
    timezone: str = "UTC",
    now: datetime | None = None,
    images: Sequence[NewImage] = (),
    thread: Sequence[str] = (),
    poll: Poll | None = None,
) -> Composed:
    """Store a post for these channels (with its images, further thread parts and
    poll); schedule it when ``at`` is given. An empty text, an unknown channel or a bad
    upload stores nothing; any other problem keeps the post as a draft and raises
    ValidationError saying so."""
    if not text.strip():
        raise ValidationError("the post's text is empty")
    if not channel_names:
        raise ValidationError("name at least one channel (--channel NAME)")
    channels = [pub.get_channel(workspace_id, name) for name in dict.fromkeys(channel_names)]
    planned = plan(at, timezone) if at is not None else None  # a bad time stores nothing
    media = checked_images(images)
    parts, poll = checked_extras(thread, poll)
    post = pub.create_post(
        workspace_id,
        text=text,
        variants=_variants(channels, variants),
        channels=channels,
        author_id=author_id,
        timezone=timezone,
        at=_now(),
        thread=parts,
        poll=poll,
        media=media,
    )
    if planned is None:
        return Composed(post)
    return _schedule(pub, classes, post, channels, planned, now or _now())


def _schedule(
    pub: PublishingStore,
    classes: Mapping[str, type],
    post: Post,
    channels: Sequence[PublishChannel],
    planned: PlannedTime,
    now: datetime,
    *,
    doing: str = "scheduled",
) -> Composed:
    found = _problems_of(pub, post, channels, classes)
    try:
        check_future(planned, now)
    except ValidationError as exc:
        found.insert(0, str(exc))
    if found:
        raise _refuse(post, found, doing)
    scheduled = pub.schedule_post(
        post.workspace_id,
        post.id,
        scheduled_at=planned.utc,
        timezone=planned.timezone,
        local_time=planned.local_time,
        at=_now(),
    )
    return Composed(scheduled, planned)


def schedule(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    post_id: int,
    at: str,
    *,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> Composed:
    """Schedule (or reschedule) a post for a wall time in ``timezone``."""
    post = pub.get_post(workspace_id, post_id)
    planned = plan(at, timezone)
    return _schedule(pub, classes, post, _channels_of(pub, post), planned, now or _now())


def publish_now(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    post_id: int,
    *,
    now: datetime | None = None,
) -> Composed:
    """Make every unsent delivery of the post due now (failed and needs-attention ones
    too: this is how a user retries them)."""
    post = pub.get_post(workspace_id, post_id)
    moment = now or _now()
    planned = PlannedTime(
        utc=moment, timezone=post.timezone, local_time=f"{moment:%Y-%m-%d %H:%M} UTC"
    )
    return _schedule(
        pub, classes, post, _channels_of(pub, post), planned, moment, doing="published"
    )


def edit_post(
    pub: PublishingStore,
    classes: Mapping[str, type],
    workspace_id: int,
    post_id: int,
    text: str,
    *,
    variants: Mapping[str, str] | None = None,
    extras: tuple[Sequence[str], Poll | None] | None = None,
) -> Post:
    """Change the text (and with ``extras`` the thread parts and the poll; None keeps
    them). Deliveries not yet sent go out with the new text (a claim of the old one is
    dropped before sending); thread parts a delivery already published stay as they are
    and a retry continues with the new texts of the parts after them. A text that no
    longer fits a channel is stored, and the post goes back to draft with an error
    saying why."""
    if not text.strip():
        raise ValidationError("the post's text is empty; the post is unchanged")
    post = pub.get_post(workspace_id, post_id)
    channels = _channels_of(pub, post)
    mapped = _variants(channels, variants) if variants is not None else dict(post.variants)
    if extras is not None:
        extras = checked_extras(*extras)
    thread, poll = extras if extras is not None else (post.thread, post.poll)
    candidate = replace(post, text=text, variants=mapped, thread=tuple(thread), poll=poll)
    found = _problems_of(pub, candidate, channels, classes)
    edited = pub.edit_post(
        workspace_id,
        post_id,
        text=text,
        variants=mapped,
        at=_now(),
        to_draft=bool(found) and post.status == "scheduled",
        extras=extras,
    )
    if found:
        raise _refuse(edited, found, "scheduled")
    return edited


def delete_post(pub: PublishingStore, workspace_id: int, post_id: int) -> int:
    """Delete the post; returns how many unsent deliveries were canceled."""
    return pub.delete_post(workspace_id, post_id, at=_now())
