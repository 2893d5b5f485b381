"""The web app on PostgreSQL too: login, overview, mentions search and the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.models import Author, Mention, TopicMatch
from resonanz.store import SqlStore
from resonanz.web import create_app
from tests.web.conftest import PASSWORD, log_in

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(postgres_schema_url: str) -> SqlStore:
    from resonanz.store import open_store

    return open_store(postgres_schema_url)


def test_dashboard_on_postgres(pg_store: SqlStore, web_settings: Settings) -> None:
    from resonanz.web.security import hash_password

    ws = pg_store.create_workspace("acme", "Acme")
    topic = pg_store.add_topic(ws.id, "Brand", "bahn", "brand")
    now = datetime.now(UTC)
    pg_store.save_batch(
        ws.id,
        [
            Mention(
                platform="web",
                native_id=str(i),
                text=f"Die Bahn Nummer {i}",
                collected_at=now,
                created_at=now,
                author=Author(platform="web", handle=f"a{i}", followers=i * 10),
                lang="de",
                matches=(TopicMatch(topic.id, ("bahn",)),),
            )
            for i in range(5)
        ],
    )
    user = pg_store.accounts.create_user("pg@acme.test", "PG", hash_password(PASSWORD))
    pg_store.accounts.add_member(ws.id, user.id, "analyst")
    try:
        with TestClient(create_app(web_settings, pg_store)) as client:
            log_in(client, user.email)
            assert client.get("/w/acme").status_code == 200
            page = client.get("/w/acme/mentions", params={"q": "bahn"})
            assert page.status_code == 200 and "<mark>" in page.text
            api = client.get("/api/v1/workspaces/acme/mentions", params={"q": "nummer"})
            assert api.status_code == 200
            export = client.get("/w/acme/mentions/export.csv")
            assert export.status_code == 200 and export.text.count("Die Bahn Nummer") == 5
    finally:
        pg_store.close()
