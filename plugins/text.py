"""How many terminal cells a piece of text takes: the one measure nianbao uses, for the
plain-text export's tables, the messages that point at a column, ``nianbao status`` and the
interface's preview.

It is the measure Textual draws with (Rich's ``cell_len``), computed from Python's own
Unicode data so that the headless engine never imports Rich: wide and full-width characters
(汉字, full-width punctuation, U+3000) take two cells; marks that combine with the character
before them, format characters (zero-width space, joiners, the byte-order mark), control
characters and the Hangul jamo that join into a syllable take none; everything else one.
The soft hyphen and the Arabic number signs, which terminals do show, take one.

Where the two still differ: symbols that Unicode made wide after the version Python carries
(14.0 in Python 3.11; e.g. the trigrams ☰ U+2630–U+2637, the counting rods U+1D360…) count
one cell here and two in Rich, and an emoji followed by the emoji variation selector U+FE0F
counts as its base character here. Neither occurs in a report's text in practice; the test
compares the two over every character.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["cell_width"]

#: general categories that take no cell: combining marks (Mn, Me, Mc), controls and format
#: characters (Cc, Cf), the line and paragraph separators (Zl, Zp)
_NO_CELL = frozenset(("Mn", "Me", "Mc", "Cc", "Cf", "Zl", "Zp"))
#: format characters a terminal shows nevertheless: the soft hyphen, the Arabic number signs
_SHOWN_FORMAT = frozenset(map(chr, (0xAD, 0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6DD, 0x70F,
                                    0x890, 0x891, 0x8E2, 0x110BD, 0x110CD)))


@lru_cache(maxsize=4096)
def _char_cells(ch: str) -> int:
    cp = ord(ch)
    if unicodedata.category(ch) in _NO_CELL and ch not in _SHOWN_FORMAT:
        return 0
    # Hangul jamo that join into the syllable before them, the Hangul fillers, and the
    # skin-tone modifiers of the emoji before them
    if 0x1160 <= cp <= 0x11FF or 0xD7B0 <= cp <= 0xD7FF or cp in (0x3164, 0xFFA0) or 0x1F3FB <= cp <= 0x1F3FF:
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def cell_width(text: str) -> int:
    """The number of terminal cells ``text`` takes on one line."""
    if text.isascii() and text.isprintable():  # the common case, without a look-up per character
        return len(text)
    return sum(map(_char_cells, text))
