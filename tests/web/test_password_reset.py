"""Password reset by e-mail through a real SMTP server (STARTTLS + AUTH) on 127.0.0.1."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.web import create_app
from resonanz.web.mail import MailError, send_mail
from tests.web.conftest import World, csrf_of, log_in
from tests.web.smtp_peer import PASSWORD, USER, smtp_peer


def _form_token(client: TestClient, path: str) -> str:
    page = client.get(path)
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_reset_link_by_mail_sets_a_new_password(
    tmp_path: Path, web_settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_peer(tmp_path) as peer:
        monkeypatch.setenv("SSL_CERT_FILE", str(peer.cert))
        settings = replace(web_settings, smtp_url=f"smtp://{USER}:{PASSWORD}@127.0.0.1:{peer.port}")
        with TestClient(create_app(settings, world.store)) as client:
            token = _form_token(client, "/password-reset")
            answer = client.post(
                "/password-reset", data={"email": "viewer@acme.test", "csrf_token": token}
            )
            assert answer.status_code == 200
            # Unknown addresses get the same answer and no mail.
            client.post("/password-reset", data={"email": "nobody@acme.test", "csrf_token": token})
            assert len(peer.messages) == 1
            mail = peer.messages[0]
            assert mail["To"] == "viewer@acme.test"
            link = re.search(r"http://testserver(/password-reset/\S+)", mail.get_payload())  # type: ignore[arg-type]
            assert link is not None
            path = link.group(1)
            token = _form_token(client, path)
            short = client.post(path, data={"password": "short", "csrf_token": token})
            assert short.status_code == 422 and "10 characters" in short.text
            done = client.post(
                path,
                data={"password": "a brand new password", "csrf_token": token},
                follow_redirects=False,
            )
            assert done.status_code == 303
            token = _form_token(client, path)  # logged in now: a new session, a new token
            again = client.post(path, data={"password": "another new one!", "csrf_token": token})
            assert again.status_code == 422  # the link works once
        with TestClient(create_app(settings, world.store)) as fresh:
            log_in(fresh, "viewer@acme.test", "a brand new password")
            assert fresh.get("/api/v1/me").status_code == 200
            assert csrf_of(fresh)


def test_wrong_smtp_password_is_a_clear_error(
    tmp_path: Path, web_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_peer(tmp_path) as peer:
        monkeypatch.setenv("SSL_CERT_FILE", str(peer.cert))
        settings = replace(web_settings, smtp_url=f"smtp://{USER}:wrong@127.0.0.1:{peer.port}")
        with pytest.raises(MailError, match=f"127.0.0.1:{peer.port}") as caught:
            send_mail(settings, "a@b.de", "Hi", "Body", timeout=5)
        assert "wrong" not in str(caught.value)
        assert peer.messages == []


def test_without_smtp_the_page_says_so(anon: TestClient) -> None:
    token = _form_token(anon, "/password-reset")
    answer = anon.post("/password-reset", data={"email": "viewer@acme.test", "csrf_token": token})
    assert answer.status_code == 503
    assert "cannot send e-mail" in answer.text
