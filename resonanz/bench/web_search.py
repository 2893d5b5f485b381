"""``bench web``'s search timings: through the mentions page, or through the store."""

from __future__ import annotations

import time
from itertools import islice
from urllib.parse import quote

from fastapi.testclient import TestClient

from resonanz.pipeline import document_of
from resonanz.query import evaluate, parse, to_fts
from resonanz.store import MentionFilter, Store

PAGE_SIZE = 50
# Written like searches on the demo data: common and rare words, phrases, prefixes, ANDs.
QUERIES = (
    "bahn",
    "verspätung",
    "flixbus",
    '"zu spät"',
    "klimaanlage OR wlan",
    "preis*",
    "bahn AND verspätung",
    "zugbegleiter*",
    "ice NOT verspätung",
    "#db",
    "sitzplatz*",
    "kundenservice",
    "(teuer OR preis*) AND bahncard*",
    "ausfall*",
    '"deutsche bahn"',
    "schaffner",
    "pünktlich*",
    "fahrpreis*",
    "überfüllt",
    "streik*",
)


def timed_gets(client: TestClient, urls: list[str]) -> list[float]:
    """Seconds per GET of each url; RuntimeError for an answer other than 200."""
    took = []
    for url in urls:
        started = time.perf_counter()
        answer = client.get(url)
        took.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise RuntimeError(f"GET {url} answered {answer.status_code}")
    return took


def search_page(client: TestClient, slug: str) -> list[float]:
    """Seconds per ``GET /w/{slug}/mentions?q=...``, one per query."""
    return timed_gets(client, [f"/w/{slug}/mentions?q={quote(query)}" for query in QUERIES])


def search_store(store: Store, workspace_id: int) -> list[float]:
    """Seconds per search as a result page does it: first 50 exact hits and the count."""
    took = []
    for query in QUERIES:
        started = time.perf_counter()
        node = parse(query)
        flt = MentionFilter(fts=to_fts(node))
        hits = (m for m in store.iter_mentions(workspace_id, flt) if evaluate(node, document_of(m)))
        list(islice(hits, PAGE_SIZE))
        store.count_mentions(workspace_id, flt)
        took.append(time.perf_counter() - started)
    return took
