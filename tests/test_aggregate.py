"""The county office's commands: ``nianbao aggregate`` (adding up the units' reports) and
``nianbao status`` (who has handed in what), and the ``[county]``/``[[units]]`` keys of
config.toml they read.

Unit files are built from :func:`test_cli.complete_report` (a complete, clean report of a
format) with figures set or scaled by hand, so every expected total below is computed by
hand from the figures the test wrote."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plugins.county import aggregate as agg
from plugins.county.aggregate import AggregateError, aggregate, collect_files, field_role, reference_path
from plugins.engine.checks import check_report
from plugins.engine.config import Config, Unit, load_config
from plugins.county.status import days_text, locate_units, status_lines, unit_status
from plugins.engine.errors import InputFileError
from plugins.fields import Grid
from plugins.engine.report import Report
from plugins.engine.store import dump_report, load_report
from test_cli import builtin_host, complete_report
from tui.cli import main

FUJIAN, NATIONAL = "fujian-2018", "national-2021"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIANBAO_CONFIG", raising=False)
    monkeypatch.delenv("NIANBAO_TRACE_PLUGINS", raising=False)
    monkeypatch.setenv("NIANBAO_SAFE_MODE", "1")


@pytest.fixture(scope="module")
def host():
    return builtin_host()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- unit files ------------------------------------------------------------------------------
def scaled(value: Any, k: int) -> Any:
    """Every figure of a TOML document times ``k`` (sums and identities still hold)."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return value * k
    if isinstance(value, dict):
        return {key: scaled(v, k) for key, v in value.items()}
    if isinstance(value, list):
        return [scaled(v, k) for v in value]
    return value


def unit_report(host, name: str, level: str = "department", k: int = 1, fmt: str = FUJIAN,
                prose: str | None = None) -> Report:
    """A clean report of unit ``name``: the complete report with every figure times ``k``;
    every prose field starts with ``prose`` (default: the unit's name) so it can be traced."""
    report = complete_report(host, fmt)
    meta = dict(report.meta)
    data = {key: (scaled(v, k) if key != "report" else v) for key, v in report.data.items()}
    data["report"] = meta
    meta.update(unit=name, unit_level=level)
    for s in host.sections_for(fmt):  # settings (占比保留小数位) are not figures: not scaled
        for f in s.fields:
            if field_role(f) == "setting" and f.key in report.section_data(s.id):
                data[s.id.split(".")[0]][s.id.split(".")[1]][f.key] = report.section_data(s.id)[f.key]
    if fmt == NATIONAL:
        meta.update(year=2024, format=NATIONAL, doc_number="建政办〔2025〕1号", signed=dt.date(2025, 1, 8),
                    published=dt.date(2025, 1, 10), admin_level="city")
        data["nat"]["other"]["fee"] = "本年度未收取信息处理费。"
    report = Report(data)
    _mark_prose(host, report, prose or name)
    return report


def _mark_prose(host, report: Report, mark: str) -> None:
    fmt = host.format_for(report)
    for s in host.sections_for(fmt.id):
        table = report.section_data(s.id)
        for f in s.fields:
            if f.kind == "text" and isinstance(table.get(f.key), str) and f.key != "fee":
                table[f.key] = f"{mark}：{table[f.key]}"


def last_year(report: Report) -> Report:
    """The same unit's report made a year earlier (2017, dated within its deadline)."""
    report.meta.update(year=2017, signed=dt.date(2018, 1, 8), published=dt.date(2018, 1, 10), doc_number="瓯政办〔2018〕2号")
    return report


def write(path: Path, report: Report) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_report(report), encoding="utf-8")
    return path


def clean(host, report: Report) -> Report:
    errors = check_report(host, report, host.view(report)).errors
    assert not errors, [(i.section, i.field, i.message) for i in errors]
    return report


