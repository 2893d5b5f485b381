"""Aspects: which categories a post talks about (Pünktlichkeit, Preis, WLAN, …) and in what tone.

Categories and their term lists come from a file per workspace (``aspectfile``; the
shipped template fits a railway brand). A category is found when one of its terms is
(``terms``: words, ``verspät*`` prefixes, compound heads, umlaut-folded). Its polarity:

- ``polarity = "clause"`` (default): the tone of the clause around each of its terms
  (``clauses.clause_tone``: the polarity lexicon with negation and intensifiers, plus
  the file's ``negative`` and ``positive`` terms — ``Verspätung``, ``Streik`` name a
  problem by themselves — from every category found in the post), summed over the
  category's clauses: below 0 negative, above 0 positive, 0 neutral.
- ``polarity = "document"``: the tone of the whole post (the sentiment enricher's label
  when it has run, else the default sentiment model on the post), for categories such
  as "Allgemein" that speak of the brand as a whole.

A workspace that trained its own aspect classifier (``resonanz train aspects``,
``aspect_model``) gets the term lists *plus* the classifier: for every category the
classifier learnt, it decides whether the post names it and in what tone (what the term
lists found is among its features); the term lists alone decide the categories it did not
learn. A learnt category is shown under the name of the file's category whose ``name`` or
``germeval`` it is, else under its label's name.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from resonanz.analysis.aspectfile import AspectCategory, default_categories, load_categories
from resonanz.analysis.base import SENTIMENT_LABELS, TextClassifier
from resonanz.analysis.batch import each_or_skip
from resonanz.analysis.clauses import TextLayout, clause_tone
from resonanz.analysis.langguess import guess_language
from resonanz.analysis.terms import TermMatcher
from resonanz.config import Settings
from resonanz.hookspecs import hookimpl
from resonanz.models import Mention, titled_text

if TYPE_CHECKING:
    from resonanz.analysis.aspect_model import AspectModel

__all__ = ["Aspect", "AspectAnalyzer", "AspectsEnricher", "register_enrichers"]


# Posts are searched in their first 10,000 characters: a 100,000-character post costs
# what a long article does.
MAX_CHARS = 10_000
MAX_TERMS = 10
_DOCUMENT_CHARS = 2_000
_SENTIMENT_LANGS = ("de", "en")
# Matcher groups per category: its plain, negative and positive terms, with their tone.
_TONES = (0.0, -1.0, 1.0)


@dataclass(frozen=True)
class Aspect:
    """A category found in a post, its polarity and the words that named it; for a
    category a trained classifier decided, the model's name and its probability."""

    category: str
    polarity: str
    terms: tuple[str, ...]
    model: str | None = None
    probability: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON form stored in ``enrichments["aspects"]`` (``model`` and ``p`` only
        where a trained classifier decided)."""
        out: dict[str, Any] = {
            "category": self.category,
            "polarity": self.polarity,
            "terms": list(self.terms),
        }
        if self.model is not None:
            out["model"] = self.model
            out["p"] = self.probability
        return out


@dataclass
class _Found:
    """One category in one post: where it is first named, its terms, its tone so far."""

    category: int
    first: int
    terms: list[str] = field(default_factory=list)
    clauses: set[tuple[int, int]] = field(default_factory=set)
    tone: float = 0.0


def _distinct(items: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return list(seen.values())[:MAX_TERMS]


def _label(tone: float) -> str:
    return "negative" if tone < 0 else "positive" if tone > 0 else "neutral"


class AspectAnalyzer:
    """Finds the categories of texts and their polarity (see the module docstring)."""

    def __init__(
        self,
        categories: Sequence[AspectCategory] | None = None,
        *,
        sentiment: TextClassifier | None = None,
        model: AspectModel | None = None,
    ) -> None:
        self.categories = tuple(categories) if categories is not None else default_categories()
        groups = [terms for c in self.categories for terms in (c.terms, c.negative, c.positive)]
        excludes = [c.exclude for c in self.categories for _ in _TONES]
        self.matcher = TermMatcher(groups, excludes)
        self._sentiment = sentiment
        self.model = model

    def with_model(self, model: AspectModel) -> AspectAnalyzer:
        """A copy that adds a trained aspect classifier to these term lists."""
        bound = copy.copy(self)
        bound.model = model
        return bound

    def display_name(self, label: str) -> str:
        """The name a learnt category is shown under (see the module docstring)."""
        for category in self.categories:
            if category.name == label:
                return category.name
        for category in self.categories:
            if category.germeval == label:
                return category.name
        return label

    @property
    def sentiment(self) -> TextClassifier:
        """The model that reads whole posts (the default one, loaded on first use)."""
        if self._sentiment is None:
            from resonanz.analysis.sentiment import default_sentiment

            self._sentiment = default_sentiment()
        return self._sentiment

    def find(self, text: str, lang: str | None = None) -> list[_Found]:
        """The categories of one text with their terms and clause tone, in text order."""
        text = text[:MAX_CHARS]
        folded = self.matcher.words(text)
        hits = self.matcher.find(folded)
        if not hits:
            return []
        layout = TextLayout(text, folded)
        tones: dict[int, float | None] = {}
        for hit in hits:
            tone = _TONES[hit.group % 3]
            tones[hit.first] = min(tone, tones.get(hit.first) or 0.0) if tone <= 0 else tone
            tones.update(dict.fromkeys(range(hit.first + 1, hit.end)))
        if lang not in _SENTIMENT_LANGS:
            lang = guess_language(text)
        found: dict[int, _Found] = {}
        for hit in hits:
            index = hit.group // 3
            item = found.setdefault(index, _Found(index, hit.first))
            item.first = min(item.first, hit.first)
            item.terms.append(layout.words(hit.first, hit.end))
            if self.categories[index].polarity == "clause":
                clause = layout.clause(hit.first, hit.end)
                if clause not in item.clauses:
                    item.clauses.add(clause)
                    item.tone += clause_tone(folded, *clause, tones, lang)
        return sorted(found.values(), key=lambda f: f.first)

    def analyze(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        *,
        document_labels: Sequence[str | None] | None = None,
    ) -> list[list[Aspect]]:
        """The aspects of every text. ``document_labels`` (per text, may be None) are the
        posts' sentiment where it is known already; otherwise it is predicted when a
        category with document polarity is found."""
        langs = list(langs) if langs is not None else [None] * len(texts)
        known: list[str | None] = (
            list(document_labels) if document_labels is not None else [None] * len(texts)
        )
        found = [self.find(text, lang) for text, lang in zip(texts, langs, strict=True)]
        todo = [
            row
            for row, items in enumerate(found)
            if known[row] not in SENTIMENT_LABELS
            and any(self.categories[i.category].polarity == "document" for i in items)
        ]
        if todo:
            predictions = self.sentiment.predict(
                [texts[row][:_DOCUMENT_CHARS] for row in todo],
                [langs[row] if langs[row] in _SENTIMENT_LANGS else None for row in todo],
            )
            for row, prediction in zip(todo, predictions, strict=True):
                known[row] = prediction.label
        listed = [
            [
                Aspect(
                    category=self.categories[item.category].name,
                    polarity=(
                        str(known[row])
                        if self.categories[item.category].polarity == "document"
                        else _label(item.tone)
                    ),
                    terms=tuple(_distinct(item.terms)),
                )
                for item in items
            ]
            for row, items in enumerate(found)
        ]
        if self.model is None:
            return listed
        return self._with_model(self.model, texts, langs, listed)

    def _with_model(
        self,
        model: AspectModel,
        texts: Sequence[str],
        langs: Sequence[str | None],
        listed: list[list[Aspect]],
    ) -> list[list[Aspect]]:
        """The classifier's categories (with the terms the lists found for them), then
        the term lists' findings of the categories it did not learn."""
        learnt = {label: self.display_name(label) for label in model.categories}
        decided = set(learnt.values())
        predicted = model.predict(texts, langs)
        out: list[list[Aspect]] = []
        for row, found in zip(listed, predicted, strict=True):
            terms = {a.category: a.terms for a in row}
            out.append(
                [
                    Aspect(
                        learnt[f.category],
                        f.polarity,
                        terms.get(learnt[f.category], ()),
                        model.name,
                        f.probability,
                    )
                    for f in found
                ]
                + [a for a in row if a.category not in decided]
            )
        return out


