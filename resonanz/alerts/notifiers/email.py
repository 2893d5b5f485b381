"""E-mail over SMTP: STARTTLS on smtp:// (port 587), TLS on smtps:// (port 465), with AUTH.

The password is a separate secret field, never part of the URL, and is only sent after
TLS is up. The server's address is checked like any user-typed target (no private
addresses unless ``allow_private_targets``) and the connection goes to the checked address.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from resonanz.alerts.message import AlertMessage
from resonanz.alerts.notifiers.base import TIMEOUT_FIELD, FieldSpec, Notifier
from resonanz.alerts.notifiers.render import plain_text, subject
from resonanz.config import Settings
from resonanz.errors import DeliveryError, ValidationError
from resonanz.fetcher import address_problem, resolve_host
from resonanz.hookspecs import hookimpl

__all__ = ["EmailNotifier", "register_notifiers"]

_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_MAX_RECIPIENTS = 50


# smtplib has no public way to connect to one address while TLS verifies the host name;
# both classes override _get_socket (typeshed does not declare it, hence the ignores).
class _PinnedSMTP(smtplib.SMTP):
    """SMTP that connects to a checked address; STARTTLS still verifies the host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(self._address, port, timeout)  # type: ignore[misc]
        return sock


class _PinnedSMTPSSL(smtplib.SMTP_SSL):
    """SMTP over TLS that connects to a checked address, verifying the host name."""

    def __init__(
        self, address: str, host: str, port: int, timeout: float, context: ssl.SSLContext
    ) -> None:
        self._address = address
        super().__init__(host, port, timeout=timeout, context=context)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock: socket.socket = super()._get_socket(self._address, port, timeout)  # type: ignore[misc]
        return sock


def _addresses(kind: str, field: str, text: str) -> list[str]:
    result = []
    for part in text.split(","):
        candidate = part.strip()
        if not candidate:
            continue
        try:
            Address(addr_spec=candidate)
        except (ValueError, IndexError):
            candidate = ""
        if not _ADDRESS.match(candidate):
            raise ValidationError(
                f"{kind}: {field!r} has an invalid e-mail address {part.strip()!r}"
            )
        result.append(candidate)
    if not result:
        raise ValidationError(f"{kind}: {field!r} needs at least one e-mail address")
    if len(result) > _MAX_RECIPIENTS:
        raise ValidationError(f"{kind}: {field!r} may list at most {_MAX_RECIPIENTS} addresses")
    return result