def fujian_units(host, folder: Path) -> tuple[Path, Path]:
    """Two clean Fujian units with hand-chosen category breakdowns:

    * 建瓯市教育局: the complete report as is (主动公开 120 条, website 60; channels 40/40/40;
      answers 30 each), categories 政策文件 70 + 规划计划 50;
    * 东峰镇: every figure doubled (240, 120; 80/80/80; 60 each), categories 政策文件 100
      + 其他 140, written with a blank in “政策文件 ” (still the same category)."""
    a = unit_report(host, "建瓯市教育局", "department")
    a.section_data("fj.proactive")["categories"] = [{"name": "政策文件", "count": 70}, {"name": "规划计划", "count": 50}]
    b = unit_report(host, "东峰镇", "township", k=2)
    b.section_data("fj.proactive")["categories"] = [{"name": "政策文件 ", "count": 100}, {"name": "其他", "count": 140}]
    return write(folder / "a.toml", clean(host, a)), write(folder / "b.toml", clean(host, b))


# -- how fields are treated --------------------------------------------------------------------
def test_field_roles_follow_the_declarations(host):
    roles = {(s.id, f.key): field_role(f) for s in host.sections.values() for f in s.fields}
    assert roles[("fj.proactive", "counts")] == "grid"
    assert roles[("fj.proactive", "categories")] == "records"  # 类别 (label) + 条数 (quantity)
    assert roles[("fj.proactive", "channels")] == "prose"  # title + body (Text)
    assert roles[("fj.overview", "items")] == "prose"
    assert roles[("fj.proactive", "percent_places")] == "setting"  # an Integer without unit
    assert roles[("nat.proactive", "fees")] == "sum"  # a Decimal in 万元
    assert roles[("fj.proactive", "scope")] == "prose"
    assert roles[("fj.other", "attachment")] == "skip"  # Computed


# -- adding up -------------------------------------------------------------------------------
def test_sum_equals_the_hand_computed_sum(host, tmp_path):
    fujian_units(host, tmp_path / "units")
    result = aggregate(host, collect_files(["units"])[0], tmp_path / "county.toml", unit="建瓯市人民政府")
    assert (result.summed, result.format_id, result.year, result.notes) == (2, FUJIAN, 2018, [])
    county = load_report(tmp_path / "county.toml")
    view = host.view(county)
    proactive, requests = view.values("fj.proactive"), view.values("fj.requests")
    assert proactive["counts"] == {"total": {"year": 360, "cumulative": 3600},
                                   "website": {"year": 180, "cumulative": 1800},
                                   "gazette": {"year": 180, "cumulative": 1800}}
    # categories added up per name; together they still make the total (OR9 holds)
    assert proactive["categories"] == [{"name": "政策文件", "count": 170}, {"name": "规划计划", "count": 50},
                                       {"name": "其他", "count": 140}]
    assert proactive["percent_places"] == 2  # both units chose 2 decimals
    received = host.section("fj.requests").field("received")
    assert requests["received"]["in_person"] == {"year": 120, "cumulative": 1200}
    # the 合计 row is not stored: it is recomputed from the summed channels
    assert "total" not in county.section_data("fj.requests")["received"]
    assert received.full(requests["received"])["total"] == {"year": 360, "cumulative": 3600}
    assert view.values("fj.appeals")["cases"]["reviews"] == {"year": 360, "cumulative": 3600}
    assert county.meta == {"unit": "建瓯市人民政府", "unit_level": "government", "year": 2018, "format": FUJIAN,
                           "scope": "本级1个乡镇（街道）、1个部门"}
    # the totals satisfy every rule: only what the office still has to write is missing
    errors = check_report(host, county).errors
    assert errors and {i.rule for i in errors} == {"V-REQUIRED"}, [(i.field, i.message) for i in errors]


