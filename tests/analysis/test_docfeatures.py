"""Document features shared between a workspace's classifiers inside one batch."""

from __future__ import annotations

import pytest

from resonanz.analysis import docfeatures
from resonanz.analysis.docfeatures import FULL_TEXT_CHARS, document_features, shared_parts
from resonanz.analysis.textfeatures import MAX_CHARS

TEXTS = [
    "Der ICE nach Köln hat schon wieder 40 Minuten Verspätung @DB_Bahn https://bahn.de/x",
    "Great service on the train today, thanks!",
    "Langer Artikel über die Bahn. " * 80 + "Am Ende: die Klimaanlage war kaputt.",
]
LANGS: list[str | None] = ["de", "en", "de"]


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    built = {"base": 0, "full": 0, "trigrams": 0}
    for part, name in (("base", "_base"), ("full", "_full_text"), ("trigrams", "_trigrams")):
        real = getattr(docfeatures, name)

        def counted(*args: object, _real: object = real, _part: str = part) -> object:
            built[_part] += 1
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(docfeatures, name, counted)
    return built


def test_parts_are_built_once_per_block_and_read_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone = [
        document_features(TEXTS, LANGS, stacked=False, full_text=True, trigrams=True),
        document_features(TEXTS, LANGS, stacked=True, full_text=True, head_chars=FULL_TEXT_CHARS),
    ]
    built = _count_builds(monkeypatch)
    with shared_parts():
        shared = [
            document_features(TEXTS, LANGS, stacked=False, full_text=True, trigrams=True),
            document_features(
                TEXTS, LANGS, stacked=True, full_text=True, head_chars=FULL_TEXT_CHARS
            ),
            document_features(
                TEXTS, LANGS, stacked=True, full_text=True, head_chars=FULL_TEXT_CHARS
            ),
        ]
    assert shared[:2] == alone and shared[2] == alone[1]
    # Base parts: one per text for the 1,000-character head, and one more for the long
    # text's 5,000-character head (the short texts read the same with either).
    assert len(TEXTS[2]) > MAX_CHARS and all(len(t) < MAX_CHARS for t in TEXTS[:2])
    assert built == {"base": 4, "full": 3, "trigrams": 3}
    # Outside a block nothing is kept: every call builds again.
    document_features(TEXTS, LANGS, stacked=False)
    assert built["base"] == 7


def test_callers_get_their_own_dicts() -> None:
    with shared_parts():
        first = document_features(TEXTS[:1], LANGS[:1], stacked=False, full_text=True)
        first[0]["x:a:Service"] = 1.0  # as aspect_model.add_term_features does
        first[0].clear()
        again = document_features(TEXTS[:1], LANGS[:1], stacked=False, full_text=True)
    assert again == document_features(TEXTS[:1], LANGS[:1], stacked=False, full_text=True)
    assert "x:a:Service" not in again[0] and again[0]


def test_a_block_keeps_at_most_kept_features(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(docfeatures, "KEPT_FEATURES", 1)
    built = _count_builds(monkeypatch)
    with shared_parts():
        with shared_parts():  # an inner block shares the outer one
            document_features(TEXTS, LANGS, stacked=False)
        document_features(TEXTS, LANGS, stacked=False)
    assert built["base"] == 6  # nothing fitted, so nothing was kept
