"""Parse a query into a syntax tree, collecting every error with its position.

Grammar (precedence NOT > NEAR > AND > OR; operands side by side mean AND)::

    query   := or
    or      := and ("OR" and)*
    and     := near (["AND"] near)*          "a NOT b" is "a AND (NOT b)"
    near    := unary ("NEAR/n" unary)*       operands: words, phrases, (… OR …) of those
    unary   := "NOT" unary | primary
    primary := operand | "(" or ")"
"""

from __future__ import annotations

from resonanz.errors import QueryError
from resonanz.query.issues import Issue
from resonanz.query.lexer import Token, tokenize
from resonanz.query.nodes import And, Near, Node, Not, Or, near_operands

# Deeper nesting than this is refused: nobody writes it, and it would exhaust the
# recursion of the parser and of the generated test code.
MAX_DEPTH = 40
_STARTS_OPERAND = frozenset({"operand", "(", "NOT"})
_BINARY = frozenset({"AND", "OR", "NEAR"})


def parse(query: str) -> Node:
    """The syntax tree of query; raises QueryError at the first error's position."""
    node, issues = parse_lenient(query)
    errors = sorted((i for i in issues if i.severity == "error"), key=lambda i: i.position)
    if errors:
        raise QueryError(errors[0].message, errors[0].position, query)
    assert node is not None  # an empty query is an error
    return node


def parse_lenient(query: str) -> tuple[Node | None, list[Issue]]:
    """The tree of whatever parsed, and every issue found (errors and lexical warnings)."""
    issues: list[Issue] = []
    tokens = tokenize(query, issues)
    return _Parser(tokens, issues).parse(), issues


class _Parser:
    def __init__(self, tokens: list[Token], issues: list[Issue]) -> None:
        self.tokens = tokens
        self.issues = issues
        self.i = 0
        self.depth = 0
        self.aborted = False  # too deep: the rest of the query was skipped

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, pos: int, message: str) -> None:
        self.issues.append(Issue(pos, message))

    def parse(self) -> Node | None:
        parts = [self.parse_or(None)]
        while (token := self.peek()) is not None:
            # parse_or stops only at a ')' that closes nothing: report it, go on after it.
            self.advance()
            self.error(
                token.pos,
                f"unbalanced parenthesis: ')' at position {token.pos} has no matching '('",
            )
            if self.peek() is not None:
                parts.append(self.parse_or(None))
        return _combine(And, parts)

    def parse_or(self, after: Token | None) -> Node | None:
        parts = [self.parse_and(after)]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.advance()
            parts.append(self.parse_and(token))
        return _combine(Or, parts)

    def parse_and(self, after: Token | None) -> Node | None:
        parts = [self.parse_near(after)]
        while (token := self.peek()) is not None:
            if token.kind == "AND":
                self.advance()
                parts.append(self.parse_near(token))
            elif token.kind in _STARTS_OPERAND:
                parts.append(self.parse_near(None))
            else:
                break
        return _combine(And, parts)

    def parse_near(self, after: Token | None) -> Node | None:
        left = self.parse_unary(after)
        while (token := self.peek()) is not None and token.kind == "NEAR":
            self.advance()
            right = self.parse_unary(token)
            valid = self.check_near_operand(left, token) & self.check_near_operand(right, token)
            if left is None or right is None or not valid or token.distance is None:
                left = None
            else:
                left = Near(left, right, token.distance, token.ordered, left.pos)
        return left

    def check_near_operand(self, node: Node | None, near: Token) -> bool:
        if node is None or near_operands(node) is not None:
            return True
        culprit = node
        if isinstance(node, Or):
            culprit = next(c for c in node.children if near_operands(c) is None)
        self.error(
            culprit.pos,
            f"{near.text} can only join words, wildcards, phrases or (… OR …) groups of those",
        )
        return False

    def parse_unary(self, after: Token | None) -> Node | None:
        token = self.peek()
        if token is not None and token.kind == "NOT":
            self.advance()
            if not self.enter(token):
                return None
            child = self.parse_unary(token)
            self.depth -= 1
            return None if child is None else Not(child, token.pos)
        return self.parse_primary(after)

    def enter(self, token: Token) -> bool:
        """Go one level deeper; False (and an error, then skip the rest) when too deep."""
        self.depth += 1
        if self.depth <= MAX_DEPTH:
            return True
        self.error(token.pos, f"the query is nested too deeply (more than {MAX_DEPTH} levels)")
        self.i = len(self.tokens)
        self.aborted = True
        return False

    def parse_primary(self, after: Token | None) -> Node | None:
        token = self.peek()
        if token is not None and token.kind == "operand":
            self.advance()
            return token.node
        if token is not None and token.kind == "(":
            return self.parse_group()
        self.report_missing(after, token)
        return None

    def parse_group(self) -> Node | None:
        opening = self.advance()
        token = self.peek()
        if token is not None and token.kind == ")":
            self.advance()
            self.error(opening.pos, f"empty parentheses '()' at position {opening.pos}")
            return None
        if not self.enter(opening):
            return None
        inner = self.parse_or(opening)
        self.depth -= 1
        token = self.peek()
        if token is not None and token.kind == ")":
            self.advance()
        elif not self.aborted:
            self.error(
                opening.pos,
                f"unbalanced parenthesis: '(' at position {opening.pos} is never closed",
            )
        return inner

    def report_missing(self, after: Token | None, token: Token | None) -> None:
        if self.aborted:
            return
        if after is not None and after.kind in _BINARY | {"NOT"}:
            what = "a word or group to exclude" if after.kind == "NOT" else "nothing"
            if after.kind == "NOT":
                message = f"'NOT' at position {after.pos} needs {what} after it"
            else:
                message = f"'{after.text}' at position {after.pos} has nothing after it"
            self.error(after.pos, message)
        elif token is not None and token.kind in _BINARY:
            self.error(token.pos, f"'{token.text}' at position {token.pos} has nothing before it")
        elif token is None and after is None:
            self.error(0, "the query is empty")
        # Otherwise: a stray ')' (reported by parse) or a '(' never closed (parse_group).


def _combine(kind: type[And] | type[Or], parts: list[Node | None]) -> Node | None:
    children: list[Node] = []
    for part in parts:
        if isinstance(part, kind):
            children.extend(part.children)
        elif part is not None:
            children.append(part)
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    return kind(tuple(children), children[0].pos)