def test_national_tables_and_amounts(host, tmp_path):
    one = unit_report(host, "淮安市教育局", fmt=NATIONAL)
    one.section_data("nat.proactive")["fees"] = 1.5
    two = unit_report(host, "淮安市民政局", fmt=NATIONAL, k=3)
    two.section_data("nat.proactive")["fees"] = "2.25"
    files = [write(tmp_path / "1.toml", clean(host, one)), write(tmp_path / "2.toml", clean(host, two))]
    result = aggregate(host, files, tmp_path / "county.toml")
    assert (result.summed, result.year, result.format_id) == (2, 2024, NATIONAL)
    county = host.view(load_report(tmp_path / "county.toml"))
    assert county.values("nat.proactive")["fees"] == Decimal("3.75")
    base = host.view(one)
    for s in host.sections_for(NATIONAL):
        for f in s.fields:
            if isinstance(f, Grid):
                mine, theirs = f.full(county.values(s.id)[f.key]), f.full(base.values(s.id)[f.key])
                for r in f.rows:
                    for c in f.columns:  # every cell, 总计 included: 1× + 3× the first unit's
                        assert mine[r.key][c.key] == 4 * theirs[r.key][c.key], (s.id, f.key, r.key, c.key)
    assert {i.rule for i in check_report(host, load_report(tmp_path / "county.toml")).errors} <= {"V-REQUIRED"}


def test_prose_is_gathered_for_reference_not_pasted(host, tmp_path):
    fujian_units(host, tmp_path / "units")
    result = aggregate(host, collect_files(["units"])[0], tmp_path / "county.toml")
    county = load_report(tmp_path / "county.toml")
    for s in host.sections_for(FUJIAN):
        table = county.section_data(s.id)
        for f in s.fields:
            if field_role(f) == "prose":
                assert f.key not in table, (s.id, f.key)  # left for the office to write
    assert "建瓯市教育局" not in (tmp_path / "county.toml").read_text(encoding="utf-8")
    assert result.reference == tmp_path / "county.toml.reference.md" == reference_path(tmp_path / "county.toml")
    text = result.reference.read_text(encoding="utf-8")
    # section by section, in report order, and unit by unit inside each section
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [f"## {n}、{s.heading}" for n, s in zip("一二三四五六", host.sections_for(FUJIAN))] + ["## 附：已汇总的单位"]
    overview = text.split("## 一、")[1].split("## 二、")[0]
    assert overview.index("### 建瓯市教育局（a.toml）") < overview.index("### 东峰镇（b.toml）")
    assert "**总述**" in overview and "建瓯市教育局：总述方面" in overview and "东峰镇：总述方面" in overview
    assert "工作要点 第1条" in overview and "小标题：小标题" in overview  # a record of prose, column by column
    assert "| 1 | 建瓯市教育局 | 政府工作部门 | a.toml | 0 | 0 |" in text
    # 东峰镇's catch-all 其他 is 140 of 240 条: a warning (V-OTHER-SHARE)
    assert "| 2 | 东峰镇 | 乡镇人民政府、街道办事处 | b.toml | 0 | 1 |" in text


def test_unit_text_cannot_break_the_reference_layout(host, tmp_path):
    report = unit_report(host, "## 假标题 | 单位", prose="# 标题\n| 表 |")
    write(tmp_path / "a.toml", report)
    result = aggregate(host, [tmp_path / "a.toml"], tmp_path / "county.toml")
    lines = result.reference.read_text(encoding="utf-8").splitlines()
    assert not any(line.startswith(("# 标题", "## 假标题", "| 表")) for line in lines)
    assert any(line.startswith("\\# 标题") for line in lines)


def test_settings_that_differ_are_left_empty(host, tmp_path):
    a, b = fujian_units(host, tmp_path / "units")
    c = unit_report(host, "建瓯市财政局")
    c.section_data("fj.proactive")["percent_places"] = 1
    write(tmp_path / "units" / "c.toml", clean(host, c))
    aggregate(host, collect_files(["units"])[0], tmp_path / "county.toml")
    assert "percent_places" not in load_report(tmp_path / "county.toml").section_data("fj.proactive")


