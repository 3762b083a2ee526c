"""What a county plugin had to hand-write, now declared: a 合计 row under a Records list
(``Total``, like a Grid's 合计 rows), a minimum length for text, dates within the report
year, computed fields that receive their own section's values, and ``nianbao.testing``
(one call renders or checks one part from TOML)."""

from __future__ import annotations

import textwrap
from decimal import Decimal as D
from pathlib import Path

import pytest

from nianbao import API_VERSION, Section, hookimpl
from nianbao.fields import Computed, Date, Decimal, FieldError, Integer, Line, Records, Text, Total
from nianbao.testing import PartNotRendered, check_part, plugin_host, render_part

ROOT = Path(__file__).resolve().parent.parent
SIZE = (80, 24)

ACTIVITIES = Records(key="activities", label="开放活动", columns=(
    Line(key="name", label="活动"),
    Date(key="held", label="日期", within_year=True, required=False),
    Integer(key="visitors", label="参加", unit="人次"),
    Decimal(key="cost", label="费用", unit="万元", required=False),
), total=Total(columns=("visitors", "cost"), label="合计"))


def visitors_share(values):
    """Own section's values by parameter name: no section id written here."""
    total = ACTIVITIES.totals(values["activities"])["visitors"]
    return None if not total or values["planned"] is None else f"{values['planned'] * 100 // total}%"


class OpenDays(Section):
    id = "tf.open_days"
    api_version = API_VERSION
    number = 8
    heading = "政府开放日"
    formats = ("fujian-2018",)
    template = "open_days.j2"
    fields = (
        ACTIVITIES,
        Integer(key="planned", label="计划人次", unit="人次", required=False),
        Computed(key="share", label="计划占比", compute=visitors_share),
        Computed(key="both", label="两种参数", compute=lambda values, report: f"{len(values['activities'])}/{report.year}"),
        Computed(key="old", label="旧写法", compute=lambda report: report.values("tf.open_days")["planned"]),
        Text(key="summary", label="总结", min_length=10),
        Date(key="reported", label="上报日期", within_year=True, required=False),
    )


TEMPLATE = """\
{% for a in data.activities %}
{{ a.name }}：{{ a.visitors }}人次。
{% endfor %}
合计{{ totals.activities.visitors }}人次，{{ totals.activities.cost }}万元；占比{{ computed.share }}；{{ computed.both }}；{{ computed.old }}。
{{ data.summary }}
"""


@pytest.fixture
def plugin(tmp_path):
    (tmp_path / "open_days.j2").write_text(TEMPLATE, encoding="utf-8")
    section = OpenDays()
    section.template_folder = tmp_path

    class Plugin:
        @staticmethod
        @hookimpl
        def nianbao_register_sections():
            return [section]

    return Plugin


REPORT = """
    [tf.open_days]
    planned = 50
    summary = "全年举办政府开放日活动两次，群众反响良好。"

    [[tf.open_days.activities]]
    name = "走进政务服务中心"
    held = 2018-05-15
    visitors = 120
    cost = 1.5

    [[tf.open_days.activities]]
    name = "开放日"
    held = 2018-10-20
    visitors = 80
    cost = 0.25
"""


# -- the 合计 row of a list -------------------------------------------------------------------

def test_a_records_total_adds_the_number_columns_like_a_grid_total():
    rows = [{"name": "a", "visitors": 120, "cost": D("1.5")}, {"name": "b", "visitors": 80, "cost": D("0.25")}]
    assert ACTIVITIES.totals(rows) == {"visitors": 200, "cost": D("1.75")}
    assert ACTIVITIES.totals([]) == {"visitors": 0, "cost": 0}  # no activity: 0, as a grid's total of zeros
    # a figure still empty: the total is empty too, never a silent partial sum
    assert ACTIVITIES.totals(rows + [{"name": "c", "visitors": None, "cost": None}]) == {"visitors": None, "cost": None}
    everything = Records(key="r", label="r", columns=ACTIVITIES.columns, total=Total())
    assert [c.key for c in everything.total_columns] == ["visitors", "cost"]
    assert Records(key="r", label="r", columns=ACTIVITIES.columns).totals(rows) == {}


def test_a_total_of_a_column_that_is_no_number_is_refused_where_declared():
    with pytest.raises(ValueError, match="记录列表 r 的合计只能加数字列（Integer、Decimal）：name 不是；它的数字列是 visitors、cost"):
        Records(key="r", label="r", columns=ACTIVITIES.columns, total=Total(columns=("name", "visitors")))
    with pytest.raises(ValueError, match="它没有数字列"):
        Records(key="r", label="r", columns=(Line(key="name", label="n"),), total=Total())


def test_totals_computed_values_and_old_computed_fields_reach_the_template(plugin):
    text = render_part(REPORT, "tf.open_days", format="fujian-2018", plugins=[plugin])
    assert text == ("　　七、政府开放日\n"
                    "　　走进政务服务中心：120人次。\n"
                    "　　开放日：80人次。\n"
                    "　　合计200人次，1.75万元；占比25%；2/2018；50。\n"
                    "　　全年举办政府开放日活动两次，群众反响良好。\n")


