"""Topic editor: list, create and change topics, with live linting and a live preview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from resonanz.errors import ConfigError, ConflictError, QueryError, ValidationError
from resonanz.models import TOPIC_KINDS, Topic
from resonanz.query import Issue, lint
from resonanz.store import MentionFilter
from resonanz.topics import add_topic, preview_query, topic_by_id, update_topic
from resonanz.web.deps import Access, Editor, StoreDep, Viewer
from resonanz.web.i18n import gettext as _
from resonanz.web.templating import render

router = APIRouter()

FormStr = Annotated[str, Form()]


def issue_view(query: str, issue: Issue) -> dict[str, Any]:
    """An issue with the query split around its position, for a marker in the page."""
    pos = max(0, min(issue.position, len(query)))
    return {
        "position": issue.position,
        "message": issue.message,
        "severity": issue.severity,
        "before": query[:pos],
        "at": query[pos : pos + 1] or " ",
        "after": query[pos + 1 :],
    }


def query_error(exc: QueryError) -> str:
    """The message shown next to the query field."""
    return _("Error at position %(position)s: %(message)s") % {
        "position": exc.position,
        "message": exc.message,
    }


def _form_page(
    request: Request,
    access: Access,
    *,
    topic: Topic | None,
    form: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    lint_issues = [issue_view(form["query"], i) for i in _issues(form["query"])]
    context = {
        "nav": "topics",
        "topic": topic,
        "form": form,
        "errors": errors,
        "kinds": TOPIC_KINDS,
        "issues": lint_issues,
    }
    return render(request, "topic_form.html", context, status=status)


def _issues(query: str) -> list[Issue]:
    if not query.strip():
        return []
    result = lint(query)
    return [*result.errors, *result.warnings]


def _check_form(name: str, kind: str, query: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Please enter a name.")
    if kind not in TOPIC_KINDS:
        errors["kind"] = _("Please choose a kind.")
    if not query.strip():
        errors["query"] = _("Please enter a query.")
    return errors


def _to_list(access: Access) -> Response:
    return RedirectResponse(f"/w/{access.workspace.slug}/topics", status_code=303)


@router.get("/w/{slug}/topics")
def topic_list(request: Request, access: Viewer, store: StoreDep) -> Response:
    """The workspace's topics with their mention counts."""
    ws = access.workspace.id
    rows = [
        (t, store.count_mentions(ws, MentionFilter(topic_id=t.id))) for t in store.list_topics(ws)
    ]
    return render(request, "topics.html", {"nav": "topics", "rows": rows})


@router.get("/w/{slug}/topics/new")
def topic_new(request: Request, access: Editor) -> Response:
    """An empty topic form."""
    form = {"name": "", "kind": "brand", "query": ""}
    return _form_page(request, access, topic=None, form=form, errors={})


@router.post("/w/{slug}/topics/new")
def topic_create(
    request: Request,
    access: Editor,
    store: StoreDep,
    name: FormStr = "",
    kind: FormStr = "",
    query: FormStr = "",
) -> Response:
    """Save a new topic and match the stored mentions against it."""
    form = {"name": name, "kind": kind, "query": query}
    errors = _check_form(name, kind, query)
    if not errors:
        try:
            topic, matched = add_topic(store, access.workspace.id, name.strip(), query, kind)
        except QueryError as exc:
            errors["query"] = query_error(exc)
        except ConflictError:
            errors["name"] = _("A topic with this name exists already.")
        except (ConfigError, ValidationError) as exc:
            errors["name"] = str(exc)
        else:
            store.accounts.audit(
                access.workspace.id,
                access.user.id,
                "topic.create",
                topic.name,
                {"query": topic.query, "kind": topic.kind, "matched": matched},
            )
            return _to_list(access)
    return _form_page(request, access, topic=None, form=form, errors=errors, status=422)


@router.post("/w/{slug}/topics/lint")
def topic_lint(request: Request, access: Viewer, query: FormStr = "") -> Response:
    """HTMX: the query's errors and warnings, each with a marker at its position."""
    issues = [issue_view(query, i) for i in _issues(query)]
    return render(request, "_topic_lint.html", {"issues": issues, "checked": bool(query.strip())})


@router.post("/w/{slug}/topics/preview")
def topic_preview(
    request: Request, access: Viewer, store: StoreDep, query: FormStr = ""
) -> Response:
    """HTMX: how many stored mentions the query matches, with examples."""
    context: dict[str, Any] = {"preview": None, "error": ""}
    if query.strip():
        try:
            context["preview"] = preview_query(store, access.workspace.id, query, limit=5)
        except QueryError as exc:
            context["error"] = query_error(exc)
    return render(request, "_topic_preview.html", context)


@router.get("/w/{slug}/topics/{topic_id}")
def topic_edit(request: Request, access: Editor, store: StoreDep, topic_id: int) -> Response:
    """The form of an existing topic."""
    topic = topic_by_id(store, access.workspace.id, topic_id)
    form = {"name": topic.name, "kind": topic.kind, "query": topic.query}
    return _form_page(request, access, topic=topic, form=form, errors={})


@router.post("/w/{slug}/topics/{topic_id}")
def topic_update(
    request: Request,
    access: Editor,
    store: StoreDep,
    topic_id: int,
    name: FormStr = "",
    kind: FormStr = "",
    query: FormStr = "",
) -> Response:
    """Save a changed topic; a changed query re-matches the stored mentions."""
    topic = topic_by_id(store, access.workspace.id, topic_id)
    form = {"name": name, "kind": kind, "query": query}
    errors = _check_form(name, kind, query)
    if not errors:
        changed = query if query != topic.query else None
        try:
            updated, matched = update_topic(store, topic, query=changed, kind=kind, name=name)
        except QueryError as exc:
            errors["query"] = query_error(exc)
        except ConflictError:
            errors["name"] = _("A topic with this name exists already.")
        else:
            store.accounts.audit(
                access.workspace.id,
                access.user.id,
                "topic.update",
                updated.name,
                {"query": updated.query, "kind": updated.kind, "matched": matched},
            )
            return _to_list(access)
    return _form_page(request, access, topic=topic, form=form, errors=errors, status=422)


@router.post("/w/{slug}/topics/{topic_id}/active")
def topic_active(access: Editor, store: StoreDep, topic_id: int, active: FormStr = "0") -> Response:
    """Pause or resume a topic."""
    topic = topic_by_id(store, access.workspace.id, topic_id)
    on = active in ("1", "true", "on")
    store.update_topic(topic.id, active=on)
    action = "topic.activate" if on else "topic.deactivate"
    store.accounts.audit(access.workspace.id, access.user.id, action, topic.name)
    return _to_list(access)


@router.post("/w/{slug}/topics/{topic_id}/delete")
def topic_delete(access: Editor, store: StoreDep, topic_id: int) -> Response:
    """Delete a topic (its matches go with it; mentions stay)."""
    topic = topic_by_id(store, access.workspace.id, topic_id)
    store.remove_topic(access.workspace.id, topic.name)
    store.accounts.audit(access.workspace.id, access.user.id, "topic.delete", topic.name)
    return _to_list(access)
