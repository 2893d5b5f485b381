"""Top terms and hashtags of a set of stored mentions."""

from __future__ import annotations

from collections import Counter

from resonanz.analytics.stopwords import is_stopword
from resonanz.query.text import hashtags
from resonanz.store import MentionFilter, Store

# Term statistics read the newest mentions only; beyond this the ranking barely changes.
SAMPLE_LIMIT = 20_000


def content_words(folded: str) -> set[str]:
    """The distinct content words of a folded text: 3+ letters, no numbers, no stop words."""
    return {
        word
        for word in folded.split()
        if len(word) >= 3 and not word.isdigit() and not is_stopword(word)
    }


def top_terms(
    store: Store,
    workspace_id: int,
    flt: MentionFilter | None = None,
    *,
    limit: int = 20,
    sample: int = SAMPLE_LIMIT,
) -> list[tuple[str, int]]:
    """The most frequent content words and hashtags, counted once per mention."""
    counts: Counter[str] = Counter()
    # search_text holds the folded words of title and text (query.text.search_text).
    for folded, text in store.recent_texts(workspace_id, flt, limit=sample):
        seen = content_words(folded)
        seen.update(f"#{tag}" for tag in hashtags(text))
        counts.update(seen)
    return counts.most_common(limit)
