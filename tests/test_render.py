"""Highlighting of matched terms in the terminal."""

from __future__ import annotations

from resonanz.cli.render import highlight


def _bold(text: str, terms: tuple[str, ...]) -> list[str]:
    out = highlight(text, terms)
    return [out.plain[s.start : s.end] for s in out.spans]


def test_exact_prefix_and_phrase_terms() -> None:
    text = "Verspätung am Bahnhof: die Deutsche Bahn, wieder Bahnchaos"
    assert _bold(text, ("verspaetung*", "deutsche bahn")) == ["Verspätung", "Deutsche", "Bahn"]
    assert _bold(text, ("bahn*",)) == ["Bahnhof", "Bahn", "Bahnchaos"]
    assert _bold(text, ("bahn",)) == ["Bahn"]


def test_long_text_is_shortened() -> None:
    assert len(highlight("wort " * 200, ()).plain) == 280
