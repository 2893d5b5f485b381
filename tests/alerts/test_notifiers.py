"""Notifiers against real peers on 127.0.0.1: aiosmtpd (STARTTLS + AUTH), an HTTP receiver
that checks signatures, and a matrix-synapse homeserver."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

import pytest

from resonanz.alerts.message import AlertMessage, ExampleMention, Status
from resonanz.alerts.notifiers import FieldSpec, Notifier, make_notifier, notifier_kinds
from resonanz.alerts.notifiers.matrix import transaction_id
from resonanz.alerts.notifiers.render import matrix_html, plain_text, slack_text, subject
from resonanz.alerts.notifiers.webhook import sign, verify_signature
from resonanz.config import Settings
from resonanz.errors import DeliveryError, ValidationError
from resonanz.hookspecs import hookimpl
from resonanz.plugins import create_plugin_manager
from tests.alerts.receiver import SECRET, Route, receiver
from tests.alerts.synapse_peer import SERVER_NAME, Synapse, synapse
from tests.web.smtp_peer import PASSWORD, USER, smtp_peer

LOCAL = replace(Settings(), allow_private_targets=True)
STRICT = Settings()
T0 = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


def _message(
    lang: str = "en", status: Status = "opened", sequence: int = 0, incident_id: int = 7
) -> AlertMessage:
    title = "Mehr Erwähnungen zu Produktstart" if lang == "de" else "Mention spike on launch"
    return AlertMessage(
        incident_id=incident_id,
        sequence=sequence,
        workspace="acme",
        topic="Produktstart",
        kind="volume_spike",
        status=status,
        title=title,
        explanation="412 mentions in the last 15 min, expected 40 ± 9",
        started_at=T0,
        observed_at=T0 + timedelta(minutes=15),
        lang=lang,
        url="https://resonanz.example.org/w/acme/alerts/7",
        examples=tuple(
            ExampleMention(
                author=f"@user{i}",
                text=f"Post {i} über den <Start> & mehr",
                url=f"https://social.example/@user{i}/{i}",
            )
            for i in range(7)
        ),
    )


def _wait_for(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


# --- rendering --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "status", "label"),
    [
        ("de", "opened", "Neuer Alarm"),
        ("de", "updated", "Aktualisiert"),
        ("de", "resolved", "Beendet"),
        ("en", "opened", "New alert"),
        ("en", "updated", "Updated"),
        ("en", "resolved", "Resolved"),
    ],
)
def test_status_is_worded_in_the_message_language(lang: str, status: Status, label: str) -> None:
    message = _message(lang, status)
    assert subject(message) == f"[Resonanz] {label}: {message.title}"
    for text in (plain_text(message), slack_text(message), matrix_html(message)):
        assert label in text


def test_plain_text_has_times_examples_and_link() -> None:
    german = plain_text(_message("de"))
    assert "Begonnen: 02.03.2026, 14:05 UTC" in german
    assert "Beobachtet: 02.03.2026, 14:20 UTC" in german
    assert "Thema: Produktstart" in german and "Beispiele:" in german
    assert "Im Dashboard ansehen: https://resonanz.example.org/w/acme/alerts/7" in german
    english = plain_text(_message("en"))
    assert "Started: 2026-03-02 14:05 UTC" in english and "Examples:" in english
    # At most five examples, each with author, text and link.
    assert "@user4: Post 4" in english and "@user5" not in english
    assert "  https://social.example/@user0/0" in english


def test_markup_is_escaped_and_only_web_links_are_linked() -> None:
    message = replace(
        _message(),
        examples=(ExampleMention("<b>x</b>", "click me", "javascript:alert(1)"),),
        url="https://resonanz.example.org/a?x=1&y=<2>",
    )
    html = matrix_html(message)
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "javascript:" not in html
    assert 'href="https://resonanz.example.org/a?x=1&amp;y=&lt;2&gt;"' in html
    slack = slack_text(message)
    assert "&lt;b&gt;x&lt;/b&gt;" in slack and "javascript:" not in slack
    assert "<https://resonanz.example.org/a?x=1&y=%3C2%3E|Open in the dashboard>" in slack
    assert "javascript:" not in plain_text(message)


# --- registry ---------------------------------------------------------------------------


def test_built_in_kinds_are_registered_as_plugins() -> None:
    pm = create_plugin_manager(load_entry_points=False)
    assert set(notifier_kinds(pm)) == {"email", "webhook", "slack", "matrix"}


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"unknown notifier kind 'pager'.*email, matrix"):
        make_notifier("pager", {}, LOCAL, create_plugin_manager(load_entry_points=False))


def test_a_plugin_can_add_a_kind() -> None:
    sent: list[str] = []

    class LogNotifier(Notifier):
        kind = "log"
        fields: ClassVar[tuple[FieldSpec, ...]] = (FieldSpec("prefix", "Text before the title."),)

        def send(self, message: AlertMessage) -> None:
            sent.append(self._values["prefix"] + message.title)

        def describe(self) -> str:
            return "log"

    class Plugin:
        @hookimpl
        def register_notifiers(self) -> list[Any]:
            return [LogNotifier]

    pm = create_plugin_manager(load_entry_points=False)
    pm.register(Plugin())
    make_notifier("log", {"prefix": " >> "}, LOCAL, pm).send(_message())
    assert sent == [">>Mention spike on launch"]
    with pytest.raises(ValidationError, match="log: 'prefix' is required"):
        make_notifier("log", {}, LOCAL, pm)
    with pytest.raises(ValidationError, match="log: unknown field 'prefx'"):
        make_notifier("log", {"prefix": "x", "prefx": "y"}, LOCAL, pm)


def test_timeout_field_is_checked() -> None:
    config = {"url": "https://hooks.example.org/x", "secret": SECRET}
    with pytest.raises(ValidationError, match="webhook: 'timeout' must be a number"):
        make_notifier("webhook", {**config, "timeout": "soon"}, LOCAL)
    with pytest.raises(ValidationError, match="webhook: 'timeout' must be more than 0"):
        make_notifier("webhook", {**config, "timeout": "0"}, LOCAL)


# --- e-mail -----------------------------------------------------------------------------


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with smtp_peer(tmp_path) as peer:
        monkeypatch.setenv("SSL_CERT_FILE", str(peer.cert))
        yield peer


def _email_config(port: int, **extra: str) -> dict[str, str]:
    return {
        "url": f"smtp://{USER}@127.0.0.1:{port}",
        "password": PASSWORD,
        "to": "team@acme.test, lead@acme.test",
        "from": "alerts@acme.test",
        **extra,
    }


def _subject(mail: Any) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def test_email_arrives_in_german_and_english(smtp: Any) -> None:
    notifier = make_notifier("email", _email_config(smtp.port), LOCAL)
    notifier.send(_message("de"))
    notifier.send(_message("en", "updated", sequence=1))
    _wait_for(lambda: len(smtp.messages) == 2)
    german, english = smtp.messages
    assert _subject(german) == "[Resonanz] Neuer Alarm: Mehr Erwähnungen zu Produktstart"
    assert german["To"] == "team@acme.test, lead@acme.test"
    assert german["From"] == "alerts@acme.test"
    assert german["Message-ID"] == "<resonanz-7-0@acme.test>"
    assert german["Auto-Submitted"] == "auto-generated"
    body = german.get_payload(decode=True).decode()
    assert "Begonnen: 02.03.2026, 14:05 UTC" in body
    assert "@user0: Post 0 über den <Start> & mehr" in body
    assert _subject(english) == "[Resonanz] Updated: Mention spike on launch"
    assert english["In-Reply-To"] == "<resonanz-7-0@acme.test>"
    assert "Open in the dashboard" in english.get_payload(decode=True).decode()


def test_email_wrong_password_is_permanent_and_names_the_server(smtp: Any) -> None:
    wrong = "not-the-password-42"
    notifier = make_notifier("email", _email_config(smtp.port, password=wrong), LOCAL)
    with pytest.raises(DeliveryError) as caught:
        notifier.send(_message())
    assert caught.value.permanent
    text = str(caught.value)
    assert f"127.0.0.1:{smtp.port}" in text and "refused the login" in text
    assert wrong not in text and PASSWORD not in text
    assert smtp.messages == []


def test_email_implicit_tls_against_a_starttls_port_is_permanent(smtp: Any) -> None:
    config = _email_config(smtp.port, url=f"smtps://{USER}@127.0.0.1:{smtp.port}", timeout="3")
    with pytest.raises(DeliveryError, match="TLS failed") as caught:
        make_notifier("email", config, LOCAL).send(_message())
    assert caught.value.permanent


def test_email_untrusted_certificate_is_permanent(tmp_path: Path) -> None:
    with smtp_peer(tmp_path) as peer:  # its certificate is not trusted here
        notifier = make_notifier("email", _email_config(peer.port), LOCAL)
        with pytest.raises(DeliveryError, match="certificate is not trusted") as caught:
            notifier.send(_message())
    assert caught.value.permanent and PASSWORD not in str(caught.value)


def _closed_port() -> int:
    """A port nothing listens on: bound once, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_email_unreachable_port_is_temporary() -> None:
    port = _closed_port()
    notifier = make_notifier("email", _email_config(port, timeout="2"), LOCAL)
    with pytest.raises(DeliveryError, match=f"127.0.0.1:{port}") as caught:
        notifier.send(_message())
    assert not caught.value.permanent


