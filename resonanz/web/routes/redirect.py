"""``/r/<code>``: the public short-link redirect of tracked links (no login).

Answers 302 to the link's destination (the target with its UTM parameters) and counts the
request: crawlers, link-preview fetchers and HEAD requests as bots, a visitor's second
click within the repeat window as a repeat, everything else as a click. The visitor is a
salted hash of address and user agent (see resonanz.publishing.links); neither is stored.
A failure to count never stops the redirect.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from resonanz.errors import NotFoundError, StoreError
from resonanz.publishing.links import CODE_RE, REPEAT_WINDOW, is_bot
from resonanz.store.links import link_store
from resonanz.web.deps import StoreDep
from resonanz.web.i18n import gettext as _

router = APIRouter()
log = logging.getLogger(__name__)


@router.api_route("/r/{code}", methods=["GET", "HEAD"])
def follow_link(code: str, request: Request, store: StoreDep) -> RedirectResponse:
    """Redirect to the tracked link's destination and count the click."""
    links = link_store(store)
    if not CODE_RE.match(code):
        raise NotFoundError(_("This short link does not exist."))
    try:
        link = links.link_by_code(code)
    except NotFoundError:
        raise NotFoundError(_("This short link does not exist.")) from None
    agent = request.headers.get("user-agent", "")
    try:
        links.record_click(
            link.id,
            at=datetime.now(UTC),
            bot=is_bot(agent, request.method),
            address=request.client.host if request.client else "",
            user_agent=agent,
            window=REPEAT_WINDOW,
        )
    except StoreError as exc:
        log.warning("click on %s not counted: %s", code, exc)
    return RedirectResponse(
        link.destination,
        status_code=302,
        headers={"Cache-Control": "no-store"},
    )
