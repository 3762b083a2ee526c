"""The Textual interface, driven with Pilot at 80×24 (tui/app.py and the modules beside it).

Reports are temporary copies: the example report for the tests that walk through a real
report, and a small fixed report (below) for the SVG snapshots, so they do not change when
the example does. Chinese punctuation is sent as a paste: Pilot drops it when "typed"
(see /work/shared/notes/textual.md §3.2)."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import shutil
import tomllib
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual import events
from textual.widgets import Footer, OptionList

from plugins import API_VERSION, Section, hookimpl
from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.fields import Text
from plugins.host.manager import PluginHost
from plugins.engine.store import ReportLock
from tui.app import NianbaoApp, build_app
from tui.form.editors import Editor
from tui.form.field_box import FieldBox
from tui.form.grid import GridCell
from tui.form.records import RecordsBox
from tui.screens.export import ExportScreen
from tui.screens.help import HelpScreen
from tui.text_layout import WrappedText
from tui_helpers import quiet, settle, wait_until

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jianou-2018.toml"
FIXED = dt.datetime(2019, 1, 8, 9, 30, 0)
SIZE = (80, 24)

# A small report with one of everything: prose, a list, grids, an error (the categories do
# not add up), warnings, and fields still to fill in. Fixed, for the snapshots.
SNAPSHOT_REPORT = """\
[report]
unit = "建瓯市人民政府办公室"
unit_level = "government"
region = "福建省南平市建瓯市"
year = 2018
format = "fujian-2018"
doc_number = "瓯政办〔2019〕2号"
website_name = "中国建瓯"
website_url = "http://www.jo.gov.cn/"
contact_office = "建瓯市政府办公室信息股"
phone = "0599-3833124"
address = "建瓯市瓯宁路68号"
email = "x3833124@163.com"
signed = 2019-01-08

[fj.overview]
intro = "2018年，坚持以公开为常态、不公开为例外，不断推进政府信息公开，以公开促落实，以公开促规范，以公开促服务。"

[[fj.overview.items]]
title = "加强组织领导"
body = "指定一位领导分管政务公开工作。截至目前，全市专兼职政务公开工作人员43名。"

[fj.proactive]
scope = "全市43个单位"
interpretation = "2018年，共解读各类政策10份。"

[fj.proactive.counts]
total = { year = 2589, cumulative = 46269 }
website = { year = 2589, cumulative = 46269 }
gazette = { year = 0, cumulative = 0 }

[[fj.proactive.categories]]
name = "政策、规范性文件类信息"
count = 322

[[fj.proactive.categories]]
name = "规划计划类信息"
count = 77

[fj.requests.received]
in_person = { year = 0, cumulative = 3567 }
online = { year = 5, cumulative = 6 }
letter_fax = { year = 0, cumulative = 8 }

[fj.requests.answers]
granted = { year = 1, cumulative = 3571 }
partial = { year = 1, cumulative = 2 }
denied = { year = 0, cumulative = 2 }
other = { year = 3, cumulative = 6 }
"""


def _newmedia_installed() -> bool:
    return any(ep.name == "newmedia" for ep in importlib.metadata.entry_points(group="nianbao"))


@pytest.fixture
def example(tmp_path) -> Path:
    if not EXAMPLE.is_file():
        pytest.skip("examples/jianou-2018.toml is not there yet")
    path = tmp_path / "jianou.toml"
    shutil.copy(EXAMPLE, path)
    return path


@pytest.fixture
def small(tmp_path) -> Path:
    path = tmp_path / "jianou.toml"
    path.write_text(SNAPSHOT_REPORT, encoding="utf-8")
    return path


_apps: list[NianbaoApp] = []


@pytest.fixture(autouse=True)
def _close_sessions():
    yield
    while _apps:
        _apps.pop().session.close()


def make_app(path: Path, *, language: str = "zh", entry_points: bool = False, extra=(), autosave: bool = True) -> NianbaoApp:
    host = PluginHost(Config(), entry_points=entry_points, extra=extra)
    app = build_app(path, Config(language=language), host=host, autosave=autosave, clock=lambda: FIXED)
    _apps.append(app)
    return app


def on_disk(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def editor(app: NianbaoApp, path: str):
    return next(w for w in app.editors() if w.path == path)


async def focus(pilot, app: NianbaoApp, path: str):
    app.focus_path(path)
    await settle(pilot, app)
    assert app.focused is editor(app, path)
    return app.focused


async def paste(pilot, app: NianbaoApp, text: str) -> None:
    """A bracketed paste, as the terminal sends it (the app hands it to the focused field)."""
    app.post_message(events.Paste(text))
    await settle(pilot, app)


async def select_all(pilot, app: NianbaoApp) -> None:
    """Select the focused field's text, so that what comes next replaces it."""
    widget = app.focused
    if hasattr(widget, "select_all"):
        widget.select_all()
    await settle(pilot, app)


