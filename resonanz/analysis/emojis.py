"""Emoji in text: single emoji, skin tones, ZWJ sequences, flags, keycaps, tag sequences.

One regular expression built from Unicode ranges (Python's ``re`` has no emoji
properties). Pictographs that default to emoji presentation count on their own, and so do
the Miscellaneous Symbols and Dingbats that Unicode lists as emoji (``❤``, ``☺``,
``✌``: posts often write them without U+FE0F). Symbols that default to text
presentation (``©``, ``™``, ``↔``, ``▶``) count only with U+FE0F after them, so a
"© dpa" byline is no emoji.
"""

from __future__ import annotations

import re

__all__ = ["emoji_in"]

# Pictographs counted on their own: the emoji of Miscellaneous Symbols and Dingbats, a
# few emoji-presentation symbols elsewhere in the BMP, and the SMP's pictograph blocks
# (whole blocks, so emoji added by later Unicode versions count too).
_PICTOGRAPH = (
    "\u231a\u231b\u23e9-\u23f3\u23f8-\u23fa"
    "\u2600-\u2604\u260e\u2611\u2614\u2615\u2618\u261d\u2620\u2622\u2623\u2626\u262a"
    "\u262e\u262f\u2638-\u263a\u2640\u2642\u2648-\u2653\u265f\u2660\u2663\u2665\u2666"
    "\u2668\u267b\u267e\u267f\u2692-\u2697\u2699\u269b\u269c\u26a0\u26a1\u26a7\u26aa"
    "\u26ab\u26b0\u26b1\u26bd\u26be\u26c4\u26c5\u26c8\u26ce\u26cf\u26d1\u26d3\u26d4"
    "\u26e9\u26ea\u26f0-\u26f5\u26f7-\u26fa\u26fd\u2702\u2705\u2708-\u270d\u270f\u2712"
    "\u2714\u2716\u271d\u2721\u2728\u2733\u2734\u2744\u2747\u274c\u274e\u2753-\u2755"
    "\u2757\u2763\u2764\u2795-\u2797\u27a1\u27b0\u27bf\u2934\u2935\u2b05-\u2b07\u2b1b"
    "\u25fd\u25fe\u2b1c\u2b50\u2b55"
    "\U0001f004\U0001f0cf\U0001f170\U0001f171\U0001f17e\U0001f17f\U0001f18e"
    "\U0001f191-\U0001f19a\U0001f201\U0001f202\U0001f21a\U0001f22f\U0001f232-\U0001f23a"
    "\U0001f250\U0001f251\U0001f300-\U0001f64f\U0001f680-\U0001f6ff\U0001f7e0-\U0001f7ff"
    "\U0001f900-\U0001f9ff\U0001fa70-\U0001faff"
)
# Symbols that are emoji only when U+FE0F asks for emoji presentation.
_TEXT_SYMBOL = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u2328\u23cf\u24c2"
    "\u25aa\u25ab\u25b6\u25c0\u25fb\u25fc\u3030\u303d\u3297\u3299"
)
_ELEMENT = (
    f"(?:[{_PICTOGRAPH}]\ufe0f?|[{_TEXT_SYMBOL}]\ufe0f)"
    "[\U0001f3fb-\U0001f3ff]?"  # skin tone
    "(?:[\U000e0020-\U000e007e]+\U000e007f)?"  # tag sequence (flags of England, Scotland)
)
_EMOJI_RE = re.compile(
    "[\U0001f1e6-\U0001f1ff]{2}"  # flag: a pair of regional indicators
    "|[0-9#*]\ufe0f?\u20e3"  # keycap
    f"|{_ELEMENT}(?:\u200d{_ELEMENT})*"  # ZWJ sequence (or a single element)
)
# A superset of the characters an emoji can start or end with (a keycap ends with U+20E3):
# a class of three ranges is searched ~15x faster than the exact one of ~100.
_CANDIDATE_RE = re.compile("[\u00a9\u00ae\u203c-\u3299\U0001f004-\U0001faff]")
MAX_EMOJI = 20


def emoji_in(text: str) -> list[str]:
    """The distinct emoji of text in order (U+FE0F ignored when comparing), at most 20."""
    found: dict[str, str] = {}
    if text.isascii():
        return []
    position = 0
    # Bounded work: a post of 10,000 flags is read up to its 500th emoji-like character.
    for _ in range(500):
        if len(found) >= MAX_EMOJI:
            break
        candidate = _CANDIDATE_RE.search(text, position)
        if candidate is None:
            break
        start = candidate.start()
        match = None
        if text[start] == "\u20e3":  # a keycap: its digit is one or two characters back
            for back in (2, 1):
                match = match or _EMOJI_RE.match(text, max(position, start - back))
        else:
            match = _EMOJI_RE.match(text, start)
        if match is None or match.end() <= start:
            position = start + 1
            continue
        emoji = match.group()
        found.setdefault(emoji.replace("\ufe0f", ""), emoji)
        position = match.end()
    return list(found.values())
