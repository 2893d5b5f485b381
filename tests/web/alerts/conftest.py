"""Fixtures of the alerts admin tests: the web tests' world on SQLite and on PostgreSQL,
and a server that allows private targets (the test webhook receiver is on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from resonanz.config import Settings
from resonanz.store import open_store
from tests.web.conftest import World, make_world


@pytest.fixture
def world(store_url: str) -> Iterator[World]:
    """The two workspaces, once on SQLite and once on PostgreSQL."""
    store = open_store(store_url)
    try:
        yield make_world(store)
    finally:
        store.close()


@pytest.fixture
def web_settings(web_settings: Settings) -> Settings:
    """The receiver listens on 127.0.0.1: this server allows private targets."""
    return replace(web_settings, allow_private_targets=True)
