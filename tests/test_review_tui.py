"""The review in the interface (tui/review.py): the office's remarks beside the fields and in
the problem list, F6 to add a remark in `nianbao review` (read-only) and to answer or resolve
it in `nianbao edit`, a submitted or approved report opened read-only; snapshots at 80×24."""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
from pathlib import Path

import pytest

import plugins.engine.journal as jn
from plugins.engine.config import Config, load_config
from plugins.engine.journal import Journal, close_all
from plugins.host.manager import PluginHost
from plugins.engine.review import read_review
from plugins.engine.store import load_report
from tui.app import NianbaoApp, build_app
from tui_helpers import quiet, settle, wait_until

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jianou-2018.toml"
FIXED = dt.datetime(2019, 1, 8, 10, 30)
SIZE = (80, 24)

_apps: list[NianbaoApp] = []


@pytest.fixture(autouse=True)
def _close():
    yield
    while _apps:
        _apps.pop().session.close()
    close_all()


@pytest.fixture
def report(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, path)
    me = pwd.getpwuid(os.getuid()).pw_name
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[review]\noffice = ["{me}"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    when = [dt.datetime(2019, 1, 10, 9, 0).astimezone()]
    monkeypatch.setattr(jn, "_now", lambda: when[0])
    return path


def remarks(path: Path, *items: tuple[str, str, str]) -> None:
    with Journal(path) as j:
        j.recover()
        j.event("submit", {})
        for section, field, text in items:
            j.event("remark", {"section": section, "path": field, "text": text})
        j.event("return", {})


def make_app(path: Path, *, review: bool = False) -> NianbaoApp:
    config = load_config(path.parent / "config.toml")
    host = PluginHost(Config(), entry_points=False)
    app = build_app(path, config, host=host, autosave=False, clock=lambda: FIXED, review=review)
    _apps.append(app)
    return app


TWO = (("fj.overview", "intro", "总述请写明年度，不要用“今年来”。"), ("fj.proactive", "", "请核对主动公开总数与各类别合计。"))


async def test_the_unit_sees_the_remarks_beside_the_fields_and_in_the_list(report):
    remarks(report, *TWO)
    app = make_app(report)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        assert app.page_id == "fj.overview"
        box = next(b for b in app.page_boxes() if b.field.key == "intro")
        shown = box.query_one(".message").plain
        assert "⚑" in shown and "总述请写明年度" in shown
        panel = app.query_one("#issues")
        assert panel.display
        first = [str(panel.get_option_at_index(i).prompt) for i in range(2)]
        assert all(line.startswith("⚑") for line in first) and "主动公开" in first[1]


async def test_f6_in_review_adds_a_remark_on_the_focused_field_and_nothing_can_be_typed(report):
    app = make_app(report, review=True)
    before = report.read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.session.read_only
        focused = app.focused
        assert focused is not None and focused.path == "intro"  # the cursor still goes to the fields
        await pilot.press("x", "y", "backspace")
        assert app.session.text_at("fj.overview", "intro") == focused.current_text()
        await pilot.press("f6")
        await settle(pilot, app)
        await pilot.press(*"请写明年度")
        await pilot.press("enter")
        await settle(pilot, app)
    rv = read_review(report)
    assert [(r.section, r.path, r.text) for r in rv.remarks] == [("fj.overview", "intro", "请写明年度")]
    assert report.read_bytes() == before


async def test_f6_in_edit_answers_and_resolves(report):
    remarks(report, *TWO)
    app = make_app(report)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f6")
        await settle(pilot, app)
        await pilot.press(*"已改")
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("f6")
        await settle(pilot, app)
        await pilot.press("f6")
        await settle(pilot, app)
    rv = read_review(report)
    first = rv.remarks[0]
    assert first.answers[0]["text"] == "已改" and first.state == "resolved"
    assert rv.remarks[1].state == "open"


async def test_an_approved_report_opens_read_only_saying_why(report):
    with Journal(report) as j:
        j.recover()
        j.event("submit", {})
        j.event("approve", {})
    app = make_app(report)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.session.read_only and "已通过" in app.session.why_read_only


async def test_f7_submits_only_without_errors_then_the_report_is_read_only(report):
    app = make_app(report)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f7")
        await settle(pilot, app)
        assert read_review(report).state == "drafting"  # the example has an error (OR9)
        assert any("1 个错误" in n.message for n in app._notifications)
        counts = app.session.report.data["fj"]["proactive"]["counts"]
        counts["total"]["year"] = counts["website"]["year"] = 2535
        app.session.dirty = True
        await pilot.press("f7")
        await settle(pilot, app)
        assert read_review(report).state == "submitted"
        assert app.session.read_only and "已提交" in app.session.why_read_only
    assert load_report(report).data["fj"]["proactive"]["counts"]["total"]["year"] == 2535  # saved first


def test_snapshot_remarks_beside_the_field(snap_compare, report):
    remarks(report, *TWO)
    assert snap_compare(make_app(report), terminal_size=SIZE, run_before=quiet)


def test_snapshot_remark_list(snap_compare, report):
    remarks(report, *TWO)

    async def run_before(pilot):
        await pilot.press("f8")
        await wait_until(pilot, lambda: pilot.app.query_one("#issues").has_focus, what="the list of remarks")
        await quiet(pilot)

    assert snap_compare(make_app(report), terminal_size=SIZE, run_before=run_before)
