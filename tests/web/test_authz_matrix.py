"""The authorization matrix, generated from the app's own routes.

Every route with ``{slug}`` is tried with every method, by every acme role (session with a
valid CSRF token, and API token), against workspace ``other`` and against ``acme`` with the
ids of other's objects; every non-public route anonymously; and every workspace route by the
role just below the one its ``require(role)`` dependency asks for. Routes added later are
covered without editing this file. Each test collects all failures and reports them at once,
with a summary of how many route x role x case combinations it checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from resonanz import secrets
from resonanz.accounts import ROLES
from resonanz.alerts.rules import check_params
from resonanz.config import Settings
from resonanz.publishing.recurrence import Rule
from resonanz.store.links import link_store
from resonanz.store.post_series import series_of
from resonanz.store.publishing import publishing_store
from resonanz.web.deps import CurrentUser
from tests.web.conftest import World, csrf_of

# Text only workspace "other" has: none of it may reach an acme user.
LEAKS = (
    "Geheim: nur other",
    "Bahn von other",
    "example.org/other/",
    "stranger@other.test",
    "Kanal von other",
)
# Paths anyone may open (static files and the OpenAPI docs are not APIRoutes); /r/{code}
# is the public short-link redirect of tracked links, /m/{token} a post's image under its
# unguessable token (Instagram fetches it).
PUBLIC = frozenset(
    {
        "/login",
        "/logout",
        "/password-reset",
        "/password-reset/{secret}",
        "/invite/{secret}",
        "/r/{code}",
        "/m/{token}",
    }
)
REFUSED = (403, 404)
PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")
ID_PARAMS = frozenset(
    {
        "mention_id",
        "topic_id",
        "source_id",
        "user_id",
        "token_id",
        "invitation_id",
        "rule_id",
        "channel_id",
        "post_id",
        "link_id",
        "publish_channel_id",
        "series_id",
    }
)


def has_ids(route: RouteInfo) -> bool:
    """True when the path names an object besides the workspace."""
    return bool(ID_PARAMS & set(PATH_PARAM.findall(route.path)))


def brief(answer: Any) -> str:
    """The gist of an answer for a failure message: a JSON body or an HTML page's message."""
    text: str = answer.text
    if "<main" in text:
        text = re.sub(r"<[^>]+>", " ", text.split("<main", 1)[1])
    return " ".join(text.split())[:160]


@dataclass(frozen=True)
class Call:
    """One request to send: a route, a method, the filled path and its body."""

    route: RouteInfo
    method: str
    url: str
    json: Any = None
    data: dict[str, str] | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.route.path}"

    @property
    def is_api(self) -> bool:
        return self.route.path.startswith("/api/")


@dataclass(frozen=True)
class RouteInfo:
    """What the matrix needs of a route: its full path, methods and dependency tree."""

    path: str
    methods: frozenset[str]
    dependant: Dependant


def api_routes(app: FastAPI) -> list[RouteInfo]:
    """Every API route of the app, also inside included routers (which newer FastAPI
    versions keep as lazy ``_IncludedRouter`` entries in ``app.routes``)."""
    found: list[RouteInfo] = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.append(RouteInfo(route.path, frozenset(route.methods), route.dependant))
        elif hasattr(route, "effective_route_contexts"):
            for ctx in route.effective_route_contexts():
                if isinstance(ctx.original_route, APIRoute) and ctx.dependant is not None:
                    found.append(RouteInfo(ctx.path, frozenset(ctx.methods), ctx.dependant))
    return found


def workspace_routes(app: FastAPI) -> list[RouteInfo]:
    return [r for r in api_routes(app) if "{slug}" in r.path]


def required_role(route: RouteInfo) -> str | None:
    """The role of the route's ``require(role)`` dependency (None when it has none)."""

    def walk(dependant: Dependant) -> Iterator[str]:
        role = getattr(dependant.call, "required_role", None)
        if isinstance(role, str):
            yield role
        for sub in dependant.dependencies:
            yield from walk(sub)

    roles = list(walk(route.dependant))
    return max(roles, key=ROLES.index) if roles else None  # type: ignore[arg-type]


