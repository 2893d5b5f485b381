"""Fixtures: a real HTTP server on 127.0.0.1 (random port) and settings that may use it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from apiserver import ApiServer, serve
from feedserver import FeedServer, Server

from resonanz.config import Settings


@pytest.fixture(scope="session")
def feed_server() -> Iterator[FeedServer]:
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FeedServer(server)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_settings() -> Settings:
    """Settings that may fetch from the loopback test server."""
    return replace(Settings(), allow_private_targets=True, http_timeout=3.0)


@pytest.fixture(scope="session")
def _api_server() -> Iterator[ApiServer]:
    yield from serve()


@pytest.fixture
def api_server(_api_server: ApiServer) -> Iterator[ApiServer]:
    """A scripted JSON API server on 127.0.0.1 (see apiserver.py), empty for each test."""
    _api_server.reset()
    yield _api_server
    _api_server.reset()
