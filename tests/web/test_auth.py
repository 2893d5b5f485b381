"""Logging in and out, sessions, CSRF, rate limiting, passwords, tokens, body limits."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from resonanz.web.app import SESSION_COOKIE
from tests.web.conftest import PASSWORD, World, csrf_of, log_in


def test_pages_redirect_to_login_and_api_answers_401(anon: TestClient) -> None:
    page = anon.get("/w/acme", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/w/acme"
    api = anon.get("/api/v1/workspaces")
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "login_required"


def test_login_sets_a_safe_cookie_and_logout_ends_it(anon: TestClient, world: World) -> None:
    log_in(anon, world.users["viewer"].email)
    cookie = next(c for c in anon.cookies.jar if c.name == SESSION_COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly") or "httponly" in str(cookie._rest).lower()
    assert anon.get("/api/v1/me").json()["email"] == "viewer@acme.test"
    token = csrf_of(anon)
    assert (
        anon.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    )
    assert anon.get("/api/v1/me").status_code == 401


def test_secure_cookie_flags(world: World, web_settings: object) -> None:
    from dataclasses import replace

    from resonanz.web import create_app

    app = create_app(replace(web_settings, cookie_secure=True), world.store)  # type: ignore[type-var]
    with TestClient(app, base_url="https://testserver") as client:
        answer = client.get("/login")
        header = answer.headers["set-cookie"].lower()
        assert "httponly" in header and "secure" in header and "samesite=lax" in header


def test_wrong_password_is_refused_with_the_form_again(anon: TestClient, world: World) -> None:
    page = anon.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = anon.post(
        "/login", data={"email": "viewer@acme.test", "password": "nope", "csrf_token": token}
    )
    assert answer.status_code == 401
    assert "Wrong e-mail or password." in answer.text
    assert 'value="viewer@acme.test"' in answer.text  # what the user typed is kept


def test_login_rate_limit(anon: TestClient, world: World) -> None:
    page = anon.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"email": "viewer@acme.test", "password": "nope", "csrf_token": token}
    codes = [anon.post("/login", data=form).status_code for _ in range(11)]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    # Even the right password waits until the window has passed.
    right = anon.post("/login", data=form | {"password": PASSWORD})
    assert right.status_code == 429


def test_post_without_csrf_token_is_refused(login: Callable[[str], TestClient]) -> None:
    client = login("owner")
    answer = client.post("/w", data={"name": "New", "slug": "new"})
    assert answer.status_code == 403
    api = client.post("/api/v1/workspaces", json={"name": "New", "slug": "new"})
    assert api.status_code == 403 and api.json()["error"]["code"] == "csrf_failed"
    ok = client.post(
        "/api/v1/workspaces",
        json={"name": "New", "slug": "new"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert ok.status_code == 201


def test_api_token_works_without_cookies_and_only_for_its_workspace(
    world: World, anon: TestClient
) -> None:
    user = world.users["editor"]
    _token, secret = world.store.accounts.create_token(user.id, world.ids["acme.workspace"], "ci")
    headers = {"Authorization": f"Bearer {secret}"}
    assert anon.get("/api/v1/workspaces/acme", headers=headers).status_code == 200
    other = world.store.create_workspace("third", "Third")
    world.store.accounts.add_member(other.id, user.id, "owner")
    # A member of "third", but the token is scoped to "acme".
    assert anon.get("/api/v1/workspaces/third", headers=headers).status_code == 404
    assert anon.get("/api/v1/me", headers={"Authorization": "Bearer rz_wrong"}).status_code == 401


def test_password_change_ends_other_sessions(
    login: Callable[[str], TestClient], world: World
) -> None:
    from resonanz.web.security import hash_password

    client = login("viewer")
    assert client.get("/api/v1/me").status_code == 200
    world.store.accounts.update_user(
        world.users["viewer"].id, password_hash=hash_password("another password")
    )
    assert client.get("/api/v1/me").status_code == 401


def test_oversize_body_is_413(login: Callable[[str], TestClient]) -> None:
    client = login("owner")
    answer = client.post(
        "/api/v1/workspaces",
        content=b"x" * 10_000_001,
        headers={"content-type": "application/json", "X-CSRF-Token": csrf_of(client)},
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"


def test_open_redirect_is_refused(anon: TestClient, world: World) -> None:
    page = anon.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = anon.post(
        "/login",
        data={
            "email": "viewer@acme.test",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"


def test_security_headers(anon: TestClient) -> None:
    answer = anon.get("/login")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
