"""三、政府信息依申请公开办理情况: applications received (by channel) and answers (by type),
this year and since records began. Totals are computed, never typed."""

from __future__ import annotations

import re

from nianbao import error, rules, warning
from nianbao.fields import Grid, GridRow, Integer, Text

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
            elif answered < got and col == "year" and not _EXPLAINS.search(v["note"] or ""):
                out.append(warning(self.id, "note",
                                   f"本年度受理{got}件，答复{answered}件，有{got - answered}件尚未答复：请在“补充说明”中说明"
                                   "（如“另有N件正在办理、结转下年度答复”）", "OR4"))
        out += quoted_issues(self.id, "note", v["note"], received, answers)
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


# OR4: only a sentence that explains the answers still owed silences the warning.
_EXPLAINS = re.compile(r"结转|正在办理|尚在办理|办理中|尚未答复|未答复|未到.{0,4}期限|延期|延长|下一?年度|次年|跨年"
                       r"|于\d{4}年[^。；;]{0,12}答复")

# OR8: figures of part 三's prose against the 附表 (本年度): (grid, row, words naming it).
_GAP = r"[^\d，,。；;、（）()]{0,6}?"
_QUOTED = (
    ("received", "in_person", re.compile(r"当面" + _GAP + r"(\d+)\s*[件条]")),
    ("received", "online", re.compile(r"(?:网上|网络|在线|电子邮件)" + _GAP + r"(\d+)\s*[件条]")),
    ("received", "letter_fax", re.compile(r"(?:信函|传真)" + _GAP + r"(\d+)\s*[件条]")),
    ("received", "total", re.compile(r"(?:受理|收到)[^\d，,。；;]{0,12}?申请" + _GAP + r"(\d+)\s*[件条]")),
    ("answers", "total", re.compile(r"(?<![公开理])答复(?:申请)?" + _GAP + r"(\d+)\s*[件条]")),
    ("answers", "granted", re.compile(r"(?<!部分)(?:同意|予以)公开" + _GAP + r"(\d+)\s*[件条]")),
    ("answers", "partial", re.compile(r"部分公开" + _GAP + r"(\d+)\s*[件条]")),
    ("answers", "denied", re.compile(r"不予公开" + _GAP + r"(\d+)\s*[件条]")),
)
_NONE_RECEIVED = re.compile(r"(?:未|没有|无)(?:收到|受理)[^，,。；;\d]{0,10}?申请")
_LABELS = {"in_person": "当面申请", "online": "网上申请", "letter_fax": "信函、传真申请", "total": "总数",
           "granted": "同意公开", "partial": "同意部分公开", "denied": "不予公开"}


def quoted_issues(section_id, field, text, received, answers):
    """OR8: figures of 当面/网上/信函传真 applications, the 受理 total and the answers quoted in
    the prose of part 三 equal the 附表's 本年度 column; “未收到…申请” only when it is 0."""
    if not text:
        return []
    tables = {"received": received, "answers": answers}
    out = []
    for sentence in re.split(r"[。；;！!？?\n]", text):
        for grid, row, pattern in _QUOTED:
            want = tables[grid][row]["year"]
            for m in pattern.finditer(sentence):
                n = int(m.group(1))
                if want is not None and n != want:
                    what = ("申请" if grid == "received" else "答复") + _LABELS[row]
                    out.append(error(section_id, field, f"正文写“{m.group(0)}”，与附表中本年度{what}{want}件不符", "OR8"))
        none_said = _NONE_RECEIVED.search(sentence)
        got = received["total"]["year"]
        if none_said and got:
            out.append(error(section_id, field, f"正文写“{none_said.group(0)}”，但附表中本年度受理申请{got}件", "OR8"))
    return out
