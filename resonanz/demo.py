"""The demo workspace: Deutsche Bahn, its aspects and a competitor, on the bundled sample."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

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