def test_email_config_is_checked() -> None:
    base = _email_config(2525)
    with pytest.raises(ValidationError, match="email: 'to' has an invalid e-mail address 'x@'"):
        make_notifier("email", {**base, "to": "ok@acme.test, x@"}, LOCAL)
    with pytest.raises(ValidationError, match="email: 'url' must not contain the password"):
        make_notifier("email", {**base, "url": f"smtp://{USER}:{PASSWORD}@127.0.0.1:25"}, LOCAL)
    with pytest.raises(ValidationError, match="email: 'url' must look like smtp://"):
        make_notifier("email", {**base, "url": "https://mail.example.org"}, LOCAL)
    with pytest.raises(ValidationError, match="email: 'password' is required"):
        make_notifier("email", {**base, "password": ""}, LOCAL)
    with pytest.raises(ValidationError, match=r"email: 'url' is refused: .*loopback"):
        make_notifier("email", base, STRICT)


def test_email_shows_no_password() -> None:
    notifier = make_notifier("email", _email_config(2525), LOCAL)
    assert notifier.describe() == (
        f"email to team@acme.test, lead@acme.test via smtp://{USER}@127.0.0.1:2525"
    )
    for text in (repr(notifier), str(notifier), notifier.describe()):
        assert PASSWORD not in text