# -- minimal valid request bodies, from the OpenAPI schema (API) or the form fields (pages)

_STRINGS = ("test", "abc", "a", "x1", "viewer", "2026-01-01", "https://example.org/x")
_FORMATS = {
    "email": "someone@example.org",
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "uri": "https://example.org/x",
    "password": "a long enough password 123",
}


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def example_of(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """A small value that satisfies ``schema`` (good enough for the schemas in this app)."""
    schema = _resolve(schema, root)
    for key in ("example", "default", "const"):
        if key in schema and schema[key] is not None:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if _resolve(s, root).get("type") != "null"]
            return example_of(options[0] if options else schema[key][0], root)
    kind = schema.get("type", "object")
    if kind == "string":
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        pattern = schema.get("pattern")
        low, high = schema.get("minLength", 0), schema.get("maxLength", 10_000)
        for value in (*_STRINGS, "a" * max(low, 1)):
            if low <= len(value) <= high and (not pattern or re.search(pattern, value)):
                return value
        return "a" * max(low, 1)
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(float(schema.get("minimum", 1.0)), 1.0)
    if kind == "boolean":
        return False
    if kind == "array":
        item = example_of(schema.get("items", {"type": "string"}), root)
        return [item] * max(int(schema.get("minItems", 0)), 1)
    properties = schema.get("properties", {})
    return {name: example_of(properties[name], root) for name in schema.get("required", [])}


def _form_body(route: RouteInfo) -> dict[str, str] | None:
    fields = route.dependant.body_params
    if not fields:
        return None
    body: dict[str, str] = {}
    for field in fields:
        adapter: TypeAdapter[Any] = TypeAdapter(field.field_info.annotation)
        schema = adapter.json_schema()
        value = example_of(schema, schema)
        if not field.field_info.is_required() and field.field_info.default is not None:
            value = field.field_info.default
        body[field.alias] = value if isinstance(value, str) else str(value).lower()
    return body


