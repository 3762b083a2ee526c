"""Every page of every freshly created report works (issue 10, item 1).

The reports are made by ``nianbao new`` and then filled *from the declarations* (the formats,
their metadata fields and every section's fields, as the loaded plugins declare them): a new
field kind, a new choice or a county's section is walked with no change here. Each report is
opened with Pilot, every page is visited with F3, and something is typed into the first
field of each page.

Which combinations (the suite must stay a few minutes):

* format × terminal size (80×24, 120×40) × how much is filled (nothing, every other field,
  everything): the full product. These change what is built and laid out: the pages, the
  widgets, which fields are empty, the preview and issue list beside the form.
* the value of each select (each option, and empty): rotated through the runs of a format,
  so that every value of every select is shown at least once. A select shows only its own
  value, so values of different selects do not interact; empty selects are also in every
  "nothing" and "every other field" run.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from plugins.engine.checks import meta_fields
from plugins.engine.config import Config
from plugins.fields import Choice, Field, FieldError, Grid, Records
from plugins.host.manager import PluginHost
from plugins.engine.report import META, Report
from tui.app import build_app
from tui.cli import main
from tui.form.editors import Editor, FieldSelect
from tui_helpers import focused_on, quiet, settle, wait_until

SIZES = ((80, 24), (120, 40))
FILLS = ("nothing", "half", "full")

# Text a field of an unknown kind may accept: the first one its own ``parse`` takes is used.
_SAMPLES = ("12", "2025-01-08", "1.5", "示例单位，用于检查每一页都能打开。", "x")
_PROSE = "本年度，我们坚持以公开为常态、不公开为例外，“放管服”改革持续推进，公开内容更加全面。"


def _host() -> PluginHost:
    return PluginHost(Config(), entry_points=True)  # installed county plugins are walked too


def _sample(field: Field, choice: int) -> Any:
    """A stored value for ``field``: the ``choice``-th option of a select (wrapping round,
    the last turn leaving it empty), a paragraph of prose, else the first sample text the
    field's own parser accepts."""
    if isinstance(field, Choice):
        values = [v for v, _ in field.options] + [None]
        return values[choice % len(values)]
    if field.kind == "text":
        return _PROSE
    for text in _SAMPLES:
        try:
            value = field.parse(text)
        except (FieldError, ValueError):
            continue
        if value is not None:
            return field.dump(value)
    return None


def _fill(field: Field, fill: str, choice: int, index: int) -> Any:
    """What the file holds for ``field`` (the ``index``-th of its page) at fill level ``fill``."""
    if fill == "nothing" or (fill == "half" and index % 2):
        return None
    if isinstance(field, Records):
        rows = 2 if fill == "full" else 1
        out = []
        for r in range(rows):
            row = {}
            for c, col in enumerate(field.columns):
                if fill == "half" and c % 2:
                    continue
                value = _sample(col, choice + r)
                if value is not None:
                    row[col.key] = value
            out.append(row)
        return out
    if isinstance(field, Grid):
        out: dict[str, dict[str, Any]] = {}
        n = 0
        for row in field.rows:
            for col in field.columns:
                if field.is_input(row.key, col.key):
                    n += 1
                    if fill == "full" or n % 2:
                        out.setdefault(row.key, {})[col.key] = _sample(field.cell, choice) or 0
        return out
    if field.kind == "computed":
        return None
    return _sample(field, choice)


def _cases() -> list[tuple[str, int, tuple[int, int], str, int]]:
    """(format id, year, size, fill, rotation) for every run."""
    host = _host()
    cases = []
    for fmt in sorted(host.formats.values(), key=lambda f: f.id):
        year = fmt.last_year or fmt.first_year + 3
        for n, (size, fill) in enumerate(itertools.product(SIZES, FILLS)):
            cases.append((fmt.id, year, size, fill, n))
    return cases


