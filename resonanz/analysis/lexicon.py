"""Polarity lexicons, negators and intensifiers for German and English (shipped, offline).

Three sources, each with its licence beside it in ``resonanz/data/lexicon``: the German
Polarity Lexicon (Apache-2.0, as redistributed by textblob-de), VADER's lexicon (MIT), and
Resonanz's own list of slang, emoji, emoticons and service-complaint words. Two more English
word lists feed the opt-in ``lexicons`` features (``english_priors``): AFINN-165 (ODbL 1.0)
and pattern's adjective polarity and subjectivity (PDDL).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Umlauts and ß are looked up in both spellings: "schön" and "schoen" are the same word.
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})

NEGATORS: dict[str, frozenset[str]] = {
    "de": frozenset(
        [
            "nicht",
            "nich",
            "net",
            "kein",
            "keine",
            "keinen",
            "keinem",
            "keiner",
            "keines",
            "nie",
            "niemals",
            "nichts",
            "ohne",
            "weder",
            "niemand",
            "nirgends",
            "kaum",
        ]
    ),
    "en": frozenset(
        [
            "not",
            "no",
            "never",
            "nothing",
            "nobody",
            "none",
            "nor",
            "neither",
            "cannot",
            "cant",
            "dont",
            "doesnt",
            "didnt",
            "isnt",
            "wasnt",
            "arent",
            "werent",
            "wont",
            "wouldnt",
            "shouldnt",
            "couldnt",
            "aint",
            "without",
            "hardly",
        ]
    ),
}

INTENSIFIERS: dict[str, dict[str, float]] = {
    "de": {
        **dict.fromkeys(
            ["sehr", "total", "extrem", "echt", "voll", "richtig", "absolut", "mega", "super"], 1.5
        ),
        **dict.fromkeys(["so", "ziemlich", "besonders", "wirklich", "unglaublich"], 1.3),
        **dict.fromkeys(["etwas", "bisschen", "wenig", "eher"], 0.6),
    },
    "en": {
        **dict.fromkeys(
            ["very", "really", "extremely", "totally", "absolutely", "so", "super"], 1.5
        ),
        **dict.fromkeys(["quite", "pretty", "particularly", "truly", "incredibly"], 1.3),
        **dict.fromkeys(["slightly", "somewhat", "bit", "little", "barely"], 0.6),
    },
}

# Compound heads: "Zugverspätung" takes the polarity of "verspätung" when the whole word is
# not listed. Heads shorter than this are too ambiguous ("gut" in "Gutschein").
MIN_HEAD = 5


def fold(word: str) -> str:
    """Lower-case with umlauts and ß spelled out (the lexicon lookup key)."""
    return word.lower().translate(_FOLD)


@dataclass(frozen=True)
class Lexicon:
    """Word polarity in [-1, 1] per folded word, for one language."""

    lang: str
    polarity: dict[str, float]

    def lookup(self, word: str) -> float | None:
        """The polarity of a folded word, via its compound head when the word is unknown."""
        value = self.polarity.get(word)
        if value is not None or len(word) < MIN_HEAD + 3:
            return value
        for start in range(3, len(word) - MIN_HEAD + 1):
            value = self.polarity.get(word[start:])
            if value is not None:
                return value
        return None


def _rows(name: str) -> list[list[str]]:
    text = resources.files("resonanz").joinpath("data", "lexicon", name).read_text("utf-8")
    return [
        line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]


@lru_cache(maxsize=2)
def lexicon(lang: str) -> Lexicon:
    """The merged lexicon of ``de`` or ``en`` (other codes get the English one)."""
    lang = "de" if lang == "de" else "en"
    polarity: dict[str, float] = {}
    if lang == "de":
        for word, value in _rows("de-polarity.tsv"):
            polarity[fold(word)] = float(value)
    else:
        for word, value in _rows("en-vader.tsv"):
            polarity[word.lower()] = max(-1.0, min(1.0, float(value) / 3.0))
    for row_lang, token, value in _rows("own-slang.tsv"):
        if row_lang in (lang, "*"):
            key = token if not token.isalpha() else fold(token)
            polarity[key] = max(-1.0, min(1.0, float(value) / 2.0))
    return Lexicon(lang=lang, polarity=polarity)


@dataclass(frozen=True)
class EnglishPriors:
    """The English word lists of the ``lexicons`` features (folded word -> value)."""

    afinn: dict[str, float]  # valence -5..5
    adjectives: dict[str, tuple[float, float]]  # polarity -1..1, subjectivity 0..1


@lru_cache(maxsize=1)
def english_priors() -> EnglishPriors:
    """AFINN-165 and pattern's subjectivity lexicon (only single words can match a token)."""
    afinn = {fold(word): float(value) for word, value in _rows("en-afinn.tsv")}
    adjectives = {
        fold(word): (float(polarity), float(subjectivity))
        for word, polarity, subjectivity in _rows("en-pattern.tsv")
    }
    return EnglishPriors(afinn=afinn, adjectives=adjectives)