# --- webhook ----------------------------------------------------------------------------


def _webhook(url: str, settings: Settings = LOCAL, **extra: Any) -> Notifier:
    return make_notifier("webhook", {"url": url, "secret": SECRET, **extra}, settings)


def test_webhook_posts_signed_json_with_an_idempotency_key() -> None:
    with receiver() as peer:
        message = _message("de")
        _webhook(peer.url("/hook")).send(message)
        (hit,) = peer.hits
    assert hit.signature_ok
    assert hit.headers["idempotency-key"] == message.key == "resonanz-7-0"
    assert hit.headers["content-type"] == "application/json; charset=utf-8"
    assert abs(int(hit.headers["x-resonanz-timestamp"]) - time.time()) < 60
    body = json.loads(hit.body)
    assert body["incident_id"] == 7 and body["sequence"] == 0 and body["key"] == message.key
    assert body["status"] == "opened" and body["kind"] == "volume_spike"
    assert body["topic"] == "Produktstart" and body["workspace"] == "acme"
    assert body["title"] == message.title and body["explanation"] == message.explanation
    assert body["started_at"] == "2026-03-02T14:05:00+00:00"
    assert body["observed_at"] == "2026-03-02T14:20:00+00:00"
    assert body["url"] == message.url and len(body["examples"]) == 7
    assert body["examples"][0] == {
        "author": "@user0",
        "text": "Post 0 über den <Start> & mehr",
        "url": "https://social.example/@user0/0",
    }
    assert "Neuer Alarm" in body["text"]


def test_verify_signature_rejects_wrong_secret_old_timestamp_and_altered_body() -> None:
    now = 1_800_000_000
    body = b'{"a":1}'
    header = sign(SECRET, str(now), body)
    assert verify_signature(SECRET, str(now), body, header, now=now)
    assert verify_signature(SECRET, now, body.decode(), header, now=now + 299)
    assert not verify_signature(SECRET, str(now), body, header, now=now + 301)
    assert not verify_signature("another-secret-0123456789", str(now), body, header, now=now)
    assert not verify_signature(SECRET, str(now), b'{"a":2}', header, now=now)
    assert not verify_signature(SECRET, "soon", body, header, now=now)
    rotated = f"{sign('old-secret-0123456789', str(now), body)}, {header}"
    assert verify_signature(SECRET, str(now), body, rotated, now=now)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(500, False), (503, False), (429, False), (408, False), (410, True), (401, True)],
)
def test_webhook_errors_are_classified(status: int, permanent: bool) -> None:
    with receiver() as peer:
        peer.routes["/hook"] = Route(status=status, body=b"nope", headers={"Retry-After": "30"})
        with pytest.raises(DeliveryError) as caught:
            _webhook(peer.url("/hook")).send(_message())
    assert caught.value.permanent is permanent
    assert f"HTTP {status}" in str(caught.value) and "nope" in str(caught.value)
    if not permanent and status in (429, 503):
        assert "retry after 30 s" in str(caught.value)


