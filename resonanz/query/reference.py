"""A slow, plain reference evaluator: the query semantics without automaton or triggers.

Written apart from ``evaluate``/``compiler``/``matcher`` so tests can check the fast
engine against it: it walks the folded word list with loops and reads the raw post
fields itself. Use it for tests only.
"""

from __future__ import annotations

from dataclasses import dataclass

from resonanz.query import text
from resonanz.query.nodes import And, Field, Hashtag, Mention, Near, Node, Not, Or, Phrase, Term


@dataclass(frozen=True)
class Post:
    """The raw fields of a post, as given to ``Document.build``."""

    text: str
    title: str | None = None
    author: str | None = None
    url: str | None = None
    lang: str | None = None
    platform: str | None = None

    def word_list(self) -> list[str]:
        """Folded words of the title, then of the text."""
        return (text.words(self.title) if self.title else []) + text.words(self.text)

    def tags(self, mentions: bool) -> set[str]:
        """Folded hashtags (or @-handles) of title and text."""
        find = text.mentions if mentions else text.hashtags
        return set(find(self.text)) | (set(find(self.title)) if self.title else set())


def reference_matches(node: Node, post: Post) -> bool:
    """True when node matches post, computed the slow, obvious way."""
    return _holds(node, post, post.word_list())


def reference_terms(node: Node, post: Post) -> tuple[str, ...]:
    """The labels of the positive literals that make a matching post match."""
    words = post.word_list()
    if not _holds(node, post, words):
        return ()
    found: list[str] = []
    _terms(node, post, words, found)
    unique: list[str] = []
    for term in found:
        if term not in unique:
            unique.append(term)
    return tuple(unique)


def _occurrences(node: Term | Phrase, words: list[str]) -> list[tuple[int, int]]:
    wanted = [node.word] if isinstance(node, Term) else list(node.words)
    out = []
    for start in range(len(words) - len(wanted) + 1):
        ok = True
        for offset, want in enumerate(wanted):
            have = words[start + offset]
            is_last = offset == len(wanted) - 1
            if not (have == want or (is_last and node.prefix and have[: len(want)] == want)):
                ok = False
                break
        if ok:
            out.append((start, start + len(wanted) - 1))
    return out


def _side(node: Node, words: list[str]) -> list[tuple[int, int]]:
    if isinstance(node, Term | Phrase):
        return _occurrences(node, words)
    assert isinstance(node, Or)
    return [span for child in node.children for span in _side(child, words)]


def _near(node: Near, words: list[str]) -> bool:
    for a_start, a_end in _side(node.left, words):
        for b_start, b_end in _side(node.right, words):
            a_words = set(range(a_start, a_end + 1))
            b_words = set(range(b_start, b_end + 1))
            if a_words & b_words:
                continue
            if a_end < b_start:
                between = b_start - a_end - 1
            elif node.ordered:
                continue
            else:
                between = a_start - b_end - 1
            if between <= node.distance:
                return True
    return False


def _field(node: Field, post: Post) -> bool:
    if node.name == "site":
        labels, want = text.host_of(post.url).split("."), node.value.split(".")
        return labels[len(labels) - len(want) :] == want
    if node.name == "lang":
        lang = text.fold(post.lang or "").replace("_", "-")
        return lang.split("-")[: len(node.value.split("-"))] == node.value.split("-")
    if node.name == "author":
        author = text.fold(post.author or "")
        while author.startswith("@"):
            author = author[1:]
        return author == node.value
    return text.fold(post.platform or "") == node.value


def _holds(node: Node, post: Post, words: list[str]) -> bool:
    if isinstance(node, Term | Phrase):
        return bool(_occurrences(node, words))
    if isinstance(node, Hashtag):
        return node.tag in post.tags(mentions=False)
    if isinstance(node, Mention):
        return node.handle in post.tags(mentions=True)
    if isinstance(node, Field):
        return _field(node, post)
    if isinstance(node, Not):
        return not _holds(node.child, post, words)
    if isinstance(node, And):
        return all(_holds(child, post, words) for child in node.children)
    if isinstance(node, Or):
        return any(_holds(child, post, words) for child in node.children)
    return _near(node, words)


def _label(node: Term | Phrase | Hashtag | Mention) -> str:
    if isinstance(node, Hashtag):
        return f"#{node.tag}"
    if isinstance(node, Mention):
        return f"@{node.handle}"
    base = node.word if isinstance(node, Term) else " ".join(node.words)
    return base + "*" if node.prefix else base


def _terms(node: Node, post: Post, words: list[str], found: list[str]) -> None:
    if isinstance(node, Term | Phrase | Hashtag | Mention):
        found.append(_label(node))
    elif isinstance(node, And):
        for child in node.children:
            _terms(child, post, words, found)
    elif isinstance(node, Or):
        for child in node.children:
            if _holds(child, post, words):
                _terms(child, post, words, found)
    elif isinstance(node, Near):
        for side in (node.left, node.right):
            for literal in _flatten(side):
                if _occurrences(literal, words):
                    found.append(_label(literal))


def _flatten(node: Node) -> list[Term | Phrase]:
    if isinstance(node, Term | Phrase):
        return [node]
    assert isinstance(node, Or)
    return [leaf for child in node.children for leaf in _flatten(child)]