class EmailNotifier(Notifier):
    """Send a plain-text e-mail per alert through your SMTP server."""

    kind = "email"
    fields = (
        FieldSpec(
            "url",
            "The SMTP server: smtp://user@host:587 (STARTTLS) or smtps://user@host:465 (TLS); "
            "the password goes in 'password'.",
        ),
        FieldSpec(
            "password", "The SMTP password of the user in 'url'.", required=False, secret=True
        ),
        FieldSpec("to", "Recipients, comma-separated."),
        FieldSpec("from", "Sender address (default: the setting mail_from).", required=False),
        TIMEOUT_FIELD,
    )

    def __init__(self, config: Mapping[str, str], settings: Settings) -> None:
        super().__init__(config, settings)
        url = urlsplit(self._values["url"])
        try:
            port = url.port
        except ValueError:
            raise self.invalid("url", "has an invalid port") from None
        if url.scheme not in ("smtp", "smtps") or not url.hostname:
            raise self.invalid(
                "url", "must look like smtp://user@host:587 or smtps://user@host:465"
            )
        if url.password is not None:
            raise self.invalid(
                "url", "must not contain the password: put it in the field 'password'"
            )
        self._tls = url.scheme == "smtps"
        self._host = url.hostname
        self._port = port or (465 if self._tls else 587)
        self._user = unquote(url.username or "")
        self._password = self._values["password"]
        if self._user and not self._password:
            raise self.invalid("password", f"is required to log in as {self._user!r}")
        self._to = _addresses(self.kind, "to", self._values["to"])
        sender = self._values["from"] or settings.mail_from
        self._from = _addresses(self.kind, "from", sender)[0]
        try:
            self._checked_addresses()
        except socket.gaierror:
            pass  # a name that does not resolve now is checked again at each send
        except DeliveryError as exc:
            raise self.invalid("url", f"is refused: {exc}") from None

    def describe(self) -> str:
        """ "email to a@example.org via smtp://alerts@mail.example.org:587"."""
        user = f"{self._user}@" if self._user else ""
        scheme = "smtps" if self._tls else "smtp"
        return (
            f"{self.kind} to {', '.join(self._to)} via {scheme}://{user}{self._host}:{self._port}"
        )

    def _server(self) -> str:
        return f"SMTP server {self._host}:{self._port}"

    def _checked_addresses(self) -> list[str]:
        """The server's addresses, each checked; DeliveryError (permanent) for a private one."""
        addresses = resolve_host(self._host, self._port)
        if self.settings.allow_private_targets:
            return addresses
        name = self._host.rstrip(".").lower()
        if name == "localhost" or name.endswith(".localhost"):
            addresses = ["127.0.0.1"]
        for address in addresses:
            problem = address_problem(address)
            if problem is not None:
                raise DeliveryError(
                    f"{self._server()} is a {problem} address ({address}); "
                    "set allow_private_targets to allow private network targets",
                    permanent=True,
                )
        return addresses

    def _email(self, message: AlertMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self._from
        email["To"] = ", ".join(self._to)
        email["Subject"] = subject(message)
        domain = self._from.rsplit("@", 1)[1]
        # A stable Message-ID per delivery, and updates threaded under the first message.
        email["Message-ID"] = f"<{message.key}@{domain}>"
        if message.sequence > 0:
            first = f"<resonanz-{message.incident_id}-0@{domain}>"
            email["In-Reply-To"] = first
            email["References"] = first
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(plain_text(message))
        return email

    def send(self, message: AlertMessage) -> None:
        """Send the message; DeliveryError naming the server (never the password)."""
        email = self._email(message)
        context = ssl.create_default_context()
        try:
            address = self._checked_addresses()[0]
            client: smtplib.SMTP
            if self._tls:
                client = _PinnedSMTPSSL(address, self._host, self._port, self.timeout, context)
            else:
                client = _PinnedSMTP(address, self._host, self._port, self.timeout)
            with client:
                if not self._tls:
                    client.starttls(context=context)
                if self._user:
                    client.login(self._user, self._password)
                client.send_message(email)
        except smtplib.SMTPAuthenticationError:
            raise DeliveryError(
                f"{self._server()} refused the login of {self._user!r}: wrong user or password",
                permanent=True,
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"{self._server()}: {_first_line(exc)}", permanent=True) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"{self._server()} refused the recipients {', '.join(sorted(exc.recipients))}",
                permanent=all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            said = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise DeliveryError(
                f"{self._server()} answered {exc.smtp_code} {_first_line(said)}",
                permanent=exc.smtp_code >= 500,
            ) from None
        except smtplib.SMTPException as exc:
            raise DeliveryError(f"{self._server()}: {_first_line(exc)}", permanent=False) from None
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(
                f"{self._server()}: its TLS certificate is not trusted ({exc.verify_message})",
                permanent=True,
            ) from None
        except ssl.SSLError as exc:
            raise DeliveryError(
                f"{self._server()}: TLS failed ({exc.reason or _first_line(exc)}); "
                "smtps:// is for implicit TLS (port 465), smtp:// for STARTTLS (587)",
                permanent=True,
            ) from None
        except socket.gaierror as exc:
            raise DeliveryError(
                f"{self._server()}: the name does not resolve ({exc.strerror})", permanent=False
            ) from None
        except TimeoutError:
            raise DeliveryError(
                f"{self._server()}: timed out after {self.timeout:g} s", permanent=False
            ) from None
        except OSError as exc:
            raise DeliveryError(
                f"{self._server()}: could not connect ({exc.strerror or _first_line(exc)})",
                permanent=False,
            ) from None


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__


@hookimpl
def register_notifiers() -> list[Any]:
    """Register the e-mail notifier."""
    return [EmailNotifier]
