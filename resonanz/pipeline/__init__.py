"""UNDERSTAND: pure batch functions from raw items to matched, enriched mentions.

The flow per batch: normalise -> dedupe -> enrichers marked ``before_match`` (language,
which the ``lang:`` operator needs) -> match topics -> other enrichers. Nothing here does
I/O except loading models; ``resonanz.collect`` ties a batch to the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from resonanz.errors import ParseError
from resonanz.models import Mention, RawItem, Skipped, Topic, TopicMatch
from resonanz.pipeline.normalise import normalise_item
from resonanz.query import Document, Matcher

Normaliser = Callable[[RawItem], Mention]


class Enricher(Protocol):
    """Adds fields to a batch of mentions (registered through ``register_enrichers``)."""

    name: str
    before_match: bool

    def enrich(self, mentions: Sequence[Mention]) -> list[Mention]: ...


@dataclass(frozen=True)
class ProcessedBatch:
    """Mentions ready to store, and the raw items that could not be used."""

    mentions: tuple[Mention, ...]
    skipped: tuple[Skipped, ...] = field(default_factory=tuple)


def build_matcher(topics: Iterable[Topic]) -> Matcher:
    """Compile the active topics' queries into one matcher."""
    return Matcher.from_queries((t.id, t.query) for t in topics if t.active)


def document_of(mention: Mention) -> Document:
    """The query-engine view of a mention."""
    return Document.build(
        text=mention.text,
        title=mention.title,
        author=mention.author.handle if mention.author else None,
        url=mention.url,
        lang=mention.lang,
        platform=mention.platform,
    )


def match_mention(mention: Mention, matcher: Matcher) -> tuple[TopicMatch, ...]:
    """The topics a mention matches, with the terms that matched."""
    return tuple(
        TopicMatch(topic_id=topic_id, terms=terms)
        for topic_id, terms in matcher.match(document_of(mention))
    )


def _matched(mention: Mention, matcher: Matcher) -> Mention:
    """The mention with its matches, and the full-text words the matching folded anyway."""
    document = document_of(mention)
    found = tuple(
        TopicMatch(topic_id=topic_id, terms=terms) for topic_id, terms in matcher.match(document)
    )
    hint = (mention.title, mention.text, " ".join(document.words))
    return mention.with_fields(matches=found, search_hint=hint)


def normalise_batch(
    items: Iterable[RawItem], normalisers: Mapping[str, Normaliser]
) -> tuple[list[Mention], list[Skipped]]:
    """Normalise raw items; unusable ones become Skipped entries instead of errors."""
    mentions: list[Mention] = []
    skipped: list[Skipped] = []
    for item in items:
        try:
            mentions.append(normalise_item(item, normalisers))
        except ParseError as exc:
            skipped.append(Skipped(where=item.origin or exc.where, reason=str(exc)))
    return mentions, skipped


def pipeline_order(enrichers: Sequence[Enricher]) -> list[Enricher]:
    """The enrichers in the order ``process`` runs them: those marked ``before_match``
    first (topic matching reads what they set), then the others."""
    return [e for e in enrichers if e.before_match] + [e for e in enrichers if not e.before_match]


def dedupe(mentions: Iterable[Mention]) -> list[Mention]:
    """Keep one mention per (platform, native_id); the last one seen wins (newest counts)."""
    by_key: dict[tuple[str, str], Mention] = {}
    for mention in mentions:
        key = (mention.platform, mention.native_id)
        by_key.pop(key, None)
        by_key[key] = mention
    return list(by_key.values())


def process(
    items: Iterable[RawItem],
    *,
    normalisers: Mapping[str, Normaliser],
    matcher: Matcher,
    enrichers: Sequence[Enricher] = (),
    keep_unmatched: bool = True,
) -> ProcessedBatch:
    """Run one batch through the whole pipeline."""
    from resonanz.analysis.docfeatures import shared_parts

    mentions, skipped = normalise_batch(items, normalisers)
    mentions = dedupe(mentions)
    # A workspace's trained classifiers read the same document features: built once.
    with shared_parts():
        for enricher in enrichers:
            if enricher.before_match:
                mentions = enricher.enrich(mentions)
        mentions = [_matched(m, matcher) for m in mentions]
        if not keep_unmatched:
            mentions = [m for m in mentions if m.matches]
        for enricher in enrichers:
            if not enricher.before_match:
                mentions = enricher.enrich(mentions)
    return ProcessedBatch(mentions=tuple(mentions), skipped=tuple(skipped))
