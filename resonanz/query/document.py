"""A post prepared for query matching: folded words, hashtags, handles and metadata."""

from __future__ import annotations

from resonanz.query import text as _text

_NOTHING: frozenset[str] = frozenset()


class Document:
    """Read-only view of one post for the query engine; build it with ``Document.build``.

    ``words`` are the folded words of the title, then of the text (the order of
    ``text.search_text``), so a phrase or NEAR can span from the title into the text.
    ``padded`` is ``" " + " ".join(words) + " "``: every word has a space on both sides, so
    ``" bahn "`` in padded means the word ``bahn`` and ``" bahn"`` a word starting with it.
    Hashtags, handles, host, the folded metadata and ``words`` (``padded`` split) are
    computed on first use: most documents are never asked for them.
    """

    __slots__ = (
        "_author",
        "_hashtags",
        "_host",
        "_lang",
        "_mentions",
        "_platform",
        "_raw",
        "_words",
        "padded",
    )

    def __init__(
        self,
        text: str,
        title: str | None = None,
        author: str | None = None,
        url: str | None = None,
        lang: str | None = None,
        platform: str | None = None,
    ) -> None:
        self._words: list[str] | None = None
        if title:
            words = _text.words(title) + _text.words(text)
            self.padded = " " + " ".join(words) + " "
            self._words = words
        else:
            self.padded = _text.padded_words(text)
        self._raw = (text, title, author, url, lang, platform)
        # Known empty without a "#" / "@" (most posts): the matcher asks for them often.
        self._hashtags: frozenset[str] | None = (
            None if "#" in text or (title and "#" in title) else _NOTHING
        )
        self._mentions: frozenset[str] | None = (
            None if "@" in text or (title and "@" in title) else _NOTHING
        )
        self._host: str | None = None
        self._author: str | None = None
        self._lang: str | None = None
        self._platform: str | None = None

    @classmethod
    def build(
        cls,
        *,
        text: str,
        title: str | None = None,
        author: str | None = None,
        url: str | None = None,
        lang: str | None = None,
        platform: str | None = None,
    ) -> Document:
        """Fold and tokenise a post's fields once, for matching against many queries."""
        return cls(text, title, author, url, lang, platform)

    def __repr__(self) -> str:
        return f"Document({self.padded.strip()!r}, host={self.host!r}, author={self.author!r})"

    @property
    def words(self) -> list[str]:
        """The folded words of title and text, in order."""
        if self._words is None:
            self._words = self.padded.split()
        return self._words

    @property
    def hashtags(self) -> frozenset[str]:
        """Folded hashtags of title and text, without '#'."""
        if self._hashtags is None:
            text, title = self._raw[0], self._raw[1]
            found = _text.hashtags(text)
            self._hashtags = found | _text.hashtags(title) if title else found
        return self._hashtags

    @property
    def mentions(self) -> frozenset[str]:
        """Folded @-handles of title and text, without '@'."""
        if self._mentions is None:
            text, title = self._raw[0], self._raw[1]
            found = _text.mentions(text)
            self._mentions = found | _text.mentions(title) if title else found
        return self._mentions

    @property
    def host(self) -> str:
        """Host of the post's URL, lower case, without 'www.' ('' when there is none)."""
        if self._host is None:
            self._host = _text.host_of(self._raw[3])
        return self._host

    @property
    def author(self) -> str:
        """Folded author handle without a leading '@' ('' when unknown)."""
        if self._author is None:
            author = self._raw[2]
            self._author = _text.fold(author).lstrip("@") if author else ""
        return self._author

    @property
    def lang(self) -> str:
        """Folded language tag with '-' between parts ('de', 'de-at'; '' when unknown)."""
        if self._lang is None:
            lang = self._raw[4]
            self._lang = _text.fold(lang).replace("_", "-") if lang else ""
        return self._lang

    @property
    def platform(self) -> str:
        """Folded platform name ('' when unknown)."""
        if self._platform is None:
            platform = self._raw[5]
            self._platform = _text.fold(platform) if platform else ""
        return self._platform

    def positions(self, word: str) -> list[int]:
        """The 0-based indexes of word in ``words``."""
        mine, out, i = self.words, [], -1
        try:
            while True:
                i = mine.index(word, i + 1)
                out.append(i)
        except ValueError:
            return out

    def literal_starts(self, literal: str) -> list[int]:
        """The indexes in ``words`` where a padded literal (``nodes.pattern``) occurs: the
        same as ``starts`` of its words, found in ``padded`` without splitting it (a word's
        index is the number of spaces before it)."""
        padded, out = self.padded, []
        find, count = padded.find, padded.count
        at = find(literal)
        while at >= 0:
            out.append(count(" ", 0, at))
            at = find(literal, at + 1)
        return out

    def starts(self, words: tuple[str, ...], prefix: bool) -> list[int]:
        """Where the run of words starts in ``words`` (the last one as a prefix if asked)."""
        k = len(words)
        mine = self.words
        if k == 1 and prefix:
            return [i for i, w in enumerate(mine) if w.startswith(words[0])]
        last = words[-1]
        out = []
        for i in self.positions(words[0]):
            if i + k > len(mine) or tuple(mine[i : i + k - 1]) != words[:-1]:
                continue
            if mine[i + k - 1] == last or (prefix and mine[i + k - 1].startswith(last)):
                out.append(i)
        return out
