"""Terminal rendering shared by the commands: mention rows, highlights, lint reports."""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Console
from rich.text import Text

from resonanz.models import Mention
from resonanz.query import LintResult, format_issue
from resonanz.query.text import fold

_WORD_RE = re.compile(r"[^\W_]+")


def highlight(text: str, terms: Iterable[str], *, limit: int = 280) -> Text:
    """The text (shortened) with words belonging to the matched terms in bold yellow.

    Terms are folded literals as the matcher reports them; a trailing '*' marks a prefix.
    """
    parts = [w.lstrip("#@") for term in terms for w in term.split()]
    exact = {w for w in parts if not w.endswith("*")}
    prefixes = tuple(w[:-1] for w in parts if w.endswith("*"))
    short = " ".join(text.split())
    if len(short) > limit:
        short = short[: limit - 1] + "…"
    out = Text(short)
    for m in _WORD_RE.finditer(short):
        folded = fold(m.group())
        if folded in exact or (prefixes and folded.startswith(prefixes)):
            out.stylize("bold yellow", m.start(), m.end())
    return out


_SENTIMENT_STYLE = {"negative": "red", "neutral": "dim", "positive": "green"}


def mention_line(mention: Mention, terms: Iterable[str] = ()) -> Text:
    """One mention as a block: platform, time, author, text, link."""
    when = mention.created_at or mention.collected_at
    author = f"@{mention.author.handle}" if mention.author else "-"
    head = Text(f"[{mention.platform}] {when:%Y-%m-%d %H:%M} {author}", style="dim")
    if mention.lang:
        head.append(f" {mention.lang}", style="dim")
    sentiment = mention.enrichments.get("sentiment")
    if isinstance(sentiment, dict) and sentiment.get("label") in _SENTIMENT_STYLE:
        label = str(sentiment["label"])
        head.append(f" {label}", style=_SENTIMENT_STYLE[label])
    body = highlight(f"{mention.title}: {mention.text}" if mention.title else mention.text, terms)
    block = Text.assemble(head, "\n  ", body)
    if mention.url:
        block.append(f"\n  {mention.url}", style="blue")
    return block


def print_lint(console: Console, query: str, result: LintResult) -> None:
    """Print errors and warnings of a query, each with a caret under its position."""
    for issue in [*result.errors, *result.warnings]:
        style = "red" if issue in result.errors else "yellow"
        label = "error" if issue in result.errors else "warning"
        console.print(Text(f"{label}: ", style=style), end="")
        console.print(Text(format_issue(query, issue)))
