"""Images for posts: what an upload is (sniffed from its bytes, never from its name),
whether it is whole, and its size in pixels.

JPEG, PNG, GIF and WebP are taken; anything else, a file cut short or one Pillow cannot
decode is refused with a message naming the image, and nothing is stored.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from resonanz.errors import ValidationError

# The largest image any channel takes (Mastodon instances commonly allow 16 MiB).
MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_IMAGES = 4
MAX_ALT_CHARS = 5000  # the longest alt text any platform keeps is 2,000 graphemes

# magic bytes -> MIME type
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),  # after "RIFF" and the chunk size
)
_PILLOW_FORMAT = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
MIME_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP"}


@dataclass(frozen=True)
class ImageInfo:
    """What an upload turned out to be."""

    mime: str
    size: int
    width: int
    height: int
    sha256: str


def sniff_mime(data: bytes) -> str | None:
    """The image type the bytes start with (JPEG, PNG, GIF, WebP), or None."""
    for magic, offset, mime in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            if mime == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return mime
    return None


def inspect_image(data: bytes, what: str = "the image") -> ImageInfo:
    """Check an upload and describe it; ValidationError (naming ``what``) when it is not
    a whole JPEG, PNG, GIF or WebP image of at most MAX_IMAGE_BYTES."""
    if not data:
        raise ValidationError(f"{what} is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(
            f"{what} has {len(data):,} bytes, more than the {MAX_IMAGE_BYTES:,} any channel takes"
        )
    mime = sniff_mime(data)
    if mime is None:
        raise ValidationError(f"{what} is not a JPEG, PNG, GIF or WebP image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[mime]]) as image:
                width, height = image.size
                image.load()  # decodes every byte: a file cut short fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(f"{what} has too many pixels ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            f"{what} is a damaged or incomplete {MIME_NAMES[mime]} file ({exc})"
        ) from exc
    if mime == "image/jpeg" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise ValidationError(f"{what} is an incomplete JPEG file (its end marker is missing)")
    return ImageInfo(
        mime=mime,
        size=len(data),
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def check_alt(alt: str, what: str = "the image") -> str:
    """The alt text trimmed; ValidationError when it is absurdly long."""
    alt = alt.strip()
    if len(alt) > MAX_ALT_CHARS:
        raise ValidationError(
            f"the alt text of {what} has {len(alt)} characters (at most {MAX_ALT_CHARS:,})"
        )
    return alt
