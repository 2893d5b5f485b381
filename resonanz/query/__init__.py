"""The topic query language: parse, lint, match (see docs/queries.md)."""

from __future__ import annotations

from resonanz.query.document import Document
from resonanz.query.evaluate import evaluate, matched_terms
from resonanz.query.fts import to_fts
from resonanz.query.issues import Issue, LintResult, format_issue
from resonanz.query.lint import lint
from resonanz.query.matcher import Matcher
from resonanz.query.nodes import (
    And,
    Field,
    Hashtag,
    Mention,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Term,
)
from resonanz.query.parser import parse

__all__ = [
    "And",
    "Document",
    "Field",
    "Hashtag",
    "Issue",
    "LintResult",
    "Matcher",
    "Mention",
    "Near",
    "Node",
    "Not",
    "Or",
    "Phrase",
    "Term",
    "evaluate",
    "format_issue",
    "lint",
    "matched_terms",
    "parse",
    "to_fts",
]
