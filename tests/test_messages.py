"""Messages that must neither drown nor hide what matters (issue 12): overdue days only
for units that owe a report, unknown keys named, TOML errors in Chinese, blank columns
grouped, formats named, progress on a terminal, units in a natural order."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.county.status import status_lines, unit_status
from test_aggregate import county, host, isolated  # noqa: F401 - fixtures


def test_status_shows_overdue_days_only_for_units_that_owe_a_report(host, tmp_path):  # noqa: F811
    config = county(host, tmp_path)
    late = dt.date(2026, 12, 3)  # years after the 2018 reports' deadline
    rows = unit_status(config, host, today=late)
    lines = status_lines(rows, 2018, late)
    by_unit = {line.split()[0]: line for line in lines[2:]}
    for name in ("建瓯市财政局", "建瓯市民政局", "建瓯市卫健局"):  # missing, unreadable, last year's file
        assert "逾期" in by_unit[name], by_unit[name]
    for name in ("建瓯市水利局", "建瓯市教育局", "东峰镇"):  # handed in (with or without errors)
        assert "逾期" not in by_unit[name] and "还有" not in by_unit[name], by_unit[name]
    assert all(r.days_left < 0 for r in rows)  # --json still has the figure


# -- TOML syntax errors in Chinese -------------------------------------------------------------
@pytest.mark.parametrize("text, line, says, caret_under", [
    ('[report]\nunit = "淮安市人民政府\nyear = 2024\n', 2, "字符串没有结束", None),
    ('[report]\nunit = 淮安市人民政府\n', 2, "文字要加英文双引号", "淮"),
    ('[report]\nsigned = 2025-02-30\n', 2, "日期不对", "2"),
    ('[report]\nunit "x"\n', 2, "键名后面应有等号", '"'),
    ('[nat.other]\nfee = "无"\n[nat.other]\n', 3, "表 [nat.other] 写了两次", None),
    ('[report]\nx = { a = "1"1 }\n', 2, "花括号 { } 没有闭合", "1"),  # Hypothesis found the braces
])
def test_toml_errors_in_chinese_with_the_line_and_a_caret(tmp_path, text, line, says, caret_under):
    from plugins.engine.errors import InputFileError
    from plugins.engine.store import load_report

    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        load_report(path)
    e = info.value
    assert e.line == line and says in e.message and e.message.startswith("TOML 格式错误：")
    assert not any(w in str(e) for w in ("Illegal", "Invalid", "Expected", "Cannot")), str(e)
    shown, caret = e.excerpt.split("\n")
    assert shown == f"  {line} | " + text.split("\n")[line - 1]
    assert caret.strip() == "^"
    if caret_under is not None:  # the caret stands under the character, counted in terminal cells
        from plugins.text import cell_width
        at = cell_width(caret) - 1
        before = ""
        for ch in shown:
            if cell_width(before) >= at:
                break
            before += ch
        assert shown[len(before)] == caret_under, (shown, caret)
    assert str(e).endswith(e.excerpt) and f"{path}:{line}:" in str(e)


# -- nianbao new for a year with no format ----------------------------------------------------------
def test_new_for_a_year_without_a_format_names_format_and_the_formats(capsys):
    from cli_helpers import run
    code, out, err = run(capsys, "new", "r.toml", "--year", "2019")
    assert code == 2
    assert "--format" in err and "fujian-2018" in err and "national-2021" in err
    assert "2008–2018年度" in err and "2021年度起" in err
    code, out, err = run(capsys, "new", "r.toml", "--year", "2019", "--format", "national-2021")
    assert code == 0, err


# -- unknown keys -------------------------------------------------------------------------------
def test_unknown_keys_and_tables_are_named_with_the_closest_key(host, tmp_path):  # noqa: F811
    from plugins.engine.checks import check_report
    from plugins.engine.store import load_report, save_report

    path = tmp_path / "r.toml"
    path.write_text('[report]\nunit = "某县教育局"\nyear = 2024\nsignd = 2025-01-20\n\n'
                    '[nat.requests.table.new]\nnatrual = 3\n\n[nat.problem]\nproblems = "x"\n\n'
                    '[nat.overview]\nintro = "x"\nsuperviison = "监督"\n\n'
                    '[jo.newmedia]\nanything = 1\n\n[import]\nleft = "x"\n', encoding="utf-8")
    report = load_report(path)
    found = {(i.section, i.field): i for i in check_report(host, report).issues if i.rule == "V-UNKNOWN"}
    assert set(found) == {("report", "signd"), ("nat.requests", "table.new.natrual"), ("report", "[nat.problem]"),
                          ("nat.overview", "superviison")}  # not the plugin's [jo.newmedia], not [import]
    assert all(i.severity == "warning" for i in found.values())
    assert found["report", "signd"].message.startswith("未知字段 signd，是不是 signed（成文日期）？")
    assert "是不是 natural（自然人）？" in found["nat.requests", "table.new.natrual"].message
    assert "是不是 [nat.problems]（存在的主要问题及改进情况）？" in found["report", "[nat.problem]"].message
    assert "是不是 supervision（监督保障）？" in found["nat.overview", "superviison"].message
    # still kept on save
    report.meta["unit"] = "某县教育局（改）"
    save_report(report, path, backup=False)
    again = load_report(path)
    assert again.meta["signd"].isoformat() == "2025-01-20" and again.data["nat"]["problem"]["problems"] == "x"
    assert again.data["nat"]["requests"]["table"]["new"]["natrual"] == 3 and again.data["jo"]["newmedia"]["anything"] == 1


# -- blank cells grouped -------------------------------------------------------------------------
def test_a_blank_column_is_one_line_in_the_text_and_every_cell_in_json(tmp_path, capsys):
    import json

    from cli_helpers import run
    from plugins.engine.store import load_report, save_report
    from test_national2021 import EXAMPLE

    report = load_report(EXAMPLE)
    table = report.data["nat"]["requests"]["table"]
    for row in table.values():
        row.pop("commercial", None)  # one blank column: 24 typed cells
    del table["deny_secret"]["natural"], table["deny_secret"]["research"]  # two single blanks
    report.data["nat"]["appeals"]["cases"] = {}  # a whole table: 12 cells
    path = tmp_path / "r.toml"
    save_report(report, path, backup=False)
    code, out, err = run(capsys, "check", str(path))
    assert code == 1
    lines = out.splitlines()
    assert "  错误  收到和处理政府信息公开申请情况 › 收到和处理政府信息公开申请情况 · 商业企业：整列24格未填（没有就填0） [V-REQUIRED]" in lines
    assert "  错误  政府信息公开行政复议、行政诉讼情况 › 行政复议、行政诉讼：整表12格未填（没有就填0） [V-REQUIRED]" in lines
    assert sum("商业企业" in line for line in lines) == 1
    assert sum("属于国家秘密" in line for line in lines) == 2  # not a group: said cell by cell
    assert "39 个错误（其中 39 处未填）" in lines[0]
    code, out, err = run(capsys, "check", "--json", str(path))
    doc = json.loads(out)["files"][0]
    cells = [i for i in doc["issues"] if i["rule"] == "V-REQUIRED" and i["section"] != "report"]
    assert len(cells) == 24 + 2 + 12
    assert [(g["kind"], g["label"], g["cells"]) for g in doc["groups"]] == [("column", "商业企业", 24), ("table", "", 12)]


# -- many units: natural order, common errors first -------------------------------------------------
def test_aggregate_lists_units_in_natural_order_and_sums_up_shared_errors(host, tmp_path, capsys):  # noqa: F811
    import json

    from cli_helpers import run
    from test_aggregate import unit_report, write

    folder = tmp_path / "units"
    for n in range(1, 13):
        report = unit_report(host, f"第{n}单位")
        del report.meta["signed"]  # the error every unit shares
        if n % 2:
            report.meta["unit_level"] = "department"
        write(folder / f"第{n}单位.toml", report)
    code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml")
    assert code == 1, err
    lines = out.splitlines()
    start = lines.index("  最常见的错误：")
    assert lines[start + 1] == "    12个单位  文档信息 › 成文日期：未填写"
    listed = [line.split("（")[0].strip() for line in lines[lines.index("  逐个单位："):] if line.startswith("  第")]
    assert listed == [f"第{n}单位" for n in range(1, 13)]  # 第2单位 before 第10单位
    code, out, err = run(capsys, "aggregate", "units", "-o", "county2.toml", "--json")
    doc = json.loads(out)
    assert doc["common_errors"][0] == {"units": 12, "error": "文档信息 › 成文日期：未填写"}


# -- progress on a terminal ---------------------------------------------------------------------
class _Terminal:
    def __init__(self, tty=True):
        self.text, self.tty = "", tty

    def write(self, s):
        self.text += s

    def flush(self):
        pass

    def isatty(self):
        return self.tty


def test_progress_line_counts_rate_and_time_left():
    from tui.cli import Progress

    now = [0.0]
    term = _Terminal()
    meter = Progress("文件", stream=term, clock=lambda: now[0])
    meter.update(0, 10000)
    now[0] = 2.0
    meter.update(200, 10000)
    assert term.text.endswith("\r\x1b[K已处理 200/10000 个文件 · 每秒 100 个 · 约需 1分38秒")
    now[0] = 2.05
    before = term.text
    meter.update(205, 10000)
    assert term.text == before  # at most ten times a second
    meter.clear()
    assert term.text.endswith("\r\x1b[K") and not meter.visible
    for quiet, tty in ((True, True), (False, False)):  # --json, or not a terminal: nothing at all
        silent = _Terminal(tty)
        meter = Progress("文件", quiet=quiet, stream=silent, clock=lambda: now[0])
        meter.update(1, 2)
        meter.clear()
        assert silent.text == ""


def test_aggregate_and_check_of_many_files_show_progress_only_on_a_terminal(host, tmp_path, capsys, monkeypatch):  # noqa: F811
    import sys

    from cli_helpers import run
    from test_aggregate import unit_report, write

    for n in range(1, 4):
        write(tmp_path / "units" / f"u{n}.toml", unit_report(host, f"单位{n}"))
    code, out, err = run(capsys, "aggregate", "units", "-o", "county.toml")
    assert "已处理" not in err + out  # capsys is no terminal
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    code, out, err = run(capsys, "check", *[str(p) for p in sorted((tmp_path / "units").glob("*.toml"))])
    assert "已处理 0/3 个文件" in term.text and term.text.endswith("\r\x1b[K")
    term.text = ""
    code, out, err = run(capsys, "aggregate", "units", "-o", "county2.toml")
    assert "已处理 3/3 个文件" in term.text and term.text.endswith("\r\x1b[K")
    term.text = ""
    run(capsys, "aggregate", "units", "-o", "county3.toml", "--json")
    assert term.text == ""


def test_status_text_sums_up_an_error_many_units_share_before_the_list(host, tmp_path, capsys):  # noqa: F811
    import json

    from cli_helpers import run
    from test_status_screen import many_unsigned

    config = many_unsigned(host, tmp_path)
    today = dt.date(2019, 3, 20)
    lines = status_lines(unit_status(config, host, today=today), 2018, today)
    assert lines[1:3] == ["  最常见的错误：", "    6个单位  文档信息 › 成文日期：未填写"]
    assert lines[3].split()[0] == "单位"  # then the table, unit by unit
    code, out, err = run(capsys, "status", "--json")
    assert json.loads(out)["common_errors"][0] == {"units": 6, "error": "文档信息 › 成文日期：未填写"}


def test_reports_not_approved_are_counted_by_state_when_there_are_many():
    from plugins.county.status import waiting_lines

    few = [{"file": "u/a.toml", "unit": "建瓯市财政局", "review": "submitted", "review_label": "已提交"}]
    assert waiting_lines(few) == ["县政府办还没有审核通过的报告（1个，已计入）：建瓯市财政局（已提交）"]
    many = [{"file": f"u/{i}.toml", "unit": f"第{i}单位", "review": "drafting", "review_label": "填报中"}
            for i in range(1, 31)]
    many[4:7] = [{"file": f"u/s{i}.toml", "unit": "", "review": "submitted", "review_label": "已提交"} for i in range(3)]
    lines = waiting_lines(many)
    assert lines[0] == "县政府办还没有审核通过的报告（30个，已计入）：已提交 3个、填报中 27个"
    assert lines[1] == "  已提交：s0.toml、s1.toml、s2.toml"  # these wait for the office: first
    assert lines[2].startswith("  填报中：第1单位、第2单位、第3单位、第4单位、第8单位")
    assert lines[2].endswith("……等27个（--json 列出全部）") and lines[2].count("、") == 9
    assert len(lines) == 3
