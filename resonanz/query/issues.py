"""Problems found in a query (errors and warnings) and how to show them to a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a query, at a 0-based character position."""

    position: int
    message: str
    severity: Severity = "error"


@dataclass(frozen=True, slots=True)
class LintResult:
    """Everything the linter found; a query with errors cannot be used."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the query has no errors (warnings are allowed)."""
        return not self.errors


def format_issue(query: str, issue: Issue) -> str:
    """The issue's message, then the query's line with a caret under the position."""
    start = query.rfind("\n", 0, issue.position) + 1
    end = query.find("\n", issue.position)
    line = query[start : end if end >= 0 else len(query)]
    # Tabs would shift the caret; show them as single spaces.
    line = line.replace("\t", " ")
    column = max(0, min(issue.position - start, len(line)))
    return f"{issue.message}\n  {line}\n  {' ' * column}^"
