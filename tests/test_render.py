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


def test_mention_line_shows_the_sentiment_label() -> None:
    from datetime import UTC, datetime

    from resonanz.cli.render import mention_line
    from resonanz.models import Mention

    at = datetime(2026, 11, 1, tzinfo=UTC)
    mention = Mention(
        platform="rss",
        native_id="1",
        text="Zug fällt aus",
        collected_at=at,
        lang="de",
        enrichments={"sentiment": {"label": "negative", "score": -0.8, "model": "m"}},
    )
    assert "de negative" in mention_line(mention).plain
    plain = Mention(platform="rss", native_id="2", text="x", collected_at=at)
    assert "negative" not in mention_line(plain).plain
