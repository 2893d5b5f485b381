"""Check a query before it is saved: errors that stop it, warnings about what it will match."""

from __future__ import annotations

from resonanz.query.issues import Issue, LintResult
from resonanz.query.lexer import MIN_PREFIX
from resonanz.query.nodes import And, Field, Near, Node, Not, Or, Term
from resonanz.query.parser import parse_lenient
from resonanz.query.text import fold

# Words so common in German or English posts that a query on them alone is noise.
_COMMON = """
der die das den dem des ein eine einer eines einem einen und oder aber nicht kein keine ist
sind war waren sein hat haben wird werden ich du er sie es wir ihr man sich auch noch nur schon
so wie was wer wo wenn dass daß als mit von vom zu zum zur für auf aus bei beim im in ins an am
um über unter nach vor bis durch ja nein mal mehr sehr hier da dann doch jetzt heute alle
the a an and or not no of to in on at for with from by as is are was were be been it its this
that these those i you he she we they my your our their me him her us them but if so than then
there here what who how when where why all any some just very can will would should do does did
have has had rt via amp
"""
COMMON_WORDS: frozenset[str] = frozenset(fold(w) for w in _COMMON.split())


def lint(query: str) -> LintResult:
    """All errors and warnings of query, each with its 0-based position, sorted by position."""
    node, issues = parse_lenient(query)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity == "warning"]
    if node is not None:
        warned = {w.position for w in warnings}
        warnings.extend(w for w in _broad_terms(node, positive=True) if w.position not in warned)
        if not errors and not _needs_words(node):
            warnings.append(
                Issue(
                    0,
                    "this query can match posts without any of its words (it only has NOT"
                    " or field conditions), so it matches almost everything",
                    "warning",
                )
            )
    return LintResult(
        errors=sorted(_dedupe(errors), key=lambda i: i.position),
        warnings=sorted(_dedupe(warnings), key=lambda i: i.position),
    )


def _dedupe(issues: list[Issue]) -> list[Issue]:
    return list(dict.fromkeys(issues))


def _broad_terms(node: Node, *, positive: bool) -> list[Issue]:
    if isinstance(node, Term):
        message = _broad_message(node) if positive else None
        return [] if message is None else [Issue(node.pos, message, "warning")]
    if isinstance(node, Not):
        return _broad_terms(node.child, positive=not positive)
    if isinstance(node, And | Or):
        return [w for child in node.children for w in _broad_terms(child, positive=positive)]
    if isinstance(node, Near):
        return _broad_terms(node.left, positive=positive) + _broad_terms(
            node.right, positive=positive
        )
    return []


def _broad_message(term: Term) -> str | None:
    word = term.word
    if term.prefix:
        if len(word) <= MIN_PREFIX:
            return f"'{word}*' matches every word starting with '{word}': very broad"
        return None
    if word in COMMON_WORDS:
        return f"'{word}' is a very common word and matches a large share of all posts"
    if word.isdigit():
        return f"'{word}' is a pure number and matches many unrelated posts"
    if len(word) <= 2:
        return f"'{word}' has only {len(word)} letter(s) and matches many unrelated posts"
    return None


def _needs_words(node: Node) -> bool:
    """True when every match of node must contain at least one of its positive literals."""
    if isinstance(node, Not | Field):
        return False
    if isinstance(node, And):
        return any(_needs_words(child) for child in node.children)
    if isinstance(node, Or):
        return all(_needs_words(child) for child in node.children)
    return True
