"""Log-count-ratio column weights, and fit_linear folding them back into the model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from resonanz.analysis.linear import LinearModel, fit_linear
from resonanz.analysis.logcountratio import log_count_ratios

VOCAB = {"w:gut": 0, "w:mies": 1, "w:zug": 2, "lex:pos": 3}
# Rows: documents; "gut" only in positive ones, "mies" only in negative ones, "zug" in all.
MATRIX = csr_matrix(
    np.array(
        [
            [0.5, 0.0, 0.5, 0.9],
            [0.5, 0.0, 0.5, 0.0],
            [0.0, 0.5, 0.5, 0.0],
            [0.0, 0.5, 0.5, 0.2],
        ]
    )
)
LABELS = ["positive", "positive", "negative", "negative"]


def test_telling_features_weigh_more_than_even_ones() -> None:
    weights = log_count_ratios(MATRIX, LABELS, VOCAB)
    assert weights.shape == (4,)
    # "gut" and "mies" each fall on one label only: the same, large ratio.
    assert weights[0] == pytest.approx(weights[1])
    assert weights[0] == pytest.approx(np.log(3 / 1))  # (2+1)/(0+1), equal totals
    assert weights[2] == pytest.approx(0.0)  # on every document of both labels
    assert weights[3] == 1.0  # a lexicon score is continuous: left as it is


def test_three_labels_take_the_largest_ratio() -> None:
    matrix = csr_matrix(np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]))
    weights = log_count_ratios(matrix, ["a", "a", "b", "c"], {"w:x": 0, "w:y": 1})
    assert np.all(weights > 0)
    # w:x is on both "a" documents and nowhere else: more telling than w:y.
    assert weights[0] > weights[1]


def _docs() -> tuple[list[dict[str, float]], list[str]]:
    docs = [
        {"w:gut": 1.0, "w:zug": 1.0, "lex:pos": 0.8},
        {"w:gut": 1.0, "w:super": 1.0, "lex:pos": 0.5},
        {"w:super": 1.0, "w:zug": 1.0, "lex:pos": 0.3},
        {"w:mies": 1.0, "w:zug": 1.0},
        {"w:mies": 1.0, "w:spät": 1.0},
        {"w:spät": 1.0, "w:zug": 1.0},
    ]
    return docs, ["p", "p", "p", "n", "n", "n"]


def test_fit_linear_scores_plain_docs_as_the_fit_scored_scaled_ones() -> None:
    docs, labels = _docs()
    weighted = fit_linear(docs, labels, c=3.0, column_weights=log_count_ratios)
    scale = log_count_ratios(weighted.matrix(docs), labels, weighted.vocab)
    # The same fit by hand on pre-scaled documents: its weights times the scale are ours.
    scaled_docs = [
        {name: value * scale[weighted.vocab[name]] for name, value in doc.items()} for doc in docs
    ]
    by_hand = fit_linear(scaled_docs, labels, c=3.0)
    assert by_hand.vocab == weighted.vocab
    expected = by_hand.coef * scale.astype(np.float32)[:, None]
    assert np.allclose(weighted.coef, expected, atol=1e-3)
    assert np.allclose(weighted.predict_proba(docs), by_hand.predict_proba(scaled_docs), atol=1e-3)
    # The telling words decide, and the model file keeps the folded weights.
    probs = weighted.predict_proba([{"w:gut": 1.0}, {"w:mies": 1.0}])
    p = weighted.labels.index("p")
    assert probs[0, p] > 0.5 > probs[1, p]
    loaded = LinearModel.from_bytes(weighted.to_bytes())
    assert np.array_equal(loaded.predict_proba(docs), weighted.predict_proba(docs))
