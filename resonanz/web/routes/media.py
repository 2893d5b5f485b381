"""``/m/<token>``: the public address of an image attached to a post (no login).

Instagram (Meta) fetches a post's image from a public URL, so a post's stored images are
served here under their unguessable token (``post_media.token``, 32 random URL-safe
characters); the address is ``<base_url>/m/<token>``. Nothing else is reachable: an
unknown or malformed token is the 404 page.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import Response

from resonanz.errors import NotFoundError
from resonanz.store.publishing import publishing_store
from resonanz.web.deps import StoreDep
from resonanz.web.i18n import gettext as _

router = APIRouter()
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@router.api_route("/m/{token}", methods=["GET", "HEAD"])
def media_file(token: str, store: StoreDep) -> Response:
    """The image's bytes with its sniffed type."""
    found = publishing_store(store).media_by_token(token) if TOKEN_RE.match(token) else None
    if found is None:
        raise NotFoundError(_("This image does not exist."))
    return Response(
        found.data,
        media_type=found.media.mime,
        headers={
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )
