"""An unexpected error inside the interface never loses work and never looks like success
(issue 10, item 2): the report is saved first, the details go to a log in the user's state
directory, one plain sentence says so, and the status is not 0. The real terminal (what the
operator sees after the app has ended) is in test_tui_pty.py."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.widgets import Static

from plugins.config import Config
from plugins.manager import PluginHost
from tui.app import EXIT_CRASH, build_app
from tui.state import state_dir

REPORT = """\
[report]
unit = "建瓯市人民政府办公室"
unit_level = "government"
year = 2018
format = "fujian-2018"

[fj.overview]
intro = "原有的总述。"
"""


class FailingWidget(Static):
    """A widget with a bug: it fails the first time it is drawn."""

    def render(self):
        raise ZeroDivisionError("division by zero in a widget")


@pytest.fixture
def report(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "r.toml"
    path.write_text(REPORT, encoding="utf-8")
    return path


async def test_a_failing_widget_saves_the_report_logs_the_details_and_says_so(report, tmp_path):
    app = build_app(report, Config(), host=PluginHost(Config(), entry_points=False), autosave=False)
    try:
        with pytest.raises(ZeroDivisionError):  # a test run re-raises it, as Textual does
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                await pilot.press("home", *"typed before the crash ")
                await pilot.pause()
                assert "typed before" not in report.read_text(encoding="utf-8")  # not saved yet (no autosave)
                await app.query_one("#form").mount(FailingWidget("x"))
                await pilot.pause()
    finally:
        app.session.close()
    assert app.return_code == EXIT_CRASH
    data = tomllib.loads(report.read_text(encoding="utf-8"))
    assert data["fj"]["overview"]["intro"] == "typed before the crash 原有的总述。"
    logs = list(state_dir().glob("crash-*.log"))
    assert state_dir() == tmp_path / "state" / "nianbao" and len(logs) == 1
    log = logs[0].read_text(encoding="utf-8")
    assert "ZeroDivisionError: division by zero in a widget" in log and "in render" in log
    assert f"report: {report}" in log and "saved: yes" in log
    message = app.crash_message
    assert message.startswith("nianbao 出现意外错误（ZeroDivisionError: division by zero in a widget），已退出")
    assert f"输入的内容都已保存在 {report}，没有丢失" in message and str(logs[0]) in message
    assert "\n" not in message


async def test_when_saving_fails_too_the_sentence_says_so(report, tmp_path, monkeypatch):
    app = build_app(report, Config(), host=PluginHost(Config(), entry_points=False), autosave=False)

    def cannot_save():
        raise OSError(28, "No space left on device")

    try:
        with pytest.raises(ZeroDivisionError):
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.press("x")
                await pilot.pause()
                monkeypatch.setattr(app.session, "save", cannot_save)
                await app.query_one("#form").mount(FailingWidget("x"))
                await pilot.pause()
    finally:
        app.session.close()
    assert app.return_code == EXIT_CRASH
    assert "报告没能保存（OSError: [Errno 28] No space left on device）" in app.crash_message
    assert "没有丢失" not in app.crash_message
