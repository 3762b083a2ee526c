"""Reusable rule helpers for section plugins (public: a county's section may use them too)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Mapping

from .results import Issue

__all__ = ["year_words", "measures_year", "numbers_before", "is_blank_statement", "prose_of", "shingles", "similarity",
           "duplicate_prose", "year_on_year", "unreadable_cells", "balance", "DUP_THRESHOLD", "DUP_MIN_CHARS", "JUMP_FACTOR",
           "OTHER_SHARE"]

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


_PLAN = r"(?:将|要|拟|计划|力争|争取|着力|继续|进一步|重点)"


def measures_year(section_id: str, field: str, text: str | None, year: int | None) -> list[Issue]:
    """V-SEC5-YEAR: improvement measures announced for the report year (“2024年，我们将…”):
    the report is written after its year has ended, so its measures are for the next year."""
    if not text or not year:
        return []
    plan = re.compile(rf"{year}年(?:度)?[^。；;\d]{{0,12}}?{_PLAN}")
    for sentence in re.split(r"[。；;！!？?\n]", text):
        m = plan.search(sentence)
        if m and f"{year + 1}年" not in sentence and not re.search(rf"{year}年(?:度)?(?:以来|来|中|底|已|共|全年|存在)", sentence):
            return [Issue("warning", section_id, field,
                          f"改进措施写“{m.group(0)}”：报告写于{year}年结束之后，措施应针对{year + 1}年", "V-SEC5-YEAR")]
    return []


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


_FILLER = re.compile(r"[\s。，,.、；;：:（）()]")
# A character that can be in no blank statement: real prose has one at once.
_NOT_BLANK = re.compile(r"[^\s。，,.、；;：:（）()无没有暂]")


def is_blank_statement(text: str | None) -> bool:
    """Empty, or only “无”/“没有”/“暂无” and punctuation."""
    if not text:
        return True
    if _NOT_BLANK.search(text):
        return False
    return _FILLER.sub("", text) in ("", "无", "没有", "暂无")


# -- cross-year rules (the previous year's report is ``report.previous``) -------------------

#: V-DUP: prose more similar than this to last year's same section is flagged (宿迁: 重复率 > 50%).
DUP_THRESHOLD = 0.5
#: V-DUP: sections whose prose (either year) is shorter than this many characters are not
#: compared — a one-line “无” or a fee statement is the same every year by nature.
DUP_MIN_CHARS = 50
#: V-XYEAR 同比突变: a total more than this many times last year's, or less than its reciprocal.
JUMP_FACTOR = 5
#: V-OTHER-SHARE: a catch-all “其他…” part larger than this share of its total (of at least 10)
#: says nothing: the host's prose rule and a section's own table of categories use the same.
OTHER_SHARE = 0.4


def prose_of(fields: Iterable[Any], values: Mapping[str, Any]) -> str:
    """All prose of a section: every ``Text`` field, and every ``Text`` column of its
    ``Records``, in declaration order, one per line (``Line`` titles are not prose)."""
    parts: list[str] = []
    for f in fields:
        value = values.get(f.key)
        if f.kind == "text":
            parts.append(value or "")
        elif f.kind == "records":
            texts = [c.key for c in f.columns if c.kind == "text"]
            for row in value or ():
                parts += [row.get(k) or "" for k in texts]
    return "\n".join(p for p in parts if p)


_NOT_WORDS = re.compile(r"[\s\W_]+", re.UNICODE)


def _normalise(text: str) -> str:
    # Full-width forms folded, blanks and punctuation dropped, every number made "0": a text
    # copied with this year's figures typed over last year's is still a copy.
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\d+", "0", _NOT_WORDS.sub("", text))


def shingles(text: str, n: int = 5) -> set[str]:
    """The set of character ``n``-grams of the normalised text (blanks and punctuation
    removed, numbers replaced by 0); a text shorter than ``n`` is one shingle."""
    t = _normalise(text)
    if len(t) < n:
        return {t} if t else set()
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def similarity(a: str, b: str, n: int = 5) -> float:
    """Jaccard similarity (0.0–1.0) of the character ``n``-grams of two texts; 0.0 when
    either is empty. ``similarity(x, x) == 1.0``."""
    sa, sb = shingles(a, n), shingles(b, n)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def duplicate_prose(section_id: str, fields: Iterable[Any], values: Mapping[str, Any],
                    previous_values: Mapping[str, Any] | None, previous_year: int | None = None,
                    threshold: float = DUP_THRESHOLD, min_chars: int = DUP_MIN_CHARS) -> list[Issue]:
    """V-DUP: a warning when this year's prose of a section (:func:`prose_of`) is more than
    ``threshold`` similar (character 5-gram Jaccard) to the same section of last year's report.
    ``previous_values`` is ``report.previous.values(section_id)``; ``None`` means no report."""
    if previous_values is None:
        return []
    fields = tuple(fields)
    now, last = prose_of(fields, values), prose_of(fields, previous_values)
    if min(len(_normalise(now)), len(_normalise(last))) < min_chars:
        return []
    ratio = similarity(now, last)
    if ratio <= threshold:
        return []
    when = f"{previous_year}年" if previous_year else "上年"
    return [Issue("warning", section_id, None,
                  f"本部分文字与{when}报告的同一部分相似度{ratio:.0%}（超过{threshold:.0%}）："
                  "请按本年度的实际情况撰写，不要沿用上年的文字", "V-DUP")]


def year_on_year(section_id: str, field: str, label: str, now: Any, last: Any, unit: str = "",
                 previous_year: int | None = None, factor: float = JUMP_FACTOR) -> list[Issue]:
    """V-XYEAR 同比突变: a warning when ``now`` is more than ``factor`` times ``last`` or less
    than ``1/factor`` of it; silent when either is missing or zero."""
    if not now or not last or now < 0 or last < 0:
        return []
    ratio = now / last
    if 1 / factor <= ratio <= factor:
        return []
    when = f"{previous_year}年" if previous_year else "上年"
    change = f"是{when}的{ratio:.1f}倍" if ratio > 1 else f"只有{when}的{ratio:.0%}"
    return [Issue("warning", section_id, field,
                  f"{label}{now}{unit}，{when}为{last}{unit}，{change}：请核对数字（单位、漏填、错位），"
                  "属实的请在正文中说明原因", "V-XYEAR")]


def unreadable_cells(grid: Any, raw: Mapping[str, Any] | None) -> set[tuple[str, str]]:
    """The (row, column) keys of the typed cells of ``grid`` whose stored value cannot be
    read (``1O5``, ``12.5`` for a count). Their totals are unknown, and so is every balance
    they take part in: a rule then says it will check once they are corrected (see
    :func:`balance`) rather than nothing."""
    out: set[tuple[str, str]] = set()
    for r in grid.rows:
        stored = raw.get(r.key) if isinstance(raw, Mapping) and not r.sum_of else None
        if not isinstance(stored, Mapping):
            continue
        for c in grid.columns:
            value = stored.get(c.key)
            if c.sum_of or value is None or value == "":
                continue
            try:
                grid.cell.load(value)
            except Exception:  # noqa: BLE001 - any reason it cannot be read
                out.add((r.key, c.key))
    return out


def balance(section_id: str, field: str, where: str, left: list[tuple[str, Any]], right: list[tuple[str, Any]],
            unit: str, rule: str, pending: Iterable[str] = ()) -> Issue | None:
    """The check of an identity ``sum(left) == sum(right)`` (each side a list of
    ``(label, value)``), with a message that leads to the mistake: where (``「自然人」列``),
    both sides figure by figure, and the difference (``差60件``). ``pending``: the cells
    of either side that cannot be read: then a warning that the balance is checked once
    they are corrected. None when it holds, or a side is still blank (reported as such)."""
    pending = list(pending)
    if pending:
        return Issue("warning", section_id, field,
                     f"{where}：{'、'.join(pending)}填写有误，改正后再核对{_side_names(left)}是否等于{_side_names(right)}", rule)
    values = [v for _, v in left + right]
    if any(v is None for v in values):
        return None
    a, b = sum(v for _, v in left), sum(v for _, v in right)
    if a == b:
        return None
    return Issue("error", section_id, field,
                 f"{where}：{_side(left, unit)}，不等于{_side(right, unit)}，差{abs(a - b)}{unit}", rule)


def _side(items: list[tuple[str, Any]], unit: str) -> str:
    text = "加".join(f"{label}{value}{unit}" for label, value in items)
    return text + (f"共{sum(v for _, v in items)}{unit}" if len(items) > 1 else "")


def _side_names(items: list[tuple[str, Any]]) -> str:
    return "加".join(label for label, _ in items)
