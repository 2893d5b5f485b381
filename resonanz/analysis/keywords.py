"""Enricher: hashtags, @mentions, links and domains, emoji, key phrases and brands.

Each mention gets ``enrichments["keywords"]``, a dict whose keys are always all present
(lists may be empty): ``hashtags``, ``mentions`` (lower-case, without ``#``/``@``),
``links``, ``domains``, ``emoji``, ``phrases``, ``compound_heads`` and ``brands``. Lists
hold distinct items in order of appearance. See docs/analysis.md.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from resonanz.analysis.emojis import emoji_in
from resonanz.analysis.links import domains_of, links_of
from resonanz.analysis.phrases import key_phrases, split_compound
from resonanz.analysis.shortlinks import ShortLinkExpander
from resonanz.config import Settings
from resonanz.hookspecs import hookimpl
from resonanz.models import Mention
from resonanz.query.text import HASHTAG_RE, MENTION_RE, URL_RE, WORD_RE, fold

__all__ = ["KEYS", "KeywordsEnricher", "brands_of", "keywords_of", "register_enrichers"]

log = logging.getLogger(__name__)

KEYS = (
    "hashtags",
    "mentions",
    "links",
    "domains",
    "emoji",
    "phrases",
    "compound_heads",
    "brands",
)
# Hashtags, handles, links and emoji are looked for in the first 20,000 characters, key
# phrases in the first 2,000 (phrases.MAX_CHARS): a 100,000-character post costs little.
MAX_CHARS = 20_000
MAX_ITEMS = 20


def _distinct(items: Sequence[str], limit: int = MAX_ITEMS) -> list[str]:
    """Distinct items (compared case-insensitively), first form kept, in order."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
        if len(seen) >= limit:
            break
    return list(seen.values())


def _tags(regex: re.Pattern[str], sigil: str, text: str) -> list[str]:
    if sigil not in text:
        return []
    return _distinct([m.lower() for m in regex.findall(text)])


def brands_of(mention: Mention, text: str) -> list[str]:
    """The terms that matched the mention's topics, as written in text where found."""
    terms = [t for match in mention.matches for t in match.terms]
    if not terms:
        return []
    words = [(m.start(), m.end(), fold(m.group())) for m in WORD_RE.finditer(text[:MAX_CHARS])]
    return _distinct([_surface(term, text, words) for term in terms])


def _surface(term: str, text: str, words: list[tuple[int, int, str]]) -> str:
    """How a matched (folded) term is written: "koeln" -> "Köln", "zug*" -> "Zugausfall"."""
    if term[:1] in ("#", "@"):
        regex = HASHTAG_RE if term[0] == "#" else MENTION_RE
        wanted = term[1:].removesuffix("*")
        for match in regex.finditer(text):
            if fold(match.group(1)).startswith(wanted):
                return term[0] + match.group(1)
        return term.removesuffix("*")
    prefix = term.endswith("*")
    parts = term.removesuffix("*").split()
    n = len(parts)
    if not n:
        return term
    for i in range(len(words) - n + 1):
        if [w for _, _, w in words[i : i + n - 1]] != parts[:-1]:
            continue
        last = words[i + n - 1][2]
        if last == parts[-1] or (prefix and last.startswith(parts[-1])):
            return " ".join(text[words[i][0] : words[i + n - 1][1]].split())
    return term.removesuffix("*")


def keywords_of(mention: Mention) -> dict[str, list[str]]:
    """All keyword lists of one mention; ``domains`` follow from ``links`` (see enrich)."""
    text = mention.text if not mention.title else f"{mention.title}\n{mention.text}"
    text = text[:MAX_CHARS]
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    bare = URL_RE.sub(" ", text) if "://" in text or "www." in text else text
    german = mention.lang in (None, "de")
    phrases = key_phrases(bare, german=german)
    heads: list[str] = []
    if german:
        for phrase in phrases:
            for word in phrase.split():
                compound = split_compound(word)
                if compound is not None:
                    heads.append(compound.head)
    links = links_of(text, mention.raw)
    return {
        "hashtags": _tags(HASHTAG_RE, "#", bare),
        "mentions": _tags(MENTION_RE, "@", bare),
        "links": links,
        "domains": domains_of(links),
        "emoji": emoji_in(bare),
        "phrases": phrases,
        "compound_heads": _distinct(heads),
        "brands": brands_of(mention, text),
    }


def _expand(expander: ShortLinkExpander, found: list[dict[str, list[str]]]) -> None:
    """Replace the short links of a batch by their targets, and recompute the domains."""
    targets = expander.expand(link for kw in found for link in kw["links"])
    if not targets:
        return
    for kw in found:
        if any(link in targets for link in kw["links"]):
            kw["links"] = list(dict.fromkeys(targets.get(u, u) for u in kw["links"]))
            kw["domains"] = domains_of(kw["links"])


class KeywordsEnricher:
    """Adds ``enrichments["keywords"]``; short links are expanded only when enabled."""

    name = "keywords"
    before_match = False  # brands come from the topic matches

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.keyword_extraction
        self.expander = ShortLinkExpander(settings) if settings.expand_short_links else None

    def enrich(self, mentions: Sequence[Mention]) -> list[Mention]:
        """Return the mentions with their keywords; a post that fails is left without."""
        if not self.enabled:
            return list(mentions)
        found = [self._keywords(m) for m in mentions]
        if self.expander is not None:
            _expand(self.expander, [kw for kw in found if kw is not None])
        return [
            m if kw is None else m.with_fields(enrichments={**m.enrichments, "keywords": kw})
            for m, kw in zip(mentions, found, strict=True)
        ]

    def _keywords(self, mention: Mention) -> dict[str, list[str]] | None:
        try:
            return keywords_of(mention)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
            log.warning(
                "keywords of %s post %s skipped: %r", mention.platform, mention.native_id, exc
            )
            return None


@hookimpl
def register_enrichers() -> list[Any]:
    """Register the keywords enricher class (instantiated with settings by the pipeline)."""
    return [KeywordsEnricher]