# -- what is refused, flagged or listed --------------------------------------------------------
def test_damaged_mismatched_duplicate_and_faulty_files(host, tmp_path, capsys):
    a, b = fujian_units(host, tmp_path / "units")
    units = tmp_path / "units"
    (units / "c-damaged.toml").write_text("[report]\nunit = \"建瓯市财政局\"\nyear = \n", encoding="utf-8")
    write(units / "d-national.toml", unit_report(host, "建瓯市民政局", fmt=NATIONAL))
    old = last_year(unit_report(host, "建瓯市卫健局"))
    write(units / "e-2017.toml", old)
    shutil.copy(a, units / "f-copy.toml")  # the same unit handed in twice
    faulty = unit_report(host, "建瓯市水利局")
    faulty.section_data("fj.requests")["answers"]["granted"]["year"] += 1000  # more answers than applications
    write(units / "g-faulty.toml", faulty)

    code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml", "--jobs", "1")
    assert code == 1, err
    assert "已汇总 3 个单位的报告（2018年度，格式 fujian-2018）→ county.toml" in out
    assert "未计入的文件（4个）" in out
    assert "units/c-damaged.toml：第3行第8列：TOML 格式错误" in out
    assert "d-national.toml：是2024年度、格式 national-2021 的报告，本次汇总的是2018年度、格式 fujian-2018" in out
    assert "e-2017.toml：是2017年度、格式 fujian-2018 的报告" in out
    assert "f-copy.toml：与 units/a.toml 是同一单位（建瓯市教育局），交了两次：只计入了 a.toml" in out
    assert "报告有错误的单位（1个，已计入；改正后请重新汇总）" in out
    assert "建瓯市水利局（units/g-faulty.toml）：2个错误" in out
    assert "答复1120件，多于受理的120件" in out  # the first errors are shown
    county = host.view(load_report("county.toml"))
    # 教育局 once (not twice), 东峰镇, and 水利局 as handed in
    assert county.values("fj.requests")["answers"]["granted"] == {"year": 30 + 60 + 1030, "cumulative": 300 + 600 + 300}
    assert county.values("fj.proactive")["counts"]["total"]["year"] == 120 + 240 + 120


def test_json_summary(host, tmp_path, capsys):
    fujian_units(host, tmp_path / "units")
    (tmp_path / "units" / "z.toml").write_text("not toml", encoding="utf-8")
    code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml", "--json")
    assert code == 1
    data = json.loads(out)
    assert (data["summed"], data["year"], data["format"], data["levels"]) == (2, 2018, FUJIAN, {"department": 1, "township": 1})
    assert [(f["kind"], Path(f["file"]).name) for f in data["files"]] == [("unreadable", "z.toml")]


def test_a_disabled_plugin_makes_the_aggregate_exit_4(host, tmp_path, capsys, monkeypatch):
    """As for check: its parts are not summed, its rules not checked; say so, exit 4."""
    fujian_units(host, tmp_path / "units")
    monkeypatch.delenv("NIANBAO_SAFE_MODE")
    (tmp_path / "county").mkdir()
    (tmp_path / "county" / "broken.py").write_text("raise RuntimeError('坏了')\n", encoding="utf-8")
    (tmp_path / "config.toml").write_text('[plugins]\nfolders = ["county"]\ndisabled = ["newmedia"]\n', encoding="utf-8")
    code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml")
    assert code == 4 and (tmp_path / "county.toml").is_file()
    assert "  插件 broken（插件文件夹 county/broken.py）已停用（出错）：导入失败：RuntimeError: 坏了" in out
    assert "汇总不完整：有插件没有运行，它的部分没有汇总、它的规则没有检查（退出码 4" in out
    code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml", "--json")
    data = json.loads(out)
    assert code == data["status"] == 4 and data["plugins"]["complete"] is False
    assert [p["name"] for p in data["plugins"]["disabled"] if p["state"] == "failed"] == ["broken"]


def test_year_option_chooses_among_years(host, tmp_path, capsys):
    fujian_units(host, tmp_path / "units")
    old = last_year(unit_report(host, "建瓯市卫健局"))
    write(tmp_path / "units" / "0-old.toml", old)  # first by name: without --year it sets the year
    result = aggregate(host, collect_files(["units"])[0], tmp_path / "one.toml")
    assert (result.year, result.summed) == (2017, 1)
    result = aggregate(host, collect_files(["units"])[0], tmp_path / "two.toml", year=2018)
    assert (result.year, result.summed) == (2018, 2)
    assert [Path(n.path).name for n in result.of_kind("refused")] == ["0-old.toml"]


