"""Replays praw's recorded Reddit API responses (cassettes) from the loopback ``api_server``.

praw 8.0.3's source distribution records real Reddit traffic in betamax cassettes
(``tests/integration/cassettes/*.json``); the few the tests need are copied, unchanged, to
``tests/payloads/reddit/``. A request is answered with the recorded interaction of the
same method, path and query (``www.reddit.com`` and ``oauth.reddit.com`` both map to the one
server: their paths do not overlap). Interactions with the same key are answered in
recorded order, the last one repeating. ``<TEST_SUBREDDIT>`` and ``<USERNAME>``
placeholders are filled in, as praw's own test harness does. Hand-written error answers
(``errors.json``) can be put in front of a path's recordings.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from apiserver import ApiServer, JsonReply, Recorded

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "reddit"
TEST_SUBREDDIT = "resonanz_test"
TEST_USERNAME = "resonanz_user"
_DROPPED_HEADERS = {"connection", "content-length", "transfer-encoding", "set-cookie"}

Key = tuple[str, str, tuple[tuple[str, str], ...]]


def error_answer(name: str, **header_changes: str) -> JsonReply:
    """A hand-written error answer from ``errors.json``."""
    entry = json.loads((PAYLOADS / "errors.json").read_text(encoding="utf-8"))[name]
    headers = {**entry["headers"], **header_changes}
    return JsonReply(status=entry["status"], headers=headers, raw=entry["body"].encode("utf-8"))


def listing_of(cassette: str, index: int) -> Any:
    """The JSON body of a cassette's ``index``-th interaction (placeholders filled)."""
    data = json.loads((PAYLOADS / cassette).read_text(encoding="utf-8"))
    return json.loads(_fill(data["interactions"][index]["response"]["body"]["string"]))


def _fill(text: str) -> str:
    return text.replace("<TEST_SUBREDDIT>", TEST_SUBREDDIT).replace("<USERNAME>", TEST_USERNAME)


def _headers(recorded: dict[str, list[str]]) -> dict[str, str]:
    # Content-Type spelled as the server's default is, so the recorded one replaces it.
    return {
        ("Content-Type" if name.lower() == "content-type" else name): values[-1]
        for name, values in recorded.items()
        if name.lower() not in _DROPPED_HEADERS
    }


class RedditReplay:
    """Scripts an :class:`ApiServer` with cassettes; remembers requests it had no answer for."""

    def __init__(self, server: ApiServer) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._answers: dict[Key, list[JsonReply]] = {}
        self._ignored: dict[str, frozenset[str]] = {}
        self._first: dict[tuple[str, str], list[JsonReply]] = {}
        self.misses: list[str] = []

    @property
    def url(self) -> str:
        return self.server.base_url

    def _key(self, method: str, path: str, query: dict[str, str]) -> Key:
        ignored = self._ignored.get(path, frozenset())
        items = sorted((k, v) for k, v in query.items() if k not in ignored)
        return method.upper(), path, tuple(items)

    def load(self, cassette: str, *, ignore_params: Iterable[str] = ()) -> None:
        """Replay a cassette's interactions. ``ignore_params`` are left out of the match on
        its paths (for a recording whose listing answer does not depend on them)."""
        data = json.loads((PAYLOADS / cassette).read_text(encoding="utf-8"))
        for interaction in data["interactions"]:
            request, response = interaction["request"], interaction["response"]
            parts = urlsplit(_fill(request["uri"]))
            with self._lock:
                if ignore_params:
                    self._ignored[parts.path] = frozenset(ignore_params)
                key = self._key(request["method"], parts.path, dict(parse_qsl(parts.query)))
                self._answers.setdefault(key, []).append(
                    JsonReply(
                        status=response["status"]["code"],
                        headers=_headers(response["headers"]),
                        raw=_fill(response["body"].get("string", "")).encode("utf-8"),
                    )
                )
            self.server.script(request["method"], parts.path, self._answer)

    def put(self, method: str, path: str, answers: JsonReply | list[JsonReply]) -> None:
        """Answer ``method path`` (any query) with these, one each, before what was loaded."""
        with self._lock:
            given = answers if isinstance(answers, list) else [answers]
            self._first.setdefault((method.upper(), path), []).extend(given)
        self.server.script(method, path, self._answer)

    def _answer(self, seen: Recorded) -> JsonReply:
        query = {name: values[-1] for name, values in seen.query.items()}
        with self._lock:
            first = self._first.get((seen.method, seen.path))
            if first:
                return first.pop(0)
            queue = self._answers.get(self._key(seen.method, seen.path, query))
            if not queue:
                self.misses.append(f"{seen.method} {seen.path} {sorted(query.items())}")
                return JsonReply({"error": "no recorded interaction for this request"}, 599)
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def calls(self, path: str) -> list[Recorded]:
        """The requests received for ``path``."""
        return self.server.calls(path)