class AspectsEnricher:
    """Sets ``enrichments["aspects"] = [{category, polarity, terms}, …]`` (empty list: no
    category found) with the categories of ``aspect_categories`` or the shipped template."""

    name = "aspects"
    before_match = False

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.aspect_analysis
        self.analyzer: AspectAnalyzer | None = None
        if self.enabled:
            path = settings.aspect_categories.strip()
            # A broken category file stops start-up with its file:line, not every batch.
            self.analyzer = AspectAnalyzer(load_categories(path) if path else None)

    def for_workspace(self, resources: Mapping[str, object]) -> AspectsEnricher:
        """A copy that uses the workspace's own categories (``resources["aspects"]``, an
        AspectAnalyzer; see ``resonanz aspects set``) and its trained aspect classifier
        (``resources["aspect_model"]``; see ``resonanz train aspects``), on even where
        ``aspect_analysis`` is off for the process; this enricher itself where the
        workspace has neither."""
        from resonanz.analysis.aspect_model import AspectModel

        analyzer = resources.get("aspects")
        model = resources.get("aspect_model")
        if not isinstance(analyzer, AspectAnalyzer):
            if not isinstance(model, AspectModel):
                return self
            analyzer = self.analyzer or AspectAnalyzer()
        if isinstance(model, AspectModel):
            analyzer = analyzer.with_model(model)
        bound = copy.copy(self)
        bound.enabled = True
        bound.analyzer = analyzer
        return bound

    def enrich(self, mentions: Sequence[Mention]) -> list[Mention]:
        """Return the mentions with their aspects; a post that fails is left without."""
        out = list(mentions)
        if self.analyzer is None or not out:
            return out
        rows = [(titled_text(m.title, m.text), m.lang, _sentiment_label(m)) for m in out]
        found = each_or_skip("aspects", rows, self._analyze)
        return [
            m
            if aspects is None
            else m.with_fields(
                enrichments={**m.enrichments, "aspects": [a.as_dict() for a in aspects]}
            )
            for m, aspects in zip(out, found, strict=True)
        ]

    def _analyze(self, rows: Sequence[tuple[str, str | None, str | None]]) -> list[list[Aspect]]:
        assert self.analyzer is not None
        return self.analyzer.analyze(
            [r[0] for r in rows], [r[1] for r in rows], document_labels=[r[2] for r in rows]
        )


def _sentiment_label(mention: Mention) -> str | None:
    sentiment = mention.enrichments.get("sentiment")
    label = sentiment.get("label") if isinstance(sentiment, dict) else None
    return label if isinstance(label, str) else None


@hookimpl
def register_enrichers() -> list[Any]:
    """Register the aspects enricher class (instantiated with settings by the pipeline)."""
    return [AspectsEnricher]