def test_units_missing_from_config_and_unlisted(host, tmp_path, capsys):
    fujian_units(host, tmp_path / "units")
    (tmp_path / "config.toml").write_text(
        '[site]\nunit = "建瓯市人民政府办公室"\nregion = "福建省南平市建瓯市"\n[county]\nfolder = "units"\n'
        '[[units]]\nname = "建瓯市教育局"\nlevel = "department"\n'
        '[[units]]\nname = "建瓯市财政局"\nlevel = "department"\n', encoding="utf-8")
    code, out, err = run(capsys, "aggregate", "-o", "county.toml")  # the folder comes from [county]
    assert code == 1, err
    assert "未交报告的单位（config.toml [[units]]，1个）：建瓯市财政局" in out
    assert "不在 config.toml [[units]] 名单中的单位（已计入）：东峰镇" in out
    assert load_report("county.toml").meta["region"] == "福建省南平市建瓯市"
    assert load_report("county.toml").meta["unit"] == "建瓯市人民政府办公室"


def test_running_again_keeps_what_the_office_wrote(host, tmp_path, capsys):
    a, b = fujian_units(host, tmp_path / "units")
    late = tmp_path / "late" / "c.toml"
    write(late, clean(host, unit_report(host, "建瓯市财政局")))
    assert run(capsys, "aggregate", "units", "-o", "county.toml")[0] == 0
    county = load_report("county.toml")
    county.section_data("fj.overview")["intro"] = "全市政务公开工作稳步推进。"
    county.meta["unit"] = "建瓯市人民政府办公室"
    county.section_data("fj.proactive")["percent_places"] = 1
    Path("county.toml").write_text(dump_report(county), encoding="utf-8")

    code, out, err = run(capsys, "aggregate", "units", str(late), "-o", "county.toml")
    assert code == 0, err
    assert "只更新了汇总的数字" in out
    again = load_report("county.toml")
    assert again.section_data("fj.overview")["intro"] == "全市政务公开工作稳步推进。"
    assert again.meta["unit"] == "建瓯市人民政府办公室"
    assert again.section_data("fj.proactive")["percent_places"] == 1  # the office's choice stays
    assert again.section_data("fj.proactive")["counts"]["total"]["year"] == 120 + 240 + 120
    assert Path("county.toml.bak").exists()
    # an output of another year is not overwritten
    code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml", "--year", "2017")
    assert code == 2 and "是2018年度的汇总，与 --year 2017 不符" in err


def test_output_inside_the_input_folder_is_not_added_to_itself(host, tmp_path, capsys):
    fujian_units(host, tmp_path / "units")
    for _ in range(2):
        code, out, err = run(capsys, "aggregate", "units", "-o", "units/county.toml")
        assert code == 0, out + err
        assert "已汇总 2 个单位" in out
    assert load_report("units/county.toml").section_data("fj.proactive")["counts"]["total"]["year"] == 360


def test_nothing_to_add(host, tmp_path, capsys):
    code, out, err = run(capsys, "aggregate", "-o", "county.toml")
    assert code == 2 and "没有指定要汇总的文件" in err
    Path("empty").mkdir()
    code, out, err = run(capsys, "aggregate", "empty", "-o", "county.toml")
    assert code == 2 and "文件夹中没有 .toml 报告文件" in err and "没有可以汇总的报告文件" in err
    Path("bad.toml").write_text("x = [", encoding="utf-8")
    code, out, err = run(capsys, "aggregate", "bad.toml", "-o", "county.toml")
    assert code == 2 and "没有可以汇总的报告文件（bad.toml: 第1行第6列：TOML 格式错误" in err
    assert not Path("county.toml").exists()
    with pytest.raises(AggregateError):
        aggregate(host, [], tmp_path / "x.toml")


def test_worker_processes_give_the_same_result(host, tmp_path, monkeypatch):
    folder = tmp_path / "units"
    for i in range(40):
        write(folder / f"u{i:02d}.toml", unit_report(host, f"单位{i:02d}", k=i % 5 + 1))
    serial = aggregate(host, collect_files([folder])[0], tmp_path / "serial.toml", jobs=1)
    monkeypatch.setattr(agg, "PARALLEL_FROM", 2)
    monkeypatch.setattr(agg, "_CHUNK", 3)
    parallel = aggregate(host, collect_files([folder])[0], tmp_path / "parallel.toml", jobs=2)
    assert serial.summed == parallel.summed == 40
    assert (tmp_path / "serial.toml").read_text(encoding="utf-8") == (tmp_path / "parallel.toml").read_text(encoding="utf-8")
    ref = lambda r: r.reference.read_text(encoding="utf-8").split("\n", 3)[3]  # noqa: E731 - after the dated line
    assert ref(serial) == ref(parallel)
    total = sum(120 * (i % 5 + 1) for i in range(40))
    assert load_report(tmp_path / "parallel.toml").section_data("fj.proactive")["counts"]["total"]["year"] == total


