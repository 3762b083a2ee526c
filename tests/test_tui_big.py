"""Typing in a long prose field (issue 11, item 10; ``bench/bench_tui.py --big`` measures a
1 MB one): what is typed is stored, saved and checked as in a short one, the findings of the
paragraphs not typed into (kept by their text, plugins/engine/prose.py) keep their places
right, and the text area's drawing leaves out the join of its whole text (tui/workarounds.py)
without changing what it shows."""

from __future__ import annotations

import re

import pytest
from textual.app import App
from textual.widgets import TextArea

import tui.workarounds  # noqa: F401 - its changes to the text area are under test
from plugins.engine.store import load_report
from test_tui import make_app, small  # noqa: F401 - the fixture
from tui_helpers import settle, wait_until


def _places(app, path: str) -> list[int]:
    return [int(re.search(r"第(\d+)字", i.message).group(1)) for i in app.session.result.issues
            if i.rule == "V-TYPO" and i.field == path]


@pytest.mark.asyncio
async def test_typing_at_the_top_of_a_long_field_is_saved_and_moves_the_findings_below(small):  # noqa: F811
    app = make_app(small, autosave=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        field = next(w for w in app.editors() if isinstance(w, TextArea))
        paragraphs = [f"第{i}段，本机关依法依规做好政府信息公开工作。" for i in range(400)]
        paragraphs[350] = "做好依申清公开工作。"  # a slip far down
        field.load_text("\n".join(paragraphs))  # (as if pasted: handed to the session)
        await settle(pilot, app)
        [before] = _places(app, field.path)
        app.screen.set_focus(field)
        field.move_cursor((0, 0))
        await pilot.press("新", "增")
        await settle(pilot, app)
        assert field.current_text().startswith("新增第0段")
        assert _places(app, field.path) == [before + 2]
        app.action_save()
        saved = load_report(small).section_data(field.page_id)[field.path]
        assert saved.startswith("新增第0段") and "做好依申清公开工作。" in saved


class _TwoAreas(App):
    def compose(self):
        yield TextArea("", placeholder="写点什么", id="empty")
        yield TextArea("第一段\n第二段", placeholder="写点什么", id="full")


@pytest.mark.asyncio
async def test_a_text_area_shows_its_placeholder_only_when_empty():
    app = _TwoAreas()
    async with app.run_test(size=(40, 12)) as pilot:
        empty, full = app.query_one("#empty", TextArea), app.query_one("#full", TextArea)
        await wait_until(pilot, lambda: empty.size.width and full.size.width, what="the two areas laid out")
        assert "写点什么" in empty.render_line(0).text
        assert "第一段" in full.render_line(0).text and "写点什么" not in full.render_line(0).text
        assert (empty.text, full.text) == ("", "第一段\n第二段")  # the whole text, outside drawing
        full.load_text("")
        await wait_until(pilot, lambda: "写点什么" in full.render_line(0).text)
        full.load_text("\n")  # two empty lines are not empty
        await wait_until(pilot, lambda: "写点什么" not in full.render_line(0).text, what="the placeholder gone")
        assert "写点什么" not in full.render_line(0).text and full.text == "\n"


@pytest.mark.asyncio
async def test_last_years_report_is_found_for_the_check_of_each_keystroke(tmp_path):
    """The check after a keystroke finds last year's report itself, in its thread (the folder
    scan is no work for the keystroke): a cross-year rule follows what is typed."""
    import copy
    import shutil

    from plugins.engine.store import save_report
    from test_tui import ROOT

    last = tmp_path / "2024.toml"
    shutil.copyfile(ROOT / "examples" / "huaian-2024.toml", last)
    report = load_report(last)
    now = copy.deepcopy(report.data)
    now["report"]["year"] = 2025
    carried = report.data["nat"]["requests"]["table"]["carried_out"]["natural"]
    now["nat"]["requests"]["table"]["carried_in"]["natural"] = carried
    path = tmp_path / "2025.toml"
    report.data, report.path = now, None
    save_report(report, path, backup=False)
    app = make_app(path, autosave=False)

    def n3_6():
        return [i.field for i in app.session.result.issues if i.rule == "N3-6"]

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert n3_6() == []
        app.session.set_text("nat.requests", "table.carried_in.natural", str(carried + 1))
        await app.after_change()
        await settle(pilot, app)
        assert n3_6() == ["table.carried_in.natural"]  # last year's 结转 differs: found and compared
        app.session.set_text("nat.requests", "table.carried_in.natural", str(carried))
        await app.after_change()
        await settle(pilot, app)
        assert n3_6() == []
