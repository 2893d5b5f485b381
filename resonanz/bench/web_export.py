"""``bench web``'s CSV export: the export route driven as raw ASGI, or the store's stream.

The route is called without an HTTP client, with an ASGI ``send`` that counts the CSV
lines and drops the bytes, so the measured memory is the server's alone. After ``rows``
rows the export is cut off, as when a browser stops the download.
"""

from __future__ import annotations

import csv
import io
import time

import anyio
from fastapi import FastAPI
from fastapi.testclient import TestClient

from resonanz.store import Store


class _Enough(Exception):
    """Raised from ``send`` once enough rows came: the client went away."""


def export_page(app: FastAPI, client: TestClient, slug: str, rows: int) -> tuple[int, float]:
    """Stream ``/w/{slug}/mentions/export.csv`` until ``rows`` rows; (rows seen, seconds).

    Rows seen is -1 when the route does not exist (404).
    """
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    path = f"/w/{slug}/mentions/export.csv"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    seen = [-1, 0]  # newlines (the header line is not a row), HTTP status

    async def receive() -> dict[str, object]:
        await anyio.sleep_forever()
        return {"type": "http.disconnect"}  # pragma: no cover

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            seen[1] = int(str(message["status"]))
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            seen[0] += body.count(b"\n") if isinstance(body, bytes) else 0
            if seen[0] >= rows:
                raise _Enough

    async def run() -> None:
        try:
            await app(scope, receive, send)  # type: ignore[arg-type]
        except _Enough:
            pass
        except BaseExceptionGroup as group:  # anyio task groups wrap it
            if not group.subgroup(_Enough):
                raise

    started = time.perf_counter()
    anyio.run(run)
    took = time.perf_counter() - started
    if seen[1] == 404:
        return -1, took
    if seen[1] != 200:
        raise RuntimeError(f"GET {path} answered {seen[1]}")
    return max(0, seen[0]), took


def export_store(store: Store, workspace_id: int, rows: int) -> tuple[int, float]:
    """Feed ``rows`` mentions from ``iter_mentions`` to a CSV writer that drops its output."""
    started = time.perf_counter()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    count = 0
    for mention in store.iter_mentions(workspace_id):
        author = mention.author.handle if mention.author else ""
        writer.writerow(
            (
                mention.id,
                mention.created_at or mention.collected_at,
                mention.platform,
                author,
                mention.lang or "",
                mention.url or "",
                mention.text,
            )
        )
        buffer.seek(0)
        buffer.truncate()
        count += 1
        if count >= rows:
            break
    return count, time.perf_counter() - started
