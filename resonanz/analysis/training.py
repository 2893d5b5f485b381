"""Workspace-trained sentiment and relevance classifiers, on top of the shipped defaults.

``train_classifier`` fits a ``LinearModel`` on a workspace's labelled texts. Its features
are those of the default models (``textfeatures``, with character n-grams) plus:

- the language (``x:lang:de``), so one model serves German and English posts;
- the @handles and link domains the default features reduce to placeholders
  (``h:@db_bahn``, ``u:bahn.de``): who a post talks to often says what it is about;
- for sentiment, the shipped default model's three probabilities (``d:negative``, …):
  the trained model starts from what the default knows and learns where the workspace
  differs (stacking; the default never saw the workspace's labels, so nothing leaks);
- for relevance, the words (``f:``) and word pairs (``g:``) of the text's first
  FULL_TEXT_CHARS, not only of its first ``MAX_CHARS``: a long article may name the brand
  late (counts damped by 1 + ln(n), the block L2-normalised). Model files say so in
  ``meta["full_text"]``; files from before it lack the key and are read as trained.
- for relevance, also the word trigrams (``t:``) of the same span, @handles and #hashtags
  counted as words: the words around a name ("@db_bahn der zug", "die bahn frei") tell
  which sense of it a post means, which single words and pairs miss. Model files say so
  in ``meta["trigrams"]`` (absent: False).
- for relevance, the default features themselves (words, pairs, character n-grams) read
  the first FULL_TEXT_CHARS too (``meta["head_chars"]``; absent: ``MAX_CHARS``).

The regularisation ``c`` and the class ``balance`` are picked by a small cross-validated
grid on the training data; ``quality`` is then a k-fold cross-validated report of that
data (predictions for each fold by a model that did not see it). The hyper-parameters
were picked on all of it, so the figures lean a little optimistic.

Before each fit the sparse features are scaled by their log-count ratio
(``logcountratio``, NB-SVM style: telling features are held back less by the L2 penalty);
the weights are scaled back after the fit, so prediction reads the plain feature dicts.
Models are fitted with scikit-learn's "newton-cg" solver (the same optimum as "lbfgs",
~10x faster here).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from resonanz.analysis.base import RELEVANCE_LABELS, SENTIMENT_LABELS, Prediction
from resonanz.analysis.docfeatures import FULL_TEXT_CHARS, document_features
from resonanz.analysis.linear import FeatureDict, LinearModel, fit_linear
from resonanz.analysis.logcountratio import log_count_ratios
from resonanz.analysis.textfeatures import MAX_CHARS
from resonanz.errors import ConfigError, ValidationError
from resonanz.evaluation.metrics import classification_report

__all__ = [
    "FORMAT",
    "FULL_TEXT_CHARS",
    "GRID",
    "MIN_EXAMPLES",
    "TASK_LABELS",
    "Steps",
    "TrainedClassifier",
    "default_model_name",
    "document_features",
    "model_name",
    "stratified_folds",
    "train_classifier",
]

TASK_LABELS: Mapping[str, tuple[str, ...]] = {
    "sentiment": SENTIMENT_LABELS,
    "relevance": RELEVANCE_LABELS,
}
MIN_EXAMPLES = 20
# (c, balance) candidates, chosen on GermEval 2017 dev: balance 0.5 halves the pull of the
# majority label (0 keeps the labels' shares as the prior), which was as accurate and
# better on the rare labels there for both tasks.
GRID: tuple[tuple[float, float], ...] = ((1.0, 0.5), (3.0, 0.5), (10.0, 0.5), (10.0, 0.0))
GRID_FOLDS = 3
FORMAT = "resonanz-trained-classifier"
FORMAT_VERSION = 1
_SEED = 17
_SOLVER = "newton-cg"

Progress = Callable[[str, int, int], None]


class Steps:
    """Reports a training's stages to a progress callback: ``steps("stage")`` reports the
    stage with the number of stages done before it, ``finish()`` reports "done"."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def __call__(self, stage: str) -> None:
        if self.progress is not None:
            self.progress(stage, self.done, self.total)
        self.done += 1

    def finish(self) -> None:
        if self.progress is not None:
            self.progress("done", self.total, self.total)


def _resolve_langs(texts: Sequence[str], langs: Sequence[str | None] | None) -> list[str | None]:
    if langs is None:
        return [None] * len(texts)
    if len(langs) != len(texts):
        raise ValidationError(f"{len(texts)} texts but {len(langs)} languages")
    return list(langs)


def _stacks(task: str) -> bool:
    return task == "sentiment"


def _reads_full_text(task: str) -> bool:
    return task == "relevance"


def _reads_trigrams(task: str) -> bool:
    return task == "relevance"


def _head_chars(task: str) -> int:
    return FULL_TEXT_CHARS if task == "relevance" else MAX_CHARS


