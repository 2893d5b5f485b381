"""Length rules of X, LinkedIn, Threads, Telegram, Facebook and Instagram, each in the
platform's own units.

- **X** counts a *weighted* length (twitter-text ``config/v3.json``): the text is NFC
  normalised, each code point in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F or
  U+2032–U+2037 weighs 1, every other one 2 (CJK, most symbols), an emoji sequence 2
  however many code points it has, and every URL 23; the limit is 280.
- **Telegram** and **LinkedIn** count UTF-16 code units (Telegram's entity offsets and the
  4,096 limit; LinkedIn's 3,000 is a Java string length): an emoji outside the BMP is 2.
- **Threads** (500), **Facebook** (63,206) and **Instagram** (2,200) count characters;
  counted here as Unicode code points, the stricter reading of "characters".

Every limits object has ``problems(text) -> list[str]`` like publishing.text.TextLimits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import regex

# http(s) URLs, and bare domains with a common top-level domain (twitter-text links
# "example.com/x" too; its full TLD list is longer than this one).
_X_URL = regex.compile(
    r"(?:https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]"
    r"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|org|net|de|at|ch|eu|io|co|uk|fr|it|es|nl|info|biz|me|app|dev|ly|gl|tv)"
    r"(?![\w-])(?:/[^\s<>\"']*[^\s<>\"'.,;:!?)\]])?)",
    regex.IGNORECASE,
)
_HASHTAG = regex.compile(r"(?<![\w#&])#(\w*\p{L}\w*)")
_MENTION = regex.compile(r"(?<![\w@])@([\w.]+)")
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_EMOJI_PART = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
X_MAX = 280
X_URL_WEIGHT = 23


def _x_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(lo <= code <= hi for lo, hi in _LIGHT_RANGES) else 2


def x_weighted_length(text: str) -> int:
    """The weighted length X's counter gives ``text`` (see the module docstring)."""
    normal = unicodedata.normalize("NFC", text)
    urls = len(_X_URL.findall(normal))
    rest = _X_URL.sub("", normal)
    total = X_URL_WEIGHT * urls
    for cluster in regex.findall(r"\X", rest):
        if _EMOJI_PART.search(cluster):
            total += 2
        else:
            total += sum(_x_weight(char) for char in cluster)
    return total


def utf16_units(text: str) -> int:
    """The length in UTF-16 code units (a character outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def code_points(text: str) -> int:
    return len(text)


def hashtags(text: str) -> list[str]:
    return [str(tag) for tag in _HASHTAG.findall(text)]


def mentions(text: str) -> list[str]:
    return [str(name) for name in _MENTION.findall(text)]


@dataclass(frozen=True)
class CountedLimits:
    """A limit in a platform's unit, with the counter that measures it and any further
    checks (hashtags, a required image); ``problems`` reads like TextLimits'."""

    max_units: int
    unit: str
    counter: Callable[[str], int]
    checks: Sequence[Callable[[str], list[str]]] = field(default_factory=tuple)

    def measure(self, text: str) -> int:
        return self.counter(text)

    def problems(self, text: str) -> list[str]:
        if not text.strip():
            return ["the text is empty"]
        found = []
        length = self.counter(text)
        if length > self.max_units:
            found.append(
                f"the text has {length} {self.unit}, {length - self.max_units} more than the "
                f"limit of {self.max_units}"
            )
        for check in self.checks:
            found.extend(check(text))
        return found


def at_most(
    what: str, finder: Callable[[str], list[str]], limit: int
) -> Callable[[str], list[str]]:
    """A check: at most ``limit`` of what ``finder`` finds (hashtags, mentions)."""

    def check(text: str) -> list[str]:
        count = len(finder(text))
        if count > limit:
            return [f"the text has {count} {what}, the limit is {limit}"]
        return []

    return check


X_LIMITS = CountedLimits(
    max_units=X_MAX,
    unit="weighted characters (URLs count as 23, CJK characters and emoji as 2)",
    counter=x_weighted_length,
)
