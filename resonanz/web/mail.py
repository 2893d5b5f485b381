"""Plain-text e-mail over SMTP (``settings.smtp_url``): STARTTLS on smtp://, TLS on smtps://."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from resonanz.config import Settings
from resonanz.errors import ResonanzError


class MailError(ResonanzError):
    """The e-mail could not be sent (the message names the server, never the password)."""


def send_mail(
    settings: Settings,
    to: str,
    subject: str,
    body: str,
    *,
    timeout: float = 20,
    message_id: str | None = None,
) -> None:
    """Send one e-mail; MailError when the server is unreachable or refuses it.
    ``message_id``: a stable Message-ID (``<message_id@sender's domain>``), so a mail
    sent again after a crash is recognisable as the same one."""
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise MailError("setting 'smtp_url' must look like smtp://user:pass@host:587")
    host, port = url.hostname, url.port or (465 if url.scheme == "smtps" else 587)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        domain = settings.mail_from.rpartition("@")[2].strip(" >") or "resonanz.localhost"
        message["Message-ID"] = f"<{message_id}@{domain}>"
    message.set_content(body)
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if url.scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if url.scheme == "smtp":
                client.starttls(context=context)
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MailError(f"could not send e-mail through {host}:{port}: {reason}") from exc
