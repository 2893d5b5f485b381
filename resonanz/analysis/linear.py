"""A multinomial logistic-regression model over named sparse features.

Prediction needs numpy only; training imports SciPy and scikit-learn when it runs. A model
is saved as one ``.npz`` file (labels, feature names, weights, metadata as JSON) and loads
without pickle, so a model file cannot run code.
"""

from __future__ import annotations

import io
import itertools
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from resonanz.errors import ConfigError

FeatureDict = Mapping[str, float]
# (training matrix, labels, vocabulary) -> one weight per column (see fit_linear).
ColumnWeights = Callable[[Any, Sequence[str], Mapping[str, int]], np.ndarray]


@dataclass
class LinearModel:
    """Weights per (feature, label); ``predict_proba`` gives one row per document."""

    labels: tuple[str, ...]
    vocab: dict[str, int]
    coef: np.ndarray  # shape (len(vocab), len(labels))
    intercept: np.ndarray  # shape (len(labels),)
    meta: dict[str, Any] = field(default_factory=dict)

    def matrix(self, docs: Sequence[FeatureDict]) -> Any:
        """The documents as a sparse matrix over this model's features (unknown ones dropped)."""
        from scipy.sparse import csr_matrix

        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        vocab = self.vocab
        for doc in docs:
            for name, value in doc.items():
                index = vocab.get(name)
                if index is not None:
                    indices.append(index)
                    data.append(value)
            indptr.append(len(indices))
        return csr_matrix(
            (np.asarray(data, dtype=np.float32), indices, indptr),
            shape=(len(docs), len(vocab)),
        )

    def scores(self, docs: Sequence[FeatureDict]) -> np.ndarray:
        """``matrix(docs) @ coef`` (float32), computed without SciPy.

        Importing scipy.sparse costs a fresh process ~0.3 s, which prediction alone need
        not pay. The sums are SciPy's to the bit: its CSR product adds each row's
        ``value * weight`` products in float32, one stored feature after the other, from
        zero; ``np.add.at`` adds the same float32 products in the same order (tested
        against SciPy in tests/analysis/test_linear.py).
        """
        # The vocabulary index of every feature (-1: unknown) and its value, all documents
        # in a row, looked up by map() at C speed; features stay in each document's order.
        indices: list[int] = []
        values: list[float] = []
        lengths: list[int] = []
        lookup, unknown = self.vocab.get, itertools.repeat(-1)
        for doc in docs:
            indices.extend(map(lookup, doc, unknown))
            values.extend(doc.values())
            lengths.append(len(doc))
        out = np.zeros((len(docs), self.coef.shape[1]), dtype=np.result_type(self.coef, np.float32))
        index = np.asarray(indices, dtype=np.intp)
        known = index >= 0
        if known.any():
            rows = np.repeat(np.arange(len(docs), dtype=np.intp), lengths)[known]
            weights = np.asarray(values, dtype=np.float32)[known][:, None] * self.coef[index[known]]
            np.add.at(out, rows, weights)
        return out

    def predict_proba(
        self, docs: Sequence[FeatureDict], bias: np.ndarray | None = None
    ) -> np.ndarray:
        """Label probabilities, shape (len(docs), len(labels)); ``bias`` (same shape) is
        added to the scores before the softmax (a prior per document)."""
        if not docs:
            return np.zeros((0, len(self.labels)))
        scores = self.scores(docs) + self.intercept
        if bias is not None:
            scores += bias
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        return np.asarray(scores / scores.sum(axis=1, keepdims=True))

    def to_bytes(self) -> bytes:
        """The model as ``.npz`` bytes (no pickle)."""
        names = [""] * len(self.vocab)
        for name, index in self.vocab.items():
            names[index] = name
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            labels=np.array(self.labels),
            names=np.array("\n".join(names)),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
            meta=np.array(json.dumps(self.meta)),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes, where: str = "model") -> LinearModel:
        """Load what ``to_bytes`` wrote; a damaged file is a ConfigError naming ``where``."""
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
                labels = tuple(str(x) for x in npz["labels"])
                names = str(npz["names"]).split("\n")
                coef = np.asarray(npz["coef"], dtype=np.float32)
                intercept = np.asarray(npz["intercept"], dtype=np.float32)
                meta = json.loads(str(npz["meta"]))
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{where}: not a Resonanz model file ({exc})") from exc
        if coef.shape != (len(names), len(labels)) or intercept.shape != (len(labels),):
            raise ConfigError(f"{where}: model weights do not fit its labels and features")
        return cls(
            labels=labels,
            vocab={name: i for i, name in enumerate(names)},
            coef=coef,
            intercept=intercept,
            meta=meta,
        )

    def save(self, path: Path) -> None:
        """Write the model file."""
        path.write_bytes(self.to_bytes())

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model file."""
        try:
            blob = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read model file ({exc.strerror})") from exc
        return cls.from_bytes(blob, str(path))


def feature_vocabulary(
    docs: Sequence[FeatureDict], min_count: int = 2, always: tuple[str, ...] = ("lex:", "x:")
) -> dict[str, int]:
    """{feature: column} of the features in at least ``min_count`` documents, sorted;
    those starting with a prefix of ``always`` are kept however rare."""
    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(doc.keys())
    kept = sorted(name for name, n in counts.items() if n >= min_count or name.startswith(always))
    return {name: i for i, name in enumerate(kept)}


def fit_linear(
    docs: Sequence[FeatureDict],
    labels: Sequence[str],
    *,
    c: float = 1.0,
    balance: float = 1.0,
    min_count: int = 2,
    meta: Mapping[str, Any] | None = None,
    solver: str = "lbfgs",
    column_weights: ColumnWeights | None = None,
) -> LinearModel:
    """Train on feature dicts; features seen in fewer than ``min_count`` documents are
    dropped (the prefixes ``lex:`` and ``x:`` are always kept).

    ``solver`` is scikit-learn's: "newton-cg" reaches the same optimum as the default
    "lbfgs" on a few thousand documents with tens of thousands of features ~10x faster.

    ``column_weights`` scales each feature's column before the fit (e.g. by its
    log-count ratio, ``logcountratio``); the fitted weights are multiplied by the same
    factors, so the model scores the unscaled feature dicts as the fit scored the scaled.

    ``balance`` weighs each class by (n / (k * n_class)) ** balance: 0 keeps the training
    data's label shares as the prior, 1 treats every label as equally likely.
    """
    from sklearn.linear_model import LogisticRegression

    classes = tuple(sorted(set(labels)))
    if len(classes) < 2:
        raise ConfigError("training needs examples of at least two labels")
    vocab = feature_vocabulary(docs, min_count)
    empty = LinearModel(
        labels=classes,
        vocab=vocab,
        coef=np.zeros((len(vocab), len(classes)), dtype=np.float32),
        intercept=np.zeros(len(classes), dtype=np.float32),
    )
    matrix = empty.matrix(docs)
    scale = None
    if column_weights is not None:
        scale = np.asarray(column_weights(matrix, labels, vocab), dtype=np.float64)
        matrix = matrix.multiply(scale.astype(np.float32)[None, :]).tocsr()
    label_counts = Counter(labels)
    weights = {
        label: (len(labels) / (len(classes) * n)) ** balance for label, n in label_counts.items()
    }
    model = LogisticRegression(C=c, max_iter=3000, class_weight=weights, solver=solver).fit(
        matrix, list(labels)
    )
    coef = np.asarray(model.coef_, dtype=np.float32)
    intercept = np.asarray(model.intercept_, dtype=np.float32)
    if len(classes) == 2:  # sklearn keeps one row for two classes: score of classes[1]
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
    if scale is not None:
        coef = coef * scale.astype(np.float32)[None, :]
    order = [list(model.classes_).index(label) for label in classes]
    return LinearModel(
        labels=classes,
        vocab=vocab,
        coef=np.ascontiguousarray(coef[order].T),
        intercept=intercept[order],
        meta=dict(meta or {}),
    )
