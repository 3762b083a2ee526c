"""三、收到和处理政府信息公开申请情况: the 7-column × 25-row table of domain §2.4.

Stored: rows 一, 二, the 20 result rows and 四 for the six applicant columns. Computed: the
（七）总计 row (N3-2) and the 总计 column (N3-3)."""

from __future__ import annotations

import re

from nianbao import error, rules
from nianbao.fields import Grid, GridColumn, GridRow, Integer, Text

from .common import GAP, NationalSection, compact_sentences, full_grid, of_this_format, previous, repeated_prose

ID = "nat.requests"

APPLICANTS = (
    GridColumn("natural", "自然人"),
    GridColumn("commercial", "商业企业"),
    GridColumn("research", "科研机构"),
    GridColumn("public_welfare", "社会公益组织"),
    GridColumn("legal_service", "法律服务机构"),
    GridColumn("other_org", "其他"),
)
COLUMNS = APPLICANTS + (GridColumn("total", "总计", sum_of=tuple(c.key for c in APPLICANTS)),)

#: Label cells as printed: (key, group, sub-group, label, cells spanned by the label).
#: ``group``/``sub`` name the row-spanning cells 三、本年度办理结果 and （三）…（六）.
LAYOUT = (
    ("new", "", "", "一、本年新收政府信息公开申请数量"),
    ("carried_in", "", "", "二、上年结转政府信息公开申请数量"),
    ("granted", "三、本年度办理结果", "", "（一）予以公开"),
    ("partial", "三、本年度办理结果", "", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("deny_secret", "三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"),
    ("deny_law", "三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("deny_safety", "三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("deny_third_party", "三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"),
    ("deny_internal", "三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"),
    ("deny_process", "三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"),
    ("deny_case_file", "三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"),
    ("deny_query", "三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"),
    ("unable_not_held", "三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable_need_create", "三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unable_unclear", "三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("reject_petition", "三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"),
    ("reject_repeat", "三、本年度办理结果", "（五）不予处理", "2.重复申请"),
    ("reject_publication", "三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"),
    ("reject_massive", "三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("reject_confirm", "三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "三、本年度办理结果", "（六）其他处理",
     "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "三、本年度办理结果", "（六）其他处理",
     "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "三、本年度办理结果", "（六）其他处理", "3.其他"),
    ("processed_total", "三、本年度办理结果", "", "（七）总计"),
    ("carried_out", "", "", "四、结转下年度继续办理"),
)

RESULT_ROWS = tuple(k for k, g, _, _ in LAYOUT if g and k != "processed_total")
GROUPS = {
    "denied": tuple(k for k in RESULT_ROWS if k.startswith("deny_")),
    "unable": tuple(k for k in RESULT_ROWS if k.startswith("unable_")),
    "rejected": tuple(k for k in RESULT_ROWS if k.startswith("reject_")),
    "other": tuple(k for k in RESULT_ROWS if k.startswith("other_")),
}


def _row_label(sub: str, label: str) -> str:
    return f"{sub}{label}" if sub else label


ROWS = tuple(
    GridRow(k, _row_label(sub, label), sum_of=RESULT_ROWS if k == "processed_total" else (), indent=1 if g else 0,
            groups=tuple(x for x in (g, sub) if x))
    for k, g, sub, label in LAYOUT
)

TABLE = Grid(
    key="table",
    label="收到和处理政府信息公开申请情况",
    unit="件",
    help="没有就填0，不能空着；（七）总计和总计列自动计算",
    rows=ROWS,
    columns=COLUMNS,
    cell=Integer(key="cell", label="件数", unit="件"),
)

LABEL = {r.key: r.label for r in ROWS}
COLUMN_LABEL = {c.key: c.label for c in COLUMNS}


def _cell_name(row, col):
    """A cell named as the operator sees it: ``（三）8.属于行政查询事项（自然人）``."""
    label = LABEL[row]
    return f"{label}（{COLUMN_LABEL[col]}）"


def table(report):
    """The full table 三 (computed cells included), once per report view: do not modify it."""
    return full_grid(report, ID, TABLE)


class Requests(NationalSection):
    id = ID
    number = 3
    heading = "收到和处理政府信息公开申请情况"
    template = "requests.j2"
    fields = (
        Text(key="lead", label="导语", required=False, help="表前的说明（可不填）"),
        TABLE,
        Text(key="note", label="补充说明", required=False, help="表后的说明（可不填）"),
    )

    def validate(self, report):
        v = report.values(self.id)
        t = table(report)
        out = []
        bad = rules.unreadable_cells(TABLE, report.section(self.id).get("table"))
        for c in COLUMNS:
            new, cin, done, cout = (t[k][c.key] for k in ("new", "carried_in", "processed_total", "carried_out"))
            # N3-1 (the 总计 column: the cells of every column add up in it)
            involved = ("new", "carried_in", "carried_out") + RESULT_ROWS
            pending = [_cell_name(r, col) for r in involved for col in ((c.key,) if not c.sum_of else c.sum_of)
                       if (r, col) in bad]
            if c.sum_of and pending:
                pending = []  # said in the applicants' columns already
            issue = rules.balance(self.id, f"table.carried_out.{c.key}", f"「{c.label}」列",
                                  [("一、本年新收", new), ("二、上年结转", cin)],
                                  [("三、（七）总计", done), ("四、结转下年度继续办理", cout)], "件", "N3-1", pending)
            if issue is not None:
                out.append(issue)
            if None in (new, cin, done, cout):
                continue
            if cout > new + cin:
                out.append(error(self.id, f"table.carried_out.{c.key}",
                                 f"「{c.label}」列：结转下年度继续办理{cout}件，多于本年新收与上年结转之和{new + cin}件", "N3-5"))
        for key in ("lead", "note"):
            out += prose_issues(report, self.id, key, v[key])
            out += rules.year_words(self.id, key, v[key], report.year)
        return out + self.cross_year(report, t) + repeated_prose(self, report)

    def cross_year(self, report, t):
        """N3-6: 二、上年结转 = last year's 四、结转下年度继续办理, per applicant column (the 总计
        column follows); V-XYEAR 同比突变 on 新收, 办结 and 结转 totals."""
        prev = previous(report)
        if prev is None:
            return []
        last = table(prev)
        when = f"{prev.year}年" if prev.year else "上年"
        out = []
        for c in APPLICANTS:
            now, before = t["carried_in"][c.key], last["carried_out"][c.key]
            if now is not None and before is not None and now != before:
                out.append(error(self.id, f"table.carried_in.{c.key}",
                                 f"「{c.label}」列：二、上年结转{now}件，与{when}报告的四、结转下年度继续办理{before}件不符", "N3-6"))
        for key in ("new", "processed_total", "carried_out"):
            out += rules.year_on_year(self.id, f"table.{key}.total", f"{LABEL[key]}（总计）",
                                      t[key]["total"], last[key]["total"], "件", prev.year)
        return out

    def carry_forward(self, previous_report):
        """上年结转 = last year's 结转下年度继续办理, per applicant column."""
        if not of_this_format(previous_report):
            return {}
        last = table(previous_report)["carried_out"]
        row = {c.key: last[c.key] for c in APPLICANTS if last[c.key] is not None}
        return {"table": {"carried_in": row}} if row else {}

    def context(self, report):
        t = TABLE.full(report.values(self.id)["table"])
        return {"rows": layout_rows(t), "columns": [c.key for c in COLUMNS]}


def layout_rows(t):
    """The 25 body rows as label cells (text, colspan, rowspan) plus the 7 values, with the
    spans of the official table: 三、本年度办理结果 spans 22 rows, （三）8, （四）3, （五）5,
    （六）3; rows 一/二/四 span the 3 label columns, （一）（二）（七） span 2."""
    out = []
    seen_group, seen_sub = set(), set()
    for key, group, sub, label in LAYOUT:
        cells = []
        if not group:
            cells.append({"text": label, "c": 3, "r": 1})
        else:
            if group not in seen_group:
                seen_group.add(group)
                cells.append({"text": group, "c": 1, "r": sum(1 for x in LAYOUT if x[1] == group)})
            if sub:
                if sub not in seen_sub:
                    seen_sub.add(sub)
                    cells.append({"text": sub, "c": 1, "r": sum(1 for x in LAYOUT if x[2] == sub)})
                cells.append({"text": label, "c": 1, "r": 1})
            else:
                cells.append({"text": label, "c": 2, "r": 1})
        out.append({"key": key, "labels": cells, "values": [t[key][c.key] for c in COLUMNS]})
    return out


# -- N3-8: figures quoted in prose --------------------------------------------------------
_KW = r"(?:新收|收到|受理|接收到|接收|接到)"
# (what, words one of which each match contains — a cheap test before the pattern — pattern)
_SHORT = GAP.replace("{0,12}", "{0,4}")
# A result word right before 办结/答复 makes it that result's count (“同意公开答复9件”,
# “转下一年度办理答复的有1件”), not the number handled.
_QUALIFIED = re.compile(r"(?:公开|不予|无法提供|处理|撤回|下一?年度?[^\d，,。；;]{0,4})$")
_PATTERNS = (
    # or a long way, across 、, when 申请 stands right before the figure (“受理公民、法人和其他
    # 组织向市政府…提出的政府信息公开申请5件”)
    ("received", ("新收", "收到", "受理", "接收", "接到"), re.compile(_KW + r"(" + GAP + r"|[^\d，,。；;（）()\n]{0,40}?申请)(\d+)件")),
    ("carried_in", ("结转",), re.compile(r"上一?年度?结转(" + GAP + r")(\d+)件")),
    ("processed", ("办结", "答复"), re.compile(r"(?:办结|答复)(" + GAP + r")(\d+)件")),
    ("carried_out", ("结转", "转"), re.compile(r"(?:结转|转入|转至|转到|转)(?:到|至)?下一?年度?(" + GAP + r")(\d+)件")),
    ("granted_partial", ("予以公开",), re.compile(r"(?:予以|同意)公开(?:及|和|与|、|或)部分公开(" + _SHORT + r")(\d+)件")),
    ("granted", ("予以公开", "同意公开"), re.compile(r"(?:予以|同意)公开(?!(?:及|和|与|、|或)部分)(" + _SHORT + r")(\d+)件")),
    ("partial", ("部分公开",), re.compile(r"(?<![及和与、或])部分公开(" + _SHORT + r")(\d+)件")),
    ("denied", ("不予公开",), re.compile(r"不予公开(" + GAP.replace("{0,12}", "{0,4}") + r")(\d+)件")),
    ("unable", ("无法提供",), re.compile(r"无法提供(" + GAP.replace("{0,12}", "{0,4}") + r")(\d+)件")),
    ("rejected", ("不予处理",), re.compile(r"不予处理(" + GAP.replace("{0,12}", "{0,4}") + r")(\d+)件")),
)
# “另有72件申请按照《条例》顺延到下年度答复”
_CARRIED_OUT_BEFORE = re.compile(r"(\d+)件[^\d，,。；;]{0,10}?(?:结转|顺延)(?:到|至|入)?下一?年度?")


# Every pattern's words, found where they overlap too (“办结转…” has 办结 and 结转).
_WORDS = re.compile("(?=(" + "|".join({w for _, words, _ in _PATTERNS for w in words} | {"顺延"}) + "))")
# Statements without a figure that table 三 can contradict: none received, all handled.
_NONE_RECEIVED = re.compile(r"(?:未|没有|无)(?:收到|受理|新收|接收到|接收|接到)([^，,。；;\d]{0,10}?)申请")
# …unless the words before 申请 name another kind of application (“未收到行政许可申请”).
_OTHER_APPLICATION = re.compile(r"许可|复议|诉讼|审批|项目|资金|补贴|留言|咨询|信访|投诉|举报")
_ALL_HANDLED = re.compile(r"(?:所有|全部)[^，,。；;\d]{0,8}?申请[^，,。；;\d]{0,8}?(?:办理完成|办理完毕|办结|答复完毕|处理完毕)"
                          r"|申请[^，,。；;\d]{0,6}?(?:均已|已全部|全部)(?:办理完成|办理完毕|办结|答复完毕|处理完毕)")
_IN_TIME = re.compile(r"期限|时限|按时|及时|规定时间")


# Only figures about 政府信息公开申请 are compared with table 三. A figure is about them when
# its sentence, up to the figure, speaks of 申请 (政府信息公开申请, 依申请公开), and the
# clause of the figure names nothing else that is received and handled: 网上留言, 12345热线
# 诉求, 咨询, 信访, 投诉举报, 建议提案, 依申请办理的其他事项 are not applications.
_APPLICATIONS = re.compile(r"申请")
_NOT_APPLICATIONS = re.compile(r"留言|热线|诉求|咨询|信访|来信|来访|投诉|举报|建议|提案|意见|工单|来电|其他事项|\d{5}")
_CLAUSE_START = re.compile(r"[，,、：:]")


def _about_applications(sentence, start, end, topic):
    """Whether the figure matched at ``sentence[start:end]`` is about 政府信息公开申请:
    the sentence up to it speaks of 申请, or an earlier sentence did (``topic``), and its
    clause names nothing else."""
    if not (topic or _APPLICATIONS.search(sentence, 0, end)):
        return False
    clause_start = max((m.end() for m in _CLAUSE_START.finditer(sentence, 0, start)), default=0)
    return not _NOT_APPLICATIONS.search(sentence[clause_start:end])


def quoted_figures(text):
    """``[(what, number)]`` for every figure about 政府信息公开申请 quoted in ``text``. The
    topic carries over from sentence to sentence (“收到申请30件。已全部办结。”) until a
    sentence speaks of something else (网上留言…) without 申请."""
    out = []
    topic = False
    for sentence in compact_sentences(text):
        about = bool(_APPLICATIONS.search(sentence))
        if "件" in sentence:  # every pattern ends in “N件”
            present = set(_WORDS.findall(sentence))  # one scan says which patterns can match
            for what, words, pattern in _PATTERNS:
                if present.isdisjoint(words):
                    continue
                for m in pattern.finditer(sentence):
                    if what in ("received", "processed") and "结转" in m.group(1):
                        continue  # “受理上年结转申请34件” is about carried_in
                    if what == "processed" and _QUALIFIED.search(sentence, max(0, m.start() - 8), m.start()):
                        continue
                    if what == "carried_out" and sentence[max(0, m.start() - 1):m.start()] == "上":
                        continue  # “上年结转” read from its second character
                    if _about_applications(sentence, m.start(), m.end(), topic):
                        out.append((m.start(), what, int(m.group(2))))
            if "结转" in present or "顺延" in present:
                out += [(m.start(), "carried_out", int(m.group(1))) for m in _CARRIED_OUT_BEFORE.finditer(sentence)
                        if _about_applications(sentence, m.start(), m.end(), topic)]
        topic = about or (topic and not _NOT_APPLICATIONS.search(sentence))
    return [(w, n) for _, w, n in out]


_WHAT = {"received": "收到（受理）申请", "carried_in": "上年结转", "processed": "办结（答复）",
         "carried_out": "结转下年度", "granted": "予以公开", "partial": "部分公开", "denied": "不予公开",
         "unable": "无法提供", "rejected": "不予处理", "granted_partial": "予以公开及部分公开"}


def statements(report, section_id, field, text):
    """N3-8 without a figure: “未收到政府信息公开申请” while table 三 has new applications,
    “所有申请均已办结” while some are carried into next year."""
    if not text or "申请" not in text:
        return []
    tot = {k: v["total"] for k, v in table(report).items()}
    out = []
    for sentence in compact_sentences(text):
        m = next((m for m in _NONE_RECEIVED.finditer(sentence) if not _OTHER_APPLICATION.search(m.group(1))), None)
        if m and tot["new"]:
            out.append(error(section_id, field, f"正文写“{m.group(0)}”，但第三部分表中本年新收申请{tot['new']}件", "N3-8"))
        m = _ALL_HANDLED.search(sentence)
        if m and tot["carried_out"] and not _IN_TIME.search(m.group(0)):
            out.append(error(section_id, field, f"正文写“{m.group(0)}”，但第三部分表中有{tot['carried_out']}件"
                                                "结转下年度继续办理", "N3-8"))
    return out


def prose_issues(report, section_id, field, text):
    """N3-8: figures about applications quoted in ``text`` equal table 三's 总计 column, and
    its statements (none received, all handled) agree with it."""
    if not text:
        return []
    out = statements(report, section_id, field, text)
    if "件" not in text:
        return out
    quoted = quoted_figures(text)
    if not quoted:
        return out
    tot = {k: v["total"] for k, v in table(report).items()}
    expected = {
        "received": {tot["new"]} | ({tot["new"] + tot["carried_in"]} if tot["new"] is not None and tot["carried_in"] is not None else set()),
        "carried_in": {tot["carried_in"]},
        "processed": {tot["processed_total"]},
        "carried_out": {tot["carried_out"]},
        "granted": {tot["granted"]},
        "partial": {tot["partial"]},
        "granted_partial": {tot["granted"] + tot["partial"] if None not in (tot["granted"], tot["partial"]) else None},
    }
    for name, keys in (("denied", GROUPS["denied"]), ("unable", GROUPS["unable"]), ("rejected", GROUPS["rejected"])):
        parts = [tot[k] for k in keys]
        expected[name] = {sum(parts) if None not in parts else None}
    for what, n in quoted:
        want = expected[what]
        if None in want:
            continue
        if n not in want:
            shown = "或".join(f"{w}件" for w in sorted(want))
            hint = "（本年新收，或本年新收加上年结转）" if what == "received" else ""
            out.append(error(section_id, field, f"正文写{_WHAT[what]}{n}件，与第三部分表中{shown}{hint}不符", "N3-8"))
    return out
