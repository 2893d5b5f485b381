"""Bluesky posts -> Mentions: commit events (firehose, Jetstream) and post views (AppView).

Two raw kinds, one mapping. ``bluesky_commit`` is a repo commit of one post in the shape
Jetstream documents (``{"did", "time_us", "kind": "commit", "commit": {"operation":
"create", "collection", "rkey", "cid", "record"}}``; the firehose consumer builds the same
shape from the CBOR frame). ``bluesky_record`` is a ``com.atproto.repo.listRecords`` entry
(``{"uri", "cid", "value"}``) from an account's repo. ``bluesky_post`` is an
``app.bsky.feed.defs#postView`` as ``searchPosts`` and ``listNotifications`` return it
(author profile, counts).

The text keeps the post's words, with each link facet's shortened display text replaced
by its full URI, so link and domain extraction and ``site:`` queries see real URLs; the
facets themselves stay in the raw payload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from resonanz.errors import ParseError
from resonanz.models import Author, Engagement, Mention, RawItem
from resonanz.pipeline.normalise import parse_count, parse_date

__all__ = [
    "COMMIT_KIND",
    "MAX_TEXT_BYTES",
    "POST_COLLECTION",
    "POST_KIND",
    "RECORD_KIND",
    "expand_links",
    "normalise_commit",
    "normalise_post_view",
    "normalise_record",
    "post_url",
]

COMMIT_KIND = "bluesky_commit"
POST_KIND = "bluesky_post"
RECORD_KIND = "bluesky_record"
POST_COLLECTION = "app.bsky.feed.post"
# The post lexicon allows 3,000 bytes (300 graphemes) of text; a longer one is not a valid
# post and would only bloat the store.
MAX_TEXT_BYTES = 3000
_LINK = "app.bsky.richtext.facet#link"
_LANG = re.compile(r"^([A-Za-z]{2,3})(?:-[A-Za-z0-9]{1,8})*$")
_QUOTE_TYPES = ("app.bsky.embed.record", "app.bsky.embed.record#main")
_QUOTE_MEDIA_TYPES = ("app.bsky.embed.recordWithMedia", "app.bsky.embed.recordWithMedia#main")


def post_url(did_or_handle: str, rkey: str) -> str:
    """The bsky.app address of a post."""
    return f"https://bsky.app/profile/{did_or_handle}/post/{rkey}"


def _split_uri(uri: str) -> tuple[str, str, str]:
    """(repo, collection, rkey) of an at:// URI; ParseError when it is not one."""
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3 or not all(parts):
        raise ParseError(f"{uri!r} is not an at:// record URI")
    return parts[0], parts[1], parts[2]


def expand_links(text: str, facets: Any) -> str:
    """The text with each link facet's byte range replaced by the facet's full URI."""
    if not isinstance(facets, list) or not facets:
        return text
    spans: list[tuple[int, int, str]] = []
    for facet in facets:
        if not isinstance(facet, Mapping):
            continue
        index, features = facet.get("index"), facet.get("features")
        if not isinstance(index, Mapping) or not isinstance(features, list):
            continue
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end:
            continue
        for feature in features:
            if isinstance(feature, Mapping) and feature.get("$type") == _LINK:
                uri = feature.get("uri")
                if isinstance(uri, str) and uri.startswith(("http://", "https://")):
                    spans.append((start, end, uri))
                break
    if not spans:
        return text
    data = text.encode("utf-8")
    pieces: list[bytes] = []
    position = 0
    for start, end, uri in sorted(spans):
        if start < position or end > len(data):
            continue  # overlapping or out of range: keep the text as written
        pieces.append(data[position:start])
        pieces.append(uri.encode("utf-8"))
        position = end
    pieces.append(data[position:])
    return b"".join(pieces).decode("utf-8", "replace")


def _lang(record: Mapping[str, Any]) -> str | None:
    """The first declared language's primary subtag ("de-AT" -> "de"); None if unusable."""
    langs = record.get("langs")
    if not isinstance(langs, list) or not langs or not isinstance(langs[0], str):
        return None
    match = _LANG.match(langs[0].strip())
    return match.group(1).lower() if match else None


def _quoted(record: Mapping[str, Any]) -> str | None:
    """The at:// URI of the post a post quotes (embed record, with or without media)."""
    embed = record.get("embed")
    if not isinstance(embed, Mapping):
        return None
    kind = embed.get("$type")
    ref: Any = None
    if kind in _QUOTE_TYPES:
        ref = embed.get("record")
    elif kind in _QUOTE_MEDIA_TYPES:
        inner = embed.get("record")
        ref = inner.get("record") if isinstance(inner, Mapping) else None
    uri = ref.get("uri") if isinstance(ref, Mapping) else None
    if isinstance(uri, str) and f"/{POST_COLLECTION}/" in uri:
        return uri
    return None


def _reply_parent(record: Mapping[str, Any]) -> str | None:
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, Mapping) else None
    uri = parent.get("uri") if isinstance(parent, Mapping) else None
    return uri if isinstance(uri, str) and uri else None


