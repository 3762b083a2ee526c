"""Reusable rule helpers for section plugins (public: a county's section may use them too)."""

from __future__ import annotations

import re
from typing import Iterable

from .results import Issue

__all__ = ["year_words", "numbers_before", "is_blank_statement"]

# Relative time words that leave the reader guessing which year is meant (rule V-YEARWORDS).
_YEAR_WORDS = ("今年以来", "今年来", "今年", "截至目前", "截止目前", "目前为止", "去年")


def year_words(section_id: str, field: str, text: str | None, year: int | None) -> list[Issue]:
    """A warning for each relative time word in ``text`` (今年来 → 2018年)."""
    if not text:
        return []
    found = []
    rest = text
    for word in _YEAR_WORDS:
        if word in rest:
            found.append(word)
            rest = rest.replace(word, "")
    if not found:
        return []
    target = f"{year}年" if year else "具体年份"
    words = "、".join(f"“{w}”" for w in found)
    return [Issue("warning", section_id, field, f"用了{words}：公开后读者无法确定所指年份，请写“{target}”或“截至{target}底”", "V-YEARWORDS")]


def numbers_before(text: str | None, unit: str, keywords: Iterable[str]) -> list[int]:
    """Numbers directly followed by ``unit`` in sentences that mention any keyword:
    ``numbers_before("通过网站公开2589条。", "条", ["网站"]) == [2589]``."""
    if not text:
        return []
    out = []
    for sentence in re.split(r"[。；;！!？?\n]", text):
        if any(k in sentence for k in keywords):
            out += [int(n) for n in re.findall(r"(\d+)\s*" + re.escape(unit), sentence)]
    return out


def is_blank_statement(text: str | None) -> bool:
    """Empty, or only “无”/“没有”/“暂无” and punctuation."""
    if not text:
        return True
    core = re.sub(r"[\s。，,.、；;：:（）()]", "", text)
    return core in ("", "无", "没有", "暂无", "无。")