# -- config.toml: [county] and [[units]] ---------------------------------------------------------
UNITS = """
[county]
folder = "units"

[[units]]
name = "建瓯市教育局"
level = "department"

[[units]]
name = "东峰镇"
level = "township"
file = "elsewhere/dongfeng.toml"
"""


def test_config_units(tmp_path):
    (tmp_path / "config.toml").write_text(UNITS, encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    assert config.county_folder == tmp_path / "units"
    assert config.units == (Unit("建瓯市教育局", "department"), Unit("东峰镇", "township", tmp_path / "elsewhere" / "dongfeng.toml"))
    assert Config().units == () and Config().county_folder is None


@pytest.mark.parametrize(("text", "message"), [
    ('[[units]]\nname = "甲"\nlevel = "department"\n', "[[units]] 第1项（甲） 没有 file，也没有 [county] folder"),
    (UNITS + '[[units]]\nname = "建瓯市教育局"\nlevel = "department"\n', "[[units]] 第3项（建瓯市教育局） name 与第1项重复"),
    (UNITS + '[[units]]\nname = "乙"\nlevel = "county"\n', "[[units]] 第3项（乙） level 只能是 government, department, township，现在是 'county'"),
    (UNITS + '[[units]]\nname = "乙"\nlevel = "township"\nflie = "x.toml"\n', "[[units]] 第3项 没有 flie 这个键"),
    (UNITS + '[[units]]\nlevel = "township"\n', "[[units]] 第3项 name 应为单位全称"),
    (UNITS + '[[units]]\nname = "乙"\nlevel = "township"\nfile = "elsewhere/dongfeng.toml"\n', "file 与第2项是同一个文件"),
    ('units = "all"\n', "units 应写成 [[units]] 表数组"),
    ('[county]\nfolders = "units"\n', "[county] 没有 folders 这个键，是不是 folder？（可用的键：folder）"),
    ('[county]\nfolder = 3\n', "[county] folder 应为路径"),
    ('[deadlines]\ndepartment = "1月31日"\n', "[deadlines] department 应为形如 \"01-31\" 的月-日"),
    ('[deadlines]\ntownship = "02-30"\n', "[deadlines] township 应为形如"),
])
def test_config_units_mistakes_are_explained(tmp_path, text, message):
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        load_config(tmp_path / "config.toml")
    assert str(info.value).startswith(str(tmp_path / "config.toml") + ":")  # (and the line, when known)
    assert message in str(info.value)


def test_a_config_mistake_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "config.toml").write_text('[[units]]\nname = "甲"\nlevel = "bureau"\n', encoding="utf-8")
    code, out, err = run(capsys, "status")
    assert code == 2 and "config.toml: [[units]] 第1项（甲） level 只能是" in err and "Traceback" not in err


def test_the_repository_config_is_valid():
    root = Path(__file__).resolve().parent.parent
    config = load_config(root / "config.toml")
    assert config.county_folder is not None and config.units  # the example county is listed
    assert all(u.level in ("government", "department", "township") for u in config.units)


# -- status ------------------------------------------------------------------------------------
COUNTY = """
[site]
year = 2018

[county]
folder = "units"

[[units]]
name = "建瓯市教育局"
level = "department"

[[units]]
name = "东峰镇"
level = "township"

[[units]]
name = "建瓯市财政局"
level = "department"

[[units]]
name = "建瓯市民政局"
level = "department"

[[units]]
name = "建瓯市卫健局"
level = "department"

[[units]]
name = "建瓯市水利局"
level = "department"
file = "late/shuili.toml"
"""


