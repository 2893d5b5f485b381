"""A real SMTP server on 127.0.0.1 (aiosmtpd) with STARTTLS required and AUTH LOGIN/PLAIN.

The certificate is made with the openssl command for 127.0.0.1; clients trust it through
SSL_CERT_FILE. Received messages land in ``SmtpPeer.messages``.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

USER, PASSWORD = "mailer", "s3cret-pass"


@dataclass
class SmtpPeer:
    port: int
    cert: Path
    messages: list[Message] = field(default_factory=list)


class _Handler:
    def __init__(self, peer: SmtpPeer) -> None:
        self.peer = peer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peer.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    # A refusal must say handled=False, or the client waits forever (aiosmtpd quirk).
    return AuthResult(success=ok, handled=False) if not ok else AuthResult(success=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def smtp_peer(tmp_path: Path) -> Iterator[SmtpPeer]:
    """Run the server for the duration of the block."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the SMTP server's certificate")
    from aiosmtpd.controller import Controller

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    peer = SmtpPeer(port=_free_port(), cert=cert)
    controller = Controller(
        _Handler(peer),
        hostname="127.0.0.1",
        port=peer.port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield peer
    finally:
        controller.stop()
