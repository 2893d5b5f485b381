"""Publishing to Bluesky: a post record under a record key fixed per delivery.

Calls (atproto lexicons): ``com.atproto.server.createSession`` (handle + app password ->
``accessJwt``, ``did``), ``com.atproto.repo.getRecord``, ``createRecord`` and
``putRecord`` on ``app.bsky.feed.post`` with ``rkey`` = the delivery's TID
(publishing.states.record_key). Before creating, the record key is looked up: when an
earlier attempt of unknown outcome did create it, the record is kept (same text) or
replaced with ``putRecord`` (the post was edited since), so there is never a second post.
Links become link facets (UTF-8 byte offsets). A session is reused until the PDS says it
expired (logins are rate-limited by bsky.social).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from resonanz.config import Settings
from resonanz.errors import ConfigError, PublishError, ResonanzError
from resonanz.fetcher import validate_url
from resonanz.hookspecs import hookimpl
from resonanz.publishing.channels import ChannelCheck
from resonanz.publishing.channels.failures import publish_failure
from resonanz.publishing.channels.thread_parts import publish_parts
from resonanz.publishing.models import Attempt, MediaFile, Receipt, SentPart
from resonanz.publishing.post_rules import MediaRules, PostRules
from resonanz.publishing.states import part_record_key
from resonanz.publishing.text import BLUESKY_LIMITS, TextLimits, graphemes, link_spans
from resonanz.sources.api import ApiClient, RateLimit
from resonanz.sources.retry import RetryPolicy

COLLECTION = "app.bsky.feed.post"
_AUTH_ERRORS = ("AuthenticationRequired", "InvalidToken", "AccountTakedown")


def _xrpc_failure(status: int, body: Any, message: str) -> Exception | None:
    """XRPC error bodies are ``{"error": name, "message": text}``: name both; a refused
    login or token is an auth failure, an expired token a signal to log in again."""
    if not isinstance(body, Mapping):
        return None
    name, text = body.get("error"), body.get("message")
    said = ": ".join(str(v) for v in (name, text) if v) or message
    if name == "ExpiredToken":
        return _Expired(said)
    if name == "RecordNotFound":
        return _NotFound(said)
    if status in (400, 401, 403) and name in _AUTH_ERRORS:
        return PublishError(
            f"Bluesky refused the login or token: {said} (check handle and app password)",
            auth=True,
        )
    return None


class _Expired(ResonanzError):
    """The access token expired: log in again."""


class _NotFound(ResonanzError):
    """getRecord found no record under that key."""


def _reply(root: SentPart | None, parent: SentPart | None) -> dict[str, Any] | None:
    """``reply`` of a thread part: strong refs (uri, cid) of the thread's first post and
    of the part it answers."""
    if root is None or parent is None:
        return None
    return {
        "root": {"uri": root.remote_id, "cid": root.cid},
        "parent": {"uri": parent.remote_id, "cid": parent.cid},
    }


def post_url(handle_or_did: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{handle_or_did}/post/{rkey}"


class BlueskyChannel:
    """A Bluesky account: ``pds`` URL and ``handle`` in the config, ``app_password`` in
    the secrets."""

    kind: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"
    replaces_in_doubt: ClassVar[bool] = True
    idempotency_window_s: ClassVar[float | None] = None

    def __init__(
        self,
        config: Mapping[str, Any],
        secrets: Mapping[str, str],
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = dict(config)
        self.handle = str(self.config.get("handle", ""))
        self.name = f"Bluesky {self.handle}"
        self._password = str(secrets.get("app_password", ""))
        self._session: tuple[str, str] | None = None  # (access token, did)
        self.api = ApiClient(
            settings,
            service=self.name,
            base_url=str(self.config["pds"]),
            transport=transport,
            policy=RetryPolicy(attempts=1, max_delay=0.0),
            error_for=_xrpc_failure,
        )

    @classmethod
    def validate(
        cls, config: Mapping[str, Any], secrets: Mapping[str, str], settings: Settings
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """A checked config (PDS URL, handle) and secrets (app password)."""
        pds = str(config.get("pds") or "https://bsky.social").strip().rstrip("/")
        if "://" not in pds:
            pds = f"https://{pds}"
        validate_url(pds, settings)
        handle = str(config.get("handle") or "").strip().lstrip("@")
        if not handle:
            raise ConfigError("a Bluesky channel needs --handle, e.g. example.bsky.social")
        password = str(secrets.get("app_password") or "").strip()
        if not password:
            raise ConfigError(
                "a Bluesky channel needs --app-password (Settings > App passwords on Bluesky)"
            )
        return {**dict(config), "pds": pds, "handle": handle}, {"app_password": password}

    def close(self) -> None:
        self.api.close()

    @classmethod
    def text_limits(cls, config: Mapping[str, Any]) -> TextLimits:
        """300 graphemes and 3,000 bytes, on every PDS."""
        return BLUESKY_LIMITS

    @classmethod
    def post_rules(cls, config: Mapping[str, Any]) -> PostRules:
        """Up to 4 images of at most 1,000,000 bytes (the blob limit of
        ``app.bsky.embed.images``), alt text up to 2,000 graphemes, threads; no polls."""
        return PostRules(
            media=MediaRules(
                max_images=4,
                max_bytes=1_000_000,
                alt_max=2000,
                alt_unit="graphemes",
                alt_counter=graphemes,
            ),
            thread=True,
        )

    def check(self) -> ChannelCheck:
        """Log in; the DID is kept in the config."""
        self._session = None
        _, did = self._login()
        return ChannelCheck(account=f"@{self.handle}", config={"did": did})

    def publish(self, attempt: Attempt) -> Receipt:
        """The post (with its images) and each thread part as a reply, every one under
        a record key fixed per part and read before it is written."""
        self.api.rate_limit = RateLimit()  # the outbox schedules the waits (as on Mastodon)

        def send(index: int, text: str, parent: SentPart | None, root: SentPart | None) -> SentPart:
            rkey = part_record_key(attempt.record_key, index)
            media = attempt.media if index == 0 else ()
            reply = _reply(root, parent)
            existing = self._call(lambda: self._get_record(rkey))
            if existing is None:
                record = self._record(text, media, reply)
                data = self._call(lambda: self._write("createRecord", rkey, record))
            elif (
                isinstance(existing.get("value"), Mapping) and existing["value"].get("text") == text
            ):
                data = existing  # an earlier attempt of unknown outcome did publish it
            else:
                record = self._record(text, media, reply)
                data = self._call(lambda: self._write("putRecord", rkey, record))
            uri = str(data.get("uri") or "")
            return SentPart(
                index=index,
                remote_id=uri or rkey,
                url=post_url(self.handle, rkey),
                cid=str(data.get("cid") or "") or None,
            )

        return publish_parts(attempt, send)

    def _record(
        self,
        text: str,
        media: tuple[MediaFile, ...] = (),
        reply: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": text,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        if media:
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [self._image(item) for item in media],
            }
        if reply is not None:
            record["reply"] = dict(reply)
        facets = [
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
            for start, end, url in link_spans(text)
        ]
        if facets:
            record["facets"] = facets
        if self.config.get("lang"):
            record["langs"] = [str(self.config["lang"])]
        return record

    def _image(self, item: MediaFile) -> dict[str, Any]:
        """Upload the image's bytes (``com.atproto.repo.uploadBlob``) and describe it
        for ``app.bsky.embed.images``: blob, alt text, aspect ratio. An upload publishes
        nothing; a blob no record uses is removed by the PDS."""
        blob = self._call(lambda: self._upload(item))
        image: dict[str, Any] = {"image": blob, "alt": item.media.alt}
        if item.media.width and item.media.height:
            image["aspectRatio"] = {"width": item.media.width, "height": item.media.height}
        return image

    def _upload(self, item: MediaFile) -> Any:
        token, _ = self._login()
        try:
            response = self.api.request(
                "POST",
                "/xrpc/com.atproto.repo.uploadBlob",
                content=item.data,
                headers={"Authorization": f"Bearer {token}", "Content-Type": item.media.mime},
            )
        except (_Expired, PublishError):
            raise
        except ResonanzError as exc:
            failure = publish_failure(exc, self.name)
            failure.in_doubt = False  # an upload publishes nothing
            raise failure from exc
        data = response.data if isinstance(response.data, Mapping) else {}
        if not isinstance(data.get("blob"), Mapping):
            raise PublishError(f"{self.name}: uploadBlob answered no blob")
        return data["blob"]

    def _call(self, call: Any) -> Any:
        """Run a call with a session; log in again once when the token expired."""
        try:
            try:
                return call()
            except _Expired:
                self._session = None
                return call()
        except PublishError:
            raise
        except ResonanzError as exc:
            raise publish_failure(exc, self.name) from exc

    def _login(self) -> tuple[str, str]:
        if self._session is None:
            try:
                response = self.api.request(
                    "POST",
                    "/xrpc/com.atproto.server.createSession",
                    json_body={"identifier": self.handle, "password": self._password},
                )
            except PublishError:
                raise
            except ResonanzError as exc:
                failure = publish_failure(exc, self.name)
                failure.in_doubt = False  # a login publishes nothing
                raise failure from exc
            data = response.data if isinstance(response.data, Mapping) else {}
            token, did = data.get("accessJwt"), data.get("did")
            if not isinstance(token, str) or not isinstance(did, str):
                raise PublishError(f"{self.name}: the login answer had no token", auth=True)
            self._session = (token, did)
        return self._session

    def _get_record(self, rkey: str) -> Mapping[str, Any] | None:
        token, did = self._login()
        try:
            response = self.api.request(
                "GET",
                "/xrpc/com.atproto.repo.getRecord",
                params={"repo": did, "collection": COLLECTION, "rkey": rkey},
                headers={"Authorization": f"Bearer {token}"},
            )
        except _NotFound:
            return None
        return response.data if isinstance(response.data, Mapping) else {}

    def _write(self, method: str, rkey: str, record: Mapping[str, Any]) -> Mapping[str, Any]:
        token, did = self._login()
        response = self.api.request(
            "POST",
            f"/xrpc/com.atproto.repo.{method}",
            json_body={"repo": did, "collection": COLLECTION, "rkey": rkey, "record": record},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.data if isinstance(response.data, Mapping) else {}


@hookimpl
def register_channels() -> list[Any]:
    return [BlueskyChannel]
