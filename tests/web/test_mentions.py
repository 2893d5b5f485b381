"""The mentions explorer page, bulk tags, exports and the mentions REST API."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient

from resonanz.models import Author, Mention
from resonanz.search import Hit
from resonanz.web.exports import csv_chunks, records, safe_cell
from resonanz.web.highlight import highlight, safe_url
from resonanz.web.mention_search import SearchForm, build_search, hits
from tests.web.conftest import World, csrf_of

Login = Callable[[str], TestClient]
BASE = "/w/acme/mentions"
API = "/api/v1/workspaces/acme/mentions"


def _add(world: World, slug: str, text: str, **fields: object) -> int:
    """Store one more mention in the workspace; its id."""
    ws = world.store.get_workspace(slug)
    now = datetime.now(UTC)
    mention = Mention(
        platform=str(fields.pop("platform", "web")),
        native_id=f"extra-{text[:20]}",
        text=text,
        collected_at=now,
        created_at=now,
        author=Author(platform="web", handle=str(fields.pop("handle", "evil"))),
        **fields,  # type: ignore[arg-type]
    )
    world.store.save_batch(ws.id, [mention])
    found = [m for m in world.store.iter_mentions(ws.id) if m.native_id == mention.native_id]
    return found[0].id or 0


# -- page


def test_page_lists_newest_first_with_highlight(login: Login) -> None:
    page = login("viewer").get(BASE, params={"q": "bahn OR zug"})
    assert page.status_code == 200
    assert "<mark>Bahn</mark>" in page.text and "<mark>Zug</mark>" in page.text
    assert "Kaffee" not in page.text
    assert page.text.index("Die <mark>Bahn</mark>") < page.text.index("<mark>Zug</mark> f")
    assert 'rel="noopener noreferrer nofollow"' in page.text
    assert "Bahn von other" not in page.text


def test_page_without_query_shows_everything(login: Login) -> None:
    page = login("viewer").get(BASE)
    assert page.status_code == 200
    assert all(t in page.text for t in ("Kaffee im ICE", "pünktlich", "user0"))
    assert 'name="mention_id"' not in page.text  # viewers get no checkboxes
    assert "export.csv" not in page.text


def test_filters(login: Login) -> None:
    client = login("viewer")
    assert "Kaffee" in client.get(BASE, params={"platform": "web"}).text
    assert "Kaffee" not in client.get(BASE, params={"platform": "twitter"}).text
    by_author = client.get(BASE, params={"author": "@USER1"}).text
    assert "Zug" in by_author and "Kaffee" not in by_author
    by_topic = client.get(BASE, params={"topic": "Brand"}).text
    assert "pünktlich" in by_topic and "Kaffee" not in by_topic
    assert "Kaffee" not in client.get(BASE, params={"language": "en"}).text
    assert "Kaffee" in client.get(BASE, params={"language": "de", "lang": "en"}).text
    assert "Kaffee" not in client.get(BASE, params={"until": "2000-01-01"}).text
    assert "Kaffee" in client.get(BASE, params={"since": "2000-01-01"}).text
    bad = client.get(BASE, params={"since": "yesterday"})
    assert bad.status_code == 422 and "yesterday" in bad.text


def test_invalid_query_keeps_input_and_shows_position(login: Login) -> None:
    client = login("viewer")
    page = client.get(BASE, params={"q": "bahn AND (zug"})
    assert page.status_code == 422
    assert 'value="bahn AND (zug"' in page.text
    assert 'id="q-error"' in page.text and "position" in page.text
    fragment = client.get(BASE, params={"q": "bahn AND (zug"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 422
    assert "<html" not in fragment.text and 'hx-swap-oob="true"' in fragment.text


def test_htmx_gets_the_result_list_only(login: Login) -> None:
    fragment = login("viewer").get(BASE, params={"q": "kaffee"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<mark>Kaffee</mark>" in fragment.text
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in login("viewer").get(BASE, headers=restore).text


def test_text_and_links_are_escaped(login: Login, world: World) -> None:
    _add(
        world,
        "acme",
        'bahn <script>alert(1)</script> "><img src=x onerror=alert(2)>',
        url="javascript:alert(3)",
    )
    text = login("viewer").get(BASE, params={"q": "bahn"}).text
    assert "<script>alert(1)" not in text and "&lt;script&gt;alert(1)" in text
    assert "<img src=x" not in text and "&#34;&gt;&lt;img src=x onerror" in text
    assert 'href="javascript:' not in text


def test_pagination_with_cursor(login: Login, world: World) -> None:
    for i in range(55):
        _add(world, "acme", f"seite {i:02d}")
    client = login("viewer")
    first = client.get(BASE, params={"q": "seite"}).text
    assert first.count('class="mention-text"') == 50
    cursor = first.split("cursor=", 1)[1].split('"', 1)[0]
    second = client.get(BASE, params={"q": "seite", "cursor": cursor}).text
    assert second.count('class="mention-text"') == 5
    assert "Older mentions" not in second  # no next page (the language links keep the cursor)
    assert client.get(BASE, params={"cursor": "!!nonsense"}).status_code == 422


def test_highlight_unit() -> None:
    html = highlight("Die <b>Bahn</b> & Bahnhöfe", ("bahn", "bahnh*"))
    assert str(html) == "Die &lt;b&gt;<mark>Bahn</mark>&lt;/b&gt; &amp; <mark>Bahnhöfe</mark>"
    assert str(highlight("<i>x</i>", ())) == "&lt;i&gt;x&lt;/i&gt;"
    assert safe_url("https://example.org/a") == "https://example.org/a"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.org", "", None):
        assert safe_url(bad) is None


# -- bulk tags


def test_bulk_tag_only_own_mentions(login: Login, world: World) -> None:
    client = login("analyst")
    own, foreign = world.ids["acme.mention"], world.ids["other.mention"]
    answer = client.post(
        f"{BASE}/tags",
        data={
            "mention_id": [str(own), str(foreign)],
            "tag": "wichtig",
            "csrf_token": csrf_of(client),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(BASE)
    tags = world.store.accounts.tags_of([own, foreign])
    assert tags.get(own) == ["wichtig"] and foreign not in tags
    assert "<kbd>wichtig</kbd>" in client.get(BASE).text


def test_bulk_tag_refuses_viewer_and_missing_csrf(login: Login, world: World) -> None:
    own = world.ids["acme.mention"]
    viewer = login("viewer")
    refused = viewer.post(
        f"{BASE}/tags", data={"mention_id": str(own), "tag": "x", "csrf_token": csrf_of(viewer)}
    )
    assert refused.status_code == 403
    analyst = login("analyst")
    no_csrf = analyst.post(f"{BASE}/tags", data={"mention_id": str(own), "tag": "x"})
    assert no_csrf.status_code == 403
    assert world.store.accounts.tags_of([own]) == {}


# -- exports


def test_export_csv_is_safe_and_complete(login: Login, world: World) -> None:
    _add(world, "acme", '=HYPERLINK("http://evil") bahn', handle="@attacker")
    client = login("analyst")
    answer = client.get(f"{BASE}/export.csv", params={"q": "bahn"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert "raw" not in rows[0]
    texts = [r["text"] for r in rows]
    assert '\'=HYPERLINK("http://evil") bahn' in texts
    assert "Die Bahn ist pünktlich" in texts and len(rows) == 2
    assert any(r["author_handle"] == "'@attacker" for r in rows)
    assert "Bahn von other" not in answer.text


def test_export_jsonl_and_roles(login: Login) -> None:
    answer = login("analyst").get(f"{BASE}/export.jsonl", params={"platform": "web"})
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert {r["platform"] for r in lines} == {"web"} and len(lines) == 2
    assert "raw" not in lines[0] and lines[0]["posted_at"] >= lines[1]["posted_at"]
    assert login("viewer").get(f"{BASE}/export.csv").status_code == 403


def test_export_streams(world: World) -> None:
    ws = world.store.get_workspace("acme")
    search = build_search(world.store, ws.id, SearchForm())
    found = hits(world.store, ws.id, search, chunk_size=1)
    chunks = csv_chunks(records(world.store, found, {}))
    header = next(chunks)
    assert header.startswith("\ufeffid,posted_at,platform")
    assert "Kaffee" in next(chunks)  # rows come only when asked for
    from resonanz.web.exports import export_response

    response = export_response(world.store, ws.id, "acme", iter([]), "csv")
    assert isinstance(response, StreamingResponse)


def test_safe_cell() -> None:
    for value in ("=1+1", "+1", "-1", "@x", "\tx", "\rx"):
        assert safe_cell(value) == "'" + value
    assert safe_cell("ok") == "ok" and safe_cell(None) == "" and safe_cell(["a", "b"]) == "a; b"
    assert safe_cell(5) == "5"


# -- REST API


def test_api_list_shape_and_filters(login: Login, world: World) -> None:
    client = login("viewer")
    body = client.get(API, params={"q": "bahn", "limit": 1}).json()
    assert body["next_cursor"] is None
    (item,) = body["items"]
    assert item["text"] == "Die Bahn ist pünktlich" and item["matched_terms"] == ["bahn"]
    assert item["topics"] == ["Brand"] and item["author"]["handle"] == "user0"
    assert set(item) >= {"id", "platform", "posted_at", "url", "engagement", "tags", "lang"}
    assert "raw" not in item
    first = client.get(API, params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(API, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert client.get(API, params={"limit": 201}).status_code == 422
    assert client.get(API, params={"author": "user1"}).json()["items"][0]["text"] == "Zug fällt aus"


def test_api_invalid_query(login: Login) -> None:
    answer = login("viewer").get(API, params={"q": "bahn AND"})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_query" and isinstance(error["position"], int)


def test_api_get_mention_and_other_workspace(login: Login, world: World) -> None:
    client = login("viewer")
    own = client.get(f"{API}/{world.ids['acme.mention']}")
    assert own.status_code == 200 and own.json()["id"] == world.ids["acme.mention"]
    foreign = client.get(f"{API}/{world.ids['other.mention']}")
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "not_found"
    assert "Geheim" not in foreign.text and "Bahn von other" not in foreign.text


def test_api_tags(login: Login, world: World) -> None:
    own, foreign = world.ids["acme.mention"], world.ids["other.mention"]
    analyst = login("analyst")
    token = csrf_of(analyst)
    answer = analyst.post(
        f"{API}/tags",
        json={"mention_ids": [own, foreign], "tag": "api"},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 200 and answer.json() == {"tagged": 1}
    assert analyst.get(f"{API}/{own}").json()["tags"] == ["api"]
    viewer = login("viewer")
    refused = viewer.post(
        f"{API}/tags",
        json={"mention_ids": [own], "tag": "no"},
        headers={"X-CSRF-Token": csrf_of(viewer)},
    )
    assert refused.status_code == 403


def test_api_export(login: Login) -> None:
    client = login("analyst")
    answer = client.get(f"{API}/export", params={"format": "jsonl", "q": "kaffee"})
    assert answer.status_code == 200
    assert [json.loads(x)["text"] for x in answer.text.splitlines()] == ["Kaffee im ICE"]
    assert client.get(f"{API}/export", params={"format": "xml"}).status_code == 422
    assert login("viewer").get(f"{API}/export").status_code == 403


def test_hit_defaults() -> None:
    mention = Mention(platform="web", native_id="1", text="t", collected_at=datetime.now(UTC))
    assert Hit(mention).terms == ()


def test_page_in_german(login: Login) -> None:
    page = login("analyst").get(BASE, params={"q": "bahn AND", "lang": "de"})
    assert page.status_code == 422
    assert "Suchen" in page.text and "an Position" in page.text
