"""二、主动公开政府信息情况: the four stacked tables of 《条例》第二十条 (domain §2.3)."""

from __future__ import annotations

import re
from decimal import Decimal as D

from nianbao import error, rules, warning
from nianbao.fields import Decimal, Grid, GridColumn, GridRow, Integer, Text

from .common import GAP, NationalSection, admin_level, compact_sentences, full_grid, of_this_format, previous, repeated_prose

ID = "nat.proactive"

DOCUMENTS = Grid(
    key="documents",
    label="第二十条第（一）项",
    unit="件",
    rows=(GridRow("rules", "规章"), GridRow("normative", "行政规范性文件")),
    columns=(GridColumn("issued", "本年制发件数"), GridColumn("abolished", "本年废止件数"),
             GridColumn("in_force", "现行有效件数")),
    cell=Integer(key="cell", label="件数", unit="件"),
)

DECISION_COLUMN = GridColumn("count", "本年处理决定数量")

LICENSING = Grid(
    key="licensing", label="第二十条第（五）项", unit="件",
    rows=(GridRow("licensing", "行政许可"),), columns=(DECISION_COLUMN,),
    cell=Integer(key="cell", label="件数", unit="件"),
)

ENFORCEMENT = Grid(
    key="enforcement", label="第二十条第（六）项", unit="件",
    rows=(GridRow("penalty", "行政处罚"), GridRow("coercion", "行政强制")), columns=(DECISION_COLUMN,),
    cell=Integer(key="cell", label="件数", unit="件"),
)

FEES = Decimal(key="fees", label="行政事业性收费 本年收费金额", unit="万元", places=4,
               help="第二十条第（八）项，单位万元（不是元）")

#: A 县直部门 collecting more than this many 万元 has probably typed 元 (rule N2-4).
FEE_PLAUSIBLE = D(100000)


class Proactive(NationalSection):
    id = ID
    number = 2
    heading = "主动公开政府信息情况"
    template = "proactive.j2"
    fields = (
        Text(key="lead", label="导语", required=False, help="表前的说明（可不填）"),
        DOCUMENTS, LICENSING, ENFORCEMENT, FEES,
        Text(key="note", label="补充说明", required=False, help="表后的说明（可不填）"),
    )

    def validate(self, report):
        v = report.values(self.id)
        docs = full_grid(report, self.id, DOCUMENTS)
        out = []
        for row in DOCUMENTS.rows:
            c = docs[row.key]
            if None not in c.values() and c["in_force"] < c["issued"] - c["abolished"]:
                out.append(error(self.id, f"documents.{row.key}.in_force",
                                 f"{row.label}现行有效{c['in_force']}件，少于本年制发{c['issued']}件减本年废止{c['abolished']}件"
                                 f"（{c['issued'] - c['abolished']}件）", "N2-1"))
        if admin_level(report) == "county":
            typed = {k: n for k, n in docs["rules"].items() if n}
            if typed:
                first = next(iter(typed))
                out.append(error(self.id, f"documents.rules.{first}",
                                 "县级单位不能制定规章，规章一行应全为0（设区的市、自治州或省级单位请在文档信息中选择“行政层级”）",
                                 "N2-3"))
        fees = v["fees"]
        if fees is not None and report.meta.get("unit_level") == "department" and fees > FEE_PLAUSIBLE:
            out.append(warning(self.id, "fees", f"行政事业性收费{fees}万元，单位是否误填为“元”？", "N2-4"))
        for key in ("lead", "note"):
            out += prose_issues(report, self.id, key, v[key])
            out += rules.year_words(self.id, key, v[key], report.year)
        return out + self.cross_year(report, v) + repeated_prose(self, report)

    def cross_year(self, report, v):
        """N2-2 (warning): 现行有效(Y) = 现行有效(Y−1) + 本年制发(Y) − 本年废止(Y); V-XYEAR 同比突变
        on the decision counts of （五）（六） and the fees of （八）."""
        prev = previous(report)
        if prev is None:
            return []
        pv = prev.values(self.id)
        when = f"{prev.year}年" if prev.year else "上年"
        docs, last_docs = full_grid(report, self.id, DOCUMENTS), full_grid(prev, self.id, DOCUMENTS)
        out = []
        for row in DOCUMENTS.rows:
            c, before = docs[row.key], last_docs[row.key]["in_force"]
            if None in c.values() or before is None:
                continue
            want = before + c["issued"] - c["abolished"]
            if c["in_force"] != want:
                out.append(warning(self.id, f"documents.{row.key}.in_force",
                                   f"{row.label}现行有效{c['in_force']}件，而{when}报告的现行有效{before}件加本年制发{c['issued']}件"
                                   f"减本年废止{c['abolished']}件为{want}件：如因修改、清理等原因不一致，请在补充说明中说明", "N2-2"))
        for grid, key in ((LICENSING, "licensing"), (ENFORCEMENT, "penalty"), (ENFORCEMENT, "coercion")):
            label = next(r.label for r in grid.rows if r.key == key)
            out += rules.year_on_year(self.id, f"{grid.key}.{key}.count", f"{label}本年处理决定",
                                      full_grid(report, self.id, grid)[key]["count"], full_grid(prev, self.id, grid)[key]["count"], "件", prev.year)
        out += rules.year_on_year(self.id, "fees", "行政事业性收费", v["fees"], pv["fees"], "万元", prev.year)
        return out

    def carry_forward(self, previous_report):
        """现行有效件数 as the starting point: last year's, for 规章 and 行政规范性文件 (the
        operator adds this year's 制发 and subtracts 废止; N2-2 checks it)."""
        if not of_this_format(previous_report):
            return {}
        last = DOCUMENTS.full(previous_report.values(self.id)["documents"])
        docs = {row.key: {"in_force": last[row.key]["in_force"]} for row in DOCUMENTS.rows
                if last[row.key]["in_force"] is not None}
        return {"documents": docs} if docs else {}

    def context(self, report):
        v = report.values(self.id)
        return {"documents": DOCUMENTS.full(v["documents"]), "licensing": LICENSING.full(v["licensing"]),
                "enforcement": ENFORCEMENT.full(v["enforcement"])}


