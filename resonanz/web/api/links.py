"""REST: tracked links of a workspace (list, create) and one link's clicks per day.
The public redirect itself is the page route ``/r/<code>`` (routes/redirect.py)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from resonanz.publishing.links import TrackedLink, links_base_url, short_url
from resonanz.publishing.links_track import add_link
from resonanz.store.links import link_store
from resonanz.store.publishing import publishing_store
from resonanz.web.api.models import ERRORS
from resonanz.web.deps import Editor, SettingsDep, StoreDep, Viewer

router = APIRouter(tags=["links"], responses=ERRORS)
PREFIX = "/workspaces/{slug}/links"


class LinkIn(BaseModel):
    url: str = Field(
        min_length=1, max_length=2048, examples=["https://example.org/x"], description="Target"
    )
    channel: str | None = Field(
        None, description="A publishing channel's name: utm_source/utm_medium default to it"
    )
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_content: str | None = None
    utm_term: str | None = None


class LinkOut(BaseModel):
    id: int
    code: str
    short_url: str
    target: str
    destination: str = Field(description="The target with the UTM parameters merged in")
    utm: dict[str, str]
    channel_id: int | None
    post_id: int | None
    clicks: int = Field(description="Counted clicks (bots and repeats left out)")
    created_at: datetime


class DayClicksOut(BaseModel):
    day: date
    clicks: int
    bots: int = Field(description="Crawlers, link previews and HEAD requests (not counted)")
    repeats: int = Field(description="The same visitor again within 30 minutes (not counted)")


def _out(link: TrackedLink, base: str, clicks: int) -> LinkOut:
    return LinkOut(
        id=link.id,
        code=link.code,
        short_url=short_url(base, link.code),
        target=link.target,
        destination=link.destination,
        utm=dict(link.utm),
        channel_id=link.channel_id,
        post_id=link.post_id,
        clicks=clicks,
        created_at=link.created_at,
    )


@router.get(PREFIX, response_model=list[LinkOut])
def list_links(access: Viewer, store: StoreDep, settings: SettingsDep) -> list[LinkOut]:
    """The workspace's tracked links with their counted clicks."""
    links = link_store(store)
    totals = links.totals(access.workspace.id)
    base = links_base_url(settings)
    return [_out(k, base, totals.get(k.id, 0)) for k in links.list_links(access.workspace.id)]


class SourceClicksOut(BaseModel):
    source: str = Field(description="utm_source (the channel's platform); '' for none")
    clicks: int


@router.get(PREFIX + "/sources", response_model=list[SourceClicksOut])
def clicks_by_source(access: Viewer, store: StoreDep) -> list[SourceClicksOut]:
    """Counted clicks of all links per utm_source, most first: clicks per channel."""
    totals = link_store(store).by_source(access.workspace.id)
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [SourceClicksOut(source=k, clicks=v) for k, v in ranked]


@router.post(PREFIX, response_model=LinkOut, status_code=201)
def create_link(body: LinkIn, access: Editor, store: StoreDep, settings: SettingsDep) -> LinkOut:
    """Make a short link (only http and https targets)."""
    ws = access.workspace.id
    channel = publishing_store(store).get_channel(ws, body.channel) if body.channel else None
    link = add_link(
        link_store(store),
        ws,
        body.url,
        channel=channel,
        utm=body.model_dump(
            include={"utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"}
        ),
        created_by=access.user.id,
    )
    store.accounts.audit(ws, access.user.id, "link.create", link.code, {"target": link.target})
    return _out(link, links_base_url(settings), 0)


@router.get(PREFIX + "/{link_id}/clicks", response_model=list[DayClicksOut])
def link_clicks(link_id: int, access: Viewer, store: StoreDep) -> list[DayClicksOut]:
    """The link's counts per UTC day, oldest first."""
    links = link_store(store)
    link = links.get_link(access.workspace.id, link_id)
    return [DayClicksOut(**vars(c)) for c in links.clicks(link.id)]
