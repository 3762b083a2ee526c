"""Tests of nianbao-newmedia, run against the real host with entry points on, exactly as
``nianbao`` loads the plugin once the package is installed::

    pip install -e examples/nianbao-newmedia
    cd examples/nianbao-newmedia && python -m pytest
"""

from __future__ import annotations

import datetime as dt

import pytest

import nianbao_newmedia
from nianbao.testing import check_part, render_part
from plugins.checks import check_report
from plugins.config import Config, load_config
from plugins.document import parse_markup
from plugins.exporters import to_text
from plugins.manager import PluginHost
from plugins.render import Renderer
from plugins.report import Report

SECTION = "jo.newmedia"


@pytest.fixture
def host() -> PluginHost:
    return PluginHost(Config(), entry_points=True)


def report_data(**newmedia) -> dict:
    """A report as its TOML file holds it: metadata, the 主动公开 figures this plugin reads,
    and this plugin's own table (``[jo.newmedia]``)."""
    section = {
        "intro": "2018年，建瓯市规范政务新媒体建设管理。",
        "accounts": [
            {"platform": "wechat", "name": "今日建瓯", "posts": 1000},
            {"platform": "weibo", "name": "平安建瓯", "operator": "建瓯市公安局", "posts": 250},
        ],
        "messages": 120,
        "replies": 118,
        "responses": 15,
    }
    section.update(newmedia)
    return {
        "report": {"unit": "建瓯市人民政府办公室", "year": 2018, "format": "fujian-2018", "signed": dt.date(2019, 1, 8)},
        "fj": {"proactive": {
            "counts": {"total": {"year": 2589, "cumulative": 46269}, "website": {"year": 2589, "cumulative": 46269}},
            "channels": [{"title": "“两微一端”平台", "body": "我市在“今日建瓯”等平台发布推送政务信息1250条（篇）。"}],
        }},
        "jo": {"newmedia": section},
    }


def findings(host: PluginHost, data: dict, section: str = SECTION) -> list[tuple]:
    result = check_report(host, Report(data))
    return [(i.severity, i.field, i.rule) for i in result.for_section(section)]


def markup(host: PluginHost, data: dict) -> str:
    report = Report(data)
    return Renderer(host).section_markup(host.section(SECTION), host.view(report), "七")


# -- loading -------------------------------------------------------------------------------

def test_found_through_its_entry_point(host):
    record = host.records["newmedia"]
    assert (record.state, record.source, record.version) == ("loaded", "package", nianbao_newmedia.__version__)
    assert record.sections == [SECTION]
    assert record.checks == ["fj.proactive:jo-website-first"]
    assert [s.id for s in host.sections_for("fujian-2018")][-1] == SECTION
    assert host.problems == []


def test_template_is_installed_with_the_package():
    section = nianbao_newmedia.NewMedia()
    assert (section.template_folder / section.template).is_file()


