"""LinearModel.scores (NumPy only) gives SciPy's sparse product to the bit."""

from __future__ import annotations

import numpy as np

from resonanz.analysis.linear import LinearModel
from resonanz.analysis.sentiment import default_sentiment
from resonanz.analysis.textfeatures import features
from resonanz.bench.enrich import DEMO_DIR, corpus


def _scipy_scores(model: LinearModel, docs: list[dict[str, float]]) -> np.ndarray:
    return np.asarray(model.matrix(docs) @ model.coef)


def test_scores_equal_scipy_on_real_texts_with_the_shipped_models() -> None:
    posts, _ = corpus(DEMO_DIR)
    texts = [p.text for p in posts] + ["", "!!!", "😡", "nicht gut :("]
    for lang, model in default_sentiment().models.items():
        docs = [features(text, lang) for text in texts]
        ours = model.scores(docs)
        assert ours.dtype == np.float32
        assert np.array_equal(ours, _scipy_scores(model, docs))


def test_scores_equal_scipy_on_generated_documents() -> None:
    rng = np.random.default_rng(7)
    names = [f"f{i}" for i in range(300)]
    for dtype in (np.float32, np.float64):
        model = LinearModel(
            labels=("a", "b", "c", "d"),
            vocab={name: i for i, name in enumerate(names)},
            coef=rng.normal(size=(len(names), 4)).astype(dtype),
            intercept=np.zeros(4, dtype=dtype),
        )
        docs: list[dict[str, float]] = [{}, {"unknown": 1.0}]
        for _ in range(200):
            chosen = rng.choice(len(names) + 20, size=int(rng.integers(0, 60)), replace=False)
            docs.append({f"f{i}": float(rng.normal()) for i in chosen})
        ours = model.scores(docs)
        assert ours.dtype == dtype and ours.shape == (len(docs), 4)
        assert np.array_equal(ours, _scipy_scores(model, docs))
        assert not ours[0].any() and not ours[1].any()
