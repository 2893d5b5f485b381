"""The demo workspace: Deutsche Bahn, its aspects and a competitor, on the bundled sample."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resonanz.analysis.labelfiles import NewExample

SAMPLE_FILE = "germeval2017_sample.tsv"
DEMO_WORKSPACE = "demo"
DEMO_NAME = "Deutsche Bahn (Demo)"


@dataclass(frozen=True)
class DemoTopic:
    """A topic the demo creates."""

    name: str
    kind: str
    query: str


DEMO_TOPICS: tuple[DemoTopic, ...] = (
    DemoTopic(
        "Deutsche Bahn",
        "brand",
        '"deutsche bahn" OR bahn OR @db_bahn OR @db_info OR #db OR #deutschebahn OR ice',
    ),
    DemoTopic("Flixbus", "competitor", "flixbus OR flixtrain OR #flixbus OR (flix* NEAR/3 bus)"),
    DemoTopic(
        "Pünktlichkeit",
        "keyword",
        'verspätung* OR verspätet OR pünktlich* OR unpünktlich* OR "zu spät" OR ausfall* '
        "OR ausgefallen OR zugausfall*",
    ),
    DemoTopic(
        "Preis",
        "keyword",
        'preis* OR fahrpreis* OR ticketpreis* OR teuer OR "zu teuer" OR bahncard* OR sparpreis*',
    ),
    DemoTopic(
        "Service",
        "keyword",
        "service OR kundenservice OR zugbegleiter* OR schaffner* OR freundlich* "
        "OR unfreundlich* OR servicepersonal",
    ),
    DemoTopic(
        "Komfort",
        "product",
        "klimaanlage* OR wlan OR sitzplatz* OR sitzplätze OR (zug* NEAR/3 (voll OR überfüllt))",
    ),
)


def sample_path() -> Path:
    """Path of the bundled GermEval 2017 sample (see resonanz/data/demo/README.md)."""
    ref = resources.files("resonanz") / "data" / "demo" / SAMPLE_FILE
    return Path(str(ref))


def sample_texts() -> list[str]:
    """The texts of the bundled sample, in file order."""
    import csv

    with sample_path().open(encoding="utf-8", newline="") as handle:
        return [row[1] for row in csv.reader(handle, delimiter="\t") if len(row) > 1 and row[1]]


# The demo's team has labelled the sample's first rows; the rest arrives after training.
LABELLED_SHARE = 0.6


@dataclass(frozen=True)
class SampleParts:
    """The bundled sample split at a row boundary: the labelled part and the rest."""

    labelled: Path
    later: Path


def write_sample_parts(folder: Path) -> SampleParts:
    """Write the sample's first ``LABELLED_SHARE`` of rows and the rest as two GermEval
    files in ``folder`` (split where a row ends, quoted line breaks included)."""
    import csv

    lines = sample_path().read_text(encoding="utf-8").splitlines(keepends=True)
    ends: list[int] = []  # the line after each row
    reader = csv.reader(lines, delimiter="\t")
    for row in reader:
        if len(row) > 1:
            ends.append(reader.line_num)
    cut = ends[int(len(ends) * LABELLED_SHARE) - 1]
    folder.mkdir(parents=True, exist_ok=True)
    parts = SampleParts(folder / "sample-labelled.tsv", folder / "sample-later.tsv")
    parts.labelled.write_text("".join(lines[:cut]), encoding="utf-8")
    parts.later.write_text("".join(lines[cut:]), encoding="utf-8")
    return parts


def sample_labels(path: Path) -> dict[str, list[NewExample]]:
    """The gold labels of a GermEval file as the examples of each training task: its
    sentiment, relevance and aspects (``none`` where a text names none)."""
    from resonanz.analysis.labelfiles import NewExample
    from resonanz.evaluation.datasets import load_dataset

    labels: dict[str, list[NewExample]] = {"sentiment": [], "relevance": [], "aspects": []}
    for e in load_dataset(path, "germeval").examples:
        if e.label is not None:
            labels["sentiment"].append(NewExample(e.label, text=e.text, lang=e.lang))
        if e.relevant is not None:
            labels["relevance"].append(
                NewExample(str(e.relevant).lower(), text=e.text, lang=e.lang)
            )
        aspects = " ".join(e.aspects) or "none"
        labels["aspects"].append(NewExample(aspects, text=e.text, lang=e.lang))
    return labels
