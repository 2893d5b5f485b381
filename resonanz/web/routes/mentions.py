"""The mentions explorer: search and filter, bulk tags, CSV / JSON Lines exports."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.errors import QueryError, ValidationError
from resonanz.search import Hit
from resonanz.store import Store
from resonanz.web.deps import Access, Analyst, Editor, StoreDep, Viewer, check_csrf
from resonanz.web.enrichments import (
    aspects_of,
    emotion_names,
    emotion_of,
    keywords_of,
    parse_sentiment,
    sentiment_names,
    sentiment_of,
)
from resonanz.web.exports import export_response
from resonanz.web.highlight import highlight, safe_url
from resonanz.web.labelling import (
    Labels,
    labels_of,
    parse_aspects,
    parse_relevant,
    save_labels,
)
from resonanz.web.mention_search import SearchForm, build_search, hits, page
from resonanz.web.templating import render

router = APIRouter()
_MAX_TAGGED = 1000


def search_form(
    q: str = "",
    topic: str = "",
    platform: str = "",
    language: str = "",
    author: str = "",
    since: str = "",
    until: str = "",
    sentiment: str = "",
    emotion: str = "",
    aspect: str = "",
) -> SearchForm:
    """The explorer's filters from the query string, as typed (``?lang=`` is the UI's)."""
    return SearchForm(
        q, topic, platform, language, author, since, until, sentiment, emotion, aspect
    )


FormDep = Annotated[SearchForm, Depends(search_form)]


def _rows(store: Store, access: Access, found: list[Hit]) -> list[dict[str, Any]]:
    """What the template shows of each hit (with the training labels for editors)."""
    workspace_id = access.workspace.id
    names = {t.id: t.name for t in store.list_topics(workspace_id)}
    ids = [h.mention.id for h in found if h.mention.id is not None]
    tags = store.accounts.tags_of(ids)
    labels = labels_of(store, workspace_id, ids) if access.can("editor") else {}
    return [
        {
            "mention": h.mention,
            "html": highlight(h.mention.text, h.terms),
            "link": safe_url(h.mention.url),
            "topics": [names.get(t.topic_id, "") for t in h.mention.matches],
            "terms": h.terms,
            "tags": tags.get(h.mention.id or 0, []),
            "posted": h.mention.created_at or h.mention.collected_at,
            "sentiment": sentiment_of(h.mention.enrichments),
            "emotion": emotion_of(h.mention.enrichments),
            "keywords": keywords_of(h.mention.enrichments),
            "aspects": aspects_of(h.mention.enrichments),
            "labels": labels.get(h.mention.id or 0, Labels()),
        }
        for h in found
    ]


@router.get("/w/{slug}/mentions")
def mentions_page(
    request: Request,
    access: Viewer,
    store: StoreDep,
    form: FormDep,
    cursor: Annotated[str | None, Query()] = None,
) -> Response:
    """The explorer (the result list alone for HTMX requests)."""
    ws = access.workspace
    # A history restore (back button after a cache miss) needs the whole page.
    fragment = (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )
    context: dict[str, Any] = {
        "nav": "mentions",
        "form": form,
        "fragment": fragment,
        "topics": store.list_topics(ws.id),
        "sentiments": sentiment_names(),
        "emotions": emotion_names(),
        "query_string": urlencode(form.as_query()),
        "base": f"/w/{ws.slug}/mentions",
        "rows": [],
        "next_cursor": None,
        "query_error": None,
        "filter_error": None,
    }
    template = "mentions_results.html" if fragment else "mentions.html"
    if not fragment:
        facets = request.app.state.facets.get(store, ws.id)
        context.update(platforms=facets.platforms, langs=facets.langs)
    try:
        search = build_search(store, ws.id, form)
        found, next_cursor = page(store, ws.id, search, cursor=cursor)
    except QueryError as exc:
        context["query_error"] = exc
        return render(request, template, context, status=422)
    except ValidationError as exc:
        context["filter_error"] = str(exc)
        return render(request, template, context, status=422)
    context["rows"] = _rows(store, access, found)
    context["next_cursor"] = next_cursor
    response = render(request, template, context)
    response.headers["Vary"] = "HX-Request"
    return response


@router.post("/w/{slug}/mentions/tags", dependencies=[Depends(check_csrf)])
async def tag_mentions(request: Request, access: Analyst, store: StoreDep) -> Response:
    """Tag the checked mentions (only the workspace's own), then back to the explorer."""
    form = await request.form()
    ids: list[int] = []
    for value in form.getlist("mention_id"):
        if isinstance(value, str) and value.isdigit():
            ids.append(int(value))
    if not ids or len(ids) > _MAX_TAGGED:
        raise ValidationError(f"choose between 1 and {_MAX_TAGGED} mentions to tag")
    tag = form.get("tag")
    tag_text = tag if isinstance(tag, str) else ""
    count = store.accounts.tag_mentions(access.workspace.id, ids, tag_text)
    store.accounts.audit(
        access.workspace.id, access.user.id, "mentions.tag", tag_text.strip(), {"count": count}
    )
    return _back(access, form.get("back"))


def _back(access: Access, back: object) -> RedirectResponse:
    """To the explorer with the search the form came from (a query string, never a URL)."""
    query = back if isinstance(back, str) and not back.startswith(("/", "\\")) else ""
    target = f"/w/{access.workspace.slug}/mentions" + (f"?{query}" if query else "")
    return RedirectResponse(target, status_code=303)


_LABEL_FIELDS = ("sentiment", "relevant", "aspects")


@router.post("/w/{slug}/mentions/{mention_id}/labels", dependencies=[Depends(check_csrf)])
async def label_mention(
    request: Request, mention_id: int, access: Editor, store: StoreDep
) -> Response:
    """Set the mention's training labels (sentiment, relevance, aspects); an empty value
    removes one.

    HTMX requests get the mention's label form back; others go back to the explorer. A bad
    value stores nothing: the form comes back (alone for HTMX, on a page of its own
    otherwise) with what was typed and what is wrong (422).
    """
    form = await request.form()
    back = form.get("back")
    typed = {name: form.get(name) for name in _LABEL_FIELDS}
    values = {name: value if isinstance(value, str) else "" for name, value in typed.items()}
    try:
        labels = Labels(
            sentiment=parse_sentiment(values["sentiment"]),
            relevant=parse_relevant(values["relevant"]),
            aspects=parse_aspects(values["aspects"]),
        )
    except ValidationError as exc:
        store.get_mention(access.workspace.id, mention_id)  # 404 for another's mention
        return _label_form(request, access, mention_id, back, typed=values, error=str(exc))
    save_labels(store, access, mention_id, labels, source="ui")
    if request.headers.get("hx-request") != "true":
        return _back(access, back)
    return _label_form(request, access, mention_id, back, labels=labels)


def _label_form(
    request: Request,
    access: Access,
    mention_id: int,
    back: object,
    *,
    labels: Labels | None = None,
    typed: dict[str, str] | None = None,
    error: str = "",
) -> Response:
    """The label form of one mention: saved labels, or what was typed with its error."""
    context: dict[str, Any] = {
        "mention_id": mention_id,
        "labels": labels or Labels(),
        "saved": labels is not None,
        "error": error,
        "base": f"/w/{access.workspace.slug}/mentions",
        "query_string": back if isinstance(back, str) else "",
        "sentiments": sentiment_names(),
        "nav": "mentions",
    }
    if typed is not None:
        context["typed"] = typed
    htmx = request.headers.get("hx-request") == "true"
    template = "_mention_labels.html" if htmx else "mention_labels.html"
    return render(request, template, context, status=422 if error else 200)


def _export(access: Analyst, store: Store, form: SearchForm, fmt: str) -> Response:
    ws = access.workspace
    search = build_search(store, ws.id, form)
    return export_response(store, ws.id, ws.slug, hits(store, ws.id, search), fmt)


@router.get("/w/{slug}/mentions/export.csv")
def export_csv(access: Analyst, store: StoreDep, form: FormDep) -> Response:
    """All mentions of the search as a CSV download (streamed; UTF-8 with BOM)."""
    return _export(access, store, form, "csv")


@router.get("/w/{slug}/mentions/export.jsonl")
def export_jsonl(access: Analyst, store: StoreDep, form: FormDep) -> Response:
    """All mentions of the search as a JSON Lines download (streamed)."""
    return _export(access, store, form, "jsonl")
