"""六、需要说明的其他事项与附表. The 附表 is computed from sections 二, 三 and 四: it is
never typed, so it cannot disagree with them."""

from __future__ import annotations

from nianbao import rules
from nianbao import Cell, Table
from nianbao.fields import Computed, Text

from .appeals import CASES
from .common import FujianSection, repeated_prose
from .proactive import COUNTS
from .requests import ANSWERS, RECEIVED

# (source section, grid, row key, label as printed, unit)
ATTACHMENT_ROWS = (
    ("fj.proactive", COUNTS, "total", "主动公开文件数", "条"),
    ("fj.proactive", COUNTS, "website", "其中：1.政府网站公开数", "条"),
    ("fj.proactive", COUNTS, "gazette", "　　　2.政府公报公开数", "条"),
    ("fj.requests", RECEIVED, "total", "受理政府信息公开申请总数", "条"),
    ("fj.requests", RECEIVED, "in_person", "其中：1.当面申请数", "条"),
    ("fj.requests", RECEIVED, "online", "　　　2.网上申请数", "条"),
    ("fj.requests", RECEIVED, "letter_fax", "　　　3.信函、传真申请数", "条"),
    ("fj.requests", ANSWERS, "total", "对申请的答复总数", "条"),
    ("fj.requests", ANSWERS, "granted", "其中：1.同意公开答复数", "条"),
    ("fj.requests", ANSWERS, "partial", "　　　2.同意部分公开答复数", "条"),
    ("fj.requests", ANSWERS, "denied", "　　　3.不予公开答复数", "条"),
    ("fj.requests", ANSWERS, "other", "　　　4.其他类型答复数", "条"),
    ("fj.appeals", CASES, "complaints", "接受行政申诉、举报数", "件"),
    ("fj.appeals", CASES, "reviews", "行政复议数", "件"),
    ("fj.appeals", CASES, "suits", "行政诉讼数", "件"),
)


def attachment(report) -> Table:
    year = report.year
    table = Table(caption="附表", head=[[Cell(h, header=True) for h in
                                      ("指标名称", "单位", f"{year}年度" if year else "本年度", "历年累计")]])
    for sid, grid, row, label, unit in ATTACHMENT_ROWS:
        values = grid.full(report.values(sid).get(grid.key, {}))[row]
        shown = ["" if values[c] is None else str(values[c]) for c in ("year", "cumulative")]
        total = any(r.key == row and r.sum_of for r in grid.rows)  # 受理总数, 答复总数
        table.body.append([Cell(label), Cell(unit), Cell(shown[0], computed=total), Cell(shown[1], computed=total)])
    return table


class Other(FujianSection):
    id = "fj.other"
    number = 6
    heading = "需要说明的其他事项与附表"
    template = "other.j2"
    fields = (
        Text(key="matters", label="需要说明的其他事项", required=False, help="没有可写“无”"),
        Computed(key="attachment", label="附表", help="由第二、三、四部分自动生成", compute=attachment),
    )

    def validate(self, report):
        return rules.year_words(self.id, "matters", report.values(self.id)["matters"], report.year) + repeated_prose(self, report)
