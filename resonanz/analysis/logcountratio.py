"""Log-count-ratio feature weights (NB-SVM style, Wang & Manning 2012) for ``fit_linear``.

Before the logistic regression is fitted, every sparse feature's column is multiplied by
how unevenly the feature falls on the labels: for each label, the log ratio of the
feature's (add-``alpha`` smoothed) share among that label's documents to its share among
the other documents; the weight is the largest absolute ratio over the labels (for two
labels: the naive-Bayes log-count ratio). A telling word then needs a smaller weight to
count, so the L2 penalty holds it back less, while the many words that fall on every label
alike are damped. ``fit_linear`` multiplies the fitted weights back, so a model file and
prediction see the feature dicts as they are.

Continuous features (the prefixes of ``DENSE_PREFIXES``: lexicon scores, flags, stacked
probabilities) keep weight 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["DENSE_PREFIXES", "log_count_ratios"]

DENSE_PREFIXES: tuple[str, ...] = ("lex:", "x:", "d:")


def log_count_ratios(
    matrix: Any,
    labels: Sequence[str],
    vocab: Mapping[str, int],
    *,
    alpha: float = 1.0,
    dense: tuple[str, ...] = DENSE_PREFIXES,
) -> np.ndarray:
    """One weight per column of ``matrix`` (a SciPy CSR matrix, one row per label)."""
    present = matrix.copy()
    present.data = (present.data != 0).astype(np.float64)
    gold = np.asarray(labels)
    weights = np.zeros(matrix.shape[1], dtype=np.float64)
    for label in sorted(set(labels)):
        rows = gold == label
        inside = alpha + np.asarray(present[rows].sum(axis=0), dtype=np.float64).ravel()
        outside = alpha + np.asarray(present[~rows].sum(axis=0), dtype=np.float64).ravel()
        ratio = np.log((inside / inside.sum()) / (outside / outside.sum()))
        np.maximum(weights, np.abs(ratio), out=weights)
    for name, index in vocab.items():
        if name.startswith(dense):
            weights[index] = 1.0
    return weights
