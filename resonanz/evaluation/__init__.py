"""MEASURE the analysis: labelled datasets, classification figures, `resonanz eval`."""

from __future__ import annotations

from resonanz.evaluation.datasets import FORMATS, Dataset, Example, load_dataset
from resonanz.evaluation.metrics import classification_report

__all__ = ["FORMATS", "Dataset", "Example", "classification_report", "load_dataset"]