def county(host, tmp_path: Path) -> Config:
    """教育局 and 东峰镇 clean (as a.toml, b.toml: found by the unit name inside), 财政局
    missing, 民政局 damaged (named after the unit), 卫健局 last year's file, 水利局 with
    errors at its own path."""
    fujian_units(host, tmp_path / "units")
    (tmp_path / "units" / "建瓯市民政局.toml").write_text("[report]\nyear = 2018\nunit = \n", encoding="utf-8")
    old = last_year(unit_report(host, "建瓯市卫健局"))
    write(tmp_path / "units" / "weijian.toml", old)
    faulty = unit_report(host, "建瓯市水利局")
    faulty.section_data("fj.requests")["answers"]["granted"]["year"] += 1000
    write(tmp_path / "late" / "shuili.toml", faulty)
    (tmp_path / "config.toml").write_text(COUNTY, encoding="utf-8")
    return load_config(tmp_path / "config.toml")


def test_locate_units(host, tmp_path):
    config = county(host, tmp_path)
    found = locate_units(config)
    assert found["建瓯市教育局"] == [tmp_path / "units" / "a.toml"]
    assert found["建瓯市民政局"] == [tmp_path / "units" / "建瓯市民政局.toml"]
    assert found["建瓯市财政局"] == []
    assert found["建瓯市水利局"] == [tmp_path / "late" / "shuili.toml"]


def test_status_rows_most_urgent_first(host, tmp_path):
    config = county(host, tmp_path)
    shutil.copy(tmp_path / "units" / "b.toml", tmp_path / "units" / "b2.toml")  # 东峰镇 twice
    rows = unit_status(config, host, today=dt.date(2019, 3, 20))
    assert [(r.name, r.state) for r in rows] == [
        ("建瓯市财政局", "missing"), ("建瓯市民政局", "unreadable"), ("建瓯市卫健局", "wrong_year"),
        ("建瓯市水利局", "errors"), ("东峰镇", "ok"), ("建瓯市教育局", "ok")]
    by = {r.name: r for r in rows}
    assert all(r.deadline == dt.date(2019, 3, 31) and r.days_left == 11 for r in rows)  # before 2019: 3月31日 for all
    assert [r.handed_in for r in rows] == [False, False, True, True, True, True]
    assert (by["建瓯市水利局"].errors, by["建瓯市教育局"].errors, by["建瓯市财政局"].errors) == (2, 0, None)
    assert by["建瓯市卫健局"].message == "文件是2017年度的报告，应为2018年度"
    assert "第3行" in by["建瓯市民政局"].message
    assert by["东峰镇"].duplicates == [tmp_path / "units" / "b2.toml"] and "另有文件：b2.toml" in by["东峰镇"].message
    assert by["东峰镇"].needs_action and not by["建瓯市教育局"].needs_action


