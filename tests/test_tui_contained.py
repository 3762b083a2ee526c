"""The interface with a plugin whose check hangs or exits (issue 11, item 7): checks run in
a thread, so what is typed is stored and saved while a check hangs, and a check that calls
``sys.exit()`` disables that check instead of closing the app."""

from __future__ import annotations

import sys
import threading
import tomllib
from pathlib import Path

import pytest

from plugins import Check, hookimpl
from test_tui import make_app, small  # noqa: F401 - the fixture
from tui_helpers import quiet, settle, wait_until

ROOT = Path(__file__).resolve().parent.parent


class Hostile:
    """A county's check on the metadata: ``mode`` says what it does once armed."""

    def __init__(self):
        self.mode = ""
        self.gate = threading.Event()
        self.entered = threading.Event()

    def run(self, report):
        if self.mode == "hang":
            self.entered.set()
            self.gate.wait(60)  # (released by the test; 60 s only so a failure cannot hang the suite)
        elif self.mode == "exit":
            sys.exit(3)
        return []

    @hookimpl
    def nianbao_register_checks(self):
        return [Check(id="hostile", section="report", run=self.run)]


@pytest.mark.asyncio
async def test_typing_is_saved_while_a_check_hangs(small):  # noqa: F811
    plugin = Hostile()
    app = make_app(small, extra=[("hostile", plugin)], autosave=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        field = app.editors()[0]
        app.screen.set_focus(field)
        await wait_until(pilot, lambda: app.focused is field, what="the cursor in the first field")
        before = field.current_text()
        plugin.mode = "hang"
        await pilot.press("x")
        await wait_until(pilot, plugin.entered.is_set)  # the check of that keystroke is stuck in the plugin
        await pilot.press("y", "z")  # typed while it hangs
        typed = "xyz" + before  # (the cursor is at the start of the field)
        assert field.current_text() == typed
        app.action_save()  # ctrl+s: saved now, the check still hanging
        assert app._checking is not None
        stored = tomllib.loads(small.read_text(encoding="utf-8"))
        assert app.session.text_at(field.page_id, field.path) == typed
        assert typed in repr(stored)
        plugin.mode = ""
        plugin.gate.set()  # the plugin returns: the check of what was typed meanwhile follows
        await settle(pilot, app)
        assert not [i for i in app.session.result.issues if i.plugin == "hostile"]


@pytest.mark.asyncio
async def test_a_check_that_exits_is_disabled_and_the_app_stays(small):  # noqa: F811
    plugin = Hostile()
    app = make_app(small, extra=[("hostile", plugin)], autosave=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        field = app.editors()[0]
        app.screen.set_focus(field)
        await wait_until(pilot, lambda: app.focused is field, what="the cursor in the first field")
        plugin.mode = "exit"
        await pilot.press("x")
        await wait_until(pilot, lambda: any(i.plugin == "hostile" for i in app.session.result.issues))
        [issue] = [i for i in app.session.result.issues if i.plugin == "hostile"]
        assert issue.message == "插件 hostile 在检查「hostile」时出错：调用了 sys.exit(3)"
        assert app.is_running and app.return_code is None
        await pilot.press("y")
        assert app.focused.current_text().startswith("xy")


@pytest.mark.asyncio
async def test_preview_of_a_long_page_comes_from_its_thread_and_shows_its_beginning(small):  # noqa: F811
    """A page far longer than the preview: rendered and wrapped in a thread, drawn line by
    line, its first PREVIEW_ROWS lines and a line saying the rest is in the export."""
    from tui.preview import PREVIEW_ROWS
    from tui.preview import PreviewText

    app = make_app(small, autosave=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await quiet(pilot)
        field = next(w for w in app.editors() if type(w).__name__ == "FieldText")
        long = "\n".join(f"第{i}段。" + "政府信息公开" * 20 for i in range(2 * PREVIEW_ROWS))
        app.session.set_text(field.page_id, field.path, long)
        app.schedule_preview(0)
        preview = app.query_one("#preview-text", PreviewText)
        await wait_until(pilot, lambda: preview._cache is not None and len(preview._cache[1]) == PREVIEW_ROWS + 1)
        await quiet(pilot)
        lines = [line.plain for line in preview._cache[1]]
        assert lines[-1] == app.t("preview_cut", rows=PREVIEW_ROWS)
        assert any("第0段。" in line for line in lines[:20])
        shown = preview.render_line(0).text  # drawn line by line: the first line on screen
        assert shown.strip() == lines[0].strip()


@pytest.mark.asyncio
async def test_the_editor_opens_while_the_first_check_hangs(small):  # noqa: F811
    """A check that hangs from the start: the editor opens after [plugins] time_limit
    seconds, says so, and what is typed is stored and saved."""
    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost
    from tui.app import build_app

    plugin = Hostile()
    plugin.mode = "hang"
    host = PluginHost(Config(), entry_points=False, extra=[("hostile", plugin)])
    app = build_app(small, Config(plugin_time_limit=0.5), host=host, autosave=False)
    try:
        assert plugin.entered.is_set() and app.session.checked_view is None
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app._check_slow_shown, what="the notice that the check is slow")
            field = app.editors()[0]
            app.screen.set_focus(field)
            await wait_until(pilot, lambda: app.focused is field, what="the cursor in the first field")
            await pilot.press("q")
            app.action_save()
            assert "q" + app.session.text_at(app.editors()[0].page_id, app.editors()[0].path)[1:] in repr(
                tomllib.loads(small.read_text(encoding="utf-8")))
            plugin.mode = ""
            plugin.gate.set()
            await wait_until(pilot, lambda: app.session.checked_view is not None and app._checking is None)
    finally:
        plugin.gate.set()
        app.session.close()


def test_background_jobs_reuse_a_waiting_thread_and_pass_one_that_hangs():
    """tui.editing.Background: a job started when a thread waits runs on that thread (no new
    thread to start while a key is handled); a job that never returns does not hold up the
    next one, which gets a thread of its own."""
    from tui.editing import Background

    background = Background()
    ran: list[tuple[str, int]] = []

    def job(name, gate=None, done=None):
        def run():
            if gate is not None:
                gate.wait(60)  # (released by the test; 60 s only so a failure cannot hang the suite)
            ran.append((name, threading.get_ident()))
            if done is not None:
                done.set()
        return run

    for name in ("first", "second", "third"):
        done = threading.Event()
        background.run(job(name, done=done), "test")
        assert done.wait(10)
        for _ in range(1000):  # the thread counts itself as waiting just after its job (at most 10 s)
            if background._idle:
                break
            threading.Event().wait(0.01)
    assert len({ident for _, ident in ran}) == 1
    gate, done = threading.Event(), threading.Event()
    background.run(job("hangs", gate=gate), "test")
    background.run(job("after", done=done), "test")
    assert done.wait(10) and ran[-1][0] == "after"  # ran while "hangs" still waits
    gate.set()
