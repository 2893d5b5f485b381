"""Length rules in each platform's own units.

Bluesky: a post's text may have at most 300 graphemes (user-perceived characters: an
emoji with skin tone or a flag is one) and 3,000 UTF-8 bytes (the lexicon's
``maxGraphemes`` and ``maxLength``). Mastodon: the instance's ``max_characters`` (from
``/api/v1/instance``), counted in graphemes like Mastodon's own validator, with every URL
counting as ``characters_reserved_per_url`` (23) and a remote mention ``@user@domain``
counting as ``@user``.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

_URL = regex.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", regex.IGNORECASE)
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\w", regex.UNICODE)


def graphemes(text: str) -> int:
    """The number of extended grapheme clusters (Unicode UAX #29) in ``text``."""
    return len(regex.findall(r"\X", text))


@dataclass(frozen=True)
class TextLimits:
    """How a platform measures a post and how much it allows."""

    max_units: int
    unit: str  # "graphemes" | "characters"
    url_units: int | None = None  # a URL counts as this many units (None: as written)
    max_bytes: int | None = None
    local_mentions: bool = False  # "@user@domain" counts as "@user"

    def measure(self, text: str) -> int:
        """The text's length in the platform's units."""
        counted = text
        if self.local_mentions:
            counted = _REMOTE_MENTION.sub(r"\1", counted)
        if self.url_units is not None:
            urls = _URL.findall(counted)
            counted = _URL.sub("", counted)
            return graphemes(counted) + self.url_units * len(urls)
        return graphemes(counted)

    def problems(self, text: str) -> list[str]:
        """What is wrong with ``text`` here (empty when it fits)."""
        found = []
        if not text.strip():
            found.append("the text is empty")
            return found
        length = self.measure(text)
        if length > self.max_units:
            how = f" (URLs count as {self.url_units})" if self.url_units is not None else ""
            found.append(
                f"the text has {length} {self.unit}{how}, {length - self.max_units} more than "
                f"the limit of {self.max_units}"
            )
        size = len(text.encode("utf-8"))
        if self.max_bytes is not None and size > self.max_bytes:
            found.append(f"the text has {size} bytes in UTF-8, the limit is {self.max_bytes}")
        return found


BLUESKY_LIMITS = TextLimits(max_units=300, unit="graphemes", max_bytes=3000)
MASTODON_DEFAULT_MAX = 500


def mastodon_limits(max_characters: int | None, url_units: int | None) -> TextLimits:
    """Limits of a Mastodon instance from its /api/v1/instance configuration."""
    return TextLimits(
        max_units=max_characters or MASTODON_DEFAULT_MAX,
        unit="characters",
        url_units=23 if url_units is None else url_units,
        local_mentions=True,
    )


def link_spans(text: str) -> list[tuple[int, int, str]]:
    """(byte start, byte end, URL) of each http(s) URL: Bluesky link facets use UTF-8
    byte offsets."""
    spans = []
    for match in _URL.finditer(text):
        start = len(text[: match.start()].encode("utf-8"))
        end = start + len(match.group(0).encode("utf-8"))
        spans.append((start, end, match.group(0)))
    return spans