# N2-5: “本年制发行政规范性文件N件”, “废止规章N件”, “现行有效行政规范性文件N件”.
_DOC_AFTER = re.compile(r"(规章|行政规范性文件)" + GAP.replace("{0,12}", "{0,3}") + r"(\d+)件")
_DOC_BEFORE = re.compile(r"(\d+)件" + GAP.replace("{0,12}", "{0,4}") + r"(规章|行政规范性文件)")
_CLAUSE_BREAK = re.compile(r"[，,、]")
_COLUMN_WORDS = (("abolished", ("废止",)), ("in_force", ("现行有效",)),
                 ("issued", ("制发", "出台", "印发", "制定", "新增", "发布")))


def prose_issues(report, section_id, field, text):
    """N2-5: counts of 规章 / 行政规范性文件 quoted in ``text`` equal table 二（一）."""
    if not text or "件" not in text or ("规章" not in text and "规范性文件" not in text):
        return []
    docs = full_grid(report, ID, DOCUMENTS)
    out = []
    for sentence in compact_sentences(text):
        if "件" not in sentence:
            continue
        for clause in _CLAUSE_BREAK.split(sentence):
            if "件" not in clause:
                continue
            found = [(m.group(1), int(m.group(2))) for m in _DOC_AFTER.finditer(clause)]
            found += [(m.group(2), int(m.group(1))) for m in _DOC_BEFORE.finditer(clause)]
            if not found:
                continue
            col = next((c for c, words in _COLUMN_WORDS if any(w in clause for w in words)), None)
            if col is None:
                continue
            for label, n in found:
                row = "rules" if label == "规章" else "normative"
                want = docs[row][col]
                if want is not None and n != want:
                    col_label = next(c.label for c in DOCUMENTS.columns if c.key == col)
                    out.append(error(section_id, field, f"正文写{label}{n}件，与第二部分表中{label}“{col_label}”{want}件不符", "N2-5"))
    return out
