"""The built-in old Fujian format (fujian-2018), section by section: the fields each part
declares, every rule firing and not firing, the metadata rules, and what each template renders.

Every rule test starts from ``clean_report()``, a small complete report with no findings at
all (asserted below), and changes one thing, so a finding can only come from that change.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.document import parse_markup
from plugins.fields import Computed, Records
from plugins.engine.render import Renderer
from plugins.engine.report import Report

SECTIONS = ("fj.overview", "fj.proactive", "fj.requests", "fj.appeals", "fj.problems", "fj.other")

LONG_PROBLEMS = ("一是工作基础需进一步夯实，从事政务公开工作的人员均为兼职，且工作人员经常变动，容易造成工作脱节；"
                 "二是工作开展还不平衡，部分单位对政策解读的要求理解不透彻，推进政务公开工作相对滞后。")
LONG_MEASURES = ("一是编制重点领域政务公开清单，对公开内容进行动态扩展和定期审查；二是开展政务公开工作培训，"
                 "明确岗位职责，提高履职能力；三是将政务公开纳入绩效考核，每半年通报一次。")


def clean_report() -> dict:
    """A complete 2018 report without a single finding."""
    return {
        "report": {
            "unit": "某县人民政府办公室",
            "unit_level": "government",
            "year": 2018,
            "format": "fujian-2018",
            "doc_number": "某政办〔2019〕5号",
            "addressee": "某市人民政府办公室",
            "website_name": "某县政府网",
            "website_url": "http://www.example.gov.cn/",
            "contact_office": "某县政府办公室信息股",
            "phone": "0599-1234567",
            "address": "某县某路1号",
            "email": "xxgk@example.cn",
            "signed": dt.date(2019, 1, 8),
            "published": dt.date(2019, 1, 10),
            "note": "（此件主动公开）",
        },
        "fj": {
            "overview": {
                "intro": "2018年，深入贯彻《条例》，不断推进政府信息公开。",
                "items": [
                    {"title": "加强组织领导", "body": "指定一位领导分管政务公开工作。"},
                    {"title": "明确工作责任", "body": "下发任务分解表，明确各单位工作责任。"},
                ],
            },
            "proactive": {
                "counts": {
                    "total": {"year": 100, "cumulative": 1000},
                    "website": {"year": 90, "cumulative": 900},
                    "gazette": {"year": 0, "cumulative": 0},
                },
                "scope": "全县12个单位",
                "categories": [{"name": "政策文件类信息", "count": 60}, {"name": "规划计划类信息", "count": 40}],
                "channels_intro": "通过政府网站、政务微信等渠道公开信息。",
                "website_title": "县政府网站",
                "channels": [{"title": "政务微信", "body": "在政务微信发布信息30条。"}],
                "interpretation": "2018年共解读政策5份。",
                "responses": "2018年回应社会关切3次。",
            },
            "requests": {
                "received": {
                    "in_person": {"year": 1, "cumulative": 10},
                    "online": {"year": 2, "cumulative": 20},
                    "letter_fax": {"year": 0, "cumulative": 3},
                },
                "answers": {
                    "granted": {"year": 2, "cumulative": 25},
                    "partial": {"year": 1, "cumulative": 3},
                    "denied": {"year": 0, "cumulative": 2},
                    "other": {"year": 0, "cumulative": 3},
                },
            },
            "appeals": {
                "cases": {
                    "complaints": {"year": 0, "cumulative": 0},
                    "reviews": {"year": 0, "cumulative": 0},
                    "suits": {"year": 0, "cumulative": 0},
                },
            },
            "problems": {"problems": LONG_PROBLEMS, "measures": LONG_MEASURES},
            "other": {"matters": "无。"},
        },
    }


def findings(host, data) -> list[tuple[str, str, str, str | None]]:
    """(severity, rule, section, field) of every finding."""
    result = check_report(host, Report(data))
    return [(i.severity, i.rule, i.section, i.field) for i in result.issues]


def issues(host, data, rule):
    return [i for i in check_report(host, Report(data)).issues if i.rule == rule]


def section_blocks(host, data, section_id):
    view = host.view(Report(data))
    return parse_markup(Renderer(host).section_markup(host.section(section_id), view))


def texts(blocks) -> list[str]:
    """Each block as printed: a run-in heading joined to its paragraph."""
    return [b.lead + b.text for b in blocks]


def headings(blocks) -> list[tuple[int, str]]:
    return [(b.level, b.text) for b in blocks if b.kind == "heading"] + \
           [(b.level, b.lead) for b in blocks if b.kind == "paragraph" and b.lead]


# -- the format and its sections --------------------------------------------------------------
def test_the_clean_report_has_no_findings(host):
    assert findings(host, clean_report()) == []


def test_six_sections_in_order_with_the_seed_headings(host):
    parts = host.sections_for("fujian-2018")
    assert [s.id for s in parts] == list(SECTIONS)
    assert [s.heading for s in parts] == [
        "概述",
        "主动公开政府信息情况",
        "政府信息依申请公开办理情况",
        "因政府信息公开申请行政复议、提起行政诉讼情况",
        "政府信息公开工作存在的主要问题及改进措施",
        "需要说明的其他事项与附表",
    ]
    fmt = host.formats["fujian-2018"]
    assert fmt.covers(2008) and fmt.covers(2018) and not fmt.covers(2019)


def _kinds(section):
    return {f.key: f.kind for f in section.fields}


@pytest.mark.parametrize("section_id, kinds", [
    ("fj.overview", {"intro": "text", "items": "records"}),
    ("fj.proactive", {"counts": "grid", "scope": "line", "categories": "records", "category_sum": "computed",
                      "percent_places": "integer", "channels_intro": "text", "website_title": "line",
                      "website_note": "text", "channels": "records", "interpretation": "text", "responses": "text"}),
    ("fj.requests", {"received": "grid", "answers": "grid", "note": "text"}),
    ("fj.appeals", {"cases": "grid", "details": "text"}),
    ("fj.problems", {"problems": "text", "measures": "text"}),
    ("fj.other", {"matters": "text", "attachment": "computed"}),
])
def test_fields_keys_and_kinds(host, section_id, kinds):
    assert _kinds(host.section(section_id)) == kinds


def test_grids_store_only_independent_cells(host):
    counts = host.section("fj.proactive").field("counts")
    received = host.section("fj.requests").field("received")
    answers = host.section("fj.requests").field("answers")
    cases = host.section("fj.appeals").field("cases")
    # 主动公开总数 is typed: categories are not exhaustive and channels overlap.
    assert all(not r.sum_of for r in counts.rows)
    assert received.rows[0].sum_of == ("in_person", "online", "letter_fax")
    assert answers.rows[0].sum_of == ("granted", "partial", "denied", "other")
    for grid in (counts, received, answers, cases):
        assert [c.key for c in grid.columns] == ["year", "cumulative"]
        assert grid.cell.kind == "integer"
    stored = received.dump({"in_person": {"year": 1, "cumulative": 2}, "online": {"year": 3, "cumulative": 4},
                                  "letter_fax": {"year": 0, "cumulative": 0}})
    assert "total" not in stored


def test_records_columns(host):
    items = host.section("fj.overview").field("items")
    cats = host.section("fj.proactive").field("categories")
    channels = host.section("fj.proactive").field("channels")
    assert isinstance(items, Records) and [(c.key, c.kind) for c in items.columns] == [("title", "line"), ("body", "text")]
    assert [(c.key, c.kind) for c in cats.columns] == [("name", "line"), ("count", "integer")]
    assert [(c.key, c.kind) for c in channels.columns] == [("title", "line"), ("body", "text")]
    assert isinstance(host.section("fj.other").field("attachment"), Computed)


def test_sections_use_only_the_public_contract():
    """No section module imports Textual or the interface: everything runs headless."""
    folder = Path(__file__).resolve().parent.parent / "sections"
    for path in [*folder.glob("fujian2018/*.py"), folder / "common.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for name in names:
                assert name.split(".")[0] not in ("tui", "textual"), f"{path.name} imports {name}"


# -- 二 主动公开: OR1, OR5, OR8, OR9, V-CHAN, V-YEARWORDS -----------------------------------------
@pytest.mark.parametrize("row, col", [("website", "year"), ("gazette", "cumulative")])
def test_or1_part_larger_than_total(host, row, col):
    data = clean_report()
    data["fj"]["proactive"]["counts"][row][col] = data["fj"]["proactive"]["counts"]["total"][col] + 1
    found = issues(host, data, "OR1")
    assert [(i.severity, i.field) for i in found] == [("error", f"counts.{row}.{col}")]


def test_or1_part_equal_to_total_is_fine(host):
    data = clean_report()
    data["fj"]["proactive"]["counts"]["gazette"] = dict(data["fj"]["proactive"]["counts"]["total"])
    assert issues(host, data, "OR1") == []


@pytest.mark.parametrize("path", [
    ("proactive", "counts", "website"),
    ("requests", "received", "online"),
    ("requests", "answers", "granted"),
    ("appeals", "cases", "reviews"),
])
def test_or5_cumulative_below_this_year(host, path):
    data = clean_report()
    section, grid, row = path
    cell = data["fj"][section][grid][row]
    cell["year"], cell["cumulative"] = 5, 4  # the computed totals stay above their year figures
    found = issues(host, data, "OR5")
    assert [(i.severity, i.section, i.field) for i in found] == [("error", f"fj.{section}", f"{grid}.{row}.cumulative")]
    assert "历年累计4" in found[0].message and "本年度5" in found[0].message


def test_or5_computed_total_row_is_checked(host):
    data = clean_report()
    # every channel row is fine on its own, but the computed total is 3 this year vs 2 in total
    data["fj"]["requests"]["received"] = {k: {"year": y, "cumulative": y} for k, y in
                                          (("in_person", 1), ("online", 2), ("letter_fax", 0))}
    data["fj"]["requests"]["received"]["in_person"]["cumulative"] = 0
    found = [i.field for i in issues(host, data, "OR5")]
    assert "received.total.cumulative" in found and "received.in_person.cumulative" in found


@pytest.mark.parametrize("key, text", [
    ("website_note", "另通过网站公开80条。"),
    ("channels_intro", "全年通过政府网站公开政府信息80条。"),
])
def test_or8_website_figure_in_text_differs_from_the_table(host, key, text):
    data = clean_report()
    data["fj"]["proactive"][key] = text
    found = issues(host, data, "OR8")
    assert [(i.severity, i.field) for i in found] == [("error", key)]
    assert "80条" in found[0].message and "90条" in found[0].message


def test_or8_website_figure_in_text_equal_to_the_table(host):
    data = clean_report()
    data["fj"]["proactive"]["website_note"] = "全年通过网站公开90条。"
    data["fj"]["proactive"]["channels"].append({"title": "部门网站", "body": "各部门网站公开90条。"})
    assert issues(host, data, "OR8") == []


def test_or8_channel_titled_website(host):
    data = clean_report()
    data["fj"]["proactive"]["channels"].append({"title": "部门网站", "body": "各部门网站公开70条。"})
    assert [i.field for i in issues(host, data, "OR8")] == ["channels[1].body"]


def test_or9_categories_do_not_add_up(host):
    data = clean_report()
    data["fj"]["proactive"]["categories"][1]["count"] = 30  # 60 + 30 = 90 of 100
    found = issues(host, data, "OR9")
    assert [(i.severity, i.field) for i in found] == [("error", "categories")]
    assert "90条" in found[0].message and "100条" in found[0].message and "少10条" in found[0].message
    assert "90.00%" in found[0].message


def test_or9_categories_more_than_total(host):
    data = clean_report()
    data["fj"]["proactive"]["categories"].append({"name": "其他", "count": 5})
    assert "多5条" in issues(host, data, "OR9")[0].message


def test_or9_silent_while_a_count_is_missing(host):
    data = clean_report()
    del data["fj"]["proactive"]["categories"][1]["count"]
    assert issues(host, data, "OR9") == []  # the empty cell is reported as V-REQUIRED instead
    assert ("error", "V-REQUIRED", "fj.proactive", "categories[1].count") in findings(host, data)


def test_or9_duplicate_category_and_precision(host):
    data = clean_report()
    data["fj"]["proactive"]["categories"] = [{"name": "甲类", "count": 50}, {"name": "甲类", "count": 50}]
    data["fj"]["proactive"]["percent_places"] = 5
    found = [(i.severity, i.field) for i in issues(host, data, "OR9")]
    assert found == [("error", "percent_places"), ("warning", "categories")]


def _all_via_website(data):
    data["fj"]["proactive"]["counts"]["website"] = dict(data["fj"]["proactive"]["counts"]["total"])


def test_v_chan_website_equals_total_with_other_channels(host):
    data = clean_report()
    _all_via_website(data)
    found = issues(host, data, "V-CHAN")
    assert [(i.severity, i.field) for i in found] == [("warning", "counts.website.year")]
    assert "其他1种" in found[0].message


def test_v_chan_counts_the_gazette_as_another_channel(host):
    data = clean_report()
    _all_via_website(data)
    data["fj"]["proactive"]["channels"] = []
    assert issues(host, data, "V-CHAN") == []
    data["fj"]["proactive"]["counts"]["gazette"] = {"year": 4, "cumulative": 40}
    assert len(issues(host, data, "V-CHAN")) == 1


def test_v_chan_silent_when_the_text_says_items_are_counted_once(host):
    data = clean_report()
    _all_via_website(data)
    data["fj"]["proactive"]["channels_intro"] = "不同渠道公开的相同信息只计1条。"
    assert issues(host, data, "V-CHAN") == []


def test_v_chan_silent_when_website_is_below_total(host):
    assert issues(host, clean_report(), "V-CHAN") == []


# -- 三 依申请: OR4 ------------------------------------------------------------------------------
def test_or4_more_answers_than_applications_is_an_error(host):
    data = clean_report()
    data["fj"]["requests"]["answers"]["other"]["year"] = 1  # 4 answers, 3 applications
    found = issues(host, data, "OR4")
    assert [i.severity for i in found] == ["error"]
    assert "答复4件" in found[0].message and "受理的3件" in found[0].message


def test_or4_pending_applications_need_a_note(host):
    data = clean_report()
    data["fj"]["requests"]["received"]["letter_fax"]["year"] = 1  # 4 applications, 3 answers
    data["fj"]["requests"]["received"]["letter_fax"]["cumulative"] = 4
    found = issues(host, data, "OR4")
    assert [(i.severity, i.field) for i in found] == [("warning", "note")]
    assert "有1件尚未答复" in found[0].message
    data["fj"]["requests"]["note"] = "1件申请于12月28日收到，已于2019年1月5日答复。"
    assert issues(host, data, "OR4") == []


def test_or4_cumulative_more_answers_is_an_error(host):
    data = clean_report()
    data["fj"]["requests"]["answers"]["granted"]["cumulative"] = 99
    assert [(i.severity, i.field) for i in issues(host, data, "OR4")] == [("error", "answers.granted.cumulative")]


# -- 四 复议诉讼: OR10 ----------------------------------------------------------------------------
def test_or10_text_says_none_but_the_table_has_cases(host):
    data = clean_report()
    data["fj"]["appeals"]["cases"]["reviews"] = {"year": 1, "cumulative": 1}
    data["fj"]["appeals"]["details"] = "全年未收到因政府信息公开引起的行政复议。"
    found = issues(host, data, "OR10")
    assert [(i.severity, i.field) for i in found] == [("error", "details")]
    assert "1件" in found[0].message


def test_or10_text_says_none_and_the_table_agrees(host):
    data = clean_report()
    data["fj"]["appeals"]["details"] = "全年未收到因政府信息公开引起的行政复议。"
    assert issues(host, data, "OR10") == []


def test_or10_cases_described(host):
    data = clean_report()
    data["fj"]["appeals"]["cases"]["suits"] = {"year": 1, "cumulative": 2}
    data["fj"]["appeals"]["details"] = "1件行政诉讼，法院判决维持。"
    assert issues(host, data, "OR10") == []


# -- 五 问题: V-SEC5 ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["无", "无。", "暂无", " 没有 "])
def test_v_sec5_problems_only_none_is_an_error(host, text):
    data = clean_report()
    data["fj"]["problems"]["problems"] = text
    found = issues(host, data, "V-SEC5")
    assert [(i.severity, i.field) for i in found] == [("error", "problems")]


def test_v_sec5_too_short_is_a_warning(host):
    data = clean_report()
    data["fj"]["problems"]["measures"] = "加强培训，完善机制。"
    found = issues(host, data, "V-SEC5")
    assert [(i.severity, i.field) for i in found] == [("warning", "measures")]
    assert "10个字" in found[0].message


def test_v_sec5_empty_is_v_required(host):
    data = clean_report()
    del data["fj"]["problems"]["problems"]
    assert issues(host, data, "V-SEC5") == []
    assert ("error", "V-REQUIRED", "fj.problems", "problems") in findings(host, data)


# -- V-YEARWORDS ------------------------------------------------------------------------------
@pytest.mark.parametrize("section, key, word", [
    ("overview", "intro", "今年来"),
    ("proactive", "interpretation", "今年以来"),
    ("proactive", "responses", "截至目前"),
    ("problems", "problems", "截止目前"),
    ("other", "matters", "去年"),
])
def test_v_yearwords(host, section, key, word):
    data = clean_report()
    data["fj"][section][key] = f"{word}，{data['fj'][section][key]}"
    found = issues(host, data, "V-YEARWORDS")
    assert [(i.severity, i.section, i.field) for i in found] == [("warning", f"fj.{section}", key)]
    assert f"“{word}”" in found[0].message and "2018年" in found[0].message


def test_v_yearwords_in_records(host):
    data = clean_report()
    data["fj"]["overview"]["items"][1]["body"] = "今年来，下发任务分解表。"
    data["fj"]["proactive"]["channels"][0]["body"] = "今年发布信息30条。"
    found = {(i.section, i.field) for i in issues(host, data, "V-YEARWORDS")}
    assert found == {("fj.overview", "items[1].body"), ("fj.proactive", "channels[0].body")}


def test_v_yearwords_absolute_years_are_fine(host):
    data = clean_report()
    data["fj"]["overview"]["intro"] = "截至2018年底，2018年全年共公开信息100条。"
    assert issues(host, data, "V-YEARWORDS") == []


# -- metadata: V-REQUIRED, V-META, V-DEADLINE, 文号 ------------------------------------------------
@pytest.mark.parametrize("key", ["unit", "signed"])
def test_required_metadata(host, key):
    data = clean_report()
    del data["report"][key]
    assert ("error", "V-REQUIRED", "report", key) in findings(host, data)


@pytest.mark.parametrize("key", ["website_name", "website_url", "contact_office", "phone", "address", "email"])
def test_front_matter_the_template_does_not_demand_is_a_warning(host, key):
    data = clean_report()
    del data["report"][key]
    found = findings(host, data)
    assert ("warning", "V-EXPECTED", "report", key) in found
    assert not [f for f in found if f[0] == "error"], found


def test_v_meta_signed_before_the_year_ends(host):
    data = clean_report()
    data["report"]["doc_number"] = "某政办〔2018〕5号"  # same year as the signing date
    data["report"]["signed"] = dt.date(2018, 12, 30)
    found = issues(host, data, "V-META")
    assert [(i.severity, i.field) for i in found] == [("error", "signed")]
    data["report"]["signed"] = dt.date(2018, 12, 31)
    assert issues(host, data, "V-META") == []


def test_v_meta_published_before_signed(host):
    data = clean_report()
    data["report"]["published"] = dt.date(2019, 1, 7)
    assert [(i.severity, i.field) for i in issues(host, data, "V-META")] == [("error", "published")]


def test_v_meta_doc_number_year_differs_from_signing_year(host):
    data = clean_report()
    data["report"]["doc_number"] = "某政办〔2018〕5号"
    found = issues(host, data, "V-META")
    assert [(i.severity, i.field) for i in found] == [("warning", "doc_number")]
    assert "2018" in found[0].message and "2019" in found[0].message


def test_doc_number_form(host):
    data = clean_report()
    data["report"]["doc_number"] = "某政办[2019]5号"
    assert ("error", "V-FIELD", "report", "doc_number") in findings(host, data)


@pytest.mark.parametrize("published, expected", [
    (dt.date(2019, 3, 26), []),
    (dt.date(2019, 3, 27), [("warning", "published")]),
    (dt.date(2019, 3, 31), [("warning", "published")]),
    (dt.date(2019, 4, 1), [("error", "published")]),
])
def test_v_deadline_old_rule_is_31_march(host, published, expected):
    data = clean_report()
    data["report"]["published"] = published
    assert [(i.severity, i.field) for i in issues(host, data, "V-DEADLINE")] == expected


def test_v_deadline_before_2019_applies_to_departments_too(host):
    """Under the 2007 《条例》 every unit published by 3月31日; the 1月31日 rule for
    departments applies from the 2019 reports on."""
    data = clean_report()
    data["report"]["unit_level"] = "department"
    data["report"]["published"] = dt.date(2019, 2, 15)
    assert issues(host, data, "V-DEADLINE") == []
    config = Config()
    assert config.deadline(2018, "department") == dt.date(2019, 3, 31)
    assert config.deadline(2019, "department") == dt.date(2020, 1, 31)
    assert config.deadline(2019, "government") == dt.date(2020, 3, 31)
    assert config.replace(deadlines={**config.deadlines, "township": "02-28"}).deadline(2024, "township") == dt.date(2025, 2, 28)


def test_v_deadline_silent_without_publication_date(host):
    data = clean_report()
    del data["report"]["published"]
    assert issues(host, data, "V-DEADLINE") == []


def test_year_outside_the_format(host):
    data = clean_report()
    data["report"]["year"] = 2019
    assert ("error", "V-TEMPLATE", "report", "format") in findings(host, data)


# -- rendering --------------------------------------------------------------------------------
def test_overview_points_are_level_two(host):
    """The seed printed "1. 加强组织领导" straight under 一、; we print （一）."""
    blocks = section_blocks(host, clean_report(), "fj.overview")
    assert texts(blocks) == [
        "2018年，深入贯彻《条例》，不断推进政府信息公开。",
        "（一）加强组织领导。指定一位领导分管政务公开工作。",
        "（二）明确工作责任。下发任务分解表，明确各单位工作责任。",
    ]
    assert headings(blocks) == [(2, "（一）加强组织领导。"), (2, "（二）明确工作责任。")]


def test_proactive_headings_and_generated_sentences(host):
    blocks = section_blocks(host, clean_report(), "fj.proactive")
    assert [h for h in headings(blocks) if h[0] == 2] == [
        (2, "（一）主动公开政府信息的数量"), (2, "（二）主动公开政府信息的主要类别"), (2, "（三）主动公开政府信息的形式"),
        (2, "（四）开展政策解读工作情况。"), (2, "（五）回应社会关切情况。"),
    ]
    lines = texts(blocks)
    assert "2018年，全县12个单位主动公开政府信息100条。截至2018年底，历年累计主动公开政府信息1000条。" in lines
    assert ("2018年，主动公开政府信息的主要类别有：政策文件类信息60条，占比60.00%；"
            "规划计划类信息40条，占比40.00%。") in lines
    assert "1. 县政府网站。2018年，全县12个单位通过县政府网站主动公开政府信息90条。" in lines
    assert "2. 政务微信。在政务微信发布信息30条。" in lines
    assert "（四）开展政策解读工作情况。2018年共解读政策5份。" in lines


def test_proactive_percentages_follow_the_figures(host):
    data = clean_report()
    data["fj"]["proactive"]["counts"]["total"]["year"] = 300
    data["fj"]["proactive"]["categories"] = [{"name": "甲类", "count": 100}, {"name": "乙类", "count": 200}]
    data["fj"]["proactive"]["percent_places"] = 1
    lines = texts(section_blocks(host, data, "fj.proactive"))
    assert "2018年，主动公开政府信息的主要类别有：甲类100条，占比33.3%；乙类200条，占比66.7%。" in lines


def test_proactive_gazette_becomes_channel_two(host):
    data = clean_report()
    data["fj"]["proactive"]["counts"]["gazette"] = {"year": 7, "cumulative": 70}
    lines = texts(section_blocks(host, data, "fj.proactive"))
    assert "2. 政府公报。2018年，通过政府公报主动公开政府信息7条。" in lines
    assert "3. 政务微信。在政务微信发布信息30条。" in lines


def test_proactive_default_website_title(host):
    data = clean_report()
    del data["fj"]["proactive"]["website_title"]
    assert any(t.startswith("1. 政府网站。") for t in texts(section_blocks(host, data, "fj.proactive")))


def test_requests_sentences(host):
    lines = texts(section_blocks(host, clean_report(), "fj.requests"))
    assert lines == [
        "（一）受理申请的数量。2018年，共受理政府信息公开申请3件（条），其中当面申请1件（条）、网上申请2件（条）。"
        "截至2018年底，历年累计受理政府信息公开申请33件（条），其中当面申请10件（条）、网上申请20件（条）、信函、传真申请3件（条）。",
        "（二）对申请的办理情况。2018年，对3件（条）申请均已答复，其中同意公开答复2件（条）、同意部分公开答复1件（条）。"
        "截至2018年底，历年累计答复33件（条），其中同意公开答复25件（条）、同意部分公开答复3件（条）、不予公开答复2件（条）、其他类型答复3件（条）。",
    ]


def test_requests_pending_and_none(host):
    data = clean_report()
    data["fj"]["requests"]["received"]["letter_fax"] = {"year": 2, "cumulative": 5}
    data["fj"]["requests"]["note"] = "2件申请在12月底收到，正在办理。"
    lines = texts(section_blocks(host, data, "fj.requests"))
    assert "另有2件（条）尚未答复。" in lines[1]
    assert lines[-1] == "2件申请在12月底收到，正在办理。"

    for grid in ("received", "answers"):
        for cell in data["fj"]["requests"][grid].values():
            cell["year"] = 0
    lines = texts(section_blocks(host, data, "fj.requests"))
    assert lines[0].startswith("（一）受理申请的数量。2018年，未收到政府信息公开申请。截至2018年底")
    assert lines[1].startswith("（二）对申请的办理情况。2018年没有需要答复的申请。")


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=500), min_size=3, max_size=3))
def test_requests_prose_and_attachment_cannot_disagree(host, counts):
    """The sentence and the 附表 both come from the grid: whatever is typed, they agree."""
    data = clean_report()
    for key, n in zip(("in_person", "online", "letter_fax"), counts):
        data["fj"]["requests"]["received"][key] = {"year": n, "cumulative": n + 10}
    total = sum(counts)
    lines = texts(section_blocks(host, data, "fj.requests"))
    if total:
        assert f"共受理政府信息公开申请{total}件（条）" in lines[0]
    assert f"历年累计受理政府信息公开申请{total + 30}件（条）" in lines[0]
    table = host.view(Report(data)).computed("fj.other", "attachment")
    row = next(r for r in table.body if r[0].text == "受理政府信息公开申请总数")
    assert [c.text for c in row[2:]] == [str(total), str(total + 30)]


def test_appeals_sentences(host):
    data = clean_report()
    # one paragraph, as in the seed
    assert texts(section_blocks(host, data, "fj.appeals")) == [
        "2018年，未收到有关政府信息公开的行政诉讼、行政复议、投诉举报等情况。"
        "截至2018年底，历年未发生因政府信息公开而引起的行政诉讼、行政复议、投诉举报等情况。",
    ]
    data["fj"]["appeals"]["cases"]["reviews"] = {"year": 1, "cumulative": 3}
    data["fj"]["appeals"]["details"] = "1件行政复议，复议机关维持原答复。"
    assert texts(section_blocks(host, data, "fj.appeals")) == [
        "2018年，因政府信息公开申请行政复议1件、提起行政诉讼0件，接受行政申诉、举报0件。"
        "截至2018年底，历年累计因政府信息公开申请行政复议3件、提起行政诉讼0件，接受行政申诉、举报0件。",
        "1件行政复议，复议机关维持原答复。",
    ]


def test_problems_headings_and_paragraphs(host):
    data = clean_report()
    data["fj"]["problems"]["measures"] = LONG_MEASURES + "\n四是加强监督检查。"
    blocks = section_blocks(host, data, "fj.problems")
    assert headings(blocks) == [(2, "（一）工作中存在的主要问题和困难"), (2, "（二）具体的解决办法和改进措施")]
    paragraphs = [b.text for b in blocks if b.kind == "paragraph"]
    assert paragraphs == [LONG_PROBLEMS, LONG_MEASURES, "四是加强监督检查。"]


def test_other_matters_and_attachment(host):
    blocks = section_blocks(host, clean_report(), "fj.other")
    assert blocks[0].lead == "（一）需要说明的其他事项：" and blocks[0].text == "无。"
    assert (blocks[1].kind, blocks[1].text, blocks[1].level) == ("heading", "（二）附表", 2)
    table = blocks[2].table
    assert [c.text for c in table.head[0]] == ["指标名称", "单位", "2018年度", "历年累计"]
    assert len(table.body) == 15
    rows = {r[0].text.strip("　"): [c.text for c in r[1:]] for r in table.body}
    # computed from 二, 三 and 四: totals are sums of the typed rows
    assert rows["主动公开文件数"] == ["条", "100", "1000"]
    assert rows["其中：1.政府网站公开数"] == ["条", "90", "900"]
    assert rows["受理政府信息公开申请总数"] == ["条", "3", "33"]
    assert rows["对申请的答复总数"] == ["条", "3", "33"]
    assert rows["4.其他类型答复数"] == ["条", "0", "3"]
    assert rows["行政诉讼数"] == ["件", "0", "0"]
    # units: 条 for publications and applications, 件 for complaints, reviews and suits
    assert [r[1].text for r in table.body] == ["条"] * 12 + ["件"] * 3


def test_attachment_follows_the_sections(host):
    data = clean_report()
    data["fj"]["appeals"]["cases"]["complaints"] = {"year": 2, "cumulative": 9}
    data["fj"]["requests"]["answers"]["denied"] = {"year": 0, "cumulative": 12}
    table = host.view(Report(data)).computed("fj.other", "attachment")
    rows = {r[0].text.strip("　"): [c.text for c in r[2:]] for r in table.body}
    assert rows["接受行政申诉、举报数"] == ["2", "9"]
    assert rows["3.不予公开答复数"] == ["0", "12"]
    assert rows["对申请的答复总数"] == ["3", "43"]


def test_attachment_empty_cells_stay_empty(host):
    data = clean_report()
    del data["fj"]["requests"]["received"]["online"]
    table = host.view(Report(data)).computed("fj.other", "attachment")
    rows = {r[0].text.strip("　"): [c.text for c in r[2:]] for r in table.body}
    assert rows["受理政府信息公开申请总数"] == ["", ""]  # a total of unknown parts is unknown, not 1


def test_whole_document(host):
    document = Renderer(host).render(Report(clean_report()))
    kinds = [b.kind for b in document.blocks]
    assert kinds[:3] == ["docno", "title", "addressee"]
    assert kinds[-4:] == ["signature", "date", "note", "imprint"]
    assert document.title == "某县人民政府办公室关于2018年政府信息公开工作年度报告"
    h1 = [b.text for b in document.blocks if b.kind == "heading" and b.level == 1]
    assert h1 == [f"{n}、{s.heading}" for n, s in zip("一二三四五六", host.sections_for("fujian-2018"))]
    intro = next(b.text for b in document.blocks if b.kind == "paragraph")
    assert "统计期限为2018年1月1日至2018年12月31日" in intro
    assert "等六部分组成" in intro
    assert "本报告电子版可在网站“某县政府网”（http://www.example.gov.cn/）查询。" in intro
    assert "（电话：0599-1234567，地址：某县某路1号，电子邮箱：xxgk@example.cn）" in intro
    assert [b.text for b in document.blocks[-4:]] == [
        "某县人民政府办公室", "2019年1月8日", "（此件主动公开）", "某县人民政府办公室 | 2019年1月8日印发"]
    assert not [p for p in document.parts if p.error]


def test_operator_text_cannot_inject_markup(host):
    data = clean_report()
    data["fj"]["proactive"]["channels"][0]["body"] = "::h1 七、伪造 | {c=2}x"
    lines = texts(section_blocks(host, data, "fj.proactive"))
    assert "2. 政务微信。::h1 七、伪造 | {c=2}x" in lines



def test_or8_ignores_the_counted_once_statement(host):
    """The sentence V-CHAN asks for quotes "1条" next to 政府网站; it is not a website figure."""
    from plugins.engine.checks import check_report
    from plugins.engine.report import Report

    report = Report({
        "report": {"year": 2018, "format": "fujian-2018"},
        "fj": {"proactive": {
            "counts": {"total": {"year": 10, "cumulative": 10}, "website": {"year": 10, "cumulative": 10},
                       "gazette": {"year": 0, "cumulative": 0}},
            "channels_intro": "通过政府网站、微信公众号公开，不同渠道公开的相同信息只计1条。",
        }},
    })
    rules = [i.rule for i in check_report(host, report).for_section("fj.proactive")]
    assert "OR8" not in rules
    assert "V-CHAN" not in rules
