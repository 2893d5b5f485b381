"""REST: search, read, tag and export the workspace's mentions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from resonanz.search import Hit
from resonanz.store import Store
from resonanz.web.api.models import (
    ERRORS,
    EmotionOut,
    EngagementOut,
    MentionAuthorOut,
    MentionLabelsIn,
    MentionLabelsOut,
    MentionOut,
    MentionPageOut,
    MentionTagIn,
    MentionTagOut,
    SentimentOut,
)
from resonanz.web.deps import Analyst, Editor, StoreDep, Viewer
from resonanz.web.enrichments import emotion_of, sentiment_of
from resonanz.web.exports import export_response
from resonanz.web.labelling import Labels, labels_of, parse_aspects, save_labels
from resonanz.web.mention_search import SearchForm, build_search, hits, page

router = APIRouter(tags=["mentions"], responses=ERRORS)


def api_search(
    q: Annotated[str, Query(description="A query in the topic query language")] = "",
    topic: Annotated[str, Query(description="A topic name")] = "",
    platform: str = "",
    lang: str = "",
    author: Annotated[str, Query(description="An author handle")] = "",
    since: Annotated[str, Query(description="YYYY-MM-DD or ISO time, inclusive")] = "",
    until: Annotated[str, Query(description="YYYY-MM-DD (whole day) or ISO time, exclusive")] = "",
    sentiment: Annotated[str, Query(description="negative, neutral or positive")] = "",
    emotion: Annotated[
        str,
        Query(
            description="The top emotion: joy, trust, fear, surprise, sadness, disgust, "
            "anger or anticipation"
        ),
    ] = "",
    aspect: Annotated[
        str, Query(description="An aspect category the mention names (exact name)")
    ] = "",
) -> SearchForm:
    """The search filters of the query string."""
    return SearchForm(q, topic, platform, lang, author, since, until, sentiment, emotion, aspect)


SearchDep = Annotated[SearchForm, Depends(api_search)]


def _out(store: Store, workspace_id: int, found: list[Hit]) -> list[MentionOut]:
    names = {t.id: t.name for t in store.list_topics(workspace_id)}
    tags = store.accounts.tags_of([h.mention.id for h in found if h.mention.id is not None])
    out = []
    for hit in found:
        m = hit.mention
        a, e = m.author, m.engagement
        sentiment = sentiment_of(m.enrichments)
        emotion = emotion_of(m.enrichments)
        out.append(
            MentionOut(
                id=m.id or 0,
                platform=m.platform,
                native_id=m.native_id,
                posted_at=m.created_at or m.collected_at,
                url=m.url,
                title=m.title,
                text=m.text,
                lang=m.lang,
                sentiment=SentimentOut(**vars(sentiment)) if sentiment else None,
                emotion=EmotionOut(
                    top=emotion.top, scores=emotion.scores, terms=list(emotion.terms)
                )
                if emotion
                else None,
                author=MentionAuthorOut(
                    handle=a.handle, name=a.name, followers=a.followers, url=a.url
                )
                if a
                else None,
                engagement=EngagementOut(
                    likes=e.likes,
                    reposts=e.reposts,
                    replies=e.replies,
                    quotes=e.quotes,
                    views=e.views,
                ),
                topics=[names.get(t.topic_id, "") for t in m.matches],
                matched_terms=list(hit.terms),
                tags=tags.get(m.id or 0, []),
            )
        )
    return out


@router.get("/workspaces/{slug}/mentions", response_model=MentionPageOut)
def list_mentions(
    access: Viewer,
    store: StoreDep,
    form: SearchDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> MentionPageOut:
    """Mentions matching the query and filters, newest first, one page at a time."""
    ws = access.workspace
    search = build_search(store, ws.id, form)
    found, next_cursor = page(store, ws.id, search, cursor=cursor, limit=limit)
    return MentionPageOut(items=_out(store, ws.id, found), next_cursor=next_cursor)


@router.get("/workspaces/{slug}/mentions/export", response_class=StreamingResponse)
def export_mentions(
    access: Analyst,
    store: StoreDep,
    form: SearchDep,
    format: Literal["csv", "jsonl"] = "csv",
) -> StreamingResponse:
    """Every mention of the search as CSV or JSON Lines, streamed."""
    ws = access.workspace
    search = build_search(store, ws.id, form)
    return export_response(store, ws.id, ws.slug, hits(store, ws.id, search), format)


@router.post("/workspaces/{slug}/mentions/tags", response_model=MentionTagOut)
def tag_mentions(body: MentionTagIn, access: Analyst, store: StoreDep) -> MentionTagOut:
    """Tag mentions (ids of other workspaces are ignored)."""
    ws = access.workspace
    count = store.accounts.tag_mentions(ws.id, body.mention_ids, body.tag)
    store.accounts.audit(ws.id, access.user.id, "mentions.tag", body.tag.strip(), {"count": count})
    return MentionTagOut(tagged=count)


@router.get("/workspaces/{slug}/mentions/{mention_id}", response_model=MentionOut)
def get_mention(mention_id: int, access: Viewer, store: StoreDep) -> MentionOut:
    """One mention of the workspace (404 for another workspace's mention)."""
    ws = access.workspace
    mention = store.get_mention(ws.id, mention_id)
    return _out(store, ws.id, [Hit(mention)])[0]


def _labels_in(body: MentionLabelsIn) -> Labels:
    """The body's labels, the aspect label in its canonical form (ValidationError: 422)."""
    return Labels(
        sentiment=body.sentiment,
        relevant=body.relevant,
        aspects=parse_aspects(body.aspects or ""),
    )


def _labels_out(mention_id: int, labels: Labels) -> MentionLabelsOut:
    return MentionLabelsOut(
        mention_id=mention_id,
        sentiment=labels.sentiment,
        relevant=labels.relevant,
        aspects=labels.aspects,
    )


@router.put("/workspaces/{slug}/mentions/{mention_id}/labels", response_model=MentionLabelsOut)
def label_mention(
    mention_id: int, body: MentionLabelsIn, access: Editor, store: StoreDep
) -> MentionLabelsOut:
    """Set the mention's training labels for the workspace's own classifiers (editor and
    above); all three are replaced, a null removes one. A bad aspect label stores nothing
    (422 saying what is wrong)."""
    labels = _labels_in(body)
    save_labels(store, access, mention_id, labels, source="api")
    return _labels_out(mention_id, labels)


@router.patch("/workspaces/{slug}/mentions/{mention_id}/labels", response_model=MentionLabelsOut)
def change_mention_labels(
    mention_id: int, body: MentionLabelsIn, access: Editor, store: StoreDep
) -> MentionLabelsOut:
    """Change only the labels named in the body (editor and above): a label left out keeps
    what is stored, a null removes it. Answers all three labels as stored now. A bad aspect
    label stores nothing (422 saying what is wrong)."""
    labels = _labels_in(body)
    save_labels(store, access, mention_id, labels, source="api", fields=body.model_fields_set)
    stored = labels_of(store, access.workspace.id, [mention_id])
    return _labels_out(mention_id, stored.get(mention_id, Labels()))
