"""The one normaliser for names and texts (DESIGN.md, "Scores, entities and evidence").

Three forms of a text, the original always kept for display:

- ``folded``: Unicode NFKC (UAX #15: compatibility forms such as the mathematical alphanumerics U+1D400…,
  full-width letters and ligatures become their plain letters), then full case folding (Unicode §3.13,
  ``str.casefold``: ß → ss), invisible format characters removed and white space collapsed. For search and
  scoring.
- ``skeleton``: the folded form with look-alike letters replaced by the Latin letter they imitate, in the
  manner of the confusables skeleton of Unicode TR39 §4 (skeleton = NFD of the mapped text; here NFKC, and
  folded first, because what is compared are names, not identifiers). The table below covers Cyrillic and
  Greek letters that look like Latin ones, and Latin small capitals; mathematical letters need no entry,
  NFKC handles them. Accents are kept: "Lòria" and "Loria" have different skeletons. For matching: two names
  with the same skeleton are candidates for the same name, never proof (DESIGN.md "Entities").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Capital look-alikes are mapped before case folding, since folding turns Cyrillic В (looks like B) into в
# (looks like nothing Latin).
_CAPITALS = {
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Ӏ": "I", "Ζ": "Z",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Υ": "Y", "Χ": "X",
}
_SMALL = {
    # Cyrillic
    "а": "a", "с": "c", "е": "e", "о": "o", "р": "p", "х": "x", "у": "y", "ѕ": "s", "і": "i", "ј": "j",
    "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ѵ": "v", "ӏ": "l", "ү": "y", "ɡ": "g",
    # Greek
    "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k", "ρ": "p", "υ": "u", "ϲ": "c", "ϳ": "j",
    # Latin small capitals and dotless letters
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k",
    "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v",
    "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ı": "i", "ȷ": "j", "ɑ": "a", "ɩ": "i",
}
_CAPITALS_TABLE = str.maketrans(_CAPITALS)
_SMALL_TABLE = str.maketrans(_SMALL)
# Zero-width and other invisible format characters (category Cf) that split a name without showing.
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACE = re.compile(r"\s+")


def fold(text: str | None) -> str | None:
    """NFKC, case folded, invisible characters removed, white space collapsed and trimmed."""
    if text is None:
        return None
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return _SPACE.sub(" ", text.casefold()).strip()


def skeleton(text: str | None) -> str | None:
    """The folded form with look-alike letters replaced by the Latin letters they imitate."""
    if text is None:
        return None
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_CAPITALS_TABLE)
    text = fold(text).translate(_SMALL_TABLE)
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True)
class NormalisedText:
    original: str  # as the source wrote it: what is displayed
    folded: str  # for search and scoring
    skeleton: str  # for matching names that only look alike

    @property
    def has_look_alikes(self) -> bool:
        """The text only looks like its skeleton: letters of another script stand in for Latin ones."""
        return self.folded != self.skeleton


def normalise(text: str) -> NormalisedText:
    return NormalisedText(text, fold(text), skeleton(text))


def same_name(first: str | None, second: str | None) -> bool:
    """Whether two names have one skeleton (a match candidate, not proof that they are one organisation)."""
    return first is not None and second is not None and skeleton(first) == skeleton(second)