def test_config_toml_can_change_the_threshold(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[plugins.newmedia]\nmin_posts = 50\n", encoding="utf-8")
    host = PluginHost(load_config(path), entry_points=True)
    data = report_data(accounts=[{"platform": "wechat", "name": "今日建瓯", "posts": 30}])
    assert ("warning", "accounts[0].posts", "NM3") in findings(host, data)
    assert host.section(SECTION).min_posts == 50


def test_a_wrong_setting_disables_the_plugin_with_a_message(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[plugins.newmedia]\nmin_posts = "十二"\n', encoding="utf-8")
    host = PluginHost(load_config(path), entry_points=True)
    record = host.records["newmedia"]
    assert record.state == "failed"
    assert record.reason == ("nianbao_register_sections 出错：ValueError: "
                             "config.toml [plugins.newmedia] min_posts 应为非负整数，现在是 '十二'")
    assert SECTION not in host.sections and host.section("fj.overview") is not None


# -- checking ---------------------------------------------------------------------------------

def test_a_consistent_part_has_no_findings(host):
    data = report_data(replies=120)
    assert findings(host, data) == []


def test_more_replies_than_messages_is_an_error(host):
    assert findings(host, report_data(messages=10, replies=12)) == [("error", "replies", "NM1")]


def test_unanswered_messages_need_a_word(host):
    assert findings(host, report_data()) == [("warning", "replies", "NM2")]
    explained = report_data(intro="2018年，有2条留言涉及个人隐私，未回复。")
    assert findings(host, explained) == []


def test_slow_and_silent_accounts(host):
    data = report_data(accounts=[
        {"platform": "wechat", "name": "今日建瓯", "posts": 1245},
        {"platform": "video", "name": "建瓯发布", "posts": 5},
        {"platform": "toutiao", "name": "建瓯头条", "posts": 0},
    ], replies=120)
    result = check_report(host, Report(data)).for_section(SECTION)
    assert [(i.field, i.rule) for i in result] == [("accounts[1].posts", "NM3"), ("accounts[2].posts", "NM3")]
    assert result[0].message.startswith("「建瓯发布」全年只发布5条（少于12条），更新缓慢")
    assert result[1].message.startswith("「建瓯头条」全年未发布信息")
    assert all(i.plugin == "newmedia" for i in result)


def test_the_same_account_twice(host):
    data = report_data(accounts=[
        {"platform": "wechat", "name": "今日建瓯", "posts": 1000},
        {"platform": "wechat", "name": "今日建瓯", "posts": 250},
        {"platform": "weibo", "name": "今日建瓯", "posts": 0},  # another platform: not a duplicate
    ], replies=120)
    assert [f for f in findings(host, data) if f[2] == "NM4"] == [("warning", "accounts[1].name", "NM4")]


def test_total_must_match_what_part_two_says(host):
    data = report_data(accounts=[{"platform": "wechat", "name": "今日建瓯", "posts": 1000}], replies=120)
    result = check_report(host, Report(data)).for_section(SECTION)
    assert [(i.field, i.rule) for i in result] == [("posts_total", "NM5")]
    assert result[0].message == "第二部分“公开形式”写政务新媒体发布信息1250条，与本部分各账号合计1000条不一致"
    # Per-platform figures that add up to the total are fine.
    data["fj"]["proactive"]["channels"][0]["body"] = "其中微信公众号发布600条，微博发布400条。"
    assert findings(host, data) == []
    # No figure quoted in 第二部分: nothing to compare.
    data["fj"]["proactive"]["channels"] = []
    assert findings(host, data) == []


def test_reading_part_two_tolerates_a_raw_or_damaged_table():
    # fj.proactive replaced or switched off: the plugin reads the file's raw table.
    assert nianbao_newmedia.quoted_posts({"channels_intro": 5, "channels": "两微一端1250条"}) == []
    assert nianbao_newmedia.quoted_posts({"channels": ({"title": 1, "body": "微信发布1250条。"}, "x", {"body": None})}) == [1250]
    assert nianbao_newmedia.quoted_posts({}) == []
    view = Report({"fj": {"proactive": {"counts": {"total": "很多", "website": {"year": 1}}}}}).view()
    assert nianbao_newmedia.website_first(view) == []


def test_no_accounts_must_be_explained(host):
    data = report_data(accounts=[], intro="", messages=0, replies=0)
    assert ("warning", "accounts", "NM6") in findings(host, data)
    data = report_data(accounts=[], intro="本单位未开设政务新媒体。", messages=0, replies=0)
    data["fj"]["proactive"]["channels"] = []
    assert findings(host, data) == []


def test_field_types_and_required_values_are_checked_by_the_host(host):
    data = report_data(messages=None, accounts=[{"platform": "微信公众号", "name": "今日建瓯", "posts": "一千"}])
    found = findings(host, data)
    assert ("error", "messages", "V-REQUIRED") in found
    assert ("error", "accounts[0].posts", "V-NUMFMT") in found
    # A choice may be stored by its label as well as by its value.
    assert ("error", "accounts[0].platform", "V-FIELD") not in found


def test_relative_year_words(host):
    assert findings(host, report_data(plans="今年将继续整合账号。", replies=120)) == [("warning", "plans", "V-YEARWORDS")]


def test_the_county_rule_on_the_builtin_proactive_part(host):
    data = report_data(replies=120)
    data["fj"]["proactive"]["counts"]["website"]["year"] = 2000
    result = [i for i in check_report(host, Report(data)).issues if i.rule == "JO-WEB"]
    assert [(i.severity, i.section, i.field, i.plugin) for i in result] == [
        ("warning", "fj.proactive", "counts.website.year", "newmedia")]
    assert result[0].message == ("政府网站公开2000条，少于主动公开总数2589条：本市要求主动公开的政府信息"
                                 "均在政府门户网站（第一平台）发布，请核实")


# -- rendering --------------------------------------------------------------------------------

def test_renders_document_markup(host):
    blocks = parse_markup(markup(host, report_data()))
    assert [b.kind for b in blocks] == ["paragraph", "heading", "paragraph", "table", "paragraph"]
    assert blocks[1].text == "（一）账号开设和信息发布情况"
    assert blocks[2].text == ("2018年，建瓯市人民政府办公室共开设政务新媒体账号2个（微信公众号1个、微博1个），"
                              "全年通过政务新媒体发布信息1250条。")
    table = blocks[3].table
    assert [c.text for c in table.head[0]] == ["序号", "平台", "账号名称", "主办单位", "发布信息（条）"]
    assert [[c.text for c in row] for row in table.body] == [
        ["1", "微信公众号", "今日建瓯", "建瓯市人民政府办公室", "1000"],
        ["2", "微博", "平安建瓯", "建瓯市公安局", "250"],
        ["合计", "1250"],
    ]
    assert (blocks[4].lead, blocks[4].text) == ("（二）互动回应情况。",
                                                 "全年通过政务新媒体收到网民留言120条，回复118条，回复率98.3%；通过政务新媒体回应社会关切15次。")


def test_renders_a_unit_without_accounts(host):
    blocks = parse_markup(markup(host, report_data(accounts=[], intro=None, messages=0, replies=0, responses=0, closed=3)))
    assert [b.text for b in blocks] == ["（一）账号开设和信息发布情况", "2018年，建瓯市人民政府办公室未开设政务新媒体账号，关停整合账号3个。",
                                        "全年未通过政务新媒体收到网民留言。"]


def test_one_part_from_toml_in_one_call():
    """The same through ``nianbao.testing``: one part, written as the report file holds it,
    printed as ``nianbao export --to txt`` prints it."""
    text = render_part("""
        [report]
        unit = "建瓯市人民政府办公室"
        year = 2018
        format = "fujian-2018"

        [jo.newmedia]
        closed = 3
        messages = 0
        replies = 0
        responses = 0
    """, SECTION, entry_points=True)
    assert text == ("　　七、政务新媒体情况\n"
                    "　　（一）账号开设和信息发布情况\n"
                    "　　2018年，建瓯市人民政府办公室未开设政务新媒体账号，关停整合账号3个。\n"
                    "　　（二）互动回应情况。全年未通过政务新媒体收到网民留言。\n")
    issues = check_part("[jo.newmedia]\nmessages = 10\nreplies = 12\nresponses = 0\n", SECTION,
                        format="fujian-2018", entry_points=True)
    assert ("error", "replies", "NM1") in [(i.severity, i.field, i.rule) for i in issues]


def test_what_operators_type_cannot_break_the_document(host):
    data = report_data(accounts=[{"platform": "wechat", "name": "建瓯|{c=3}::h1 \x1b[31m发布", "posts": 1250}],
                       plans="第一行\n::title 伪造的标题")
    blocks = parse_markup(markup(host, data))
    table = next(b.table for b in blocks if b.kind == "table")
    assert [c.text for c in table.body[0]] == ["1", "微信公众号", "建瓯|{c=3}::h1 发布", "建瓯市人民政府办公室", "1250"]
    assert not [b for b in blocks if b.kind == "title"]
    assert blocks[-1].text == "::title 伪造的标题"


def test_whole_document_with_seven_parts(host):
    document = Renderer(host).render(Report(report_data()))
    assert [p.heading for p in document.parts][-1] == "七、政务新媒体情况"
    assert not [p.error for p in document.parts if p.error]
    assert "　　七、政务新媒体情况\n" in to_text(document)


def test_position_from_config():
    host = PluginHost(Config(section_order=("fj.overview", "fj.proactive", SECTION)), entry_points=True)
    document = Renderer(host).render(Report(report_data()))
    assert [p.heading for p in document.parts][2] == "三、政务新媒体情况"