def _json_body(route: RouteInfo, method: str, openapi: dict[str, Any]) -> Any:
    operation = openapi.get("paths", {}).get(route.path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return example_of(content["application/json"]["schema"], openapi)
    if route.dependant.body_params:  # not in the schema: build it from the fields
        return {
            f.alias: example_of(*(2 * [TypeAdapter(f.field_info.annotation).json_schema()]))
            for f in route.dependant.body_params
        }
    return None


def _query(route: RouteInfo) -> str:
    parts = []
    for param in route.dependant.query_params:
        if param.field_info.is_required():
            schema = TypeAdapter(param.field_info.annotation).json_schema()
            parts.append(f"{param.alias}={example_of(schema, schema)}")
    return ("?" + "&".join(parts)) if parts else ""


def calls(app: FastAPI, routes: list[RouteInfo], ids: dict[str, object]) -> list[Call]:
    """Every method of every route, with the path filled from ``ids``."""
    openapi = app.openapi()
    result = []
    for route in routes:
        url = route.path
        generated = {p.alias: p for p in route.dependant.path_params}
        for name in PATH_PARAM.findall(route.path):
            if name in ids:
                value = ids[name]
            elif name in generated:
                schema = TypeAdapter(generated[name].field_info.annotation).json_schema()
                value = example_of(schema, schema)
            else:
                value = "1"
            url = re.sub(r"{" + re.escape(name) + r"(?::[^}]*)?}", str(value), url)
        url += _query(route)
        for method in sorted(route.methods):
            is_form = any(
                type(f.field_info).__name__ in ("Form", "File") for f in route.dependant.body_params
            )
            if method == "GET":
                result.append(Call(route, method, url))
            elif is_form or not route.path.startswith("/api/"):
                result.append(Call(route, method, url, data=_form_body(route)))
            else:
                result.append(Call(route, method, url, json=_json_body(route, method, openapi)))
    return result


def send(client: TestClient, call: Call, headers: dict[str, str]) -> Any:
    return client.request(
        call.method,
        call.url,
        json=call.json,
        data=call.data,
        headers=headers,
        follow_redirects=False,
    )


def leaked(text: str) -> list[str]:
    return [marker for marker in LEAKS if marker in text]


# -- fixtures: ids of each workspace's objects, tokens, logged-in clients with CSRF tokens


def _alert_objects(world: World, settings: Settings, slug: str) -> tuple[int, int]:
    """A webhook channel and a rule on the workspace's topic: (channel id, rule id)."""
    store = world.store
    ws = world.ids[f"{slug}.workspace"]
    now = datetime.now(UTC)
    channel = store.alerts.add_channel(
        ws,
        f"Kanal von {slug}",
        "webhook",
        {"url": f"https://example.org/{slug}/hook"},
        secrets.encrypt(settings, json.dumps({"secret": "s" * 20})),
        at=now,
    )
    rule = store.alerts.add_rule(
        ws,
        world.ids[f"{slug}.topic"],
        "volume_spike",
        check_params("volume_spike", {}),
        quiet_hours=None,
        timezone="Europe/Berlin",
        lang="de",
        channel_ids=[channel.id],
        at=now,
    )
    return channel.id, rule.id


def _publishing_objects(world: World, slug: str) -> tuple[int, int, int, int]:
    """A draft post to a publishing channel, a tracked link and a recurring post: (post
    id, link id, publishing channel id, series id)."""
    ws = world.ids[f"{slug}.workspace"]
    pub = publishing_store(world.store)
    now = datetime.now(UTC)
    channel = pub.add_channel(ws, "mastodon", f"Kanal von {slug}", {}, None, at=now)
    post = pub.create_post(
        ws,
        text=f"Post von {slug}",
        variants={},
        channels=[channel],
        author_id=None,
        timezone="UTC",
        at=now,
    )
    link = link_store(world.store).add_link(
        ws,
        target=f"https://example.org/{slug}/link",
        utm={},
        destination=f"https://example.org/{slug}/link",
        at=now,
    )
    series = series_of(pub).create(
        ws,
        text=f"Serie von {slug}",
        variants={},
        channels=[channel],
        author_id=None,
        timezone="UTC",
        rule=Rule("daily", "09:00", date(2030, 1, 1)),
        next_local="2030-01-01 09:00",
        at=now,
    )
    return post.id, link.id, channel.id, series.id


@pytest.fixture
def ids(world: World, web_settings: Settings) -> dict[str, dict[str, object]]:
    """Path parameter values per workspace: ``ids["other"]["topic_id"]``."""
    store = world.store
    result: dict[str, dict[str, object]] = {}
    for slug, owner in (("acme", world.users["viewer"]), ("other", world.users["stranger"])):
        ws = world.ids[f"{slug}.workspace"]
        token, _ = store.accounts.create_token(owner.id, ws, f"{slug} matrix token")
        invitation, _ = store.accounts.invite(ws, f"invited@{slug}.test", "viewer", owner.id)
        channel_id, rule_id = _alert_objects(world, web_settings, slug)
        post_id, link_id, publish_channel_id, series_id = _publishing_objects(world, slug)
        result[slug] = {
            "slug": slug,
            "mention_id": world.ids[f"{slug}.mention"],
            "topic_id": world.ids[f"{slug}.topic"],
            "source_id": world.ids[f"{slug}.source"],
            "user_id": owner.id,
            "token_id": token.id,
            "invitation_id": invitation.id,
            "channel_id": channel_id,
            "rule_id": rule_id,
            "post_id": post_id,
            "link_id": link_id,
            "publish_channel_id": publish_channel_id,
            "series_id": series_id,
        }
    return result


@pytest.fixture
def sessions(
    login: Callable[[str], TestClient],
) -> dict[str, tuple[TestClient, dict[str, str]]]:
    """role -> (logged-in client, headers with its CSRF token), for every acme role."""
    result = {}
    for role in ROLES:
        client = login(role)
        result[role] = (client, {"X-CSRF-Token": csrf_of(client)})
    return result


def snapshot(world: World, slug: str = "other") -> str:
    """Everything of a workspace the routes could change, as one comparable string."""
    store = world.store
    ws = store.get_workspace(slug)
    mentions = sorted((m.id or 0, m.text) for m in store.iter_mentions(ws.id))
    parts: list[object] = [
        ws,
        mentions,
        store.accounts.tags_of([i for i, _ in mentions]),
        store.list_topics(ws.id),
        store.list_sources(ws.id),
        [(u.id, m) for u, m in store.accounts.members(ws.id)],
        store.accounts.list_tokens(ws.id),
        store.accounts.list_invitations(ws.id),
        [store.training.list_examples(ws.id, task) for task in ("sentiment", "relevance")],
        store.alerts.list_channels(ws.id),
        store.alerts.list_rules(ws.id),
        publishing_store(store).list_posts(ws.id, include_deleted=True),
        publishing_store(store).approval_rule(ws.id),
        publishing_store(store).list_channels(ws.id),
        publishing_store(store).deliveries(ws.id),
        publishing_store(store).paused(ws.id),
        link_store(store).list_links(ws.id),
    ]
    return repr(parts)


def _check_refused(
    call: Call, answer: Any, who: str, failures: list[str], expect: tuple[int, ...] = REFUSED
) -> None:
    where = f"{call.label} [{call.method} {call.url}] as {who}"
    if answer.status_code == 422:
        failures.append(f"{where}: 422 before authorization: {brief(answer)}")
    elif answer.status_code not in expect:
        failures.append(f"{where}: {answer.status_code} (expected {expect}): {brief(answer)}")
    found = leaked(answer.text) + leaked(answer.headers.get("location", ""))
    if found:
        failures.append(f"{where}: leaked {found}")


def _report(name: str, checked: int, routes: int, failures: list[str]) -> None:
    print(f"\n{name}: {checked} checks over {routes} routes, {len(failures)} failures")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


MIN_WORKSPACE_ROUTES = 25  # 32 when written; an empty or broken generation fails


def session_matrix(
    app: FastAPI,
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
) -> tuple[int, list[str]]:
    """Every acme role against other, and against acme with other's ids: (checks, failures)."""
    routes = workspace_routes(app)
    failures: list[str] = []
    checked = 0
    other_calls = calls(app, routes, ids["other"])
    # acme in the path, other's objects in the id parameters
    mixed = dict(ids["other"], slug="acme")
    mixed_calls = [c for c in calls(app, routes, mixed) if has_ids(c.route)]
    for role, (client, headers) in sessions.items():
        for call in other_calls:
            _check_refused(call, send(client, call, headers), role, failures)
            checked += 1
        for call in mixed_calls:
            needed = required_role(call.route)
            too_low = needed is not None and ROLES.index(role) < ROLES.index(needed)  # type: ignore[arg-type]
            expect = (403,) if too_low else (404,)
            _check_refused(
                call, send(client, call, headers), f"{role} (acme+other ids)", failures, expect
            )
            checked += 1
    assert checked >= len(ROLES) * len(routes)
    return checked, failures


def test_members_of_acme_cannot_reach_other(
    app: FastAPI,
    world: World,
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
) -> None:
    routes = workspace_routes(app)
    assert len(routes) >= MIN_WORKSPACE_ROUTES, [r.path for r in routes]
    before = snapshot(world)
    checked, failures = session_matrix(app, ids, sessions)
    if snapshot(world) != before:
        failures.append("workspace other changed")
    _report("session matrix", checked, len(routes), failures)


def test_the_matrix_catches_a_leaky_route(
    app: FastAPI,
    world: World,
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
) -> None:
    """A route that checks the login but not the membership is reported (and its leak)."""
    store = world.store

    def leaky(slug: str, topic_id: int, user: CurrentUser) -> dict[str, object]:
        ws = store.get_workspace(slug)
        return {"texts": [m.text for m in store.iter_mentions(ws.id)], "topic": topic_id}

    app.add_api_route("/api/v1/workspaces/{slug}/leaky/{topic_id}", leaky, methods=["GET"])
    _, failures = session_matrix(app, ids, sessions)
    leaks = [f for f in failures if "/leaky/" in f]
    assert len(leaks) >= 2 * len(ROLES), failures  # other, and acme with other's topic
    assert any("leaked ['Geheim: nur other'" in f for f in leaks), leaks
    assert all("/leaky/" in f for f in failures), failures


def test_api_tokens_of_acme_cannot_reach_other(
    app: FastAPI, world: World, ids: dict[str, dict[str, object]], anon: TestClient
) -> None:
    routes = workspace_routes(app)
    assert len(routes) >= MIN_WORKSPACE_ROUTES
    acme = world.ids["acme.workspace"]
    before = snapshot(world)
    failures: list[str] = []
    checked = 0
    other_calls = calls(app, routes, ids["other"])
    mixed_calls = [
        c for c in calls(app, routes, dict(ids["other"], slug="acme")) if has_ids(c.route)
    ]
    for role in ROLES:
        _, secret = world.store.accounts.create_token(world.users[role].id, acme, f"{role} token")
        headers = {"Authorization": f"Bearer {secret}"}
        for call in other_calls:
            _check_refused(call, send(anon, call, headers), f"{role} token", failures)
            checked += 1
        for call in mixed_calls:
            _check_refused(
                call, send(anon, call, headers), f"{role} token (acme+other ids)", failures
            )
            checked += 1
    if snapshot(world) != before:
        failures.append("workspace other changed")
    _report("token matrix", checked, len(routes), failures)


# Body fields that name objects, and pages that read such fields without declaring them.
BODY_IDS = {
    "mention_id": "mention_id",
    "mention_ids": "mention_id",
    "topic_id": "topic_id",
    "topic_ids": "topic_id",
    "source_id": "source_id",
    "source_ids": "source_id",
    "user_id": "user_id",
    "user_ids": "user_id",
    "token_id": "token_id",
    "channel_ids": "channel_id",
}
UNDECLARED_FORM_IDS = {"/w/{slug}/mentions/tags": ("mention_id",)}


def _with_other_ids(call: Call, other: dict[str, object]) -> Call | None:
    """The call with other's ids in every id field of its body (None: it has none)."""
    if isinstance(call.json, dict):
        body = dict(call.json)
        for key in body:
            if key in BODY_IDS:
                value = other[BODY_IDS[key]]
                body[key] = [value] if key.endswith("_ids") else value
        return Call(call.route, call.method, call.url, json=body) if body != call.json else None
    form = dict(call.data or {})
    names = [k for k in form if k in BODY_IDS]
    names += UNDECLARED_FORM_IDS.get(call.route.path, ())
    if not names:
        return None
    for name in names:
        form[name] = str(other[BODY_IDS[name]])
    return Call(call.route, call.method, call.url, data=form)


def test_ids_of_other_in_request_bodies(
    app: FastAPI,
    world: World,
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
) -> None:
    """acme's owner sends other's ids in the bodies of acme's routes: nothing of other
    changes or shows (the answer itself may be a success on acme's own objects)."""
    routes = workspace_routes(app)
    client, headers = sessions["owner"]
    before = snapshot(world)
    failures: list[str] = []
    checked = 0
    for call in calls(app, routes, ids["acme"]):
        if call.method == "GET" or call.method == "DELETE":
            continue
        changed = _with_other_ids(call, ids["other"])
        if changed is None:
            continue
        answer = send(client, changed, headers)
        checked += 1
        if leaked(answer.text):
            failures.append(f"{call.label}: leaked {leaked(answer.text)}")
        if snapshot(world) != before:
            failures.append(f"{call.label} [{answer.status_code}]: changed workspace other")
            before = snapshot(world)
    assert checked >= 2, "no route with ids in its body found: is the generation broken?"
    _report("ids in bodies", checked, len(routes), failures)


def test_anonymous_callers_must_log_in(
    app: FastAPI, ids: dict[str, dict[str, object]], anon: TestClient
) -> None:
    routes = [r for r in api_routes(app) if r.path not in PUBLIC]
    assert len(routes) >= MIN_WORKSPACE_ROUTES + 4, [r.path for r in routes]
    page = anon.get("/login")  # an anonymous session with a CSRF token: the login refuses
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    failures: list[str] = []
    checked = 0
    for call in calls(app, routes, ids["acme"]):
        answer = send(anon, call, {"X-CSRF-Token": token})
        checked += 1
        where = f"{call.label} [{call.url}] anonymous"
        if call.is_api:
            if answer.status_code != 401:
                failures.append(f"{where}: {answer.status_code} (expected 401): {brief(answer)}")
        elif answer.status_code != 303 or not answer.headers.get("location", "").startswith(
            "/login"
        ):
            failures.append(
                f"{where}: {answer.status_code} to {answer.headers.get('location')!r}"
                " (expected 303 to /login)"
            )
        if leaked(answer.text) or "Kaffee im ICE" in answer.text:
            failures.append(f"{where}: shows workspace data")
    _report("anonymous", checked, len(routes), failures)


def test_every_workspace_route_declares_its_role(app: FastAPI) -> None:
    missing = [r.path for r in workspace_routes(app) if required_role(r) is None]
    assert not missing, f"routes with {{slug}} but no require(role) dependency: {missing}"


def test_the_role_just_below_the_minimum_is_forbidden(
    app: FastAPI,
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
) -> None:
    routes = [r for r in workspace_routes(app) if required_role(r) is not None]
    assert len(routes) >= MIN_WORKSPACE_ROUTES
    failures: list[str] = []
    checked = 0
    table: dict[str, str] = {}
    for call in calls(app, routes, ids["acme"]):
        needed = required_role(call.route)
        assert needed is not None
        table[call.label] = needed
        rank = ROLES.index(needed)  # type: ignore[arg-type]
        if rank == 0:
            continue
        below = ROLES[rank - 1]
        client, headers = sessions[below]
        answer = send(client, call, headers)
        checked += 1
        if answer.status_code != 403:
            failures.append(
                f"{call.label} [{call.url}] as {below} (needs {needed}): {answer.status_code}"
                f" (expected 403): {brief(answer)}"
            )
    print("\nrequired roles:\n" + "\n".join(f"  {k}: {v}" for k, v in sorted(table.items())))
    _report("role minimums", checked, len(routes), failures)


def test_positive_control_the_minimum_role_and_the_owner_can_read(
    app: FastAPI,
    login: Callable[[str], TestClient],
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
) -> None:
    """GET routes answer their minimum role (acme) and other's owner (other's ids), so the
    refusals above come from the authorization and not from wrong ids."""
    routes = [r for r in workspace_routes(app) if "GET" in r.methods]
    stranger = login("stranger")
    failures: list[str] = []
    checked = 0
    for call in calls(app, routes, ids["acme"]):
        if call.method != "GET":
            continue
        needed = required_role(call.route) or "owner"
        client, headers = sessions[needed]
        answer = send(client, call, headers)
        checked += 1
        if answer.status_code >= 400:
            failures.append(f"{call.label} [{call.url}] as {needed}: {answer.status_code}")
    for call in calls(app, routes, ids["other"]):
        if call.method != "GET":
            continue
        answer = send(stranger, call, {})
        checked += 1
        if answer.status_code >= 400:
            failures.append(f"{call.label} [{call.url}] as other's owner: {answer.status_code}")
    _report("positive control", checked, len(routes), failures)


def existence_oracle(
    app: FastAPI,
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
    broken_json: bool,
) -> tuple[int, list[str]]:
    """acme's owner asks other and a workspace that does not exist the same: (checks, failures).

    With ``broken_json`` every API route with a body gets unparseable JSON instead."""
    routes = workspace_routes(app)
    client, headers = sessions["owner"]
    failures: list[str] = []
    checked = 0
    nowhere = dict(ids["other"], slug="no-such-workspace")
    pairs = zip(calls(app, routes, ids["other"]), calls(app, routes, nowhere), strict=True)
    for real, fake in pairs:
        if broken_json and not (real.is_api and real.method != "GET"):
            continue
        raw = b"{not json" if broken_json else None
        extra = {"content-type": "application/json"} if raw else {}
        answers = [
            client.request(
                c.method,
                c.url,
                json=None if raw else c.json,
                data=None if raw else c.data,
                content=raw,
                headers={**headers, **extra},
                follow_redirects=False,
            )
            for c in (real, fake)
        ]
        checked += 1
        codes = [a.status_code for a in answers]
        label = f"{real.label}{' (broken JSON)' if raw else ''}"
        if codes[0] != codes[1]:
            failures.append(f"{label}: other answers {codes[0]}, a missing workspace {codes[1]}")
        elif codes[0] not in REFUSED:
            failures.append(f"{label}: {codes[0]} before authorization ({brief(answers[0])})")
    return checked, failures


def test_refusals_do_not_reveal_which_workspaces_exist(
    app: FastAPI,
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
) -> None:
    """Another's workspace and one that does not exist answer alike, also to broken JSON."""
    checked, failures = existence_oracle(app, ids, sessions, broken_json=False)
    more, broken = existence_oracle(app, ids, sessions, broken_json=True)
    checked += more
    failures += [f for f in broken if "other answers" in f]
    _report("existence oracle", checked, len(workspace_routes(app)), failures)


def test_broken_json_is_refused_before_it_is_parsed(
    app: FastAPI,
    ids: dict[str, dict[str, object]],
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
) -> None:
    checked, failures = existence_oracle(app, ids, sessions, broken_json=True)
    assert checked >= 1
    _report("broken JSON", checked, len(workspace_routes(app)), failures)


def test_members_below_admin_cannot_revoke_each_others_tokens(
    world: World,
    sessions: dict[str, tuple[TestClient, dict[str, str]]],
    anon: TestClient,
) -> None:
    """Token revocation is per object: own tokens only, unless admin (page and API)."""
    acme = world.ids["acme.workspace"]
    accounts = world.store.accounts
    failures: list[str] = []
    for role in ("viewer", "analyst", "editor"):
        victim, _ = accounts.create_token(world.users["owner"].id, acme, f"owner's for {role}")
        client, headers = sessions[role]
        page = client.post(
            f"/w/acme/settings/tokens/{victim.id}/revoke", headers=headers, follow_redirects=False
        )
        _, own_secret = accounts.create_token(world.users[role].id, acme, f"{role}'s own")
        api = anon.delete(
            f"/api/v1/workspaces/acme/tokens/{victim.id}",
            headers={"Authorization": f"Bearer {own_secret}"},
        )
        for kind, answer in (("page", page), ("api", api)):
            if answer.status_code not in REFUSED:
                failures.append(f"{role} revoking the owner's token ({kind}): {answer.status_code}")
        still = [t for t in accounts.list_tokens(acme) if t.id == victim.id]
        if not still or getattr(still[0], "revoked_at", None) is not None:
            failures.append(f"{role} revoked the owner's token")
    assert not failures, failures
