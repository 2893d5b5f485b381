"""What each platform takes besides text: images (how many, which types, how large, how
long an alt text), polls (options, their length, how long a poll runs) and threads (a
post followed by replies). A channel class describes it with the optional classmethod
``post_rules(config) -> PostRules``; a class without it takes text only.

``PostRules.problems`` lists, in the platform's units, everything a post's images, poll
and thread parts break; compose.problems names the channel in front of each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from resonanz.publishing.media import MIME_NAMES
from resonanz.publishing.models import Poll, PostMedia


def _chars(text: str) -> int:
    return len(text)


@dataclass(frozen=True)
class MediaRules:
    """Images a platform takes with one post."""

    max_images: int
    max_bytes: int
    types: frozenset[str] = frozenset(MIME_NAMES)
    alt_max: int | None = None  # None: the platform keeps no alt text
    alt_unit: str = "characters"
    alt_counter: Callable[[str], int] = _chars
    required: bool = False  # a post without an image is refused (Instagram)
    with_poll: bool = False  # images and a poll in one post
    not_built: str | None = None  # why Resonanz cannot send them there yet

    def problems(self, media: Sequence[PostMedia], poll: Poll | None) -> list[str]:
        if self.not_built and media:
            return [self.not_built]
        found: list[str] = []
        if self.required and not media:
            found.append("an image is required")
        if len(media) > self.max_images:
            found.append(f"the post has {len(media)} images, the limit is {self.max_images}")
        if media and poll is not None and not self.with_poll:
            found.append("a post cannot have both images and a poll here")
        for number, item in enumerate(media, 1):
            name = f"image {number} ({MIME_NAMES.get(item.mime, item.mime)}, {item.size:,} bytes)"
            if item.mime not in self.types:
                kinds = ", ".join(sorted(MIME_NAMES[t] for t in self.types))
                found.append(f"{name}: only {kinds} images are taken")
            if item.size > self.max_bytes:
                found.append(f"{name}: more than the limit of {self.max_bytes:,} bytes")
            if self.alt_max is not None and item.alt:
                length = self.alt_counter(item.alt)
                if length > self.alt_max:
                    found.append(
                        f"{name}: the alt text has {length} {self.alt_unit}, the limit is "
                        f"{self.alt_max}"
                    )
        return found


@dataclass(frozen=True)
class PollRules:
    """A platform's polls: option count and length, duration in minutes (None: the
    poll has no end there), whether several answers may be allowed, and the longest
    text (Telegram's question) a poll post may have."""

    min_options: int
    max_options: int
    option_max: int
    option_counter: Callable[[str], int] = _chars
    min_minutes: int | None = None
    max_minutes: int | None = None
    multiple: bool = True
    text_max: int | None = None

    def problems(self, poll: Poll, text: str) -> list[str]:
        found: list[str] = []
        count = len(poll.options)
        if not self.min_options <= count <= self.max_options:
            found.append(
                f"the poll has {count} options; {self.min_options} to {self.max_options} "
                "are allowed"
            )
        for number, option in enumerate(poll.options, 1):
            if not option.strip():
                found.append(f"poll option {number} is empty")
            elif (length := self.option_counter(option)) > self.option_max:
                found.append(
                    f"poll option {number} ({option[:20]!r}) has {length} characters, "
                    f"the limit is {self.option_max}"
                )
        lo, hi = self.min_minutes, self.max_minutes
        if lo is not None and hi is not None and not lo <= poll.minutes <= hi:
            found.append(f"the poll runs {poll.minutes} minutes; {lo} to {hi:,} are allowed")
        if poll.multiple and not self.multiple:
            found.append("polls with several answers are not possible here")
        if self.text_max is not None and len(text) > self.text_max:
            found.append(
                f"the text of a poll post (its question) has {len(text)} characters, the "
                f"limit is {self.text_max}"
            )
        return found


@dataclass(frozen=True)
class PostRules:
    """Everything besides the text: None / False where the platform (or Resonanz for
    it) takes no images, polls or threads."""

    media: MediaRules | None = None
    poll: PollRules | None = None
    thread: bool = False
    # a shorter limit for the text when images go with it (Telegram's caption)
    caption_max: int | None = None
    caption_counter: Callable[[str], int] = field(default=_chars)

    def problems(
        self, text: str, media: Sequence[PostMedia], poll: Poll | None, thread: Sequence[str]
    ) -> list[str]:
        found: list[str] = []
        if self.media is None:
            if media:
                found.append("Resonanz cannot publish images to this channel (yet)")
        else:
            found.extend(self.media.problems(media, poll))
        if poll is not None:
            if self.poll is None:
                found.append("Resonanz cannot publish polls to this channel (yet)")
            else:
                found.extend(self.poll.problems(poll, text))
        if thread and not self.thread:
            found.append(
                "Resonanz cannot publish threads to this channel (yet); the post has further parts"
            )
        if media and self.caption_max is not None:
            length = self.caption_counter(text)
            if length > self.caption_max:
                found.append(
                    f"the text goes with an image as its caption: {length} characters, the "
                    f"limit is {self.caption_max}"
                )
        return found


def rules_of(cls: type, config: object) -> PostRules:
    """A channel class's PostRules (text only when it declares none)."""
    getter = getattr(cls, "post_rules", None)
    return getter(config) if callable(getter) else PostRules()
