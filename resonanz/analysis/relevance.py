"""Relevance: is a mention really about the brand? Only a workspace's own trained model
answers that (``resonanz train relevance``); without one this enricher does nothing.

It sets ``enrichments["relevance"] = {"relevant": bool, "score": p(relevant), "model":
name}``. The score is the probability of "true" whatever the label, so mentions can be
sorted or filtered by it at any threshold.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, cast

from resonanz.analysis.base import TextClassifier
from resonanz.analysis.batch import each_or_skip
from resonanz.config import Settings
from resonanz.hookspecs import hookimpl
from resonanz.models import Mention, titled_text

__all__ = ["RelevanceEnricher"]


class RelevanceEnricher:
    """Labels mentions relevant or not with the workspace's relevance model, if any."""

    name = "relevance"
    before_match = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.classifier: TextClassifier | None = None

    def for_workspace(self, models: Mapping[str, object]) -> RelevanceEnricher:
        """A copy bound to ``models["relevance"]``; this (inactive) enricher without one."""
        trained = models.get("relevance")
        if trained is None:
            return self
        bound = copy.copy(self)
        bound.classifier = cast(TextClassifier, trained)
        return bound

    def enrich(self, mentions: Sequence[Mention]) -> list[Mention]:
        """Return the mentions with their relevance (unchanged without a model)."""
        out = list(mentions)
        classifier = self.classifier
        if classifier is None or not out:
            return out
        rows = [(titled_text(m.title, m.text), m.lang) for m in out]
        predictions = each_or_skip(
            "relevance",
            rows,
            lambda batch: classifier.predict([r[0] for r in batch], [r[1] for r in batch]),
        )
        for i, prediction in enumerate(predictions):
            if prediction is None:
                continue
            mention = out[i]
            out[i] = mention.with_fields(
                enrichments={
                    **mention.enrichments,
                    "relevance": {
                        "relevant": prediction.label == "true",
                        "score": round(float(prediction.probs.get("true", 0.0)), 4),
                        "model": classifier.name,
                    },
                }
            )
        return out


@hookimpl
def register_enrichers() -> list[Any]:
    """Register the relevance enricher class (acts only with a workspace relevance model)."""
    return [RelevanceEnricher]
