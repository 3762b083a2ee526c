"""四、因政府信息公开申请行政复议、提起行政诉讼情况."""

from __future__ import annotations

import re

from nianbao import error, rules
from nianbao.fields import Grid, GridRow, Integer, Text

from .common import YEAR_COLUMNS, FujianSection, cross_year_cumulative, cross_year_jumps, cumulative_issues, repeated_prose

CASES = Grid(
    key="cases",
    label="复议、诉讼与申诉",
    unit="件",
    rows=(
        GridRow("complaints", "接受行政申诉、举报数"),
        GridRow("reviews", "行政复议数"),
        GridRow("suits", "行政诉讼数"),
    ),
    columns=YEAR_COLUMNS,
    cell=Integer(key="cell", label="件数", unit="件"),
)

_NONE_SAID = re.compile(r"未收到|未发生|没有发生|无.{0,6}(行政复议|行政诉讼|申诉|举报)")


class Appeals(FujianSection):
    id = "fj.appeals"
    number = 4
    heading = "因政府信息公开申请行政复议、提起行政诉讼情况"
    template = "appeals.j2"
    fields = (
        CASES,
        Text(key="details", label="情况说明", required=False, help="有案件时说明案由和结果"),
    )

    def validate(self, report):
        v = report.values(self.id)
        out = cumulative_issues(self.id, CASES, v["cases"], "件")
        cases = CASES.full(v["cases"])
        year_total = [cases[r.key]["year"] for r in CASES.rows]
        details = v["details"] or ""
        none_said = _NONE_SAID.search(details)
        if all(n is not None for n in year_total) and sum(year_total) > 0 and none_said:
            out.append(error(self.id, "details",
                             f"情况说明写“{none_said.group(0)}”，但表中本年度有{sum(year_total)}件", "OR10"))
        out += rules.year_words(self.id, "details", details, report.year)
        out += cross_year_cumulative(self.id, CASES, v["cases"], report, "件")
        out += cross_year_jumps(self.id, CASES, v["cases"], report, [r.key for r in CASES.rows], "件")
        out += repeated_prose(self, report)
        return out

    def context(self, report):
        cases = CASES.full(report.values(self.id)["cases"])
        return {"cases": cases}