def test_computed_receives_what_its_parameters_name(plugin):
    host = plugin_host([plugin])
    view = host.view(__import__("nianbao.testing", fromlist=["x"]).report_from_toml(REPORT, host, "fujian-2018"))
    assert view.computed("tf.open_days", "share") == "25%"
    assert view.computed("tf.open_days", "both") == "2/2018"
    assert view.computed("tf.open_days", "old") == 50
    assert Computed(key="n", label="n", compute=len).evaluate(("a", "b"), "x") == 2  # no signature to read: as before


# -- minimum length, dates in the report year ---------------------------------------------------

def test_text_min_length_counts_written_characters():
    summary = Text(key="s", label="总结", min_length=10)
    assert summary.parse("全年举办政府开放日活动两次") == "全年举办政府开放日活动两次"
    with pytest.raises(FieldError, match=r"至少要写10个字（现在7个）"):
        summary.parse("举办 两次\n活动。")  # blanks and line breaks are not counted
    assert summary.parse("  ") is None  # empty is the required rule's business
    with pytest.raises(FieldError, match="至少要写3个字"):
        Line(key="l", label="l", min_length=3).parse("两字")


def test_a_short_text_and_dates_outside_the_year_are_errors_where_they_are(plugin):
    toml = textwrap.dedent(REPORT).replace("全年举办政府开放日活动两次，群众反响良好。", "很好。").replace("2018-10-20", "2019-01-03")
    toml = toml.replace("planned = 50", "planned = 50\nreported = 2017-12-31")
    issues = {(i.field, i.rule): i.message for i in check_part(toml, "tf.open_days", format="fujian-2018", plugins=[plugin])}
    assert issues == {
        ("summary", "V-FIELD"): "至少要写10个字（现在3个）",
        ("activities[1].held", "V-FIELD"): "应在报告年度2018年内（2018年1月1日至12月31日），现在是2019年1月3日",
        ("reported", "V-FIELD"): "应在报告年度2018年内（2018年1月1日至12月31日），现在是2017年12月31日",
    }
    # what was typed is still printed
    assert "很好。" in render_part(toml, "tf.open_days", format="fujian-2018", plugins=[plugin])
    assert check_part(REPORT, "tf.open_days", format="fujian-2018", plugins=[plugin]) == []


# -- nianbao.testing says why it cannot render ----------------------------------------------------

def test_render_part_names_what_is_missing(plugin, tmp_path):
    with pytest.raises(PartNotRendered, match=r"部分 tf\.nothing 没有加载（已加载的部分：.*tf\.open_days"):
        render_part(REPORT, "tf.nothing", format="fujian-2018", plugins=[plugin])
    with pytest.raises(PartNotRendered, match="部分 tf.open_days 不属于格式 national-2021（它属于 fujian-2018）"):
        render_part(REPORT, "tf.open_days", format="national-2021", plugins=[plugin])
    with pytest.raises(PartNotRendered, match="没有报告格式 fujian-2019"):
        render_part(REPORT, "tf.open_days", format="fujian-2019", plugins=[plugin])
    (tmp_path / "broken.py").write_text("raise ImportError('没有这个库')\n", encoding="utf-8")
    with pytest.raises(PartNotRendered, match="插件没有加载：broken：导入失败：ImportError: 没有这个库"):
        render_part(REPORT, "tf.open_days", format="fujian-2018", folders=[tmp_path])
    (tmp_path / "open_days.j2").write_text("{{ no_such_thing.x }}\n", encoding="utf-8")
    with pytest.raises(PartNotRendered, match="本部分无法生成（插件 Plugin 的模板 tf.open_days/open_days.j2 第 1 行）：UndefinedError"):
        render_part(REPORT, "tf.open_days", format="fujian-2018", plugins=[plugin])


def test_render_part_of_a_builtin_part_from_a_whole_report():
    text = render_part((ROOT / "examples" / "jianou-2018.toml").read_text(encoding="utf-8"), "fj.overview")
    assert text.startswith("　　一、概述\n　　2018年，")


# -- the total row on screen ---------------------------------------------------------------------

async def test_the_total_row_is_shown_under_the_list_and_follows_what_is_typed(plugin, tmp_path):
    from nianbao.testing import report_from_toml
    from plugins.engine.config import Config
    from plugins.engine.store import save_report
    from tui.app import build_app
    from tui.form.field_box import FieldBox
    from tui.text_layout import WrappedText
    from tui_helpers import focused_on, wait_until

    host = plugin_host([plugin])
    path = tmp_path / "r.toml"
    save_report(report_from_toml(REPORT, host, "fujian-2018"), path)
    app = build_app(path, Config(), host=host, autosave=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await app.show_page("tf.open_days")
            await wait_until(pilot, lambda: any(b.field.key == "activities" for b in app.query_page(FieldBox)))
            box = next(b for b in app.query_page(FieldBox) if b.field.key == "activities")
            total = box.query_one(".records-total", WrappedText)
            assert total.plain == "合计：参加 200 人次，费用 1.75 万元"
            await focused_on(pilot, "activities[1].visitors")
            app.focused.value = ""
            await pilot.press("9", "0")
            await wait_until(pilot, lambda: total.plain == "合计：参加 210 人次，费用 1.75 万元")
            await pilot.press("backspace", "backspace")  # a figure left empty: no partial sum
            await wait_until(pilot, lambda: total.plain == "合计：参加 — 人次，费用 1.75 万元")
    finally:
        app.session.close()