def test_status_deadlines_by_level(host, tmp_path):
    (tmp_path / "config.toml").write_text(
        '[deadlines]\ntownship = "01-20"\n[county]\nfolder = "units"\n'
        '[[units]]\nname = "县政府"\nlevel = "government"\n[[units]]\nname = "县教育局"\nlevel = "department"\n'
        '[[units]]\nname = "某镇"\nlevel = "township"\n', encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    rows = unit_status(config, host, 2024, today=dt.date(2025, 1, 25))
    assert [(r.name, r.deadline, r.days_left) for r in rows] == [
        ("某镇", dt.date(2025, 1, 20), -5), ("县教育局", dt.date(2025, 1, 31), 6), ("县政府", dt.date(2025, 3, 31), 65)]
    assert [days_text(r.days_left) for r in rows] == ["逾期5天", "还有6天", "还有65天"]
    lines = status_lines(rows, 2024, dt.date(2025, 1, 25))
    assert lines[0] == "2024年度报告 · 2025-01-25 · 已交 0/3，未交 3，有错误 0，已通过 0"
    # 状态 未交, then the review column's 未交
    assert lines[2].split()[:6] == ["某镇", "乡镇街道", "未交", "未交", "01-20", "逾期5天"]


def test_status_command(host, tmp_path, capsys):
    county(host, tmp_path)
    code, out, err = run(capsys, "status")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("2018年度报告 · ") and "已交 4/6，未交 2，有错误 1" in lines[0]
    assert lines[1].split()[:3] == ["单位", "层级", "状态"]
    # units that are done come in the order of [[units]]
    assert [line.split()[0] for line in lines[2:]] == ["建瓯市财政局", "建瓯市民政局", "建瓯市卫健局", "建瓯市水利局", "建瓯市教育局", "东峰镇"]
    assert "年度不符" in lines[4] and "weijian.toml：文件是2017年度的报告" in lines[4]

    code, out, err = run(capsys, "status", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["year"] == 2018 and data["summary"] == {"units": 6, "handed_in": 4, "missing": 2, "with_errors": 1}
    assert data["plugins"] == {"safe_mode": True, "complete": True, "disabled": [], "problems": []}
    row = data["units"][3]
    assert (row["name"], row["state"], row["state_label"], row["errors"], row["deadline"]) == (
        "建瓯市水利局", "errors", "有错误", 2, "2019-03-31")
    today = dt.date.fromisoformat(data["today"])
    assert row["days_left"] == (dt.date(2019, 3, 31) - today).days
    assert data["units"][0] == {**data["units"][0], "file": None, "handed_in": False, "errors": None}

    code, out, err = run(capsys, "status", "--year", "2017", "--json")
    states = {u["name"]: u["state"] for u in json.loads(out)["units"]}
    assert states["建瓯市卫健局"] == "ok" and states["建瓯市教育局"] == "wrong_year"


def test_status_without_units_says_how_to_list_them(capsys):
    code, out, err = run(capsys, "status")
    assert code == 2 and "[[units]]" in err


# -- the hot path ------------------------------------------------------------------------------
def test_grid_full_computes_every_cell_like_value_at(host):
    """``Grid.full`` computes each 合计 once in dependency order (it is called for every
    table of every report added up); it must agree with the cell-by-cell definition."""
    import random

    rnd = random.Random(6)
    grids = [f for s in host.sections.values() for f in s.fields if isinstance(f, Grid)]
    assert any(r.sum_of for g in grids for r in g.rows) and any(c.sum_of for g in grids for c in g.columns)
    for grid in grids:
        for _ in range(20):
            value = {r.key: {c.key: rnd.choice([None, 0, 3, 17]) for c in grid.columns if not c.sum_of}
                     for r in grid.rows if not r.sum_of and rnd.random() > 0.1}
            full = grid.full(value)
            assert list(full) == [r.key for r in grid.rows]
            for r in grid.rows:
                assert list(full[r.key]) == [c.key for c in grid.columns]
                for c in grid.columns:
                    assert full[r.key][c.key] == grid.value_at(value, r.key, c.key)
    from plugins.fields import GridRow

    loop = Grid(key="loop", label="", rows=(GridRow("a", "", sum_of=("b",)), GridRow("b", "", sum_of=("a",))))
    with pytest.raises(ValueError, match="adds itself up"):
        loop.full({})


def test_no_check_adds_up_without_listing_errors(host, tmp_path, capsys):
    fujian_units(host, tmp_path / "units")
    faulty = unit_report(host, "建瓯市水利局")
    faulty.section_data("fj.requests")["answers"]["granted"]["year"] += 1000
    write(tmp_path / "units" / "g.toml", faulty)
    code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml", "--no-check")
    assert code == 0, err
    assert "已汇总 3 个单位" in out and "有错误" not in out
    assert load_report("county.toml").section_data("fj.requests")["answers"]["granted"]["year"] == 30 + 60 + 1030


def test_an_output_being_edited_is_not_overwritten(host, tmp_path, capsys):
    from plugins.engine.store import ReportLock

    fujian_units(host, tmp_path / "units")
    assert run(capsys, "aggregate", "units", "-o", "county.toml")[0] == 0
    before = Path("county.toml").read_bytes()
    with ReportLock(Path("county.toml")):  # the office has it open in `nianbao edit`
        code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml")
    assert code == 2 and "正在被他人编辑" in err
    assert Path("county.toml").read_bytes() == before