def default_model_name() -> str:
    """The name of the shipped default sentiment model (what stacked models read)."""
    from resonanz.analysis.sentiment import default_sentiment

    return default_sentiment().name


class TrainedClassifier:
    """A workspace's trained classifier behind the TextClassifier contract.

    ``quality`` is the cross-validated ``classification_report`` of its training data
    (accuracy, micro_f1, macro_f1, macro_recall, n, per_class, confusion, folds).
    """

    def __init__(self, model: LinearModel) -> None:
        meta = model.meta
        self.model = model
        self.task: str = str(meta["task"])
        self.name: str = str(meta["name"])
        self.labels: tuple[str, ...] = TASK_LABELS[self.task]
        self.quality: dict[str, Any] = dict(meta.get("quality") or {})
        self.params: dict[str, Any] = dict(meta.get("params") or {})
        self.stacked = bool(meta.get("stacked", False))
        self.full_text = bool(meta.get("full_text", False))
        self.trigrams = bool(meta.get("trigrams", False))
        self.head_chars = int(meta.get("head_chars", MAX_CHARS))

    def __repr__(self) -> str:
        return f"TrainedClassifier({self.task!r}, {self.name!r})"

    @property
    def meta(self) -> dict[str, Any]:
        """What the model file says about itself (name, task, quality, params, n, …)."""
        return dict(self.model.meta)

    def predict(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Prediction]:
        """Label every text (``langs``: ISO 639-1 or None per text, None: guessed)."""
        from resonanz.analysis.sentiment import probabilities_to_prediction

        if not texts:
            return []
        docs = document_features(
            texts,
            _resolve_langs(texts, langs),
            self.stacked,
            self.full_text,
            self.trigrams,
            self.head_chars,
        )
        probs = self.model.predict_proba(docs)
        # A label nobody gave in training is never predicted (probability 0).
        columns = [
            self.model.labels.index(x) if x in self.model.labels else -1 for x in self.labels
        ]
        return [
            probabilities_to_prediction(
                self.labels, [float(row[j]) if j >= 0 else 0.0 for j in columns]
            )
            for row in probs
        ]

    def to_bytes(self) -> bytes:
        """The model file: the LinearModel ``.npz`` with this classifier's meta (no pickle)."""
        return self.model.to_bytes()

    @classmethod
    def from_bytes(cls, blob: bytes, where: str = "trained model") -> TrainedClassifier:
        """Load what ``to_bytes`` wrote; ConfigError for anything else."""
        model = LinearModel.from_bytes(blob, where)
        meta = model.meta
        if meta.get("format") != FORMAT:
            raise ConfigError(f"{where}: not a trained Resonanz classifier")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ConfigError(
                f"{where}: trained-classifier format {meta.get('format_version')!r}; this "
                f"version of Resonanz reads {FORMAT_VERSION} (train the model again)"
            )
        task = str(meta.get("task"))
        if task not in TASK_LABELS or not set(model.labels) <= set(TASK_LABELS[task]):
            raise ConfigError(f"{where}: task {task!r} with labels {model.labels} is not known")
        if not isinstance(meta.get("name"), str):
            raise ConfigError(f"{where}: the model has no name")
        return cls(model)


def _check(
    task: str, texts: Sequence[str], labels: Sequence[str], langs: list[str | None]
) -> Counter[str]:
    """Label counts; ValidationError for input that cannot train a model."""
    allowed = TASK_LABELS.get(task)
    if allowed is None:
        raise ValidationError(f"unknown task {task!r}; known: {', '.join(TASK_LABELS)}")
    if len(texts) != len(labels):
        raise ValidationError(f"{len(texts)} texts but {len(labels)} labels")
    unknown = sorted({label for label in labels if label not in allowed})
    if unknown:
        raise ValidationError(
            f"unknown {task} label(s) {', '.join(map(repr, unknown[:5]))}; "
            f"allowed: {', '.join(allowed)}"
        )
    if any(not isinstance(text, str) for text in texts):
        raise ValidationError("every training text must be a string")
    counts = Counter(labels)
    if len(texts) < MIN_EXAMPLES:
        raise ValidationError(
            f"training a {task} classifier needs at least {MIN_EXAMPLES} labelled examples "
            f"(better a few hundred); there are {len(texts)}"
        )
    if len(counts) < 2:
        only = next(iter(counts))
        raise ValidationError(
            f"all {len(texts)} examples are labelled {only!r}: training needs examples of "
            f"at least two {task} labels ({', '.join(allowed)})"
        )
    rare = sorted(label for label, n in counts.items() if n < 2)
    if rare:
        raise ValidationError(
            f"label(s) {', '.join(map(repr, rare))} have a single example; label at least "
            "two of each (or none)"
        )
    return counts


