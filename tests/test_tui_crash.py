"""What the interface keeps in the user's state directory (tui/state.py), driven with Pilot.

An unexpected error inside the interface never loses work and never looks like success
(issue 10, item 2): the report is saved first, the details go to a log in the user's state
directory, one plain sentence says so, and the status is not 0. The real terminal (what the
operator sees after the app has ended) is in test_tui_pty.py. Reopening a report comes back
where this user left it (item 7)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.widgets import Static

from plugins.engine.config import Config
from plugins.host.manager import PluginHost
from tui.app import build_app
from tui.workarounds import EXIT_CRASH
from tui.state import state_dir

from tui_helpers import focused_on, settle, wait_until
from test_tui_pty import REPORT  # the same small report as the real-terminal crash test


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
                await focused_on(pilot, "intro")
                await pilot.press("home", *"typed before the crash ")
                await settle(pilot, app)
                assert app.session.text_at("fj.overview", "intro").startswith("typed before the crash ")
                assert "typed before" not in report.read_text(encoding="utf-8")  # not saved yet (no autosave)
                await app.query_one("#form").mount(FailingWidget("x"))
                await wait_until(pilot, lambda: app.return_code == EXIT_CRASH, what="the crash")
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
                await focused_on(pilot, "intro")
                await pilot.press("x")
                await settle(pilot, app)
                monkeypatch.setattr(app.session, "save", cannot_save)
                await app.query_one("#form").mount(FailingWidget("x"))
                await wait_until(pilot, lambda: app.return_code == EXIT_CRASH, what="the crash")
    finally:
        app.session.close()
    assert app.return_code == EXIT_CRASH
    assert "报告没能保存（OSError: [Errno 28] No space left on device）" in app.crash_message
    assert "没有丢失" not in app.crash_message


# -- coming back where one was (issue 10, item 7; kept in the same state directory) ----------

HUAIAN = Path(__file__).resolve().parent.parent / "examples" / "huaian-2024.toml"


async def test_reopening_puts_the_cursor_back_in_the_cell_where_this_user_left(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = tmp_path / "huaian.toml"
    path.write_bytes(HUAIAN.read_bytes())
    before = path.read_bytes()
    host = PluginHost(Config(), entry_points=False)
    app = build_app(path, Config(), host=host)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            # the last cell of the page with the most editors: far below the first screen
            page = max(app.session.pages, key=lambda p: sum(len(f.rows) for f in p.fields if f.kind == "grid"))
            await app.show_page(page.id)
            target = app.editors()[-1]
            await focused_on(pilot, target.path)
            await pilot.press("ctrl+q")
    finally:
        app.session.close()
    assert path.read_bytes() == before  # never in the report
    again = build_app(path, Config(), host=host)
    try:
        async with again.run_test(size=(80, 24)) as pilot:
            form = again.query_one("#form")
            await wait_until(pilot, lambda: getattr(again.focused, "path", None) == target.path and form.scroll_y > 0,
                             what=lambda: f"the cursor back in {target.path} on {page.id}, scrolled to: on {again.page_id}, "
                             f"in {getattr(again.focused, 'path', again.focused)}, form scrolled to {form.scroll_y}")
            assert again.page_id == page.id
            assert again.focused is not None and again.focused.path == target.path
            assert form.scroll_y > 0 and again.focused.region.y < form.region.bottom  # scrolled to it, on screen
            await pilot.press("ctrl+q")
    finally:
        again.session.close()
    other = tmp_path / "other.toml"  # another report opens at the top, as always
    other.write_bytes(HUAIAN.read_bytes())
    third = build_app(other, Config(), host=host)
    try:
        async with third.run_test(size=(80, 24)) as pilot:
            await settle(pilot, third)
            assert third.page_id == third.session.first_section()
    finally:
        third.session.close()
