"""The ``nianbao`` command line: new, check, export, plugins and their exit codes
(0 clean or warnings only, 1 errors, 2 unreadable input or wrong usage).

The commands run in-process through :func:`tui.cli.main` in an empty working folder (no
``config.toml``) with ``NIANBAO_SAFE_MODE=1``, so only the built-in plugins are loaded
whatever happens to be installed; one test runs the installed console script.

:func:`complete_report` builds a complete, consistent report for any format by walking the
field declarations of its sections; other test modules import it from here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from plugins.engine.checks import check_report, meta_fields
from plugins.engine.config import Config
from plugins.exporters import to_markdown, to_text
from plugins.fields import Field, Grid, Records
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.report import META, Report
from plugins.engine.store import load_report, save_report

from cli_helpers import isolated, run  # noqa: F401  (isolated is an autouse fixture)

FORMAT = "fujian-2018"
YEAR = 2018

# -- a complete report, built from the field declarations ---------------------------------
# Values whose form or meaning a generic filler cannot guess (patterns, dates that must fit
# the deadline rules, the year and format). Every other field is filled by its type.
META_VALUES: dict[str, Any] = {
    "unit": "建瓯市人民政府办公室",
    "signature": None,  # empty: the unit's name is printed (a unit_report renamed stays consistent)
    "unit_level": "government",
    "region": "福建省南平市建瓯市",
    "year": YEAR,
    "format": FORMAT,
    "doc_number": "瓯政办〔2019〕2号",
    "addressee": "南平市人民政府办公室",
    "website_name": "中国建瓯",
    "website_url": "http://www.jo.gov.cn/",
    "phone": "0599-3833124",
    "postcode": "353100",
    "email": "x3833124@example.cn",
    "signed": dt.date(2019, 1, 8),
    "published": dt.date(2019, 1, 10),
    "note": "（此件主动公开）",
}

PROSE = "坚持以公开为常态、不公开为例外，健全制度，规范流程，加强培训与督查，推动政府信息公开工作持续深入开展。"


def grid_total(host: PluginHost, format_id: str) -> int:
    """A figure every table can share out evenly among the rows it adds up."""
    n = 2  # 其中 rows get half of the row above
    for s in host.sections_for(format_id):
        for f in s.fields:
            if isinstance(f, Grid):
                for r in f.rows:
                    if r.sum_of:
                        n = math.lcm(n, len(r.sum_of))
    return 10 * n


def sample_value(f: Field, total: int) -> Any:
    """A plausible stored value of any field type (before ``dump``)."""
    if f.kind == "integer":
        return max(f.minimum or 0, 2)
    if f.kind == "decimal":
        return f.parse("1.5")
    if f.kind == "date":
        return META_VALUES["signed"]
    if f.kind == "choice":
        return f.options[0][0]
    if f.kind == "text":
        return f"{f.label}方面，{PROSE}"
    if f.kind == "line":
        return f.label[: f.max_length] if f.max_length else f.label
    if isinstance(f, Records):
        n = max(f.min_rows, 1)
        # numbers in records share the total: a breakdown adds up to its table's total
        return [{c.key: total // n if c.kind == "integer" else sample_value(c, total) for c in f.columns}
                for _ in range(n)]
    if isinstance(f, Grid):
        parts = {k: len(r.sum_of) for r in f.rows for k in r.sum_of}
        inputs = [c for c in f.columns if not c.sum_of]
        out = {}
        for r in f.rows:
            if r.sum_of:
                continue
            share = total // parts[r.key] if r.key in parts else total // 2 if r.indent else total
            # later columns (历年累计) are larger: a running total includes this year
            out[r.key] = {c.key: share * 10 ** i for i, c in enumerate(inputs)}
        return out
    raise AssertionError(f"no sample value for a {f.kind} field ({f.key})")


def complete_report(host: PluginHost, format_id: str = FORMAT, path: Path | None = None) -> Report:
    """Every field of every section of ``format_id`` filled with consistent values."""
    total = grid_total(host, format_id)
    report = Report({META: {"format": format_id}}, path)
    for f in meta_fields(host, report):
        value = META_VALUES[f.key] if f.key in META_VALUES else sample_value(f, total)
        if value is not None:
            report.meta[f.key] = f.dump(value)
    for s in host.sections_for(format_id):
        for f in s.fields:
            if f.kind != "computed":
                report.set_value(s.id, f.key, f.dump(sample_value(f, total)))
    return report


def builtin_host() -> PluginHost:
    """The host ``nianbao`` builds in safe mode."""
    return PluginHost(Config(), safe_mode=True)


def write_complete(path: Path) -> Path:
    save_report(complete_report(builtin_host()), path, backup=False)
    return path


def with_errors(path: Path) -> Path:
    """A complete report with three errors: more answers than applications (this year and
    in the running total) and no unit name."""
    report = complete_report(builtin_host())
    answers = report.section_data("fj.requests")["answers"]
    answers["granted"]["year"] += 1000
    answers["granted"]["cumulative"] += 1000
    del report.meta["unit"]
    save_report(report, path, backup=False)
    return path


# -- the helper itself --------------------------------------------------------------------
def test_complete_report_is_clean_and_complete():
    host = builtin_host()
    report = complete_report(host)
    result = check_report(host, report)
    assert result.issues == []
    view = host.view(report)
    for s in host.sections_for(FORMAT):
        assert s.id in [p.section.id for p in Renderer(host).render(report).parts]
        for f in s.fields:
            if f.kind != "computed":
                assert view.values(s.id)[f.key] not in (None, [], {}), (s.id, f.key)


# -- new ----------------------------------------------------------------------------------
def test_new_creates_a_report(capsys, tmp_path):
    code, out, err = run(capsys, "new", "reports/a.toml", "--unit", "建瓯市教育局", "--year", "2018", "--level", "department")
    assert code == 0, err
    path = tmp_path / "reports" / "a.toml"
    assert str(Path("reports/a.toml")) in out and "fujian-2018" in out
    report = load_report(path)
    assert report.meta == {"unit": "建瓯市教育局", "unit_level": "department", "year": 2018, "format": "fujian-2018"}
    host = builtin_host()
    for s in host.sections_for("fujian-2018"):
        assert isinstance(report.section_data(s.id), dict)
        assert f"[{s.id}]" in path.read_text(encoding="utf-8")
    assert not (tmp_path / "reports" / "a.toml.bak").exists()
    # a new report is incomplete: check says so with errors
    code, out, err = run(capsys, "check", str(path))
    assert code == 1 and "未填写" in out


def test_new_report_exports_every_part(capsys, tmp_path):
    """A fresh report has no unit name yet: every part still renders (as blanks)."""
    run(capsys, "new", "a.toml", "--year", "2018")
    code, out, err = run(capsys, "export", "a.toml", "--to", "txt")
    assert code == 0
    assert "无法生成" not in out + err
    for n, s in zip("一二三四五六", builtin_host().sections_for(FORMAT)):
        assert f"{n}、{s.heading}" in out


def test_new_refuses_to_overwrite(capsys, tmp_path):
    path = write_complete(tmp_path / "a.toml")
    before = path.read_bytes()
    code, out, err = run(capsys, "new", str(path), "--year", "2018")
    assert code == 2
    assert "已存在" in err and str(path) in err
    assert path.read_bytes() == before


def test_new_unknown_format(capsys, tmp_path):
    code, out, err = run(capsys, "new", "a.toml", "--year", "2018", "--format", "no-such-format")
    assert code == 2
    assert "未知格式 no-such-format" in err and "fujian-2018" in err  # names what is available
    assert not (tmp_path / "a.toml").exists()


@pytest.mark.parametrize("year", [2008, 2013, 2018])
def test_new_default_format_follows_the_year(capsys, tmp_path, year):
    code, out, err = run(capsys, "new", "a.toml", "--year", str(year))
    assert code == 0, err
    assert load_report(tmp_path / "a.toml").meta["format"] == "fujian-2018"


def test_new_default_format_of_every_format(capsys, tmp_path):
    host = builtin_host()
    for fmt in host.formats.values():
        for year in {fmt.first_year, fmt.last_year or fmt.first_year + 5}:
            name = f"{fmt.id}-{year}.toml"
            code, out, err = run(capsys, "new", name, "--year", str(year))
            assert code == 0, err
            assert load_report(tmp_path / name).meta["format"] == host.default_format(year).id


def test_new_year_without_a_format(capsys, tmp_path):
    host = builtin_host()
    # before the first format, and the gaps between formats (2019 and 2020 used a 试行 format
    # that no built-in plugin provides yet)
    years = [y for y in range(2000, 2031) if host.default_format(y) is None]
    assert min(f.first_year for f in host.formats.values()) - 1 in years
    for year in years[-2:]:
        code, out, err = run(capsys, "new", f"{year}.toml", "--year", str(year))
        assert code == 2 and f"没有适用于{year}年的报告格式" in err
        assert not (tmp_path / f"{year}.toml").exists()


def test_new_takes_defaults_from_config(capsys, tmp_path):
    (tmp_path / "config.toml").write_text('[site]\nyear = 2017\nunit = "建瓯市财政局"\nregion = "福建省南平市建瓯市"\n',
                                         encoding="utf-8")
    code, out, err = run(capsys, "new", "a.toml")
    assert code == 0, err
    meta = load_report(tmp_path / "a.toml").meta
    assert (meta["year"], meta["unit"], meta["region"], meta["format"]) == (2017, "建瓯市财政局", "福建省南平市建瓯市", "fujian-2018")


def test_broken_config_is_a_usage_error(capsys, tmp_path):
    (tmp_path / "config.toml").write_text("[site]\nyear = \n", encoding="utf-8")
    code, out, err = run(capsys, "plugins")
    assert code == 2
    assert "config.toml:2:" in err and "Traceback" not in err


# -- check --------------------------------------------------------------------------------
def test_check_clean_report(capsys, tmp_path):
    path = write_complete(tmp_path / "clean.toml")
    code, out, err = run(capsys, "check", str(path))
    assert code == 0
    assert out == f"{path}: 没有发现问题\n"


def test_check_warnings_only_exit_zero(capsys, tmp_path):
    report = complete_report(builtin_host())
    report.section_data("fj.overview")["intro"] = "今年来，我市认真贯彻落实《条例》。"
    path = tmp_path / "warn.toml"
    save_report(report, path)
    code, out, err = run(capsys, "check", str(path))
    assert code == 0
    assert "0 个错误，1 个警告" in out
    line = next(ln for ln in out.splitlines() if "警告 " in ln)
    assert "概述 › 总述" in line and "今年来" in line and "[V-YEARWORDS]" in line


def test_check_errors_readable(capsys, tmp_path):
    path = with_errors(tmp_path / "bad.toml")
    code, out, err = run(capsys, "check", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{path}: 3 个错误（其中 1 处未填），0 个警告"  # the words of the TUI header
    unit = next(ln for ln in lines if "单位名称" in ln)
    assert unit.strip().startswith("错误") and "文档信息 › 单位名称：未填写" in unit and "[V-REQUIRED]" in unit
    year, cumulative = (ln for ln in lines if "OR4" in ln)
    assert "政府信息依申请公开办理情况 › 申请答复 · 同意公开答复数 · 本年度：" in year
    assert "答复1120件，多于受理的120件" in year
    assert "历年累计答复2200件，多于受理的1200件" in cumulative


def test_check_json(capsys, tmp_path):
    bad = with_errors(tmp_path / "bad.toml")
    clean = write_complete(tmp_path / "clean.toml")
    code, out, err = run(capsys, "check", "--json", str(bad), str(clean))
    assert code == 1
    doc = json.loads(out)
    assert doc["status"] == 1
    first, second = doc["files"]
    assert first["file"] == str(bad) and first["readable"] is True
    assert first["errors"] == 3 and first["warnings"] == 0
    assert {i["rule"] for i in first["issues"]} == {"V-REQUIRED", "OR4"}
    for issue in first["issues"]:
        assert set(issue) == {"severity", "section", "field", "message", "rule", "plugin", "section_heading", "field_label"}
        assert issue["severity"] == "error" and issue["message"]
    unit = next(i for i in first["issues"] if i["rule"] == "V-REQUIRED")
    assert (unit["section"], unit["field"], unit["section_heading"], unit["field_label"]) == ("report", "unit", "文档信息", "单位名称")
    or4 = next(i for i in first["issues"] if i["rule"] == "OR4")
    assert or4["section"] == "fj.requests" and or4["plugin"] == "sections.fujian2018"
    assert second == {"file": str(clean), "readable": True, "errors": 0, "missing": 0, "warnings": 0, "issues": [], "groups": [],
                      "broken": {}}
    assert doc["plugins"] == {"safe_mode": True, "complete": True, "disabled": [], "problems": []}
    assert "单位名称" in out  # readable JSON: not \\u escapes


def test_check_unreadable_file(capsys, tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[report]\nyear = 2018\nunit = "建瓯\n', encoding="utf-8")
    code, out, err = run(capsys, "check", str(path))
    assert code == 2
    assert out.startswith(f"{path}:3:") and "TOML 格式错误" in out
    code, out, err = run(capsys, "check", "--json", str(path))
    assert code == 2
    entry = json.loads(out)["files"][0]
    assert entry["readable"] is False and entry["issues"] == [] and entry["error"].startswith(f"{path}:3:")


@pytest.mark.parametrize(
    "kinds, expected",
    [
        (["clean"], 0),
        (["warn"], 0),
        (["bad"], 1),
        (["clean", "bad"], 1),
        (["bad", "clean"], 1),
        (["broken"], 2),
        (["missing"], 2),
        (["clean", "broken"], 2),
        (["bad", "broken", "clean"], 2),
        (["broken", "bad"], 2),  # an unreadable file wins whatever comes after it
    ],
)
def test_check_exit_codes(capsys, tmp_path, kinds, expected):
    makers = {
        "clean": lambda p: write_complete(p),
        "warn": lambda p: (p.write_text(write_complete(p).read_text(encoding="utf-8").replace(
            'intro = "总述方面', 'intro = "今年来总述方面'), encoding="utf-8"), p)[1],
        "bad": with_errors,
        "broken": lambda p: (p.write_bytes('[report]\nunit = "建瓯"\n'.encode("gbk")), p)[1],
        "missing": lambda p: p,
    }
    files = [str(makers[k](tmp_path / f"{i}-{k}.toml")) for i, k in enumerate(kinds)]
    code, out, err = run(capsys, "check", *files)
    assert code == expected
    for f in files:
        assert f in out  # every file is reported, also after an unreadable one
    code, out, err = run(capsys, "check", "--json", *files)
    assert code == expected and json.loads(out)["status"] == expected


def test_check_needs_a_file(capsys):
    code, out, err = run(capsys, "check")
    assert code == 2 and "usage" in err


# -- export -------------------------------------------------------------------------------
@pytest.mark.parametrize("to, render", [("txt", to_text), ("md", to_markdown)])
def test_export_to_file_and_stdout(capsys, tmp_path, to, render):
    path = write_complete(tmp_path / "clean.toml")
    out_file = tmp_path / "out" / f"report.{to}"
    out_file.parent.mkdir()
    code, out, err = run(capsys, "export", str(path), "--to", to, "-o", str(out_file))
    assert code == 0, err
    assert out == "" and f"已导出 {out_file}" in err and "注意" not in err
    written = out_file.read_text(encoding="utf-8")
    host = builtin_host()
    assert written == render(Renderer(host).render(load_report(path)))
    assert sorted(p.name for p in out_file.parent.iterdir()) == [out_file.name]  # no temporary file left
    assert "建瓯市人民政府办公室关于" in written and "2018年政府信息公开工作年度报告" in written
    for n, s in zip("一二三四五六", host.sections_for(FORMAT)):
        assert f"{n}、{s.heading}" in written
    assert "瓯政办〔2019〕2号" in written and "2019年1月8日" in written
    code, out, err = run(capsys, "export", str(path), "--to", to)
    assert code == 0 and out == written
    code, out, err = run(capsys, "export", str(path), "--to", to, "-o", "-")
    assert code == 0 and out == written


def test_export_default_is_txt(capsys, tmp_path):
    path = write_complete(tmp_path / "clean.toml")
    code, out, err = run(capsys, "export", str(path))
    assert code == 0 and out == to_text(Renderer(builtin_host()).render(load_report(path)))


def test_export_report_with_errors_still_exports(capsys, tmp_path):
    path = with_errors(tmp_path / "bad.toml")
    code, out, err = run(capsys, "export", str(path), "--to", "txt")
    assert code == 0
    assert "1120" in out  # exported as it stands ...
    assert "注意：报告还有 3 个错误" in err  # ... with a reminder


def test_export_unknown_exporter(capsys, tmp_path):
    path = write_complete(tmp_path / "clean.toml")
    code, out, err = run(capsys, "export", str(path), "--to", "pdf", "-o", str(tmp_path / "x.pdf"))
    assert code == 2
    assert "未知导出格式 pdf" in err and "md" in err and "txt" in err
    assert not (tmp_path / "x.pdf").exists() and out == ""


def test_export_unreadable_input(capsys, tmp_path):
    code, out, err = run(capsys, "export", str(tmp_path / "missing.toml"))
    assert code == 2 and "文件不存在" in err and "Traceback" not in err


# -- plugins ------------------------------------------------------------------------------
def test_plugins_text(capsys):
    code, out, err = run(capsys, "plugins")
    assert code == 0
    assert out.startswith("安全模式")
    assert "sections.fujian2018 1.0  [内置] 已加载" in out
    assert "部分：fj.overview, fj.proactive, fj.requests, fj.appeals, fj.problems, fj.other" in out
    assert "导出：txt, md" in out


def test_plugins_json(capsys):
    code, out, err = run(capsys, "plugins", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["safe_mode"] is True and doc["problems"] == []
    by_name = {p["name"]: p for p in doc["plugins"]}
    assert {"sections.fujian2018", "sections.common", "plugins.exporters"} <= set(by_name)
    assert all(p["source"] == "builtin" and p["state"] == "loaded" for p in doc["plugins"])
    assert by_name["sections.fujian2018"]["formats"] == ["fujian-2018"]
    assert by_name["sections.fujian2018"]["sections"] == [s.id for s in builtin_host().sections_for(FORMAT)]
    assert sorted(by_name["plugins.exporters"]["exporters"]) == ["md", "txt"]


def test_plugins_reports_a_broken_folder_plugin(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("NIANBAO_SAFE_MODE")
    (tmp_path / "county").mkdir()
    (tmp_path / "county" / "broken.py").write_text("import no_such_module_anywhere\n", encoding="utf-8")
    (tmp_path / "config.toml").write_text('[plugins]\nfolders = ["county", "absent"]\n', encoding="utf-8")
    code, out, err = run(capsys, "plugins", "--json")
    assert code == 4  # a plugin did not run
    doc = json.loads(out)
    assert doc["safe_mode"] is False and doc["complete"] is False
    broken = next(p for p in doc["plugins"] if p["name"] == "broken")
    assert broken["state"] == "failed" and broken["source"] == "folder"
    assert "no_such_module_anywhere" in broken["reason"]
    assert any("absent" in p for p in doc["problems"])
    code, out, err = run(capsys, "plugins")
    assert code == 4 and "broken" in out and "已停用（出错）" in out and "no_such_module_anywhere" in out


@pytest.fixture
def broken_county(tmp_path, monkeypatch):
    """A county folder whose plugin fails to import, and one that loads and adds a rule."""
    monkeypatch.delenv("NIANBAO_SAFE_MODE")
    (tmp_path / "county").mkdir()
    (tmp_path / "county" / "broken.py").write_text("import no_such_module_anywhere\n", encoding="utf-8")
    # (the worked example, installed in the test environment, adds a part this report has not filled)
    (tmp_path / "config.toml").write_text('[plugins]\nfolders = ["county"]\ndisabled = ["newmedia"]\n', encoding="utf-8")
    return Path("county") / "broken.py"  # (config.toml's folders, as written there: relative)


def test_check_names_a_disabled_plugin_and_exits_4(capsys, tmp_path, broken_county):
    """A county's script must tell that its own rules did not run: a clean report checked
    with a failed plugin exits 4 (not 0), and both the text and --json name the plugin,
    where it came from and why."""
    path = write_complete(tmp_path / "clean.toml")
    code, out, err = run(capsys, "check", str(path))
    assert code == 4, out + err
    lines = out.splitlines()
    assert lines[0] == f"{path}: 没有发现问题"
    assert lines[1] == "插件："
    assert f"  插件 broken（插件文件夹 {broken_county}）已停用（出错）：导入失败：ModuleNotFoundError: " \
           "No module named 'no_such_module_anywhere'" in lines
    assert lines[-1] == "检查不完整：有插件没有运行或出错，它的规则没有检查（退出码 4；nianbao plugins 查看详情）"
    assert err == ""  # (said once, in the output)
    code, out, err = run(capsys, "check", "--json", str(path))
    doc = json.loads(out)
    assert code == doc["status"] == 4 and doc["files"][0]["errors"] == 0
    state = doc["plugins"]
    assert (state["safe_mode"], state["complete"], state["problems"]) == (False, False, [])
    assert {"name": "broken", "source": "folder", "location": str(broken_county), "state": "failed",
            "reason": "导入失败：ModuleNotFoundError: No module named 'no_such_module_anywhere'"} in state["disabled"]
    newmedia = next(p for p in state["disabled"] if p["name"] == "newmedia")
    assert (newmedia["source"], newmedia["state"]) == ("package", "disabled")
    # errors found too: still 4 (the counts say there are errors); unreadable stays 2
    bad = with_errors(tmp_path / "bad.toml")
    assert run(capsys, "check", str(bad))[0] == 4
    assert run(capsys, "check", str(bad), str(tmp_path / "absent.toml"))[0] == 2
    # switched off in config.toml: listed, not a failure
    (tmp_path / "config.toml").write_text('[plugins]\nfolders = ["county"]\ndisabled = ["broken", "newmedia"]\n',
                                          encoding="utf-8")
    code, out, err = run(capsys, "check", str(path))
    assert code == 0 and "  插件 broken（插件文件夹" in out and "已停用（配置）：config.toml [plugins] disabled 中列出" in out
    # safe mode: asked for, said on stderr (and in --json), not a failure
    code, out, err = run(capsys, "--safe-mode", "check", str(path))
    assert code == 0 and out == f"{path}: 没有发现问题\n"
    assert err == "nianbao: 安全模式：只加载内置插件，已安装的包和插件文件夹中的插件都没有运行\n"
    code, out, err = run(capsys, "--safe-mode", "check", "--json", str(path))
    assert code == 0 and json.loads(out)["plugins"]["safe_mode"] is True


def test_export_with_a_disabled_plugin_writes_and_exits_4(capsys, tmp_path, broken_county):
    path = write_complete(tmp_path / "clean.toml")
    code, out, err = run(capsys, "export", str(path), "--to", "txt", "-o", str(tmp_path / "out.txt"))
    assert code == 4 and (tmp_path / "out.txt").is_file()
    assert "nianbao: 插件 broken 已停用：导入失败" in err
    assert "注意：有插件没有运行或出错，导出的文档可能缺少它的部分（退出码 4" in err
    assert run(capsys, "--safe-mode", "export", str(path), "--to", "txt", "-o", str(tmp_path / "out.txt"))[0] == 0


def test_a_missing_plugin_folder_is_incomplete_too(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("NIANBAO_SAFE_MODE")
    (tmp_path / "config.toml").write_text('[plugins]\nfolders = ["absent"]\ndisabled = ["newmedia"]\n', encoding="utf-8")
    path = write_complete(tmp_path / "clean.toml")
    code, out, err = run(capsys, "check", str(path))
    assert code == 4 and "  插件问题：插件文件夹不存在：absent（config.toml [plugins] folders）" in out


# -- usage --------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, expected", [(["--help"], 0), (["frobnicate"], 2), (["check", "--frob", "x"], 2),
                                            (["export", "x.toml", "--to"], 2), ([], 2)])
def test_usage(capsys, argv, expected):
    code, out, err = run(capsys, *argv)
    assert code == expected
    assert "Traceback" not in out + err


def test_no_arguments_without_a_report_says_what_to_do(capsys):
    code, out, err = run(capsys)
    assert code == 2 and "nianbao edit" in err


# -- the installed command ----------------------------------------------------------------
def test_console_script(tmp_path):
    script = Path(sys.executable).parent / "nianbao"
    assert script.exists(), "the nianbao console script is not installed in this environment"
    clean = write_complete(tmp_path / "clean.toml")
    bad = with_errors(tmp_path / "bad.toml")
    env = dict(os.environ, NIANBAO_SAFE_MODE="1")
    env.pop("NIANBAO_CONFIG", None)
    proc = subprocess.run([str(script), "check", "--json", str(clean), str(bad)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [f["errors"] for f in doc["files"]] == [0, 3]
    assert proc.stderr == ""


def test_new_help_gives_the_levels_and_formats_with_their_meaning(capsys):
    code, out, _ = run(capsys, "new", "--help")
    assert code == 0
    assert "  government      县级以上人民政府（本级政府报告）" in out and "  township        乡镇人民政府、街道办事处" in out
    assert "  fujian-2018     福建省旧格式" in out and "  national-2021   全国统一格式" in out
