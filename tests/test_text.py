"""One text width (plugins/text.py): the engine measures text as Textual draws it. Before,
three functions measured and disagreed: the text export's (combining marks none, format
characters one), ``nianbao status``'s (combining marks one) and Rich's cell_len in the
interface (both none)."""

from __future__ import annotations

import unicodedata

import pytest
from rich.cells import cell_len

from plugins.text import cell_width

#: characters on which the three old measures disagreed, and the everyday ones
CASES = {
    "汉字": 4, "，。、；：？！（）《》“”": 24, "\u3000": 2, "ＡＢＣ１２３": 12,  # wide / full-width
    "abc 123": 7, "“": 1, "…": 1, "—": 1, "é": 1,  # narrow, and East Asian ambiguous as one
    "e\u0301": 1, "a\u0300\u0323": 1,  # combining accents: old status measure said 2 and 3
    "\u200b": 0, "\u200d": 0, "\ufeff": 0, "\u2060": 0,  # format characters: the old export measure said 1
    "\u00ad": 1,  # the soft hyphen, which terminals show
    "\u302a": 0,  # an ideographic tone mark: wide by its East Asian width, yet it combines (both old said 2)
    "\u1100\u1161": 2,  # a Hangul syllable from jamo: the medial vowel joins (old said 3)
    "\x07\x1b": 0,  # control characters
    "公开\u200b信息e\u0301": 9,
}


@pytest.mark.parametrize("text,cells", CASES.items())
def test_cell_width_is_the_width_textual_draws(text, cells):
    assert cell_width(text) == cells
    assert cell_len(text) == cells


def test_cell_width_agrees_with_rich_on_every_character_but_newer_wide_symbols():
    """Every assigned character up to U+2FFFF. The only differences: symbols Unicode made
    wide after the version Python carries (trigrams ☰, counting rods): one cell here."""
    differ = []
    for cp in range(0x30000):
        ch = chr(cp)
        if unicodedata.category(ch) in ("Cn", "Co", "Cs"):
            continue
        if cell_width(ch) != cell_len(ch):
            differ.append(ch)
    assert all(cell_width(ch) == 1 and cell_len(ch) == 2 and unicodedata.east_asian_width(ch) == "N"
               for ch in differ), [f"U+{ord(ch):04X}" for ch in differ if cell_width(ch) != 1]
    assert len(differ) < 250  # 188 with Python 3.11's Unicode 14 against Rich's newer table
