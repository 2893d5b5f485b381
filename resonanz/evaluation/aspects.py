"""`resonanz eval aspects`: aspect categories and their polarity against labelled data.

The measures are those of GermEval 2017 subtask C, over (document, category) pairs at
the category level (``Zugfahrt#Pünktlichkeit`` counts as ``Zugfahrt``; a category named
twice in a document counts once):

- "aspect only": a predicted pair is right when the document has the category;
- "aspect + sentiment": pairs are (document, category, polarity).

``precision``, ``recall`` and ``micro_f1`` sum true positives, false positives and
false negatives over all documents and categories; ``macro_f1`` and ``macro_recall``
average the categories' figures; ``accuracy`` is the share of documents whose category set
is exactly right. Documents without gold aspects
(GermEval's irrelevant posts) stay in: a category predicted there is a false positive.
Because "Allgemein" is by far the most frequent GermEval category, the report also
gives the figures without the most frequent gold category and those of a baseline that
predicts only that category (with its most frequent polarity) for every document.

With ``train_path`` a workspace aspect classifier (``aspect_training``) is trained on
that labelled file, with the term lists of the same category file, and evaluated on top
of them; the report's ``train`` block gives its cross-validated quality and how many test
texts also occur in the training data.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from resonanz.analysis.aspectfile import (
    AspectCategory,
    parse_categories,
    read_category_file,
    template_text,
)
from resonanz.analysis.aspects import AspectAnalyzer
from resonanz.errors import ValidationError
from resonanz.evaluation.datasets import Example, load_dataset
from resonanz.evaluation.runner import rounded_report, text_overlap
from resonanz.workspace_aspects import format_of

__all__ = ["aspect_figures", "gold_pairs", "pair_figures", "run_aspect_eval"]

Progress = Callable[[str, int, int], None]
Pair = tuple[str, str]  # (category, polarity)
BATCH_SIZE = 500


def gold_pairs(example: Example) -> set[Pair]:
    """The (category, polarity) pairs of a labelled example, at the category level."""
    pairs: set[Pair] = set()
    for item in example.aspects:
        label, _, polarity = item.rpartition(":")
        pairs.add((label.split("#", 1)[0], polarity))
    return pairs


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _scores(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    total = precision + recall
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / total if total else 0.0,
        "support": tp + fn,
        "predicted": tp + fp,
    }


def pair_figures(
    gold: Sequence[Iterable[Any]], predicted: Sequence[Iterable[Any]], key: Callable[[Any], str]
) -> dict[str, Any]:
    """Micro precision/recall/F1 over per-document sets of items, and the figures per
    category (``key`` gives an item's category)."""
    if len(gold) != len(predicted):
        raise ValidationError(f"{len(gold)} gold documents but {len(predicted)} predictions")
    counts: dict[str, Counter[str]] = {}
    for gold_items, predicted_items in zip(gold, predicted, strict=True):
        g, p = set(gold_items), set(predicted_items)
        for item, outcome in [
            *((i, "tp") for i in g & p),
            *((i, "fp") for i in p - g),
            *((i, "fn") for i in g - p),
        ]:
            counts.setdefault(key(item), Counter())[outcome] += 1
    total: Counter[str] = sum(counts.values(), Counter())
    micro = _scores(total["tp"], total["fp"], total["fn"])
    per_category = {name: _scores(c["tp"], c["fp"], c["fn"]) for name, c in sorted(counts.items())}
    exact = sum(1 for g, p in zip(gold, predicted, strict=True) if set(g) == set(p))
    return {
        "micro_f1": micro["f1"],
        "precision": micro["precision"],
        "recall": micro["recall"],
        "support": micro["support"],
        "accuracy": _ratio(exact, len(gold)),
        "macro_f1": _mean(row["f1"] for row in per_category.values()),
        "macro_recall": _mean(row["recall"] for row in per_category.values()),
        "per_category": per_category,
    }


def _mean(values: Iterable[float | int]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def _eval_name(category: AspectCategory) -> str:
    return category.germeval or category.name


def _predict(
    analyzer: AspectAnalyzer, examples: Sequence[Example], progress: Progress | None
) -> tuple[list[set[Pair]], float]:
    """Predicted (category, polarity) pairs per example, and the seconds spent analysing
    (a learnt category that is in no category file keeps its label's name)."""
    names = {c.name: _eval_name(c) for c in analyzer.categories}
    predicted: list[set[Pair]] = []
    elapsed = 0.0
    for start in range(0, len(examples), BATCH_SIZE):
        batch = examples[start : start + BATCH_SIZE]
        began = time.perf_counter()
        found = analyzer.analyze([e.text for e in batch], [e.lang for e in batch])
        elapsed += time.perf_counter() - began
        predicted.extend(
            {(names.get(a.category, a.category), a.polarity) for a in aspects} for aspects in found
        )
        if progress is not None:
            progress("analyse", len(predicted), len(examples))
    return predicted, elapsed


def _without(pairs: Sequence[set[Pair]], category: str) -> list[set[Pair]]:
    return [{p for p in items if p[0] != category} for items in pairs]


def aspect_figures(gold: Sequence[set[Pair]], predicted: Sequence[set[Pair]]) -> dict[str, Any]:
    """Category and category + polarity figures (micro and per category) of pair sets."""
    categories = pair_figures(
        [{c for c, _ in g} for g in gold], [{c for c, _ in p} for p in predicted], str
    )
    polarity = pair_figures(gold, predicted, lambda pair: str(pair[0]))
    return {
        **{
            k: categories[k]
            for k in ("micro_f1", "precision", "recall", "support", "accuracy", "macro_f1")
        },
        "macro_recall": categories["macro_recall"],
        **{f"polarity_{k}": polarity[k] for k in ("micro_f1", "precision", "recall")},
        "per_category": {
            name: {
                **row,
                "polarity_f1": polarity["per_category"].get(name, {}).get("f1", 0.0),
            }
            for name, row in categories["per_category"].items()
        },
    }


def _summary(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: figures[k] for k in ("micro_f1", "precision", "recall", "polarity_micro_f1")}


def _majority(gold: Sequence[set[Pair]]) -> tuple[str, Pair]:
    """The most frequent gold category, and it with its most frequent polarity."""
    categories = Counter(c for pairs in gold for c in {c for c, _ in pairs})
    majority = categories.most_common(1)[0][0]
    polarity = Counter(p for pairs in gold for c, p in pairs if c == majority)
    return majority, (majority, polarity.most_common(1)[0][0])


def _require_aspects(examples: Sequence[Example], path: Path) -> None:
    if not any(e.aspects for e in examples):
        raise ValidationError(
            f"{path}: no example has aspect labels (the germeval format's fifth "
            "column, or an 'aspects' column in a CSV file: Category#Sub:polarity ...)"
        )


def _trained(
    analyzer: AspectAnalyzer,
    source: tuple[str, str],
    path: Path | str,
    fmt: str,
    progress: Progress | None,
    test_texts: Sequence[str],
) -> tuple[AspectAnalyzer, dict[str, Any]]:
    """The analyser with a classifier trained on the labelled file, and the report's
    ``train`` block (``overlap``: how many of ``test_texts`` it trained on)."""
    from resonanz.analysis.aspect_training import train_aspect_classifier
    from resonanz.analysis.aspectlabels import parse_aspect_label

    began = time.perf_counter()
    data = load_dataset(path, fmt)
    examples = list(data.examples)
    _require_aspects(examples, data.path)
    texts = [e.text for e in examples]
    # The items were checked when the file was read (aspectlabels), so they parse.
    model = train_aspect_classifier(
        texts,
        [parse_aspect_label(" ".join(e.aspects)) for e in examples],
        [e.lang for e in examples],
        term_source=source,
        progress=progress,
    )
    return analyzer.with_model(model), {
        "path": str(data.path),
        "format": data.format,
        "n": len(examples),
        "dropped": dict(data.dropped),
        "seconds": round(time.perf_counter() - began, 3),
        "model": model.name,
        "quality": {k: v for k, v in model.quality.items() if k != "per_category"},
        "too_few": model.meta.get("too_few", []),
        "overlap": text_overlap(test_texts, texts),
    }


def run_aspect_eval(
    dataset_path: Path | str,
    fmt: str,
    *,
    categories_path: Path | str | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    train_path: Path | str | None = None,
    train_fmt: str | None = None,
) -> dict[str, Any]:
    """Load the dataset and the categories (the shipped template by default), find the
    aspects of every text and return one JSON-ready report."""
    if limit is not None and limit < 1:
        raise ValidationError("--limit must be at least 1")
    dataset = load_dataset(dataset_path, fmt)
    examples = list(dataset.examples[:limit])
    _require_aspects(examples, dataset.path)
    source = (
        (read_category_file(categories_path), format_of(str(categories_path)))
        if categories_path
        else (template_text(), "toml")
    )
    categories = parse_categories(
        source[0], str(categories_path or "the shipped template"), fmt=source[1]
    )
    training: dict[str, Any] | None = None
    analyzer = AspectAnalyzer(categories)
    if train_path is not None:
        analyzer, training = _trained(
            analyzer, source, train_path, train_fmt or fmt, progress, [e.text for e in examples]
        )
    began = time.perf_counter()
    analyzer.analyze(["Der Zug ist pünktlich."], ["de"])  # loads the model: load time
    load_s = time.perf_counter() - began
    predicted, elapsed = _predict(analyzer, examples, progress)
    gold = [gold_pairs(e) for e in examples]
    figures = aspect_figures(gold, predicted)
    majority, baseline_pair = _majority(gold)
    rest = aspect_figures(_without(gold, majority), _without(predicted, majority))
    baseline = aspect_figures(gold, [{baseline_pair} for _ in gold])
    relevant = [i for i, e in enumerate(examples) if e.relevant]
    on_relevant = aspect_figures([gold[i] for i in relevant], [predicted[i] for i in relevant])
    report: dict[str, Any] = rounded_report(
        {
            "task": "aspects",
            "dataset": str(dataset.path),
            "format": dataset.format,
            **{k: v for k, v in figures.items() if k != "per_category"},
            "n": len(examples),
            "n_with_aspects": sum(1 for g in gold if g),
            "posts_per_s": round(len(examples) / max(elapsed, 1e-9), 1),
            "seconds": round(elapsed, 3),
            "load_s": round(load_s, 3),
            "categories": str(categories_path) if categories_path else "shipped railway template",
            "majority_category": majority,
            "without_majority": _summary(rest),
            "majority_baseline": {
                "prediction": f"{baseline_pair[0]}:{baseline_pair[1]}",
                **_summary(baseline),
            },
            "relevant_only": {**_summary(on_relevant), "n": len(relevant)} if relevant else None,
            "train": training,
            "per_category": figures["per_category"],
            "never_in_gold": sorted(
                {_eval_name(c) for c in categories} - set(figures["per_category"])
            ),
            "dropped": dict(dataset.dropped),
        }
    )
    return report