async def goto(pilot, app: NianbaoApp, page_id: str) -> None:
    await app.show_page(page_id)
    await settle(pilot, app)


def field_message(app: NianbaoApp, key: str) -> str:
    box = next(b for b in app.query_page(FieldBox) if b.field.key == key)
    return box.query_one(".message", WrappedText).plain


def page_title(app: NianbaoApp) -> str:
    return str(app.query_page(".page-title").first().render())


# -- opening ----------------------------------------------------------------------------------

async def test_on_open_the_cursor_is_in_the_first_field_of_the_first_section(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first = app.session.pages[1]
        assert app.page_id == first.id
        assert isinstance(app.focused, Editor)
        assert app.focused.path == first.fields[0].key
        await pilot.press("home", *"新的开头")
        await settle(pilot, app)
        assert app.session.raw(first.id, first.fields[0].key).startswith("新的开头")


async def test_every_page_shows_its_state_in_the_navigation(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        nav = app.query_one("#nav", OptionList)
        assert nav.option_count == len(app.session.pages)
        marks = [str(nav.get_option_at_index(i).prompt)[0] for i in range(nav.option_count)]
        assert set(marks) <= set("◦✎!✗✓⊘")
        assert marks[2] == "✗"  # the example's categories do not add up


# -- moving around ----------------------------------------------------------------------------

async def test_step_through_every_section_and_the_metadata_page(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        ids = [p.id for p in app.session.pages]
        seen = [app.page_id]
        for key in ["f3", "ctrl+f"] * len(ids):
            before = app.page_id
            await pilot.press(key)
            await wait_until(pilot, lambda before=before: app.page_id != before and isinstance(app.focused, Editor)
                             and app.focused.page_id == app.page_id, what=f"the page after {before}")
            seen.append(app.page_id)
            assert page_title(app) == app.session.page(app.page_id).heading
            assert isinstance(app.focused, Editor) and app.focused.page_id == app.page_id
        assert seen[: len(ids) + 1] == ids[1:] + ids[:2]  # in order, wrapping to the metadata
        last = app.page_id
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.page_id != last)
        before = app.page_id
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: app.page_id != before)
        assert ids.index(app.page_id) == (ids.index(before) - 1) % len(ids)
        nav = app.query_one("#nav", OptionList)
        assert nav.highlighted == ids.index(app.page_id)


async def test_a_page_built_while_a_frame_is_drawn_opens_at_its_first_field(tmp_path):
    """On a loaded machine a frame can be drawn while the next page's form is being mounted,
    with the new form below the one still shown. The scroll to the new page's first field
    went by those places, and ended at the page's bottom, the cursor out of view (the walk
    in a real terminal failed so: what was typed did not show)."""
    import asyncio

    report = tmp_path / "r.toml"
    shutil.copy(ROOT / "examples" / "huaian-2024.toml", report)
    app = make_app(report)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        form = app.query_one("#form")
        mount = form.mount

        async def mount_then_draw(*widgets, **kw):
            await mount(*widgets, **kw)
            await asyncio.sleep(0.2)  # (not a wait for a condition: the moment a frame is drawn)

        form.mount = mount_then_draw  # type: ignore[method-assign]
        for _ in app.session.pages[1:]:
            before = app.page_id
            await pilot.press("f3")
            await wait_until(pilot, lambda before=before: app.page_id != before and isinstance(app.focused, Editor)
                             and app.focused.page_id == app.page_id, what=f"the page after {before}")
            await settle(pilot, app)
            assert form.can_view_partial(app.focused), f"{app.page_id}: the cursor out of view, scrolled to {form.scroll_y}"


async def test_choosing_a_page_in_the_navigation(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        nav = app.query_one("#nav", OptionList)
        nav.focus()
        await wait_until(pilot, lambda: nav.has_focus, what="the cursor in the part list")  # (focus moves on the app's next turn)
        nav.highlighted = 3
        await pilot.press("enter")
        # the page is shown by a message handler: wait for it, not for a time
        await wait_until(pilot, lambda: app.page_id == app.session.pages[3].id)


# -- typing -----------------------------------------------------------------------------------

async def test_numbers_and_chinese_prose_reach_the_file(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.problems")
        await focus(pilot, app, "problems")
        await select_all(pilot, app)
        await paste(pilot, app, "一是工作基础需进一步夯实（人员均为兼职）；二是“公开内容”不够深入……")
        assert editor(app, "problems").text.endswith("不够深入……")
        await goto(pilot, app, "fj.appeals")
        await focus(pilot, app, "cases.reviews.year")
        await pilot.press(*"１２")  # full-width digits from an input method
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    data = on_disk(example)
    assert data["fj"]["problems"]["problems"] == "一是工作基础需进一步夯实（人员均为兼职）；二是“公开内容”不够深入……"
    assert data["fj"]["appeals"]["cases"]["reviews"]["year"] == 12


async def test_an_impossible_count_shows_an_error_beside_it_until_fixed(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.appeals")
        cell = await focus(pilot, app, "cases.suits.year")  # focus selects the value: typing replaces it
        await pilot.press(*"12.5")
        await settle(pilot, app)
        assert cell.value == "12.5"  # nothing silently changed
        assert "小数" in field_message(app, "cases")
        assert cell.has_class("-error")
        assert app.session.state("fj.appeals") == "errors"
        nav = app.query_one("#nav", OptionList)
        assert str(nav.get_option_at_index(4).prompt).startswith("✗")
        await pilot.press("backspace", "backspace")
        await settle(pilot, app)
        assert "小数" not in field_message(app, "cases")
        assert not cell.has_class("-error")
        assert app.session.raw_at("fj.appeals", "cases.suits.year") == 12


async def test_a_category_count_that_breaks_the_sum_is_flagged_as_typed(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.proactive")
        counts = [r["count"] for r in app.session.records("fj.proactive", "categories")]
        total = app.session.raw_at("fj.proactive", "counts.total.year")
        last = len(counts) - 1
        await focus(pilot, app, f"categories[{last}].count")
        # make the categories add up: the error goes away ...
        await pilot.press(*str(counts[-1] + total - sum(counts)))
        await settle(pilot, app)
        assert "不符" not in field_message(app, "categories")
        # ... and one more comes back as soon as it is typed
        await pilot.press("end", "1")
        await settle(pilot, app)
        assert "不符" in field_message(app, "categories")
        computed = next(b for b in app.query_page(FieldBox) if b.field.key == "category_sum")
        assert str(total) not in computed.query_one(".computed", WrappedText).plain  # updated live


# -- lists ------------------------------------------------------------------------------------

async def test_a_list_add_type_move_remove_by_keyboard(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.proactive")

        def titles():
            return [r.get("name") for r in app.session.records("fj.proactive", "categories")]

        before = titles()
        await focus(pilot, app, "categories[0].name")
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert app.focused.path == "categories[1].name"  # a new record after this one
        await pilot.press(*"新类别")
        await pilot.press("tab", *"9")
        await settle(pilot, app)
        assert titles() == [before[0], "新类别", *before[1:]]
        assert app.session.records("fj.proactive", "categories")[1]["count"] == 9
        await pilot.press("ctrl+up")
        await settle(pilot, app)
        assert titles()[:2] == ["新类别", before[0]]
        assert app.focused.path == "categories[0].count"  # the cursor moved with the record
        await pilot.press("ctrl+down", "ctrl+down")
        await settle(pilot, app)
        assert titles()[:3] == [before[0], before[1], "新类别"]
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert titles() == before
        assert app.focused.path == "categories[2].count"
        boxes = list(app.query_page(RecordsBox))
        assert len(boxes[0].query(".record-row")) == len(before)
    assert [r["name"] for r in on_disk(example)["fj"]["proactive"]["categories"]] == before


async def test_keys_sent_in_one_burst_are_applied_in_order(example):
    """Over SSH typed-ahead keys arrive together: text typed before ctrl+n stays in the old
    record, text typed after it goes into the new one."""
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.proactive")
        await focus(pilot, app, "categories[0].name")
        await pilot.press("end")
        for key, char in [("a", "a"), ("ctrl+n", None), ("b", "b"), ("c", "c")]:
            app.post_message(events.Key(key, char))
        await wait_until(pilot, lambda: len(app.session.records("fj.proactive", "categories")) > 1
                       and app.session.records("fj.proactive", "categories")[1].get("name") == "bc")
        await wait_until(pilot, lambda: getattr(app.focused, "path", "") == "categories[1].name"
                         and app.focused.value == "bc", what="the new record and what was typed in it on the screen")
        await settle(pilot, app)
        rows = app.session.records("fj.proactive", "categories")
        assert rows[0]["name"].endswith("a")
        assert rows[1] == {"name": "bc"}


async def test_a_burst_through_a_table_fills_the_cells_in_turn(example):
    """"5<Tab>6<Enter>7" arriving in one packet: each number in its own cell."""
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.appeals")
        await focus(pilot, app, "cases.complaints.year")
        for key, char in [("5", "5"), ("tab", None), ("6", "6"), ("enter", "\r"), ("7", "7"), ("down", None), ("8", "8")]:
            app.post_message(events.Key(key, char))
        await wait_until(pilot, lambda: app.session.raw_at("fj.appeals", "cases.suits.year") == 8)  # the burst is through
        got = [app.session.raw_at("fj.appeals", p) for p in
               ("cases.complaints.year", "cases.complaints.cumulative", "cases.reviews.year", "cases.suits.year")]
        assert got == [5, 6, 7, 8]


async def test_an_empty_list_offers_to_add_a_record(small):
    app = make_app(small)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.proactive")
        box = next(b for b in app.query_page(RecordsBox) if b.field.key == "channels")
        assert "ctrl+n" in str(box.query_one(".hint").render())
        app.query_one("#form").scroll_to_widget(box)
        assert app.check_action("add_record", ()) is True
        assert app.check_action("remove_record", ()) is False  # not in a record
        await focus(pilot, app, "categories[1].count")
        assert app.check_action("remove_record", ()) is True


# -- tables -----------------------------------------------------------------------------------

async def test_arrows_move_cell_to_cell_and_the_total_updates_live(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.requests")
        await focus(pilot, app, "received.in_person.year")
        await pilot.press("down")
        assert app.focused.path == "received.online.year"
        await pilot.press("right")  # the whole value is selected on arrival: right leaves the cell
        assert app.focused.path == "received.online.cumulative"
        await pilot.press("left")
        assert app.focused.path == "received.online.year"
        await pilot.press("up", "up")  # on to the computed total row: read-only
        assert isinstance(app.focused, GridCell) and app.focused.path == "received.total.year"
        before = str(app.focused.render())
        await pilot.press(*"9")  # nothing to type into
        assert str(app.focused.render()) == before
        await pilot.press("down")
        assert app.focused.path == "received.in_person.year"
        await pilot.press(*"7")
        await settle(pilot, app)
        total = next(c for c in app.query_page(GridCell) if c.row == "total" and c.col == "year"
                     and c.grid_field.key == "received")
        online = app.session.raw_at("fj.requests", "received.online.year")
        letters = app.session.raw_at("fj.requests", "received.letter_fax.year")
        assert str(total.render()) == str(7 + online + letters)
        await pilot.press("down", "down", "down")  # stays in the last row
        assert app.focused.path == "received.letter_fax.year"
        await pilot.press("tab")
        assert app.focused.path == "received.letter_fax.cumulative"


# -- problems ---------------------------------------------------------------------------------

async def test_the_issue_list_shows_every_problem_and_jumps_to_the_field(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        panel = app.query_one("#issues", OptionList)
        assert not panel.display  # 80×24: hidden until asked for
        await pilot.press("f8")
        await settle(pilot, app)
        assert panel.display and panel.has_focus
        issues = app.ordered_issues()
        assert panel.option_count == len(issues) == len(app.session.result.issues)
        target = next(i for i, issue in enumerate(issues) if issue.section == "fj.proactive" and issue.field)
        panel.highlighted = target
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.page_id == "fj.proactive"
        field = issues[target].field
        assert app.focused.path == field or app.focused.path.startswith(field.split(".")[0])
        jumped_to = app.focused
        await pilot.press("f8")  # back in the list
        assert panel.has_focus
        await pilot.press("f8")  # and closed, back in the field
        assert not panel.display
        assert app.focused is jumped_to
        await pilot.press("f8")
        assert panel.display and panel.has_focus
        await pilot.press("escape")
        assert not panel.display and app.focused is jumped_to


async def test_next_problem_goes_from_field_to_field(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        issues = app.ordered_issues()
        await pilot.press("f4")
        await settle(pilot, app)
        assert app.page_id == issues[0].section
        await pilot.press("ctrl+g")
        await settle(pilot, app)
        assert app.page_id == issues[1].section
        assert app.focused.path.split("[")[0].split(".")[0] == (issues[1].field or "").split("[")[0].split(".")[0]


async def test_a_clean_report_says_there_is_no_problem(small):
    app = make_app(small)
    async with app.run_test(size=SIZE) as pilot:
        app.session.result.issues.clear()
        await pilot.press("f4")
        await settle(pilot, app)
        assert "没有发现问题" in [str(n.message) for n in app._notifications]


# -- preview and export ------------------------------------------------------------------------

async def test_the_preview_shows_the_section_as_printed_and_follows_typing(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.problems")
        preview = app.query_one("#preview")
        assert not preview.display
        await pilot.press("f9")
        await settle(pilot, app)
        assert preview.display
        assert app.query_one("#nav").has_class("-narrow")  # states stay visible
        text = app.query_one("#preview-text", WrappedText).plain
        assert "五、政府信息公开工作存在的主要问题及改进措施" in text
        await focus(pilot, app, "measures")
        await select_all(pilot, app)
        await paste(pilot, app, "预览里应出现的改进措施。")
        await wait_until(pilot, lambda: "预览里应出现的改进措施。" in app.query_one("#preview-text", WrappedText).plain)
        await pilot.press("ctrl+t")
        assert not preview.display


async def test_export_from_the_app_writes_the_file(example):
    app = make_app(example)
    target = example.with_suffix(".txt")
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.other")
        await focus(pilot, app, "matters")
        await select_all(pilot, app)
        await paste(pilot, app, "导出前刚刚输入的一句话。")
        await pilot.press("f10")
        await settle(pilot, app)
        assert isinstance(app.screen, ExportScreen)
        formats = app.screen.query_one("#export-format", OptionList)
        formats.highlighted = [formats.get_option_at_index(i).id for i in range(formats.option_count)].index("txt")
        assert app.screen.query_one("#export-path").value == str(target)
        app.session.result.issues[:] = [i for i in app.session.result.issues if i.severity != "error"]
        await pilot.press("enter")  # one Enter on the format: exported to the file shown
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen))
        assert any(str(target) in str(n.message) for n in app._notifications)
    text = target.read_text(encoding="utf-8")
    assert "导出前刚刚输入的一句话。" in text
    assert "建瓯市人民政府办公室" in text


async def test_export_asks_first_when_errors_remain_and_shows_it_is_working(example, monkeypatch):
    import threading

    app = make_app(example)
    target = example.with_suffix(".txt")
    release = threading.Event()
    real = app.export_job

    def slow_job(exporter_id, path):
        job = real(exporter_id, path)
        return lambda: (release.wait(10), job())[1]  # an export that takes its time

    monkeypatch.setattr(app, "export_job", slow_job)
    async with app.run_test(size=SIZE) as pilot:
        n = len(app.session.result.errors)
        assert n
        await pilot.press("f10")
        await settle(pilot, app)
        formats = app.screen.query_one("#export-format", OptionList)
        formats.highlighted = [formats.get_option_at_index(i).id for i in range(formats.option_count)].index("txt")
        await pilot.press("enter")
        await settle(pilot, app)
        status = app.screen.query_one("#export-status")
        assert str(status.render()) == f"还有{n}处错误，仍要导出吗？回车导出，Esc 取消"
        assert not target.exists()
        await pilot.press("enter")  # yes
        await wait_until(pilot, lambda: "正在导出" in str(status.render()))
        # it says it is working, counting seconds (the count comes every half second)
        await wait_until(pilot, lambda: "正在导出（纯文本）…… 已用" in str(status.render()))
        await pilot.press("escape")  # not while it is writing
        assert isinstance(app.screen, ExportScreen)
        release.set()
        await wait_until(pilot, lambda: not isinstance(app.screen, ExportScreen))
    assert target.exists()


async def test_export_question_can_be_declined(example):
    app = make_app(example)
    target = example.with_suffix(".txt")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert "仍要导出吗" in str(app.screen.query_one("#export-status").render())
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, ExportScreen)
    assert not any(p.suffix != ".toml" and p.stem == target.stem for p in example.parent.iterdir())


# -- saving -----------------------------------------------------------------------------------

async def test_typing_is_on_disk_within_about_a_second_and_on_quit(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "fj.other")
        await focus(pilot, app, "matters")
        await select_all(pilot, app)
        await paste(pilot, app, "自动保存")
        await wait_until(pilot, lambda: "自动保存" in example.read_text(encoding="utf-8"))
        assert "已保存 09:30:00" in str(app.query_one("#status").render())
        await pilot.press(*"abc")
        await pilot.press("ctrl+q")
        await settle(pilot, app)
    assert on_disk(example)["fj"]["other"]["matters"].startswith("自动保存abc") or "自动保存abc" in example.read_text("utf-8")


async def test_leaving_a_section_saves_it(example):
    app = make_app(example, autosave=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("home", *"ABC")
        await settle(pilot, app)
        assert "ABC" not in example.read_text(encoding="utf-8")
        await pilot.press("f3")
        await settle(pilot, app)
        assert "ABC" in example.read_text(encoding="utf-8")


async def test_hangup_saves_and_leaves(example):
    """(The watchdog that ends a process whose shutdown hangs is only armed by run_app.)"""
    app = make_app(example, autosave=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("home", *"XYZ")
        await settle(pilot, app)
        app._on_hangup()  # what SIGHUP/SIGTERM run (tests/test_tui_pty.py sends the real signal)
        await settle(pilot, app)
    assert "XYZ" in example.read_text(encoding="utf-8")
    assert app.return_code == 129  # as a shell says of a process SIGHUP ended (the county's list ends too)


async def test_escape_closes_the_problem_list_from_a_cell_and_a_select_list_speaks_chinese(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await goto(pilot, app, "fj.proactive")
        await pilot.press("f8")  # the list opens, with the cursor in it
        await settle(pilot, app)
        cell = await focus(pilot, app, "counts.website.year")  # back to a cell, the list still shown
        assert app.query_one("#issues").display
        await pilot.press("escape")
        await settle(pilot, app)
        assert not app.query_one("#issues").display and app.focused is cell
        await goto(pilot, app, "report")
        await focus(pilot, app, "unit_level")
        await pilot.press("enter")  # the select's list opens: the footer says what Esc does
        await settle(pilot, app)
        escape = app.active_bindings["escape"].binding
        assert escape.description == "关闭列表"
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.focused is editor(app, "unit_level")


async def test_a_second_operator_gets_a_read_only_view_naming_the_holder(example):
    holder = ReportLock(example).acquire()
    try:
        before = example.read_bytes()
        app = make_app(example)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert app.session.read_only
            assert "进程" in str(app.query_one("#status").render())
            assert any("只读" in str(n.message) for n in app._notifications)
            assert all(w.disabled for w in app.editors())
            unit = app.session.report.meta["unit"]
            assert f"{unit} 2018" in str(app.query_one("#status").render())  # whose report: never cut first
            await pilot.press(*"abc")
            await settle(pilot, app)
            said = [str(n.message) for n in app._notifications if "正在编辑此报告，这里不能修改" in str(n.message)]
            assert len(said) == 1 and said[0].startswith("只读：") and "进程" in said[0]  # once, not per key
            await pilot.press("ctrl+s", "ctrl+n")
            await pilot.press("f3")
            await settle(pilot, app)
        assert example.read_bytes() == before
    finally:
        holder.release()


# -- plugins ----------------------------------------------------------------------------------

@pytest.mark.skipif(not _newmedia_installed(), reason="the example plugin examples/nianbao-newmedia is not installed")
async def test_an_installed_plugin_adds_a_seventh_section_that_saves(example):
    app = make_app(example, entry_points=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        last = app.session.pages[-1]
        assert last.title.startswith("七、")
        await pilot.press("f2", "f2")  # first section -> metadata -> the last section
        await settle(pilot, app)
        assert app.page_id == last.id
        first = last.fields[0]
        assert app.focused.path == first.key
        await paste(pilot, app, "本单位开设政务微信公众号1个。")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    section = on_disk(example)
    for part in last.id.split("."):
        section = section[part]
    assert section[first.key] == "本单位开设政务微信公众号1个。"


class _RaisingSection(Section):
    id = "tb.raises"
    api_version = API_VERSION
    heading = "插件出错的部分"
    formats = ("fujian-2018",)
    number = 8
    template = "raises.j2"
    fields = (Text(key="note", label="说明", required=False),)

    def validate(self, report):
        raise RuntimeError("校验时出错")


def broken_plugin(tmp_path: Path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "raises.j2").write_text("{{ undefined_name.attr }}\n", encoding="utf-8")
    _RaisingSection.template_folder = tmp_path / "tpl"

    class Broken:
        @hookimpl
        def nianbao_register_sections(self):
            return [_RaisingSection()]

    return [("broken", Broken())]


async def test_a_plugin_that_raises_shows_a_broken_section_and_the_rest_works(example, tmp_path):
    app = make_app(example, extra=broken_plugin(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.session.state("tb.raises") == "broken"
        nav = app.query_one("#nav", OptionList)
        assert str(nav.get_option_at_index(len(app.session.pages) - 1).prompt).startswith("⊘")
        await goto(pilot, app, "tb.raises")
        banner = app.query_page(".broken").first(WrappedText)
        assert banner.display and "校验时出错" in banner.plain
        await focus(pilot, app, "note")
        await pilot.press(*"abc")
        await pilot.press("f9")
        await settle(pilot, app)
        assert "预览" in app.query_one("#preview").border_title or True
        assert "本部分无法生成" in app.query_one("#preview-text", WrappedText).plain
        await goto(pilot, app, "fj.appeals")  # the other sections keep working
        await focus(pilot, app, "cases.reviews.year")
        await pilot.press("3")
        await settle(pilot, app)
        assert app.session.state("fj.appeals") != "broken"
        await pilot.press("ctrl+s")
    data = on_disk(example)
    assert data["tb"]["raises"]["note"] == "abc"
    assert data["fj"]["appeals"]["cases"]["reviews"]["year"] == 3


class _TemplateFails(Section):
    id = "tb.template"
    api_version = API_VERSION
    heading = "模板出错的部分"
    formats = ("fujian-2018",)
    number = 9
    template = "fails.j2"
    fields = (Text(key="note", label="说明", required=False),)


async def test_a_section_whose_template_fails_is_found_broken_after_start(example, tmp_path):
    (tmp_path / "tpl2").mkdir()
    (tmp_path / "tpl2" / "fails.j2").write_text("{{ no_such_variable.x }}\n", encoding="utf-8")
    _TemplateFails.template_folder = tmp_path / "tpl2"

    class Plugin:
        @hookimpl
        def nianbao_register_sections(self):
            return [_TemplateFails()]

    app = make_app(example, extra=[("template", Plugin())])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        # Validation alone finds nothing wrong (checked without the timing of the probe) ...
        assert "tb.template" not in check_report(app.host, app.session.report).broken
        await wait_until(pilot, lambda: app.session.state("tb.template") == "broken")  # ... rendering is not
        assert "本部分无法生成" in app.session.broken("tb.template")
        nav = app.query_one("#nav", OptionList)
        assert str(nav.get_option_at_index(len(app.session.pages) - 1).prompt).startswith("⊘")
        assert app.session.state("fj.overview") != "broken"


# -- user text is shown, never interpreted ---------------------------------------------------------

async def test_markup_and_escape_sequences_in_user_text_are_inert(small):
    text = small.read_text(encoding="utf-8").replace('unit = "建瓯市人民政府办公室"', 'unit = "[b]粗体[/b][red]单位"')
    small.write_text(text, encoding="utf-8")
    app = make_app(small)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "[b]粗体[/b][red]单位" in str(app.query_one("#status").render())
        await goto(pilot, app, "fj.proactive")
        await focus(pilot, app, "scope")
        await select_all(pilot, app)
        await paste(pilot, app, "[bold]全市[/bold]\x1b[31m43个单位\x1b]0;x\x07")
        assert app.focused.value == "[bold]全市[/bold]43个单位"
        assert app.session.raw("fj.proactive", "scope") == "[bold]全市[/bold]43个单位"
        await pilot.press("f9")
        await settle(pilot, app)
        await wait_until(pilot, lambda: "[bold]全市[/bold]43个单位" in app.query_one("#preview-text", WrappedText).plain)
        await goto(pilot, app, "fj.overview")
        await focus(pilot, app, "intro")
        await paste(pilot, app, "第一行\x1b[2J[i]斜体[/i]\n第二行")
        assert "\x1b" not in editor(app, "intro").text
        assert "[i]斜体[/i]" in app.session.raw("fj.overview", "intro")
        # the rendered screen carries the brackets as text and no escape from the user
        svg = app.export_screenshot()
        assert "\x1b[2J" not in svg



async def test_undecodable_input_is_refused_by_every_kind_of_editor_and_said(small):
    """What a terminal sent that was not UTF-8 arrives as U+FFFD (typed or pasted): the field
    keeps the rest, says so, and nothing undecodable reaches the report."""
    app = make_app(small)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await focus(pilot, app, "intro")  # a text area
        await pilot.press("home", "\ufffd", "a")
        await paste(pilot, app, "b\ufffd\ufffdc")
        await goto(pilot, app, "fj.proactive")
        await focus(pilot, app, "scope")  # a one-line field
        await pilot.press("end", "\ufffd", "d")
        await settle(pilot, app)
        assert any("没有写入报告" in n.message for n in app._notifications)
        await pilot.press("ctrl+s")
    text = small.read_text(encoding="utf-8")
    assert "\ufffd" not in text
    data = tomllib.loads(text)
    assert data["fj"]["overview"]["intro"].startswith("abc2018年")
    assert data["fj"]["proactive"]["scope"] == "全市43个单位d"

def test_wrapping_breaks_chinese_anywhere_but_keeps_numbers_and_punctuation():
    from rich.text import Text as RichText
    from tui.text_layout import wrap_text

    text = RichText("（一）受理申请的数量。2018年，共受理政府信息公开申请5件（条），其中网上申请5件（条）；"
                    "重大建设项目类信息32条，占比1.24%；http://www.jo.gov.cn/ 网站")
    for width in range(12, 60):
        lines = [line.plain for line in wrap_text(text, width, hang=2)]
        assert "".join(line[2:] if i else line for i, line in enumerate(lines)).replace(" ", "") == text.plain.replace(" ", "")
        for i, line in enumerate(lines):
            assert cell_len(line) <= width
            if i:
                assert line.startswith("  ") and line[2] not in "，。；）%"
            if i < len(lines) - 1:
                assert line[-1] not in "（“"
        assert not any(line.endswith(("1.2", "20", "http")) for line in lines)


@pytest.mark.parametrize("width", [80, 100, 120])
async def test_a_text_area_wraps_by_the_same_rule_no_line_begins_with_closing_punctuation(small, width):
    prose = "本年度，我们坚持以公开为常态、不公开为例外，“放管服”改革持续推进。公开内容更加全面，" * 6
    app = make_app(small)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot, app)
        area = await focus(pilot, app, "intro")
        await select_all(pilot, app)
        await paste(pilot, app, prose)
        await settle(pilot, app)
        assert area.text == prose
        rows = area.wrapped_document.get_sections(0)
        assert len(rows) > 2 and "".join(rows) == prose  # wrapped, nothing lost or added
        assert not [row for row in rows[1:] if row[0] in "，、。；：”）"], rows
        assert not [row for row in rows[:-1] if row[-1] in "“（"], rows
        assert max(cell_len(row) for row in rows) <= area.wrap_width


async def test_a_long_hint_never_breaks_the_line_of_its_field(small):
    """Rich would wrap a placeholder wider than its field onto a second line, and the line
    break would reach the terminal: the hint is cut to the field's width instead."""
    app = make_app(small)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, "report")
        for w in app.editors():
            if getattr(w, "hint", "") and not w.value:
                rendered = "".join(segment.text for segment in w.render_line(0))
                assert "\n" not in rendered
                assert w.placeholder and w.hint.startswith(w.placeholder.rstrip("…"))
                assert cell_len(w.placeholder) < w.size.width


# -- language ------------------------------------------------------------------------------------

async def test_english_interface(example):
    app = make_app(example, language="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.session.pages[0].title == "Document"
        footer = app.query_one(Footer)
        words = " ".join(str(getattr(k, "description", "")) for k in footer.query("FooterKey"))
        assert "Quit" in words and "Help" in words and "保存" not in words
        assert "error(s)" in str(app.query_one("#status").render())
        await pilot.press("f1")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        assert "Everything is saved as you type" in app.screen.query_one(WrappedText).plain
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, HelpScreen)


async def test_help_lists_every_key_and_closes(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        text = app.screen.query_one(WrappedText).plain
        for key in ("F1", "F2", "F3", "F4", "F8", "F9", "F10", "Ctrl+S", "Ctrl+Q", "Ctrl+N", "Ctrl+R", "Ctrl+Up", "Ctrl+P"):
            assert key in text
        await pilot.press("f3")  # a dialog is open: page keys do nothing underneath
        assert app.page_id == app.session.first_section()
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+o")  # every F-key has a ctrl alternative
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await settle(pilot, app)
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+l")
        assert app.query_one("#issues").has_focus


async def test_the_command_palette_offers_every_action_and_page(example):
    app = make_app(example)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "导出" in titles and "保存" in titles
        assert sum(t.startswith("转到：") for t in titles) == len(app.session.pages)


# -- snapshots ---------------------------------------------------------------------------------------

def _snapshot_app(path: Path) -> NianbaoApp:
    return make_app(path, autosave=False)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_first_screen(snap_compare, small, size):
    assert snap_compare(_snapshot_app(small), terminal_size=size, run_before=quiet)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_grid_section(snap_compare, small, size):
    async def run_before(pilot):
        await pilot.press("f3", "f3")
        await wait_until(pilot, lambda: pilot.app.page_id == "fj.requests", what="the grid section")
        await quiet(pilot)

    assert snap_compare(_snapshot_app(small), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_list_section_with_an_error(snap_compare, small, size):
    async def run_before(pilot):
        app = pilot.app
        await pilot.press("f3")
        await wait_until(pilot, lambda: app.page_id == "fj.proactive", what="the list section")
        app.focus_path("categories[1].count")
        await wait_until(pilot, lambda: app.focused is editor(app, "categories[1].count"), what="the focus on the count")
        await quiet(pilot)

    assert snap_compare(_snapshot_app(small), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_issue_panel(snap_compare, small, size):
    async def run_before(pilot):
        await pilot.press("f8")
        await wait_until(pilot, lambda: pilot.app.query_one("#issues").has_focus, what="the issue list")
        await quiet(pilot)

    assert snap_compare(_snapshot_app(small), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_help(snap_compare, small, size):
    async def run_before(pilot):
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), what="the help screen")
        await quiet(pilot)

    assert snap_compare(_snapshot_app(small), terminal_size=size, run_before=run_before)


def test_snapshot_metadata_page_in_english(snap_compare, small):
    async def run_before(pilot):
        await pilot.press("f2")
        await wait_until(pilot, lambda: pilot.app.page_id == "report", what="the metadata page")
        await quiet(pilot)

    assert snap_compare(make_app(small, language="en", autosave=False), terminal_size=(80, 24), run_before=run_before)


async def test_a_narrow_header_shortens_the_unit_and_keeps_the_year(tmp_path):
    """80×24 with a long unit name, many problems and the time of the last save: the unit is
    cut, the year stays (last year's report of the same unit may be open beside it)."""
    path = tmp_path / "r.toml"
    path.write_text(SNAPSHOT_REPORT.replace('unit = "建瓯市人民政府办公室"', 'unit = "淮安市清江浦区人民政府办公室"'),
                    encoding="utf-8")
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.session.dirty = True
        app.flush_save()  # the header now also says 已保存 and the time
        await settle(pilot, app)
        header = str(app.query_one("#status").render())
        assert "已保存" in header and " 2018 │" in header and "…" in header.split("│")[0], header
        assert cell_len(header) <= SIZE[0]