@pytest.mark.parametrize("absolute", [True, False])
def test_webhook_does_not_follow_redirects(absolute: bool) -> None:
    with receiver() as peer:
        target = peer.url("/elsewhere") if absolute else "/elsewhere"
        peer.routes["/hook"] = Route(status=302, headers={"Location": target})
        with pytest.raises(DeliveryError, match="redirects are not followed") as caught:
            _webhook(peer.url("/hook"), timeout=5).send(_message())  # a number, as from JSON
        assert [hit.path for hit in peer.hits] == ["/hook"]
    assert caught.value.permanent
    assert ("to http://127.0.0.1" in str(caught.value)) is absolute


def test_webhook_slow_receiver_times_out_temporarily() -> None:
    with receiver() as peer:
        peer.routes["/hook"] = Route(delay=2.0)
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="timed out") as caught:
            _webhook(peer.url("/hook"), timeout="0.3").send(_message())
        assert time.monotonic() - started < 1.5
    assert not caught.value.permanent


def test_webhook_unreachable_is_temporary() -> None:
    notifier = _webhook(f"http://127.0.0.1:{_closed_port()}/hook")
    with pytest.raises(DeliveryError, match="could not connect") as caught:
        notifier.send(_message())
    assert not caught.value.permanent


def test_private_targets_are_refused_unless_allowed() -> None:
    for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/x"):
        with pytest.raises(ValidationError, match=r"webhook: 'url' is refused: .*allow_private"):
            _webhook(url, STRICT)
    with pytest.raises(ValidationError, match="webhook: 'url' must be an https:// or http://"):
        _webhook("ftp://example.org/hook", STRICT)
    with pytest.raises(ValidationError, match="webhook: 'secret' must have at least 16"):
        make_notifier("webhook", {"url": "https://example.org/", "secret": "short"}, STRICT)


def test_private_target_is_refused_again_at_send_time() -> None:
    notifier = _webhook("http://127.0.0.1:9/hook")
    notifier.settings = STRICT  # e.g. the setting changed since the config was saved
    with pytest.raises(DeliveryError, match="loopback") as caught:
        notifier.send(_message())
    assert caught.value.permanent


def test_webhook_shows_no_secret() -> None:
    notifier = _webhook("https://hooks.example.org/in/abc?token=query-secret")
    assert notifier.describe() == "webhook https://hooks.example.org/in/abc"
    for text in (repr(notifier), str(notifier)):
        assert SECRET not in text and "query-secret" not in text


# --- Slack-compatible -------------------------------------------------------------------

SLACK_PATH = "/services/T0001/B0002/slack-path-is-the-secret"


def test_slack_posts_mrkdwn_text() -> None:
    with receiver() as peer:
        notifier = make_notifier("slack", {"url": peer.url(SLACK_PATH)}, LOCAL)
        notifier.send(_message("de"))
        (hit,) = peer.hits
    assert hit.path == SLACK_PATH
    assert hit.headers["content-type"] == "application/json; charset=utf-8"
    body = json.loads(hit.body)
    assert list(body) == ["text"]
    assert body["text"].startswith("*Neuer Alarm: Mehr Erwähnungen zu Produktstart*")
    assert "Post 0 über den &lt;Start&gt; &amp; mehr" in body["text"]
    assert "<https://resonanz.example.org/w/acme/alerts/7|Im Dashboard ansehen>" in body["text"]


def test_slack_errors_do_not_show_the_url() -> None:
    with receiver() as peer:
        peer.routes[SLACK_PATH] = Route(status=404, body=b"no_service")
        notifier = make_notifier("slack", {"url": peer.url(SLACK_PATH)}, LOCAL)
        with pytest.raises(DeliveryError, match="no_service") as caught:
            notifier.send(_message())
    assert caught.value.permanent
    assert notifier.describe() == f"slack http://127.0.0.1:{peer.port}/…"
    for text in (str(caught.value), repr(notifier), str(notifier)):
        assert "slack-path-is-the-secret" not in text
    with pytest.raises(ValidationError) as refused:
        make_notifier("slack", {"url": peer.url(SLACK_PATH)}, STRICT)
    assert "slack-path-is-the-secret" not in str(refused.value)


