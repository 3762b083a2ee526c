"""三、政府信息依申请公开办理情况: applications received (by channel) and answers (by type),
this year and since records began. Totals are computed, never typed."""

from __future__ import annotations

from plugins import error, rules, warning
from plugins.fields import Grid, GridRow, Integer, Text

from .common import YEAR_COLUMNS, FujianSection, cross_year_cumulative, cross_year_jumps, cumulative_issues, repeated_prose

CELL = Integer(key="cell", label="件数", unit="件")

RECEIVED = Grid(
    key="received",
    label="受理申请",
    unit="件",
    rows=(
        GridRow("total", "受理政府信息公开申请总数", sum_of=("in_person", "online", "letter_fax")),
        GridRow("in_person", "其中：当面申请数", indent=1),
        GridRow("online", "网上申请数", indent=1),
        GridRow("letter_fax", "信函、传真申请数", indent=1),
    ),
    columns=YEAR_COLUMNS,
    cell=CELL,
)

ANSWERS = Grid(
    key="answers",
    label="申请答复",
    unit="件",
    rows=(
        GridRow("total", "对申请的答复总数", sum_of=("granted", "partial", "denied", "other")),
        GridRow("granted", "其中：同意公开答复数", indent=1),
        GridRow("partial", "同意部分公开答复数", indent=1),
        GridRow("denied", "不予公开答复数", indent=1),
        GridRow("other", "其他类型答复数", indent=1),
    ),
    columns=YEAR_COLUMNS,
    cell=CELL,
)


class Requests(FujianSection):
    id = "fj.requests"
    number = 3
    heading = "政府信息依申请公开办理情况"
    template = "requests.j2"
    fields = (
        RECEIVED,
        ANSWERS,
        Text(key="note", label="补充说明", required=False, help="如有尚未答复的申请，在此说明原因和办理进度"),
    )

    def validate(self, report):
        v = report.values(self.id)
        out = cumulative_issues(self.id, RECEIVED, v["received"], "件") + cumulative_issues(self.id, ANSWERS, v["answers"], "件")
        received, answers = RECEIVED.full(v["received"]), ANSWERS.full(v["answers"])
        bad = {(g.key, r, c) for g in (RECEIVED, ANSWERS)
               for r, c in rules.unreadable_cells(g, report.section(self.id).get(g.key))}
        for col, col_label in (("year", "本年度"), ("cumulative", "历年累计")):
            got, answered = received["total"][col], answers["total"][col]
            pending = [f"{g.label}·{next(x.label for x in g.rows if x.key == r).removeprefix('其中：')}（{col_label}）"
                       for g in (RECEIVED, ANSWERS) for gk, r, c in sorted(bad) if gk == g.key and c == col]
            if pending:
                out.append(warning(self.id, f"answers.granted.{col}",
                                   f"{col_label}：{'、'.join(pending)}填写有误，改正后再核对答复数是否超过受理数", "OR4"))
                continue
            if got is None or answered is None:
                continue
            if answered > got:
                out.append(error(self.id, f"answers.granted.{col}",
                                 f"{col_label}答复{answered}件，多于受理的{got}件（多{answered - got}件）：答复不能多于申请", "OR4"))
            elif answered < got and col == "year" and not v["note"]:
                out.append(warning(self.id, "note",
                                   f"本年度受理{got}件，答复{answered}件，有{got - answered}件尚未答复：请在“补充说明”中说明", "OR4"))
        out += rules.year_words(self.id, "note", v["note"], report.year)
        for grid in (RECEIVED, ANSWERS):
            out += cross_year_cumulative(self.id, grid, v[grid.key], report, "件")
            out += cross_year_jumps(self.id, grid, v[grid.key], report, ("total",), "件")
        out += repeated_prose(self, report)
        return out

    def context(self, report):
        v = report.values(self.id)
        return {"received": RECEIVED.full(v["received"]), "answers": ANSWERS.full(v["answers"]),
                "received_rows": RECEIVED.rows[1:], "answer_rows": ANSWERS.rows[1:]}
