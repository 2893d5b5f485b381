"""Web fixtures: an app on a SQLite store with two workspaces and a user per role.

``world`` holds workspace ``acme`` (members: one user per role) and workspace ``other``
(its owner ``stranger``), each with a topic, a source and mentions, so every test can
also try to reach the other workspace's objects. ``login(role)`` gives a TestClient with
a session; ``PASSWORD`` is every test user's password.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from resonanz.accounts import ROLES, User
from resonanz.config import Settings
from resonanz.models import Author, Mention, TopicMatch
from resonanz.store import SqlStore, open_store
from resonanz.web import create_app
from resonanz.web.security import hash_password
from resonanz.web.training_jobs import REANALYSE, TrainingJobs, jobs_of
from resonanz.workspace_models import TASKS

PASSWORD = "correct horse battery"
_HASH = hash_password(PASSWORD)


@dataclass
class World:
    """Two workspaces with their objects and users."""

    store: SqlStore
    users: dict[str, User] = field(default_factory=dict)  # role or "stranger" -> user
    ids: dict[str, int] = field(default_factory=dict)  # e.g. "acme.topic", "other.mention"


def _fill(store: SqlStore, world: World, slug: str, texts: list[str]) -> None:
    ws = store.create_workspace(slug, slug.title())
    world.ids[f"{slug}.workspace"] = ws.id
    topic = store.add_topic(ws.id, "Brand", "bahn OR zug", "brand")
    world.ids[f"{slug}.topic"] = topic.id
    source = store.add_source(ws.id, "rss", "Feed", {"url": "https://example.org/feed.xml"})
    world.ids[f"{slug}.source"] = source.id
    now = datetime.now(UTC)
    mentions = [
        Mention(
            platform="twitter" if i % 2 else "web",
            native_id=f"{slug}-{i}",
            text=text,
            collected_at=now,
            created_at=now - timedelta(hours=i),
            url=f"https://example.org/{slug}/{i}",
            author=Author(platform="twitter" if i % 2 else "web", handle=f"user{i}"),
            lang="de",
            matches=(TopicMatch(topic.id, ("bahn",)),) if "bahn" in text.lower() else (),
        )
        for i, text in enumerate(texts)
    ]
    store.save_batch(ws.id, mentions)
    stored = list(store.iter_mentions(ws.id))
    world.ids[f"{slug}.mention"] = stored[0].id or 0


@pytest.fixture
def web_settings(tmp_path: Path) -> Settings:
    """Settings for a test app: a fixed key, cookies allowed over http://testserver."""
    return Settings(
        data_dir=str(tmp_path / "data"),
        secret_key="k" * 40,
        cookie_secure=False,
        default_locale="en",
    )


def make_world(store: SqlStore) -> World:
    """The two workspaces and their users on an empty store (any backend)."""
    world = World(store)
    _fill(store, world, "acme", ["Die Bahn ist pünktlich", "Zug fällt aus", "Kaffee im ICE"])
    _fill(store, world, "other", ["Bahn von other", "Geheim: nur other"])
    acme, other = world.ids["acme.workspace"], world.ids["other.workspace"]
    for role in ROLES:
        user = store.accounts.create_user(f"{role}@acme.test", role.title(), _HASH)
        store.accounts.add_member(acme, user.id, role)
        world.users[role] = user
    stranger = store.accounts.create_user("stranger@other.test", "Stranger", _HASH)
    store.accounts.add_member(other, stranger.id, "owner")
    world.users["stranger"] = stranger
    return world


@pytest.fixture
def bworld(store_url: str) -> Iterator[World]:
    """The two workspaces on each backend: SQLite, then PostgreSQL (see tests/conftest.py)."""
    store = open_store(store_url)
    try:
        yield make_world(store)
    finally:
        store.close()


def api_headers(world: World, role: str) -> dict[str, str]:
    """Headers with a new API token of acme's member with this role."""
    acme = world.ids["acme.workspace"]
    _, secret = world.store.accounts.create_token(world.users[role].id, acme, f"{role} token")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The two workspaces on a fresh SQLite store."""
    store = open_store(f"sqlite:///{tmp_path / 'web.db'}")
    try:
        yield make_world(store)
    finally:
        store.close()


@pytest.fixture
def app(web_settings: Settings, world: World) -> FastAPI:
    """The web app on the world's store."""
    return create_app(web_settings, world.store)


class Held:
    """Test double for timing: ``real`` (a job's trainer or reanalyser), held until
    ``release`` is set; ``started`` is set when a job calls it."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, *args: Any) -> Any:
        self.started.set()
        assert self.release.wait(60), "the test never released the job"
        return self.real(*args)


@pytest.fixture
def jobs(app: FastAPI, world: World) -> Iterator[TrainingJobs]:
    """The app's background jobs (training, reanalysis); every job of the workspace acme is
    finished before the store closes."""
    found = jobs_of(app)
    yield found
    for task in (*TASKS, REANALYSE):
        state = found.wait(world.ids["acme.workspace"], task, 60)
        assert state is None or not state.running


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    """A client without a session."""
    with TestClient(app) as client:
        yield client


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    """Log the client in through the login form (with its CSRF token)."""
    page = client.get("/login")
    assert page.status_code == 200
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/w"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: TestClient, path: str = "/w") -> str:
    """The session's CSRF token, read from a page's meta tag."""
    page = client.get(path)
    return page.text.split('<meta name="csrf-token" content="', 1)[1].split('"', 1)[0]


@pytest.fixture
def login(app: FastAPI, world: World) -> Iterator[Callable[[str], TestClient]]:
    """login(role) -> a logged-in client (role "stranger": the other workspace's owner)."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        return log_in(client, world.users[role].email)

    yield make
    for client in clients:
        client.close()