# --- Matrix -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    with synapse(tmp_path_factory.mktemp("synapse")) as server:
        yield server


@pytest.fixture(scope="session")
def bot(homeserver: Synapse) -> dict[str, str]:
    """A bot user and a room it has joined (with an alias)."""
    token = homeserver.register("resonanz-bot")
    room = homeserver.call(
        "POST", "/createRoom", token, json={"room_alias_name": "alerts", "preset": "private_chat"}
    )["room_id"]
    return {"token": token, "room": room, "alias": f"#alerts:{SERVER_NAME}"}


def _messages(homeserver: Synapse, bot: dict[str, str]) -> list[dict[str, Any]]:
    chunk = homeserver.call(
        "GET",
        f"/rooms/{quote(bot['room'], safe='')}/messages",
        bot["token"],
        params={"dir": "b", "limit": 100},
    )["chunk"]
    return [event for event in chunk if event["type"] == "m.room.message"]


def _matrix(homeserver: Synapse, room: str, token: str, settings: Settings = LOCAL) -> Notifier:
    config = {"homeserver": homeserver.url, "room_id": room, "access_token": token}
    return make_notifier("matrix", config, settings)


def test_matrix_posts_once_even_when_sent_twice(homeserver: Synapse, bot: dict[str, str]) -> None:
    message = _message("de", incident_id=101)
    notifier = _matrix(homeserver, bot["alias"], bot["token"])
    notifier.send(message)
    notifier.send(message)  # a retry: same transaction id, no second post
    _matrix(homeserver, bot["alias"], bot["token"]).send(message)  # a fresh notifier too
    posted = [e for e in _messages(homeserver, bot) if "Mehr Erwähnungen" in e["content"]["body"]]
    assert len(posted) == 1
    content = posted[0]["content"]
    assert content["msgtype"] == "m.text"
    assert content["body"].startswith("Neuer Alarm: Mehr Erwähnungen zu Produktstart")
    assert content["format"] == "org.matrix.custom.html"
    assert (
        "<strong>Neuer Alarm: Mehr Erwähnungen zu Produktstart</strong>"
        in (content["formatted_body"])
    )
    assert posted[0]["unsigned"]["transaction_id"] == transaction_id(message, bot["room"])


def test_matrix_room_id_and_next_sequence_post_again(
    homeserver: Synapse, bot: dict[str, str]
) -> None:
    notifier = _matrix(homeserver, bot["room"], bot["token"])
    notifier.send(_message("en", "opened", incident_id=202))
    notifier.send(_message("en", "resolved", sequence=1, incident_id=202))
    bodies = [e["content"]["body"] for e in _messages(homeserver, bot)]
    assert any(b.startswith("New alert: Mention spike") for b in bodies)
    assert any(b.startswith("Resolved: Mention spike") for b in bodies)


def test_matrix_bad_token_is_permanent(homeserver: Synapse, bot: dict[str, str]) -> None:
    token = "syt_not_a_valid_token_at_all"
    with pytest.raises(DeliveryError, match="M_UNKNOWN_TOKEN") as caught:
        _matrix(homeserver, bot["room"], token).send(_message())
    assert caught.value.permanent and token not in str(caught.value)


def test_matrix_unknown_rooms_are_permanent(homeserver: Synapse, bot: dict[str, str]) -> None:
    with pytest.raises(DeliveryError, match="M_NOT_FOUND") as caught:
        _matrix(homeserver, f"#nowhere:{SERVER_NAME}", bot["token"]).send(_message())
    assert caught.value.permanent
    stranger = homeserver.register("stranger")
    other = homeserver.call("POST", "/createRoom", stranger, json={"preset": "private_chat"})
    with pytest.raises(DeliveryError, match="M_FORBIDDEN") as caught:
        _matrix(homeserver, other["room_id"], bot["token"]).send(_message())
    assert caught.value.permanent


def test_matrix_config_is_checked_and_shows_no_token(homeserver: Synapse) -> None:
    with pytest.raises(ValidationError, match="matrix: 'room_id' must be a room id"):
        _matrix(homeserver, "alerts", "token-123")
    with pytest.raises(ValidationError, match=r"matrix: 'homeserver' is refused: .*loopback"):
        _matrix(homeserver, "!abc:localhost", "token-123", STRICT)
    notifier = _matrix(homeserver, "#alerts:localhost", "token-123")
    assert notifier.describe() == f"matrix #alerts:localhost on {homeserver.url}"
    assert "token-123" not in repr(notifier) and "token-123" not in str(notifier)
