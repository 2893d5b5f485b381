"""The enrichers' fast paths give what their reference paths give, exactly.

Texts: the bundled GermEval sample, hand-picked edge cases (emoticons made of letters,
punctuation runs, URLs, handles, emoji, combining marks, junk) and generated strings of
those pieces.
"""

from __future__ import annotations

import random

import pytest

from resonanz.analysis import emotion, textfeatures
from resonanz.bench.enrich import DEMO_DIR, corpus
from resonanz.pipeline import language
from tests.analysis.reference_textfeatures import reference_features

EDGE_CASES = [
    "",
    "   ",
    "xD",
    "XD.",
    "D:",
    "D: nicht gut",
    "Dx: ok",
    "gut:)",
    "gut:",
    "nicht sehr gut!!! :(",
    "not very bad, really",
    "kein Problem, schlecht war es trotzdem",
    "SEHR GUUUT!!! 😡😡 👍🏽",
    "#DankeBahn super @DB_Bahn https://t.co/x www.bahn.de/a.",
    "Zu\u0308ge fallen aus…",
    "can’t wait!",
    "«Bahn» „Chaos“ – (schon wieder)",
    "a.b.c 12,5 € 3:0",
    "\x00\x01 binär \udcff junk",
    "Ärger?!?; Freude.,",
]
# English words of the AFINN and pattern lists (the ``lexicons`` features), negated and not.
ENGLISH = [
    "not good, really bad. Awesome!!! I don't hate it",
    "no fun at all :( but GREAT people, never boring",
    "SOOO happy, not very sad; absolutely terrible #fail",
    "abandon hope? hardly any improvement, nice though",
]
_WORDS = "gut nicht kein sehr SEHR suuuper Angst Freude wütend Bahn kann es kaum erwarten"
_SYMBOLS = "xD XD D: :) :( <3 </3 😡 👍🏽 ❤️ #tag @user https://t.co/x www.x.de 12,5 n't can’t"
_PIECES = [*_WORDS.split(" "), *_SYMBOLS.split(" "), *".,;:!?()\"“”„–—’'-_#@ \u0308"]


def _texts() -> list[str]:
    posts, _ = corpus(DEMO_DIR)
    rng = random.Random(4)
    generated = [
        "".join(rng.choice(_PIECES) + rng.choice(["", " ", " ", ", "]) for _ in range(n))
        for n in (rng.randint(0, 40) for _ in range(1500))
    ]
    return [p.text for p in posts] + EDGE_CASES + generated


TEXTS = _texts()


def test_sentiment_tokens_are_the_regex_tokens() -> None:
    for text in TEXTS:
        assert textfeatures._tokens(text) == textfeatures._TOKEN_RE.findall(text), text


def test_emotion_tokens_are_the_regex_tokens() -> None:
    for text in TEXTS:
        text = text.replace("’", "'")
        expected = [(m.lastgroup, m.group()) for m in emotion._TOKEN_RE.finditer(text)]
        assert emotion._tokens(text) == expected, text


@pytest.mark.parametrize("lang", ["de", "en"])
def test_features_equal_the_reference_key_for_key(lang: str) -> None:
    for text in TEXTS:
        expected = reference_features(text, lang)
        assert list(textfeatures.features(text, lang).items()) == list(expected.items()), text
    for text in TEXTS[:300] + EDGE_CASES:
        expected = reference_features(text, lang, char_ngrams=True)
        got = textfeatures.features(text, lang, char_ngrams=True)
        assert list(got.items()) == list(expected.items()), text
    for text in TEXTS:
        expected = reference_features(text, lang, stems=True, symbols=True)
        got = textfeatures.features(text, lang, stems=True, symbols=True)
        assert list(got.items()) == list(expected.items()), text
    for text in TEXTS + ENGLISH:
        expected = reference_features(text, lang, lexicons=True)
        got = textfeatures.features(text, lang, lexicons=True)
        assert list(got.items()) == list(expected.items()), text
    for text in TEXTS[:300] + EDGE_CASES:
        expected = reference_features(text, lang, emotions=True)
        got = textfeatures.features(text, lang, emotions=True)
        assert list(got.items()) == list(expected.items()), text


def test_has_letters_counts_like_findall() -> None:
    for text in TEXTS:
        for count in (1, 3):
            expected = len(language._LETTER_RE.findall(text)) >= count
            assert language.has_letters(text, count) == expected, text