def _fallback_text(record: Mapping[str, Any]) -> str:
    """For a post without words: its images' alt texts or its link card's title."""
    embed = record.get("embed")
    if not isinstance(embed, Mapping):
        return ""
    media = embed.get("media") if isinstance(embed.get("media"), Mapping) else embed
    images = media.get("images") if isinstance(media, Mapping) else None
    if isinstance(images, list):
        alts = [i.get("alt") for i in images if isinstance(i, Mapping)]
        text = "\n".join(a.strip() for a in alts if isinstance(a, str) and a.strip())
        if text:
            return text
    external = media.get("external") if isinstance(media, Mapping) else None
    if isinstance(external, Mapping):
        title, uri = external.get("title"), external.get("uri")
        return " ".join(v.strip() for v in (title, uri) if isinstance(v, str) and v.strip())
    return ""


def _text_of(record: Mapping[str, Any], where: str) -> str:
    text = record.get("text")
    if not isinstance(text, str):
        raise ParseError("the post record has no text field", where=where)
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise ParseError(
            f"post text of {size:,} bytes is over the lexicon's {MAX_TEXT_BYTES:,}-byte limit",
            where=where,
        )
    expanded = expand_links(text, record.get("facets")).strip()
    return expanded or _fallback_text(record)


def _post_record(record: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(record, Mapping):
        raise ParseError("the event carries no post record", where=where)
    kind = record.get("$type")
    if kind not in (None, POST_COLLECTION):
        raise ParseError(f"record type {kind!r} is not a post", where=where)
    return record


def _repo_post(item: RawItem, did: str, rkey: str, record: Any, native_id: str) -> Mention:
    """A post read from a repo (stream or listRecords): no profile, no counts yet."""
    where = item.origin or native_id
    record = _post_record(record, where)
    handle = item.context.get("handle")
    shown = handle if isinstance(handle, str) and handle else did
    return Mention(
        platform="bluesky",
        native_id=native_id,
        text=_text_of(record, where),
        collected_at=item.fetched_at,
        url=post_url(did, rkey),
        author=Author("bluesky", shown, url=f"https://bsky.app/profile/{did}"),
        created_at=parse_date(record.get("createdAt")),
        lang=_lang(record),
        reply_to=_reply_parent(record),
        quote_of=_quoted(record),
        raw=item.payload,
        raw_kind=item.kind,
    )


def normalise_commit(item: RawItem) -> Mention:
    """A Jetstream-shaped commit event creating an ``app.bsky.feed.post`` -> Mention."""
    event = item.payload
    did = event.get("did")
    commit = event.get("commit")
    if not isinstance(did, str) or not did or not isinstance(commit, Mapping):
        raise ParseError("not a commit event (no did or commit)", where=item.origin)
    rkey, collection = commit.get("rkey"), commit.get("collection")
    if collection != POST_COLLECTION or not isinstance(rkey, str) or not rkey:
        raise ParseError(f"not a post commit (collection {collection!r})", where=item.origin)
    native_id = f"at://{did}/{POST_COLLECTION}/{rkey}"
    mention = _repo_post(item, did, rkey, commit.get("record"), native_id)
    # A post that was just created has no likes, reposts, replies or quotes yet.
    return mention.with_fields(engagement=Engagement(likes=0, reposts=0, replies=0, quotes=0))


def normalise_record(item: RawItem) -> Mention:
    """A ``listRecords`` entry of an ``app.bsky.feed.post`` -> Mention (no counts)."""
    uri = item.payload.get("uri")
    if not isinstance(uri, str):
        raise ParseError("the record has no uri", where=item.origin)
    did, collection, rkey = _split_uri(uri)
    if collection != POST_COLLECTION:
        raise ParseError(f"{uri} is not a post", where=item.origin or uri)
    return _repo_post(item, did, rkey, item.payload.get("value"), uri)


def normalise_post_view(item: RawItem) -> Mention:
    """An ``app.bsky.feed.defs#postView`` (search, author feed) -> Mention."""
    view = item.payload
    uri = view.get("uri")
    if not isinstance(uri, str):
        raise ParseError("the post view has no uri", where=item.origin)
    where = item.origin or uri
    repo, collection, rkey = _split_uri(uri)
    if collection != POST_COLLECTION:
        raise ParseError(f"{uri} is not a post", where=where)
    record = _post_record(view.get("record"), where)
    found = view.get("author")
    profile: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    did = str(profile.get("did") or repo)
    handle = profile.get("handle") if isinstance(profile.get("handle"), str) else None
    name = profile.get("displayName")
    author = Author(
        "bluesky",
        str(handle) if handle and handle != "handle.invalid" else did,
        name=name.strip() or None if isinstance(name, str) else None,
        followers=parse_count(profile.get("followersCount")),
        url=f"https://bsky.app/profile/{did}",
    )
    return Mention(
        platform="bluesky",
        native_id=uri,
        text=_text_of(record, where),
        collected_at=item.fetched_at,
        url=post_url(did, rkey),
        author=author,
        created_at=parse_date(record.get("createdAt")) or parse_date(view.get("indexedAt")),
        lang=_lang(record),
        reply_to=_reply_parent(record),
        quote_of=_quoted(record),
        engagement=Engagement(
            likes=parse_count(view.get("likeCount")),
            reposts=parse_count(view.get("repostCount")),
            replies=parse_count(view.get("replyCount")),
            quotes=parse_count(view.get("quoteCount")),
        ),
        raw=item.payload,
        raw_kind=item.kind,
    )
