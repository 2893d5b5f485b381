"""An alert message as German or English text: plain, Slack mrkdwn, or Matrix HTML.

The message's ``lang`` picks the language ("de…" is German, anything else English).
All three forms carry the same parts: status and title, explanation, topic and workspace,
start and observation time (UTC), up to five example mentions, the dashboard link.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from resonanz.alerts.message import AlertMessage, ExampleMention, Status

__all__ = [
    "MAX_EXAMPLES",
    "format_time",
    "language",
    "matrix_html",
    "plain_text",
    "slack_text",
    "status_label",
    "subject",
]

MAX_EXAMPLES = 5
_TEXT_LIMIT = 280

_WORDS: dict[str, dict[str, str]] = {
    "de": {
        "opened": "Neuer Alarm",
        "updated": "Aktualisiert",
        "resolved": "Beendet",
        "topic": "Thema",
        "workspace": "Arbeitsbereich",
        "started": "Begonnen",
        "observed": "Beobachtet",
        "examples": "Beispiele",
        "link": "Link",
        "dashboard": "Im Dashboard ansehen",
    },
    "en": {
        "opened": "New alert",
        "updated": "Updated",
        "resolved": "Resolved",
        "topic": "Topic",
        "workspace": "Workspace",
        "started": "Started",
        "observed": "Observed",
        "examples": "Examples",
        "link": "link",
        "dashboard": "Open in the dashboard",
    },
}
_SPACE = re.compile(r"\s+")


def language(message: AlertMessage) -> str:
    """ "de" or "en": the language the message is written in."""
    return "de" if message.lang.lower().startswith("de") else "en"


def status_label(status: Status, lang: str) -> str:
    """ "Neuer Alarm" / "New alert", "Aktualisiert" / "Updated", "Beendet" / "Resolved"."""
    return _WORDS["de" if lang == "de" else "en"][status]


def format_time(moment: datetime, lang: str) -> str:
    """A UTC time the way German or English readers write it (a naive time counts as UTC)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%d.%m.%Y, %H:%M UTC" if lang == "de" else "%Y-%m-%d %H:%M UTC")


def _line(text: str, limit: int | None = None) -> str:
    flat = _SPACE.sub(" ", text).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def subject(message: AlertMessage) -> str:
    """One line: "[Resonanz] Neuer Alarm: <title>"."""
    label = status_label(message.status, language(message))
    return _line(f"[Resonanz] {label}: {message.title}")


def _web_link(url: str | None) -> str | None:
    # Only http(s) links become clickable: a "javascript:" URL in a mention must not.
    if url and re.match(r"^https?://", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def _examples(message: AlertMessage) -> tuple[ExampleMention, ...]:
    return message.examples[:MAX_EXAMPLES]


def _facts(message: AlertMessage, words: dict[str, str], lang: str) -> list[tuple[str, str]]:
    return [
        (words["topic"], message.topic),
        (words["workspace"], message.workspace),
        (words["started"], format_time(message.started_at, lang)),
        (words["observed"], format_time(message.observed_at, lang)),
    ]


def plain_text(message: AlertMessage) -> str:
    """The message as plain text (e-mail body, Matrix ``body``)."""
    lang = language(message)
    words = _WORDS[lang]
    lines = [f"{status_label(message.status, lang)}: {_line(message.title)}", ""]
    if message.explanation.strip():
        lines += [message.explanation.strip(), ""]
    lines += [f"{label}: {_line(value)}" for label, value in _facts(message, words, lang)]
    examples = _examples(message)
    if examples:
        lines += ["", f"{words['examples']}:"]
        for example in examples:
            lines.append(f"- {_line(example.author)}: {_line(example.text, _TEXT_LIMIT)}")
            link = _web_link(example.url)
            if link:
                lines.append(f"  {link}")
    dashboard = _web_link(message.url)
    if dashboard:
        lines += ["", f"{words['dashboard']}: {dashboard}"]
    return "\n".join(lines) + "\n"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(url: str, label: str) -> str:
    safe_url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{safe_url}|{_slack_escape(label)}>"


def slack_text(message: AlertMessage) -> str:
    """The message in Slack's mrkdwn (also read by Mattermost and Rocket.Chat)."""
    lang = language(message)
    words = _WORDS[lang]
    title = _slack_escape(f"{status_label(message.status, lang)}: {_line(message.title)}")
    lines = [f"*{title}*"]
    if message.explanation.strip():
        lines.append(_slack_escape(message.explanation.strip()))
    lines.append(
        " · ".join(
            f"{label}: {_slack_escape(_line(value))}"
            for label, value in _facts(message, words, lang)
        )
    )
    examples = _examples(message)
    if examples:
        lines.append(f"*{words['examples']}:*")
        for example in examples:
            entry = (
                f"• *{_slack_escape(_line(example.author))}*: "
                f"{_slack_escape(_line(example.text, _TEXT_LIMIT))}"
            )
            link = _web_link(example.url)
            if link:
                entry += f" ({_slack_link(link, words['link'])})"
            lines.append(entry)
    dashboard = _web_link(message.url)
    if dashboard:
        lines.append(_slack_link(dashboard, words["dashboard"]))
    return "\n".join(lines)


def matrix_html(message: AlertMessage) -> str:
    """The message as the HTML subset Matrix clients show (``formatted_body``)."""
    lang = language(message)
    words = _WORDS[lang]

    def esc(text: str) -> str:
        return html.escape(text, quote=True)

    title = f"{status_label(message.status, lang)}: {_line(message.title)}"
    parts = [f"<p><strong>{esc(title)}</strong></p>"]
    if message.explanation.strip():
        parts.append(f"<p>{esc(message.explanation.strip())}</p>")
    facts = "<br>".join(
        f"{esc(label)}: {esc(_line(value))}" for label, value in _facts(message, words, lang)
    )
    parts.append(f"<p>{facts}</p>")
    examples = _examples(message)
    if examples:
        items = []
        for example in examples:
            item = (
                f"<strong>{esc(_line(example.author))}</strong>: "
                f"{esc(_line(example.text, _TEXT_LIMIT))}"
            )
            link = _web_link(example.url)
            if link:
                item += f' (<a href="{esc(link)}">{esc(words["link"])}</a>)'
            items.append(f"<li>{item}</li>")
        parts.append(f"<p>{esc(words['examples'])}:</p><ul>{''.join(items)}</ul>")
    dashboard = _web_link(message.url)
    if dashboard:
        parts.append(f'<p><a href="{esc(dashboard)}">{esc(words["dashboard"])}</a></p>')
    return "".join(parts)
