"""Real image files for the media tests, made with Pillow in memory."""

from __future__ import annotations

import io
import os

from PIL import Image


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (40, 30), *, noise: bool = False
) -> bytes:
    """An image in ``fmt`` (PNG, JPEG, GIF, WEBP); ``noise`` makes it barely compressible."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 90))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()
