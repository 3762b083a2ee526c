"""The national format of 国办公开办函〔2021〕30号 (sections.national2021), on the real 淮安市人民政府
2024 report (examples/huaian-2024.toml, entered from tests/fixtures/national/…txt)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.exporters import to_text
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.report import Report
from plugins.engine.store import load_report
from sections.national2021.requests import LAYOUT

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "huaian-2024.toml"
SOURCE = ROOT / "tests" / "fixtures" / "national" / "huaian_city_2024_national.txt"
ARITHMETIC = {"N2-1", "N2-3", "N2-5", "N3-1", "N3-5", "N3-8", "N4-3", "N4-4", "V-NUMFMT", "PLUGIN"}
APPLICANTS = ("natural", "commercial", "research", "public_welfare", "legal_service", "other_org")


@pytest.fixture(scope="module")
def host():
    return PluginHost(Config(), entry_points=False)


def example() -> Report:
    return load_report(EXAMPLE)


def edited(changes: dict) -> Report:
    """The example with values replaced: ``{"nat.requests.table.new.natural": 1}``."""
    r = example()
    data = copy.deepcopy(r.data)
    for path, value in changes.items():
        *parts, last = path.split(".")
        node = data
        for p in parts:
            node = node.setdefault(p, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return Report(data, r.path)


def issues(host, report, rule=None):
    """Findings of the sections (the metadata the source lacks is left out)."""
    return [i for i in check_report(host, report).issues
            if (rule is None or i.rule == rule) and (rule is None or i.section != "report")]


def source_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").split("\n")


# -- registration ---------------------------------------------------------------------------
def test_format_is_registered_and_default_from_2021(host):
    fmt = host.formats["national-2021"]
    assert (fmt.first_year, fmt.last_year) == (2021, None)
    assert host.default_format(2021).id == host.default_format(2030).id == "national-2021"
    assert host.default_format(2018).id == "fujian-2018"
    assert [s.heading for s in host.sections_for("national-2021")] == [
        "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
        "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项"]


def test_new_picks_the_national_format_for_recent_years(tmp_path, monkeypatch, capsys):
    from tui import cli
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NIANBAO_SAFE_MODE", "1")
    assert cli.main(["new", "a.toml", "--year", "2024"]) == 0
    assert load_report(tmp_path / "a.toml").meta["format"] == "national-2021"


# -- the example -------------------------------------------------------------------------------
def test_example_has_no_arithmetic_errors(host):
    found = issues(host, example())
    assert not [i for i in found if i.rule in ARITHMETIC], [i.message for i in found]
    # only what the source really lacks: 成文日期 (an error) and the website of the electronic
    # version (a warning: the 2021 template does not demand it)
    assert sorted(i.field for i in found if i.severity == "error") == ["signed"]
    assert sorted(i.rule for i in found if i.severity == "warning") == [
        "N3-7", "V-EXPECTED", "V-EXPECTED", "V-SEC1", "V-SEC5", "V-YEARWORDS"]


def test_example_computed_totals_match_the_source(host):
    """（七）总计 and the 总计 column are computed; the source printed them."""
    view = host.view(example())
    from sections.national2021.requests import TABLE
    full = TABLE.full(view.values("nat.requests")["table"])
    assert [full[k]["total"] for k in ("new", "carried_in", "processed_total", "carried_out")] == [3119, 34, 3050, 103]
    assert [full["processed_total"][c] for c in APPLICANTS] == [2932, 53, 0, 0, 61, 4]


# -- identities: failing and passing -------------------------------------------------------------
def test_n3_1_names_the_column(host):
    bad = issues(host, edited({"nat.requests.table.new.commercial": 54}), "N3-1")
    assert {i.field for i in bad} == {"table.carried_out.commercial", "table.carried_out.total"}
    msg = next(i.message for i in bad if i.field.endswith("commercial"))
    assert "「商业企业」列" in msg and "54" in msg and "53" in msg and "结转下年度继续办理" in msg
    assert not issues(host, example(), "N3-1")


def test_n3_5_carried_out_larger_than_available(host):
    r = edited({"nat.requests.table.carried_out.research": 5})
    assert [i.field for i in issues(host, r, "N3-5")] == ["table.carried_out.research"]
    assert "「科研机构」列" in issues(host, r, "N3-5")[0].message
    assert not issues(host, example(), "N3-5")


def test_n3_2_and_n3_3_hold_by_construction(host):
    """A changed result row moves （七）总计 and the 总计 column with it: only N3-1 can fail."""
    r = edited({"nat.requests.table.deny_secret.natural": 3})
    found = issues(host, r)
    # N3-8 too: the prose still says 答复3050件
    assert {i.rule for i in found if i.severity == "error"} - {"V-REQUIRED"} == {"N3-1", "N3-8"}
    assert "（七）总计2933件" in next(i.message for i in found if i.field == "table.carried_out.natural")


def test_n3_4_blank_and_negative_cells(host):
    blank = issues(host, edited({"nat.requests.table.reject_massive.legal_service": None}), "V-REQUIRED")
    assert [(i.field, i.message) for i in blank] == [("table.reject_massive.legal_service", "未填写（没有就填 0）")]
    neg = issues(host, edited({"nat.requests.table.granted.natural": -1}), "V-NUMFMT")
    assert [i.field for i in neg] == ["table.granted.natural"]
    slash = issues(host, edited({"nat.requests.table.granted.natural": "/"}), "V-NUMFMT")
    assert [i.field for i in slash] == ["table.granted.natural"]


def test_n4_1_total_is_computed(host):
    from sections.national2021.appeals import CASES
    full = CASES.full(host.view(example()).values("nat.appeals")["cases"])
    assert [full[g]["total"] for g in ("review", "suit_direct", "suit_after_review")] == [351, 26, 20]
    assert not any(c.sum_of == () and c.key == "total" for c in CASES.columns)


def test_n4_2_blank_cell(host):
    bad = issues(host, edited({"nat.appeals.cases.review.pending": None}), "V-REQUIRED")
    assert [i.field for i in bad] == ["cases.review.pending"]


def test_n2_1_in_force(host):
    bad = issues(host, edited({"nat.proactive.documents.rules.in_force": 0}), "N2-1")
    assert [i.field for i in bad] == ["documents.rules.in_force"] and "规章现行有效0件" in bad[0].message
    assert not issues(host, example(), "N2-1")


def test_n2_3_rules_only_above_county_level(host):
    county = edited({"report.admin_level": None})
    bad = issues(host, county, "N2-3")
    assert [i.field for i in bad] == ["documents.rules.issued"] and "县级" in bad[0].message
    assert not issues(host, example(), "N2-3")  # admin_level = "city"
    zero = edited({"report.admin_level": None, "nat.proactive.documents.rules": {"issued": 0, "abolished": 0, "in_force": 0},
                   "nat.overview.proactive": "2024年，新增公开政策性文件11件。"})
    assert not issues(host, zero, "N2-3")


def test_n2_4_fee_amount(host):
    assert [i.field for i in issues(host, edited({"nat.proactive.fees": -1}), "V-NUMFMT")] == ["fees"]
    dept = edited({"report.unit_level": "department", "nat.proactive.fees": 250000})
    assert [i.rule for i in issues(host, dept) if i.field == "fees"] == ["N2-4"]
    assert not [i for i in issues(host, example()) if i.field == "fees"]


def test_fee_is_a_decimal_in_wan_yuan(host):
    from decimal import Decimal
    v = host.view(edited({"nat.proactive.fees": "4068.208"})).values("nat.proactive")
    assert v["fees"] == Decimal("4068.208")


# -- prose ↔ tables --------------------------------------------------------------------------------
def with_requests_prose(text):
    return edited({"nat.overview.requests": text})


@pytest.mark.parametrize("text, ok", [
    ("2024年，全市共受理政府信息公开申请3119件。", True),          # new
    ("2024年，全市共受理政府信息公开申请3153件。", True),          # new + carried_in
    ("2024年，全市共受理政府信息公开申请3120件。", False),
    ("全年共收到申请3118件。", False),
    ("答复3050件（含上年度结转申请34件）。", True),
    ("全市收到政府信息公开申请，答复3051件。", False),
    ("含上年度结转申请35件。", False),
    ("另有103件顺延到下年度答复。", True),
    ("申请另有104件顺延到下年度答复。", False),
    ("政府信息公开申请结转下年度继续办理102件。", False),
    ("其中予以公开1362件，部分公开454件，不予公开178件，无法提供781件，不予处理88件。", True),
    ("全年收到申请3119件。其中予以公开1361件。", False),  # the topic carries over
    ("对申请，其中不予公开177件。", False),
    ("受理上年结转申请34件。", True),  # not a 受理 total
    # figures about other things received and handled are not applications (issue 12)
    ("全年收到网上留言120件，办结120件。", True),
    ("受理12345热线诉求3000件。", True),
    ("收到政府信息公开申请3119件，接受群众咨询260件。", True),
    ("全年受理信访件30件。", True),
    ("依申请办理的其他事项受理56件。", True),
    ("收到网上留言120件。答复3051件。", True),  # the topic is the messages
])
def test_n3_8(host, text, ok):
    bad = issues(host, with_requests_prose(text), "N3-8")
    assert (not bad) == ok, [i.message for i in bad]
    if not ok:
        assert bad[0].field == "requests" and "第三部分表中" in bad[0].message


@pytest.mark.parametrize("text, ok", [
    ("政府信息公开行政复议351件，其中结果维持72件，结果纠正64件，其他结果178件，尚未审结37件。", True),
    ("政府信息公开行政复议350件。", False),
    ("行政复议351件，其中结果维持71件。", False),
    ("政府信息公开行政诉讼46件，其中结果维持25件，结果纠正5件，其他结果9件，尚未审结7件。", True),
    ("政府信息公开行政诉讼46件，其中结果维持13件。", False),  # 13 is only 直接起诉
    ("复议后起诉20件，未经复议直接起诉26件。", True),
    ("复议后起诉21件。", False),
])
def test_n4_3(host, text, ok):
    bad = [i for i in issues(host, with_requests_prose(text), "N4-3") if i.severity == "error"]
    assert (not bad) == ok, [i.message for i in bad]


def test_n4_4(host):
    r = edited({"nat.appeals.note": "2024年，未发生政府信息公开行政复议、行政诉讼案件。"})
    bad = issues(host, r, "N4-4")
    assert {i.field for i in bad} == {"note"} and len(bad) == 2
    zero = {f"nat.appeals.cases.{g}": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0}
            for g in ("review", "suit_direct", "suit_after_review")}
    zero["nat.overview.requests"] = "2024年，全市共受理政府信息公开申请3119件。"
    assert not issues(host, edited({**zero, "nat.appeals.note": "2024年，未发生政府信息公开行政复议、行政诉讼案件。"}), "N4-4")


@pytest.mark.parametrize("text, ok", [
    ("全年新增公开市政府规章1件、市政府及市政府办政策性文件11件。", True),
    ("全年新增公开市政府规章2件。", False),
    ("本年制发行政规范性文件8件，废止行政规范性文件26件，现行有效行政规范性文件66件。", True),
    ("本年制发行政规范性文件9件。", False),
    ("废止行政规范性文件25件。", False),
])
def test_n2_5(host, text, ok):
    bad = issues(host, edited({"nat.overview.proactive": text}), "N2-5")
    assert (not bad) == ok, [i.message for i in bad]


# -- prose rules -------------------------------------------------------------------------------------
def test_v_sec1(host):
    r = edited({"nat.overview.platform": None})
    assert [i.field for i in issues(host, r, "V-SEC1")] == ["platform", "supervision"]
    good = edited({"nat.overview.supervision": "严格落实工作考核、社会评议和责任追究制度，全年组织检查4次。"})
    assert not issues(host, good, "V-SEC1")
    dept = edited({"report.unit_level": "department"})
    assert not issues(host, dept, "V-SEC1")


def test_v_sec5(host):
    blank = issues(host, edited({"nat.problems.problems": "无"}), "V-SEC5")
    assert any(i.severity == "error" and i.field == "problems" and "无" in i.message for i in blank)
    short = issues(host, edited({"nat.problems.problems": "人手不足。", "nat.problems.measures": "加强培训。"}), "V-SEC5")
    assert any(i.severity == "error" and "过于简略" in i.message for i in short)
    assert [i.field for i in issues(host, edited({"nat.problems.problems": None}), "V-REQUIRED")] == ["problems"]
    followed = edited({"nat.problems.last_year": "2023年报告所列问题均已整改。"})
    assert not issues(host, followed, "V-SEC5")


@pytest.mark.parametrize("fee, rule", [
    (None, "V-REQUIRED"),
    ("2024年，严格落实有关规定。", "V-SEC6-FEE"),
    ("2024年，严格落实《政府信息公开信息处理费管理办法》。", "V-SEC6-FEE"),
    ("2024年，未收取信息处理费。", None),
    ("全年收取政府信息公开信息处理费3940元。", None),
])
def test_v_sec6_fee(host, fee, rule):
    found = [i for i in issues(host, edited({"nat.other.fee": fee})) if i.section == "nat.other" and i.severity == "error"]
    assert [i.rule for i in found] == ([rule] if rule else [])


def test_n3_7_fee_notices(host):
    assert [i.rule for i in issues(host, example(), "N3-7")] == ["N3-7"]
    told = edited({"nat.other.fee": "发出收费通知6件，金额600元，实际收取信息处理费3940元。"})
    assert not issues(host, told, "N3-7")


# -- rendering -------------------------------------------------------------------------------------
def render(host, report=None):
    return Renderer(host).render(report or example())


def table_of(doc, section_id):
    part = next(p for p in doc.parts if p.section.id == section_id)
    tables = [b.table for b in doc.blocks if b.kind == "table"]
    order = [p.section.id for p in doc.parts]
    ids_with_tables = [s for s in order if s in ("nat.proactive", "nat.requests", "nat.appeals")]
    assert "::table" in part.markup
    return tables[ids_with_tables.index(section_id)]


def spans(row):
    return [(c.text, c.colspan, c.rowspan) for c in row]


def test_table_three_layout(host):
    t = table_of(render(host), "nat.requests")
    assert spans(t.head[0]) == [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 3, 3), ("申请人情况", 7, 1)]
    assert spans(t.head[1]) == [("自然人", 1, 2), ("法人或其他组织", 5, 1), ("总计", 1, 2)]
    assert [c.text for c in t.head[2]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert len(t.body) == 25
    grid = t.grid()
    assert len(grid) == 28 and all(len(r) == 10 for r in grid)
    assert spans(t.body[0])[0] == ("一、本年新收政府信息公开申请数量", 3, 1)
    assert spans(t.body[2])[:2] == [("三、本年度办理结果", 1, 22), ("（一）予以公开", 2, 1)]
    assert spans(t.body[4])[:2] == [("（三）不予公开", 1, 8), ("1.属于国家秘密", 1, 1)]
    assert spans(t.body[12])[0] == ("（四）无法提供", 1, 3)
    assert spans(t.body[15])[0] == ("（五）不予处理", 1, 5)
    assert spans(t.body[20])[0] == ("（六）其他处理", 1, 3)
    assert spans(t.body[23])[0] == ("（七）总计", 2, 1)
    assert spans(t.body[24])[0] == ("四、结转下年度继续办理", 3, 1)
    assert [c.text for c in t.body[23][1:]] == ["2932", "53", "0", "0", "61", "4", "3050"]
    assert "小计" not in str(t)


def test_table_four_layout(host):
    t = table_of(render(host), "nat.appeals")
    assert spans(t.head[0]) == [("行政复议", 5, 1), ("行政诉讼", 10, 1)]
    assert spans(t.head[1])[:5] == [(x, 1, 2) for x in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")]
    assert spans(t.head[1])[5:] == [("未经复议直接起诉", 5, 1), ("复议后起诉", 5, 1)]
    assert len(t.head[2]) == 10
    assert [c.text for c in t.body[0]] == "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20".split()
    assert all(len(r) == 15 for r in t.grid())


def test_table_two_layout(host):
    t = table_of(render(host), "nat.proactive")
    rows = t.head + t.body
    captions = [r[0].text for r in rows if len(r) == 1]
    assert captions == ["第二十条第（一）项", "第二十条第（五）项", "第二十条第（六）项", "第二十条第（八）项"]
    assert all(r[0].colspan == 4 for r in rows if len(r) == 1)
    assert spans(rows[-1]) == [("行政事业性收费", 1, 1), ("96171.6", 3, 1)]
    assert spans(rows[-2])[1] == ("本年收费金额（单位：万元）", 3, 1)
    assert [c.text for c in rows[2]] == ["规章", "1", "0", "11"]


def test_layout_matches_the_domain_row_order():
    assert len(LAYOUT) == 25 and LAYOUT[23][0] == "processed_total"


# -- golden: every figure of the source, in order -----------------------------------------------------
def _figures(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def test_text_export_holds_every_figure_of_the_source_in_order(host):
    lines = source_lines()[1:]  # the first line is the provenance note
    body = "\n".join(line for line in lines if not re.fullmatch(r"- \d+ -", line))  # page markers
    expected = _figures(body)
    out = _figures(to_text(render(host)))
    it = iter(out)
    missing = [f for f in expected if f not in it]
    assert not missing, missing[:10]
    assert len(expected) > 250


def test_text_export_rows_of_table_three_equal_the_source(host):
    """Each data row of the source's table 三 ends with seven figures; the export prints the
    same seven, row after row."""
    src = source_lines()
    start = next(i for i, line in enumerate(src) if line.startswith("一、本年新收"))
    end = next(i for i, line in enumerate(src) if line.startswith("四、结转下年度")) + 1
    rows = [line.split()[-7:] for line in src[start:end] if re.search(r"(\d+ ){6}\d+$", line)]
    assert len(rows) == 25
    t = table_of(render(host), "nat.requests")
    assert [[c.text for c in r[-7:]] for r in t.body] == rows


def test_title_opening_and_closing(host):
    doc = render(host)
    assert doc.title == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert [b.text for b in doc.blocks if b.kind == "title"] == ["淮安市人民政府\n2024年政府信息公开工作年度报告"]
    text = to_text(doc)
    assert "国办公开办函〔2021〕30号" in text
    assert "本报告所列数据统计期限自2024年1月1日起至2024年12月31日止" in text
    assert "地址：淮安市翔宇南道1号，邮编：223001，电话：0517-83605210，电子邮箱：hazwgkc@163.com" in text
    assert [b.text for b in doc.blocks if b.kind == "signature"] == ["淮安市人民政府"]
    dated = render(host, edited({"report.signed": "2025-01-20"}))
    assert [b.text for b in dated.blocks if b.kind == "date"] == ["2025年1月20日"]
    headings = [b.text for b in doc.blocks if b.kind == "heading" and b.level == 1]
    assert headings == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    leads = [b.lead for b in doc.blocks if b.lead]
    assert leads == ["（一）主动公开情况。", "（二）依申请公开情况。", "（三）政府信息管理情况。",
                     "（四）政府信息公开平台建设情况。", "（五）政府信息公开监督保障情况。"]


def test_section_six_sub_headings(host):
    doc = render(host, edited({"nat.other.tasks": "全面落实年度政务公开工作要点。", "nat.other.other": "无。"}))
    leads = [b.lead for b in doc.blocks if b.lead]
    assert "（一）收取信息处理费情况。" in leads and "（二）落实上级年度政务公开工作要点情况。" in leads


def test_empty_national_report_renders_and_checks(host):
    r = Report({"report": {"year": 2023, "unit": "某县人民政府", "unit_level": "government"}})
    result = check_report(host, r)
    assert not [i for i in result.issues if i.rule == "PLUGIN"]
    doc = render(host, r)
    assert not [p.error for p in doc.parts if p.error]
    assert to_text(doc).endswith("\n")


def test_markdown_keeps_the_spans_of_the_official_tables(host, tmp_path):
    """Markdown pipe tables cannot span cells: tables with spans are written as HTML tables,
    with every cell escaped, so 三 keeps its 3 label columns and 7 data columns."""
    from html.parser import HTMLParser

    from plugins.exporters import to_markdown
    from plugins.engine.render import Renderer
    from plugins.engine.store import load_report

    report = load_report(Path(__file__).resolve().parent.parent / "examples" / "huaian-2024.toml")
    md = to_markdown(Renderer(host).render(report))
    tables = re.findall(r"^<table>.*?^</table>$", md, re.S | re.M)
    assert len(tables) >= 2

    class Spans(HTMLParser):
        def __init__(self):
            super().__init__()
            self.spans = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag in ("td", "th") and ("rowspan" in a or "colspan" in a):
                self.spans.append((a.get("colspan"), a.get("rowspan")))

    parser = Spans()
    parser.feed(next(t for t in tables if "申请人情况" in t))
    assert ("3", "3") in parser.spans  # the corner cell of 三
    assert (None, "22") in parser.spans  # 三、本年度办理结果 spans the 22 result rows
