"""四、政府信息公开行政复议、行政诉讼情况: 3 groups × (结果维持, 结果纠正, 其他结果, 尚未审结,
总计), 15 columns in print (domain §2.5). 总计 is computed (N4-1 by construction)."""

from __future__ import annotations

import re

from nianbao import error, rules, warning
from nianbao.fields import Grid, GridColumn, GridRow, Integer, Text

from .common import GAP, NationalSection, compact_sentences, full_grid, previous, repeated_prose

ID = "nat.appeals"

OUTCOMES = (
    GridColumn("upheld", "结果维持"),
    GridColumn("corrected", "结果纠正"),
    GridColumn("other", "其他结果"),
    GridColumn("pending", "尚未审结"),
)

CASES = Grid(
    key="cases",
    label="行政复议、行政诉讼",
    unit="件",
    help="没有就填0；总计自动计算",
    rows=(
        GridRow("review", "行政复议"),
        GridRow("suit_direct", "行政诉讼 未经复议直接起诉"),
        GridRow("suit_after_review", "行政诉讼 复议后起诉"),
    ),
    columns=OUTCOMES + (GridColumn("total", "总计", sum_of=tuple(c.key for c in OUTCOMES)),),
    cell=Integer(key="cell", label="件数", unit="件"),
)


def cases(report):
    """The full table 四 (computed cells included), once per report view: do not modify it."""
    return full_grid(report, ID, CASES)


class Appeals(NationalSection):
    id = ID
    number = 4
    heading = "政府信息公开行政复议、行政诉讼情况"
    template = "appeals.j2"
    fields = (
        Text(key="lead", label="导语", required=False, help="表前的说明（可不填）"),
        CASES,
        Text(key="note", label="补充说明", required=False, help="表后的说明（可不填）"),
    )

    def validate(self, report):
        v = report.values(self.id)
        out = []
        for key in ("lead", "note"):
            out += prose_issues(report, self.id, key, v[key])
            out += rules.year_words(self.id, key, v[key], report.year)
        out += unmentioned(report, self.id)
        prev = previous(report)
        if prev is not None:  # V-XYEAR 同比突变 on the three 总计
            now, last = cases(report), cases(prev)
            for row in CASES.rows:
                out += rules.year_on_year(self.id, f"cases.{row.key}.total", f"{row.label}总计",
                                          now[row.key]["total"], last[row.key]["total"], "件", prev.year)
        return out + repeated_prose(self, report)

    def context(self, report):
        c = CASES.full(report.values(self.id)["cases"])
        order = ("upheld", "corrected", "other", "pending", "total")
        return {"cases": c, "cells": [c[g][k] for g in ("review", "suit_direct", "suit_after_review") for k in order]}


# -- N4-3 / N4-4: figures quoted in prose -------------------------------------------------
_CONTEXT = re.compile(r"(行政复议|行政诉讼|复议后起诉|直接起诉)")
# Cases are counted in 件, and as real reports also write, 起 or 宗 (“信息公开类行政复议1起”; not
# 次: “行政复议培训3次” counts no cases).
_FIGURE = re.compile(r"(行政复议|行政诉讼|复议后起诉|直接起诉|结果维持|结果纠正|其他结果|尚未审结)(" + GAP.replace("{0,12}", "{0,8}") + r")(\d+)[件起宗]")
_OUTCOME = {"结果维持": "upheld", "结果纠正": "corrected", "其他结果": "other", "尚未审结": "pending"}
_CORRECTED = re.compile(r"[^，,。；;]{0,2}?(?:纠错|纠正|败诉|撤销|被确认违法)")
_NONE = re.compile(r"(未收到|未发生|没有发生|未出现|没有出现|未被|无)[^，,。；;\d]{0,12}?(行政复议|行政诉讼|(?:提出|提起|申请)(?:复议|诉讼))")
# “没有出现就政府信息公开提出复议、诉讼…”: 复议 and 诉讼 said without 行政 after 提出/提起/申请
# (not “未被复议机关纠错”, which speaks of the review body)
_BARE = {"行政复议": "复议", "行政诉讼": "诉讼"}


def _value(c, context, col):
    groups = {"行政复议": ("review",), "行政诉讼": ("suit_direct", "suit_after_review"),
              "直接起诉": ("suit_direct",), "复议后起诉": ("suit_after_review",)}[context]
    parts = [c[g][col] for g in groups]
    return None if None in parts else sum(parts)


def prose_issues(report, section_id, field, text):
    """N4-3: “行政复议N件”, “行政诉讼N件” and the outcomes quoted after them equal table 四;
    N4-4: “未发生…行政复议/行政诉讼” only when the table has none."""
    if not text:
        return []
    c = cases(report)
    out = []
    for sentence in compact_sentences(text):
        if "复议" not in sentence and "诉讼" not in sentence and "起诉" not in sentence:
            continue  # _FIGURE and _NONE both need one of them
        context = None
        for m in _FIGURE.finditer(sentence):
            word, n = m.group(1), int(m.group(3))
            # a context word inside the gap (“行政复议、行政诉讼各N件”) is ambiguous: skip it
            if _CONTEXT.search(m.group(2)):
                continue
            if word in _OUTCOME:
                if context is None:
                    continue
                col = _OUTCOME[word]
                what = f"{context}{word}"
            else:
                context, col, what = word, "total", word
            want = _value(c, context, col)
            if want is not None and n != want:
                out.append(error(section_id, field, f"正文写{what}{n}件，与第四部分表中{want}件不符", "N4-3"))
        for m in _NONE.finditer(sentence):
            for kind in ("行政复议", "行政诉讼"):
                at = sentence.find(kind, m.start())
                if at < 0 or at > m.end() + 8:
                    bare = sentence.find(_BARE[kind], m.start())
                    if bare < 0 or bare > m.end() + 8 or sentence[max(0, bare - 2):bare] in ("民事", "刑事"):
                        continue
                    at, kind_len = bare, len(_BARE[kind])
                else:
                    kind_len = len(kind)
                # “未发生…行政复议纠错或行政诉讼败诉” denies corrections, not cases
                after = sentence[at + kind_len:at + kind_len + 4]
                col, what = (("corrected", f"{kind}结果纠正") if _CORRECTED.match(after) else ("total", kind))
                n = _value(c, kind, col)
                if n:
                    out.append(error(section_id, field, f"正文写“{m.group(0)}”，但第四部分表中{what}有{n}件", "N4-4"))
    return out


# Where a report speaks of its cases: 总体情况 and the lead and note of part 四.
_PROSE_SECTIONS = ("nat.overview", ID)


def unmentioned(report, section_id):
    """N4-3 the other way: table 四 counts 行政复议 or 行政诉讼 cases that no sentence of
    总体情况 or of part 四 mentions (a warning: the reader of the text should learn of them)."""
    c = cases(report)
    prose = "".join(t for sid in _PROSE_SECTIONS for t in report.values(sid).values() if isinstance(t, str))
    out = []
    for kind, rows in (("行政复议", ("review",)), ("行政诉讼", ("suit_direct", "suit_after_review"))):
        total = _value(c, kind, "total")
        if total and kind not in prose and not (kind == "行政诉讼" and "起诉" in prose):
            # on the row that has the cases (all of them may be 复议后起诉)
            row = next(r for r in rows if c[r]["total"])
            out.append(warning(section_id, f"cases.{row}.total",
                               f"第四部分表中有{kind}{total}件，正文没有提到：请在总体情况或本部分写明案件情况", "N4-3"))
    return out
