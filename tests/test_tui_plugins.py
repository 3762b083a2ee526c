"""The interface says which plugins do not run, and safe mode: a mark in the status bar
that stays, a notice on start, and the help screen (F1) listing each plugin with where it
came from and why. At 80×24 the form stays in view."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from plugins.engine.config import Config
from plugins.host.manager import PluginHost
from tui.app import NianbaoApp, build_app
from test_tui import SNAPSHOT_REPORT
from tui.screens.help import HelpScreen
from tui_helpers import quiet, wait_until

SIZE = (80, 24)
FIXED = dt.datetime(2019, 1, 8, 9, 30, 0)
REASON = "导入失败：ModuleNotFoundError: No module named 'no_such_module_anywhere'"

_apps: list[NianbaoApp] = []


@pytest.fixture(autouse=True)
def _close_sessions():
    yield
    while _apps:
        _apps.pop().session.close()


@pytest.fixture
def county(tmp_path, monkeypatch) -> Path:
    """A county folder (relative, as config.toml names it) with a plugin that fails to
    import, and the small report of the snapshots."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "county").mkdir()
    (tmp_path / "county" / "broken.py").write_text("import no_such_module_anywhere\n", encoding="utf-8")
    (tmp_path / "jianou.toml").write_text(SNAPSHOT_REPORT, encoding="utf-8")
    return tmp_path / "jianou.toml"


def make_app(path: Path, *, safe_mode: bool = False, language: str = "zh", folders=(Path("county"),)) -> NianbaoApp:
    config = Config(plugin_folders=tuple(folders), language=language)
    host = PluginHost(config, entry_points=False, safe_mode=safe_mode)
    app = build_app(path, config, host=host, autosave=False, clock=lambda: FIXED)
    _apps.append(app)
    return app


def status_text(app: NianbaoApp) -> str:
    return str(app.screen.query_one("#status").render())


def notices(app: NianbaoApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_failed_plugin_is_marked_noticed_and_listed(county):
    app = make_app(county)
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot)
        assert app.host.records["broken"].state == "failed"
        status = status_text(app)
        assert "1个插件未运行" in status and "个错误" in status  # beside the counts, which stay
        assert notices(app) == ["插件 broken 没有运行：导入失败（F1 查看）"]  # (short: F1 has the reason)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help screen")
        help_text = app.help_text()
        assert help_text.startswith("插件（nianbao plugins 查看详情）：\n"
                                    f"  插件 broken（插件文件夹 county/broken.py）已停用（出错）：{REASON}\n")
        assert "按键" not in help_text.split("\n\n")[0]  # (the keys follow)


async def test_safe_mode_is_marked_and_noticed(county):
    app = make_app(county, safe_mode=True)
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot)
        assert "broken" not in app.host.records
        assert "安全模式" in status_text(app) and "插件未运行" not in status_text(app)
        assert notices(app) == ["安全模式：只加载了内置插件，县里的插件和覆盖模板都没有使用"]
        assert app.help_text().startswith("插件（nianbao plugins 查看详情）：\n  安全模式：只加载了内置插件")


async def test_nothing_is_said_when_every_plugin_runs(county):
    app = make_app(county, folders=())
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot)
        assert "插件" not in status_text(app) and "安全模式" not in status_text(app)
        assert notices(app) == []
        assert not app.help_text().startswith("插件")


async def test_in_english_too(county):
    app = make_app(county, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot)
        assert "1 plugin(s) off" in status_text(app)
        assert notices(app) == ["Plugin broken is not running: 导入失败 (F1 for details)"]


def test_snapshot_failed_plugin_at_80x24(snap_compare, county):
    """The first screen: the status bar's mark, the notice in a corner, the form in view."""
    assert snap_compare(make_app(county), terminal_size=SIZE, run_before=quiet)


def test_snapshot_failed_plugin_help_at_80x24(snap_compare, county):
    async def run_before(pilot):
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="the help screen")
        await quiet(pilot)

    assert snap_compare(make_app(county), terminal_size=SIZE, run_before=run_before)
