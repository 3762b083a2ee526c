"""``nianbao status --tui`` (tui/screens/status.py), driven with Pilot at 80×24: a county of three
units — 建瓯市教育局 handed in clean, 建瓯市水利局 with errors, 建瓯市财政局 missing — with a
fixed ``today`` so the days left (and the snapshot) do not change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from plugins.engine.config import Config, load_config
from test_aggregate import clean, unit_report, write
from test_cli import builtin_host
from tui.cli import main
from tui.screens.status import StatusApp, StatusScreen, build_status_app
from tui_helpers import wait_until

SIZE = (80, 24)
TODAY = dt.date(2019, 3, 20)

CONFIG = """
[site]
year = 2018
{language}
[county]
folder = "units"

[[units]]
name = "建瓯市教育局"
level = "department"

[[units]]
name = "建瓯市水利局"
level = "department"

[[units]]
name = "建瓯市财政局"
level = "department"
"""


@pytest.fixture(scope="module")
def host():
    return builtin_host()


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIANBAO_CONFIG", raising=False)
    monkeypatch.setenv("NIANBAO_SAFE_MODE", "1")


def make_county(host, folder: Path, language: str = "zh") -> Config:
    write(folder / "units" / "a.toml", clean(host, unit_report(host, "建瓯市教育局")))
    faulty = unit_report(host, "建瓯市水利局")
    faulty.section_data("fj.requests")["answers"]["granted"]["year"] += 1000
    write(folder / "units" / "shuili.toml", faulty)
    lang = 'language = "en"' if language == "en" else ""
    (folder / "config.toml").write_text(CONFIG.format(language=lang), encoding="utf-8")
    return load_config(folder / "config.toml")


def detail(app: StatusApp) -> str:
    return str(app.screen.query_one("#status-detail", Static).render())


async def listed(pilot, app: StatusApp) -> None:
    """Wait for the list of units on the screen."""
    await wait_until(pilot, lambda: isinstance(app.screen, StatusScreen)
                     and app.screen.query_one("#status-table", DataTable).row_count > 0, what="the list of units")


def cells(app: StatusApp) -> list[list[str]]:
    table = app.screen.query_one("#status-table", DataTable)
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_rows_most_urgent_first(host, tmp_path):
    app = build_status_app(make_county(host, tmp_path), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        assert isinstance(app.screen, StatusScreen)
        assert cells(app) == [
            ["建瓯市财政局", "部门", "未交", "未交", "", "", "2019-03-31", "还有11天"],
            ["建瓯市水利局", "部门", "有错误", "填报中", "2", "0", "2019-03-31", ""],
            ["建瓯市教育局", "部门", "已交", "填报中", "0", "0", "2019-03-31", ""],
        ]
        summary = str(app.screen.query_one("#status-summary", Static).render())
        assert "2018年度报告 · 2019-03-20 · 已交 2/3，未交 1，有错误 1" in summary
        assert "没有找到报告文件" in str(app.screen.query_one("#status-detail", Static).render())
        assert all(b.id for b in app.BINDINGS)  # every binding has an id (remappable)


async def test_enter_on_handed_in_unit_returns_its_path(host, tmp_path):
    app = build_status_app(make_county(host, tmp_path), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        await pilot.press("down", "down")
        await wait_until(pilot, lambda: detail(app).strip() == "units/a.toml", what="the detail of the third unit")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.return_value is not None, what="the app to end with the unit's file")
    assert app.return_value == tmp_path / "units" / "a.toml"
    assert app.chosen == "建瓯市教育局"


async def test_enter_on_missing_unit_only_notifies(host, tmp_path):
    app = build_status_app(make_county(host, tmp_path), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        await pilot.press("enter")  # 建瓯市财政局: missing
        await wait_until(pilot, lambda: app._notifications, what="a notice")
        assert app.is_running and app.return_value is None
        assert [n.message for n in app._notifications] == ["建瓯市财政局没有可以打开的报告文件"]
        assert isinstance(app.screen, StatusScreen)


async def test_refresh_picks_up_a_new_file_and_keeps_the_cursor(host, tmp_path):
    app = build_status_app(make_county(host, tmp_path), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        await pilot.press("down")  # 建瓯市水利局
        write(tmp_path / "units" / "caizheng.toml", clean(host, unit_report(host, "建瓯市财政局")))
        await pilot.press("f5")
        await wait_until(pilot, lambda: len(cells(app)) == 3 and cells(app)[2][2] == "已交", what="the list refreshed")
        assert [row[:3] for row in cells(app)] == [
            ["建瓯市水利局", "部门", "有错误"], ["建瓯市教育局", "部门", "已交"], ["建瓯市财政局", "部门", "已交"]]
        assert app.screen.query_one("#status-table", DataTable).cursor_row == 0  # still 水利局
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running, what="the app to end")
    assert app.return_value is None


async def test_english_labels(host, tmp_path):
    app = build_status_app(make_county(host, tmp_path, "en"), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        table = app.screen.query_one("#status-table", DataTable)
        assert [str(c.label) for c in table.ordered_columns] == [
            "Unit", "Level", "State", "Review", "Errors", "Warn.", "Due", "Days left"]
        assert [row[1:3] + row[7:] for row in cells(app)] == [
            ["department", "missing", "11 days left"], ["department", "errors", ""],
            ["department", "handed in", ""]]
        assert "handed in 2/3" in str(app.screen.query_one("#status-summary", Static).render())
        await pilot.press("enter")
        await wait_until(pilot, lambda: app._notifications, what="a notice")
        assert [n.message for n in app._notifications] == ["建瓯市财政局 has no report file that can be opened"]


async def test_unit_names_are_not_markup(host, tmp_path):
    config = make_county(host, tmp_path)
    text = (tmp_path / "config.toml").read_text(encoding="utf-8").replace("建瓯市财政局", "[b]财政局[/b]")
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    app = build_status_app(load_config(tmp_path / "config.toml"), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        assert cells(app)[0][0] == "[b]财政局[/b]"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app._notifications, what="a notice")
        assert [n.message for n in app._notifications] == ["[b]财政局[/b]没有可以打开的报告文件"]
    assert config.units


@pytest.mark.parametrize("ended", [0, 129, 143], ids=["closed", "hung-up", "terminated"])
def test_cli_status_tui_opens_the_chosen_report_and_comes_back(host, tmp_path, monkeypatch, ended):
    """Closing the editor comes back to the list; an editor ended by a dropped connection
    (SIGHUP) or SIGTERM ends the list too: drawn again on a terminal that is gone, it spun
    on its input for ever."""
    make_county(host, tmp_path)
    import tui.app
    import tui.screens.status

    shown: list[str | None] = []
    opened: list[Path] = []

    class FakeApp:
        def __init__(self, select):
            self.select, self.chosen = select, None

        def run(self):
            shown.append(self.select)
            if len(shown) == 1:
                self.chosen = "建瓯市教育局"
                return tmp_path / "units" / "a.toml"
            return None

    monkeypatch.setattr(tui.screens.status, "build_status_app", lambda config, host, year=None, select=None: FakeApp(select))
    monkeypatch.setattr(tui.app, "run_app", lambda path, config, safe_mode=False: opened.append(path) or ended)
    assert main(["status", "--tui"]) == ended
    assert opened == [tmp_path / "units" / "a.toml"]
    assert shown == ([None, "建瓯市教育局"] if ended == 0 else [None])  # back to the list, on the same unit


def test_snapshot_status_screen(snap_compare, host, tmp_path):
    app = build_status_app(make_county(host, tmp_path), host, today=TODAY)

    async def run_before(pilot):
        await listed(pilot, app)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def review_county(host, folder: Path, monkeypatch) -> Config:
    """The county above plus a fourth unit; the reports in four review states, at fixed times:
    教育局 approved, 财政局 returned with two remarks, 民政局 submitted, 水利局 being filled in."""
    import plugins.engine.journal as jn
    from plugins.engine.journal import Journal

    make_county(host, folder)
    text = (folder / "config.toml").read_text(encoding="utf-8")
    (folder / "config.toml").write_text(text + '\n[[units]]\nname = "建瓯市民政局"\nlevel = "department"\n',
                                        encoding="utf-8")
    write(folder / "units" / "caizheng.toml", clean(host, unit_report(host, "建瓯市财政局")))
    write(folder / "units" / "minzheng.toml", clean(host, unit_report(host, "建瓯市民政局")))
    when = [dt.datetime(2019, 3, 11, 9, 30).astimezone()]
    monkeypatch.setattr(jn, "_now", lambda: when[0])

    def steps(name: str, *kinds: tuple[str, dict]) -> None:
        with Journal(folder / "units" / name) as j:
            j.recover()
            for kind, note in kinds:
                when[0] += dt.timedelta(hours=5)
                j.event(kind, note)

    steps("a.toml", ("submit", {}), ("approve", {}))
    steps("caizheng.toml", ("submit", {}),
          ("remark", {"section": "fj.overview", "path": "intro", "text": "总述请写明年度。"}),
          ("remark", {"section": "fj.proactive", "path": "", "text": "请核对主动公开总数。"}), ("return", {}))
    steps("minzheng.toml", ("submit", {}))
    return load_config(folder / "config.toml")


async def test_review_state_per_unit(host, tmp_path, monkeypatch):
    app = build_status_app(review_county(host, tmp_path, monkeypatch), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        review = {row[0]: row[3] for row in cells(app)}
        assert review == {"建瓯市教育局": "已通过", "建瓯市财政局": "退回（2条意见）", "建瓯市民政局": "已提交",
                          "建瓯市水利局": "填报中"}
        names = [row[0] for row in cells(app)]
        await pilot.press(*["down"] * names.index("建瓯市财政局"))
        await wait_until(pilot, lambda: "审核：" in detail(app), what="the detail of 建瓯市财政局")
        assert "审核：退回（2条意见）（2019-03-12 15:30）" in detail(app)


def test_cli_status_json_has_the_review_state(host, tmp_path, monkeypatch, capsys):
    import json

    review_county(host, tmp_path, monkeypatch)
    assert main(["status", "--json", "--year", "2018"]) == 0
    units = {u["name"]: u for u in json.loads(capsys.readouterr().out)["units"]}
    assert units["建瓯市财政局"]["review"] == "returned" and units["建瓯市财政局"]["open_remarks"] == 2
    assert units["建瓯市财政局"]["review_label"] == "退回（2 条意见）"
    assert units["建瓯市教育局"]["review"] == "approved" and units["建瓯市教育局"]["review_since"].startswith("2019-03-11T19:30")
    assert units["建瓯市民政局"]["review_label"] == "已提交"
    assert main(["status", "--year", "2018"]) == 0
    out = capsys.readouterr().out
    assert "已通过 1" in out and "退回（2 条意见） 03-12" in out


def test_snapshot_status_screen_review_states(snap_compare, host, tmp_path, monkeypatch):
    app = build_status_app(review_county(host, tmp_path, monkeypatch), host, today=TODAY)

    async def run_before(pilot):
        await listed(pilot, app)
        await pilot.press("down")
        await wait_until(pilot, lambda: app.screen.query_one("#status-table", DataTable).cursor_row == 1,
                         what="the cursor on the second unit")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def many_unsigned(host, folder: Path, n: int = 6) -> Config:
    """``n`` township units that all left 成文日期 empty (the error they share); the first
    also with a wrong figure of its own."""
    units = ""
    for i in range(1, n + 1):
        report = unit_report(host, f"第{i}镇", level="township")
        del report.meta["signed"]
        if i == 1:
            report.section_data("fj.requests")["answers"]["granted"]["year"] += 1000
        write(folder / "units" / f"z{i}.toml", report)
        units += f'\n[[units]]\nname = "第{i}镇"\nlevel = "township"\n'
    (folder / "config.toml").write_text('[site]\nyear = 2018\n[county]\nfolder = "units"\n' + units, encoding="utf-8")
    return load_config(folder / "config.toml")


async def test_an_error_many_units_share_is_said_once_above_the_list(host, tmp_path):
    app = build_status_app(many_unsigned(host, tmp_path), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        line = app.screen.query_one("#status-common", Static)
        assert line.display
        assert str(line.render()).startswith("最常见的错误：6个单位 文档信息 › 成文日期：未填写")
        assert len(cells(app)) == 6  # the list is still there, all of it


async def test_no_common_error_line_for_a_few_units(host, tmp_path):
    app = build_status_app(make_county(host, tmp_path), host, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await listed(pilot, app)
        assert not app.screen.query_one("#status-common", Static).display