def stratified_folds(labels: Sequence[str], k: int, *, seed: int = _SEED) -> list[list[int]]:
    """k disjoint index lists with each label spread evenly (shuffled with ``seed``)."""
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    offset = 0
    for label in sorted(by_label):
        rows = by_label[label]
        rng.shuffle(rows)
        for j, i in enumerate(rows):
            folds[(offset + j) % k].append(i)
        offset += len(rows)
    return [sorted(fold) for fold in folds if fold]


def _cross_predict(
    docs: Sequence[FeatureDict],
    labels: Sequence[str],
    folds: Sequence[Sequence[int]],
    c: float,
    balance: float,
) -> list[str]:
    """Each example's label as predicted by a model trained on the other folds."""
    predicted = [""] * len(docs)
    for fold in folds:
        held = set(fold)
        train = [i for i in range(len(docs)) if i not in held]
        model = fit_linear(
            [docs[i] for i in train],
            [labels[i] for i in train],
            c=c,
            balance=balance,
            solver=_SOLVER,
            column_weights=log_count_ratios,
        )
        probs = model.predict_proba([docs[i] for i in fold])
        for i, row in zip(fold, probs.argmax(axis=1), strict=True):
            predicted[i] = model.labels[int(row)]
    return predicted


def _score(report: Mapping[str, Any]) -> float:
    """What the grid maximises: micro-F1 (accuracy), with macro-F1 as a tie-breaker that
    also keeps a model from ignoring a rare label for a hair more accuracy."""
    return float(report["micro_f1"]) + 0.25 * float(report["macro_f1"])


def _choose_params(
    docs: Sequence[FeatureDict], labels: Sequence[str], report: Callable[[str], None]
) -> tuple[float, float]:
    """The (c, balance) of GRID with the best cross-validated score on these examples."""
    folds = stratified_folds(labels, min(GRID_FOLDS, min(Counter(labels).values())))
    allowed = sorted(set(labels))
    best: tuple[float, tuple[float, float]] | None = None
    for c, balance in GRID:
        report(f"choosing c={c:g} balance={balance:g}")
        predicted = _cross_predict(docs, labels, folds, c, balance)
        score = _score(classification_report(labels, predicted, allowed))
        if best is None or score > best[0]:
            best = (score, (c, balance))
    assert best is not None
    return best[1]


def model_name(task: str, texts: Sequence[str], labels: Sequence[str]) -> str:
    """``trained-<task>-<8 hex>``: the same examples give the same name."""
    digest = hashlib.sha256(task.encode())
    for text, label in sorted(zip(texts, labels, strict=True)):
        digest.update(label.encode() + b"\0" + text.encode("utf-8", "replace") + b"\0")
    return f"trained-{task}-{digest.hexdigest()[:8]}"


def train_classifier(
    task: str,
    texts: Sequence[str],
    labels: Sequence[str],
    langs: Sequence[str | None] | None = None,
    *,
    folds: int = 5,
    name: str | None = None,
    progress: Progress | None = None,
) -> TrainedClassifier:
    """Train a ``task`` classifier ("sentiment": negative/neutral/positive; "relevance":
    "true"/"false") on labelled texts and measure it by ``folds``-fold cross-validation.

    ``langs`` gives each text's language (None: guessed from the text). ``name`` defaults
    to ``trained-<task>-<hash of the examples>``. ValidationError when there are fewer
    than MIN_EXAMPLES examples, fewer than two labels, a label with one example or an
    unknown label.
    """
    resolved = _resolve_langs(texts, langs)
    counts = _check(task, texts, labels, resolved)
    if folds < 2:
        raise ValidationError("cross-validation needs at least 2 folds")
    report = Steps(progress, len(GRID) + 2)
    report("features")
    stacked = _stacks(task)
    full_text = _reads_full_text(task)
    trigrams = _reads_trigrams(task)
    head_chars = _head_chars(task)
    docs = document_features(texts, resolved, stacked, full_text, trigrams, head_chars)
    gold = list(labels)
    c, balance = _choose_params(docs, gold, report)
    report("cross-validating")
    k = min(folds, min(counts.values()))
    predicted = _cross_predict(docs, gold, stratified_folds(gold, k), c, balance)
    quality = classification_report(gold, predicted, list(TASK_LABELS[task]))
    quality["folds"] = k
    report("training")
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "task": task,
        "name": name or model_name(task, texts, gold),
        "n": len(texts),
        "label_counts": dict(sorted(counts.items())),
        "langs": dict(Counter(lang or "?" for lang in resolved)),
        "params": {"c": c, "balance": balance, "column_weights": "log-count-ratio"},
        "stacked": stacked,
        "stacked_on": default_model_name() if stacked else None,
        "full_text": full_text,
        "trigrams": trigrams,
        "head_chars": head_chars,
        "quality": quality,
    }
    model = fit_linear(
        docs,
        gold,
        c=c,
        balance=balance,
        meta=meta,
        solver=_SOLVER,
        column_weights=log_count_ratios,
    )
    report.finish()
    return TrainedClassifier(model)
