"""Bluesky's HTTP API (XRPC) for the search and account modes, over the shared ApiClient.

Calls and shapes (atproto lexicons, docs.bsky.app): ``com.atproto.server.createSession``
(login with handle + app password -> ``accessJwt``), ``app.bsky.feed.searchPosts``
(``{"posts": [postView], "cursor"}``), ``com.atproto.repo.describeRepo``
(``{"did", "handle"}``), ``com.atproto.repo.listRecords`` (``{"records": [{"uri", "cid",
"value"}], "cursor"}``) and ``app.bsky.notification.listNotifications``
(``{"notifications": [...], "cursor"}``). XRPC errors are ``{"error": name, "message": text}``;
``AuthenticationRequired``, ``InvalidToken`` and ``ExpiredToken`` become AuthError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from resonanz.config import Settings
from resonanz.errors import AuthError
from resonanz.sources.api import ApiClient, ApiResponse

__all__ = ["XrpcClient"]

_AUTH_ERRORS = ("AuthenticationRequired", "InvalidToken", "ExpiredToken", "AccountTakedown")


def _xrpc_error(status: int, body: Any, message: str) -> Exception | None:
    """Bluesky's error body: say both its name and its message; auth failures -> AuthError."""
    if not isinstance(body, Mapping):
        return None
    name, text = body.get("error"), body.get("message")
    said = ": ".join(str(v) for v in (name, text) if v) or message
    if status in (400, 401, 403) and name in _AUTH_ERRORS:
        return AuthError(
            f"Bluesky refused the login or token: {said} (check handle and app password)"
        )
    return None


class XrpcClient:
    """XRPC GETs and the login against one service (a PDS or bsky.social)."""

    def __init__(self, settings: Settings, url: str, **client_options: Any) -> None:
        self.url = url.rstrip("/")
        self.api = ApiClient(
            settings,
            service="Bluesky",
            base_url=self.url,
            error_for=_xrpc_error,
            **client_options,
        )
        self._token: str | None = None
        self.did: str | None = None

    def close(self) -> None:
        """Close the connection pool."""
        self.api.close()

    def login(self, handle: str, app_password: str) -> None:
        """Create a session; AuthError when the handle or app password is refused."""
        response = self.api.request(
            "POST",
            "/xrpc/com.atproto.server.createSession",
            json_body={"identifier": handle, "password": app_password},
        )
        data = response.data if isinstance(response.data, Mapping) else {}
        token = data.get("accessJwt")
        if not isinstance(token, str) or not token:
            raise AuthError(f"Bluesky at {self.url} sent no access token for {handle}")
        self._token = token
        did = data.get("did")
        self.did = did if isinstance(did, str) else None

    def get(self, method: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """GET one XRPC query (authenticated once logged in) and return its JSON object."""
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        response: ApiResponse = self.api.request(
            "GET", f"/xrpc/{method}", params=params, headers=headers
        )
        return response.data if isinstance(response.data, Mapping) else {}
