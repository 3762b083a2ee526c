"""How a report writes numbers and dates: 一、十二 for headings, 2019年1月8日, percentages
with a fixed number of decimals. Part of the plugin contract (``from nianbao import percent``):
section code and every template (as filters and globals) use the same three functions."""

from __future__ import annotations

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["cn_date", "cn_numeral", "percent"]

_NUMERALS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一 (enough for headings)."""
    if n < 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")


def cn_date(value: Any) -> str:
    """2019-01-08 -> 2019年1月8日 (no zero padding, as in official documents)."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"{value.year}年{value.month}月{value.day}日"
    return "" if value is None else str(value)


def percent(part: Any, whole: Any, places: int = 2) -> str:
    """``part/whole`` as a percentage with a fixed number of decimals (one precision for the
    whole document, rule OR9); empty when either is missing or ``whole`` is 0."""
    if part is None or not whole:
        return ""
    # Half-up, as percentages are rounded in official statistics (not banker's rounding).
    q = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q}%"
