"""REST: the workspace's topics, checking a query and previewing its matches."""

from __future__ import annotations

from fastapi import APIRouter

from resonanz.errors import ConflictError
from resonanz.models import Topic
from resonanz.query import Issue, lint
from resonanz.store import MentionFilter, Store
from resonanz.topics import add_topic, preview_query, topic_by_id, update_topic
from resonanz.web.api.models import (
    ERRORS,
    IssueOut,
    LintOut,
    PreviewMentionOut,
    PreviewOut,
    QueryIn,
    TopicIn,
    TopicOut,
    TopicPatch,
    TopicSaved,
)
from resonanz.web.deps import Editor, StoreDep, Viewer

router = APIRouter(tags=["topics"], responses=ERRORS)
PREFIX = "/workspaces/{slug}/topics"


def _out(store: Store, topic: Topic) -> TopicOut:
    count = store.count_mentions(topic.workspace_id, MentionFilter(topic_id=topic.id))
    return TopicOut(
        id=topic.id,
        name=topic.name,
        kind=topic.kind,
        query=topic.query,
        active=topic.active,
        mentions=count,
    )


def _saved(store: Store, topic: Topic, matched: int | None) -> TopicSaved:
    return TopicSaved(**_out(store, topic).model_dump(), matched=matched)


@router.get(PREFIX, response_model=list[TopicOut])
def list_topics(access: Viewer, store: StoreDep) -> list[TopicOut]:
    """The workspace's topics with their mention counts."""
    return [_out(store, t) for t in store.list_topics(access.workspace.id)]


@router.post(PREFIX, response_model=TopicSaved, status_code=201)
def create_topic(body: TopicIn, access: Editor, store: StoreDep) -> TopicSaved:
    """Add a topic (its query must lint without errors); stored mentions are matched at once."""
    try:
        topic, matched = add_topic(
            store, access.workspace.id, body.name.strip(), body.query, body.kind
        )
    except ConflictError:
        raise ConflictError(f"a topic named '{body.name.strip()}' exists already") from None
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "topic.create",
        topic.name,
        {"query": topic.query, "kind": topic.kind, "matched": matched},
    )
    return _saved(store, topic, matched)


@router.post(f"{PREFIX}/lint", response_model=LintOut)
def lint_query(body: QueryIn, access: Viewer) -> LintOut:
    """Errors and warnings of a query, each with its position (nothing is saved)."""
    result = lint(body.query)

    def issues(found: list[Issue]) -> list[IssueOut]:
        return [IssueOut.model_validate(i, from_attributes=True) for i in found]

    return LintOut(ok=result.ok, errors=issues(result.errors), warnings=issues(result.warnings))


@router.post(f"{PREFIX}/preview", response_model=PreviewOut)
def preview(body: QueryIn, access: Viewer, store: StoreDep) -> PreviewOut:
    """How many stored mentions a query matches, with up to 5 examples (nothing is saved)."""
    found = preview_query(store, access.workspace.id, body.query, limit=5)
    return PreviewOut(
        hits=found.hits,
        total=found.total,
        examples=[
            PreviewMentionOut(
                id=m.id, platform=m.platform, text=m.text, url=m.url, matched_terms=list(terms)
            )
            for m, terms in found.examples
        ],
    )


@router.get(PREFIX + "/{topic_id}", response_model=TopicOut)
def get_topic(topic_id: int, access: Viewer, store: StoreDep) -> TopicOut:
    """One topic."""
    return _out(store, topic_by_id(store, access.workspace.id, topic_id))


@router.patch(PREFIX + "/{topic_id}", response_model=TopicSaved)
def patch_topic(topic_id: int, body: TopicPatch, access: Editor, store: StoreDep) -> TopicSaved:
    """Change name, kind, query or active state; a new query re-matches the stored mentions."""
    topic = topic_by_id(store, access.workspace.id, topic_id)
    query = body.query if body.query is not None and body.query != topic.query else None
    updated, matched = update_topic(
        store, topic, query=query, kind=body.kind, active=body.active, name=body.name
    )
    store.accounts.audit(
        access.workspace.id,
        access.user.id,
        "topic.update",
        updated.name,
        {"query": updated.query, "kind": updated.kind, "active": updated.active},
    )
    return _saved(store, updated, matched)


@router.delete(PREFIX + "/{topic_id}", status_code=204)
def delete_topic(topic_id: int, access: Editor, store: StoreDep) -> None:
    """Delete a topic (its matches go with it; mentions stay)."""
    topic = topic_by_id(store, access.workspace.id, topic_id)
    store.remove_topic(access.workspace.id, topic.name)
    store.accounts.audit(access.workspace.id, access.user.id, "topic.delete", topic.name)
