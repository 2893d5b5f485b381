"""Train a workspace's aspect classifier on its aspect labels (``AspectModel``).

Categories with fewer than ``MIN_CATEGORY_EXAMPLES`` labelled texts are not learnt (the
term lists alone find them; the model's meta lists them under ``too_few``). The presence
threshold is the one of ``THRESHOLDS`` with the best cross-validated micro-F1 over
(text, category) pairs; ``quality`` then reports that cross-validation (each fold
predicted by models that did not see it) with the measures of ``resonanz eval aspects``:
category micro-F1, precision, recall, and the same over (text, category, polarity). The
threshold was picked on the same predictions, so the figures lean a little optimistic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from resonanz.analysis.aspect_model import (
    FORMAT,
    FORMAT_VERSION,
    AspectModel,
    add_term_features,
    category_feature,
)
from resonanz.analysis.aspectfile import parse_categories
from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.analysis.linear import FeatureDict, LinearModel, feature_vocabulary, fit_linear
from resonanz.analysis.logcountratio import log_count_ratios
from resonanz.analysis.training import (
    FULL_TEXT_CHARS,
    Steps,
    default_model_name,
    document_features,
    model_name,
    stratified_folds,
)
from resonanz.errors import ValidationError

__all__ = ["MIN_CATEGORY_EXAMPLES", "THRESHOLDS", "train_aspect_classifier"]

Progress = Callable[[str, int, int], None]
Items = tuple[tuple[str, str], ...]
MIN_EXAMPLES = 20
MIN_CATEGORY_EXAMPLES = 5
# Chosen on GermEval 2017 dev (5-fold cross-validation): C 1 and liblinear for the
# presence models, C 1 and no class weights for polarity.
PRESENCE_C = 1.0
POLARITY_C = 1.0
THRESHOLDS: tuple[float, ...] = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
_MIN_COUNT = 2


def _fit_presence(
    docs: Sequence[FeatureDict], items: Sequence[Items], categories: Sequence[str]
) -> LinearModel:
    """One binary logistic regression per category, as the columns of one LinearModel
    (score = the category's log-odds)."""
    from sklearn.linear_model import LogisticRegression

    vocab = feature_vocabulary(docs, _MIN_COUNT, always=("x:",))
    empty = LinearModel(
        labels=tuple(categories),
        vocab=vocab,
        coef=np.zeros((len(vocab), len(categories)), dtype=np.float32),
        intercept=np.zeros(len(categories), dtype=np.float32),
    )
    matrix = empty.matrix(docs)
    for j, category in enumerate(categories):
        gold = ["true" if any(c == category for c, _ in row) else "false" for row in items]
        if len(set(gold)) < 2:  # every training text names it, or none: a constant
            empty.intercept[j] = 50.0 if gold[0] == "true" else -50.0
            continue
        scale = log_count_ratios(matrix, gold, vocab)
        fitted = LogisticRegression(C=PRESENCE_C, solver="liblinear", max_iter=2000).fit(
            matrix.multiply(scale.astype(np.float32)[None, :]).tocsr(), gold
        )
        # classes_ are sorted, ["false", "true"]: coef_ scores "true".
        empty.coef[:, j] = fitted.coef_[0] * scale
        empty.intercept[j] = fitted.intercept_[0]
    return empty


def _fit_polarity(docs: Sequence[FeatureDict], items: Sequence[Items]) -> LinearModel:
    """The polarity model over (text, category) pairs: the text's features plus the
    category's indicator."""
    pairs: list[dict[str, float]] = []
    labels: list[str] = []
    for doc, row in zip(docs, items, strict=True):
        for category, polarity in row:
            pairs.append({**doc, category_feature(category): 1.0})
            labels.append(polarity)
    if len(set(labels)) < 2:
        raise ValidationError(
            "all aspect labels have the same polarity: label categories with at least two "
            f"of {', '.join(SENTIMENT_LABELS)}"
        )
    return fit_linear(
        pairs,
        labels,
        c=POLARITY_C,
        balance=0.0,
        solver="newton-cg",
        column_weights=log_count_ratios,
    )


def _model(
    presence: LinearModel, polarity: LinearModel, meta: dict[str, Any], threshold: float
) -> AspectModel:
    return AspectModel(presence, polarity, {**meta, "threshold": threshold})


def _check(texts: Sequence[str], items: Sequence[Items]) -> Counter[str]:
    if len(texts) != len(items):
        raise ValidationError(f"{len(texts)} texts but {len(items)} aspect labels")
    if len(texts) < MIN_EXAMPLES:
        raise ValidationError(
            f"training an aspect classifier needs at least {MIN_EXAMPLES} labelled texts "
            f"(better a few hundred); there are {len(texts)}"
        )
    counts = Counter(c for row in items for c in {c for c, _ in row})
    learnt = [c for c, n in counts.items() if n >= MIN_CATEGORY_EXAMPLES]
    if not learnt:
        raise ValidationError(
            f"no category is named in {MIN_CATEGORY_EXAMPLES} or more of the "
            f"{len(texts)} labelled texts; label more texts with their categories"
        )
    if sum(1 for row in items if row) == len(items) and len(learnt) == 1:
        raise ValidationError(
            f"every text names {learnt[0]!r}: label texts without it too (or with 'none')"
        )
    return counts


def train_aspect_classifier(
    texts: Sequence[str],
    items: Sequence[Items],
    langs: Sequence[str | None] | None = None,
    *,
    term_source: tuple[str, str] | None = None,
    folds: int = 5,
    name: str | None = None,
    progress: Progress | None = None,
) -> AspectModel:
    """Train on texts and their (category, polarity) items (``aspectlabels``).

    ``term_source`` is the category file (text, "toml" or "json") whose term lists add
    features (None: none). ValidationError when the labels cannot train a model.
    """
    from resonanz.evaluation.aspects import aspect_figures
    from resonanz.evaluation.runner import rounded_report

    counts = _check(texts, items)
    if folds < 2:
        raise ValidationError("cross-validation needs at least 2 folds")
    resolved = list(langs) if langs is not None else [None] * len(texts)
    categories = sorted(c for c, n in counts.items() if n >= MIN_CATEGORY_EXAMPLES)
    k = min(folds, min(counts[c] for c in categories))
    report = Steps(progress, k + 2)
    report("features")
    docs = document_features(
        texts, resolved, stacked=True, full_text=True, head_chars=FULL_TEXT_CHARS
    )
    if term_source is not None:
        from resonanz.analysis.aspects import AspectAnalyzer

        terms = parse_categories(term_source[0], "the category file", fmt=term_source[1])
        add_term_features(AspectAnalyzer(terms), docs, texts, resolved)
    rows = [tuple((c, p) for c, p in row if c in counts) for row in items]
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "task": "aspects",
        "name": name or model_name("aspects", texts, [repr(sorted(row)) for row in rows]),
        "n": len(texts),
        "n_with_aspects": sum(1 for row in rows if row),
        "category_counts": dict(sorted(counts.items())),
        "too_few": sorted(c for c, n in counts.items() if n < MIN_CATEGORY_EXAMPLES),
        "langs": dict(Counter(lang or "?" for lang in resolved)),
        "stacked_on": default_model_name(),
        "params": {
            "presence_c": PRESENCE_C,
            "polarity_c": POLARITY_C,
            "column_weights": "log-count-ratio",
        },
        "term_categories": (
            {"source": term_source[0], "fmt": term_source[1]} if term_source else None
        ),
    }
    keys = [min(c for c, _ in row) if row else "" for row in rows]
    probabilities = np.zeros((len(docs), len(categories)))
    polarity_of = np.zeros((len(docs), len(categories)), dtype=np.intp)
    polarity_labels: tuple[str, ...] = ()
    for fold in stratified_folds(keys, k):
        report("cross-validating")
        held = set(fold)
        train = [i for i in range(len(docs)) if i not in held]
        fold_model = _model(
            _fit_presence([docs[i] for i in train], [rows[i] for i in train], categories),
            _fit_polarity([docs[i] for i in train], [rows[i] for i in train]),
            {**meta, "term_categories": None},
            0.5,
        )
        test = [docs[i] for i in fold]
        probabilities[fold] = fold_model.probabilities(test)
        polarity_of[fold] = fold_model.polarities(test)
        polarity_labels = fold_model.polarity.labels
    gold = [set(row) for row in rows]

    def at(threshold: float) -> list[set[tuple[str, str]]]:
        return [
            {
                (categories[j], polarity_labels[int(polarity_of[i, j])])
                for j in np.flatnonzero(probabilities[i] >= threshold)
            }
            for i in range(len(docs))
        ]

    scored = [(aspect_figures(gold, at(t)), t) for t in THRESHOLDS]
    figures, threshold = max(scored, key=lambda pair: (pair[0]["micro_f1"], -pair[1]))
    meta["quality"] = rounded_report(
        {**figures, "n": len(texts), "folds": k, "threshold": threshold}
    )
    report("training")
    presence = _fit_presence(docs, rows, categories)
    model = _model(presence, _fit_polarity(docs, rows), meta, threshold)
    report.finish()
    return model