def _new_report(tmp_path: Path, fmt_id: str, year: int, fill: str, rotation: int) -> Path:
    """``nianbao new``'s file, then filled from the declarations."""
    path = tmp_path / "new.toml"
    assert main(["new", str(path), "--unit", "淮安市人民政府", "--year", str(year), "--format", fmt_id]) == 0
    host = _host()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    report = Report(data, path)
    pages = [(META, meta_fields(host, report))] + [(s.id, s.fields) for s in host.sections_for(fmt_id)]
    for page_id, fields in pages:
        table = data
        for part in page_id.split("."):
            table = table.setdefault(part, {})
        for i, field in enumerate(fields):
            if page_id == META and field.key in ("year", "format", "unit"):
                continue  # what `nianbao new` wrote
            value = _fill(field, fill, rotation + i, i)
            if value is not None:
                table[field.key] = value
            elif page_id == META and fill == "nothing":
                table.pop(field.key, None)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


async def _type_into(pilot, app, widget: Editor) -> str | None:
    """Type into a field as an operator would; what should now be stored there (None: a
    select, checked by its own value)."""
    if isinstance(widget, FieldSelect):
        await pilot.press("enter")  # the list opens
        await settle(pilot, app)
        await pilot.press("down", "enter")  # the next option is chosen
        await settle(pilot, app)
        return None
    await pilot.press("end")
    await pilot.press("1")
    await settle(pilot, app)
    return widget.current_text()


@pytest.mark.parametrize("fmt_id,year,size,fill,rotation", _cases(),
                         ids=lambda v: f"{v[0]}x{v[1]}" if isinstance(v, tuple) else str(v))
async def test_every_page_of_a_new_report_opens_and_takes_typing(tmp_path, monkeypatch, fmt_id, year, size, fill, rotation):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NIANBAO_CONFIG", str(tmp_path / "none.toml"))
    path = _new_report(tmp_path, fmt_id, year, fill, rotation)
    app = build_app(path, Config(), host=_host(), clock=lambda: dt.datetime(2025, 1, 8, 9, 30))
    try:
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            ids = [p.id for p in app.session.pages]
            seen = []
            typed: dict[tuple[str, str], str] = {}
            for _ in ids:
                await pilot.press("f3")
                await settle(pilot, app)
                seen.append(app.page_id)
                editors = app.editors()
                if not editors:
                    continue  # a page with only computed values
                app.focus_path(editors[0].path)
                await settle(pilot, app)
                widget = app.focused
                assert isinstance(widget, Editor) and widget.page_id == app.page_id, \
                    f"{app.page_id}: the first field cannot take the cursor"
                text = await _type_into(pilot, app, widget)
                if text is not None:
                    typed[(widget.page_id, widget.path)] = text
                if isinstance(widget, FieldSelect):
                    assert (app.session.raw_at(widget.page_id, widget.path) or "") == widget.current_text()
            assert sorted(seen) == sorted(ids), "F3 did not reach every page"
            for (page_id, where), text in typed.items():
                assert app.session.text_at(page_id, where) == text, f"{page_id} {where}: typing did not reach the report"
            await pilot.press("ctrl+q")
        assert app.return_code in (0, None) and app.return_value == 0
    finally:
        app.session.close()
    tomllib.loads(path.read_text(encoding="utf-8"))  # still a report file


def test_snapshot_the_empty_select_of_a_new_report_open(snap_compare, tmp_path, monkeypatch):
    """The 单位层级 select of a new national report, left empty (the page crashed on an empty
    select), its list open, the footer saying what Esc does in Chinese."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NIANBAO_CONFIG", str(tmp_path / "none.toml"))
    path = tmp_path / "new.toml"
    assert main(["new", str(path), "--unit", "淮安市人民政府", "--year", "2024"]) == 0
    path.write_text(path.read_text(encoding="utf-8").replace('unit_level = "government"\n', ""), encoding="utf-8")
    host = PluginHost(Config(), entry_points=False)
    app = build_app(path, Config(), host=host, autosave=False, clock=lambda: dt.datetime(2025, 1, 8, 9, 30))

    async def run_before(pilot):
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.page_id == "report", what="the metadata page")
        await focused_on(pilot, "unit_level")
        select = app.focused
        await pilot.press("enter")
        await wait_until(pilot, lambda: select.expanded, what="the list of the select open")
        await quiet(pilot)

    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
    finally:
        app.session.close()
