"""Big tables in the TUI (tui/form/grid.py GridBox): the national format's table 三 (25 rows ×
7 columns, long row names, a computed （七）总计 row and 总计 column) at 80×24 and 120×40.

The cells scroll under column headings and row labels that stay in place; the line under
the table names the cell with the cursor in full. Small tables (the Fujian ones) still look
like a form: tests/test_tui.py's snapshots cover them.

The report is a fixed copy of examples/huaian-2024.toml's metadata and table 三, so that the
snapshots do not change when the example does."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from plugins.fields import GridRow
from tui.form.grid import GridBox, GridCell, row_names

from test_tui import (_close_sessions, _snapshot_app, editor, field_message, focus, goto, make_app,  # noqa: F401
                      select_all)
from tui_helpers import focused_on, quiet, settle, wait_until

REQUESTS = "nat.requests"
FULL_NAME = "三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密"

NATIONAL_REPORT = """\
[report]
unit = "淮安市人民政府"
unit_level = "government"
admin_level = "city"
region = "江苏省淮安市"
year = 2024
format = "national-2021"
contact_office = "淮安市人民政府办公室"
address = "淮安市翔宇南道1号"
postcode = "223001"
phone = "0517-83605210"
email = "hazwgkc@163.com"

[nat.requests.table]
new                 = { natural = 3001, commercial = 53, research = 0, public_welfare = 0, legal_service = 61, other_org = 4 }
carried_in          = { natural = 34, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
granted             = { natural = 1288, commercial = 21, research = 0, public_welfare = 0, legal_service = 50, other_org = 3 }
partial             = { natural = 447, commercial = 7, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
deny_secret         = { natural = 2, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
deny_law            = { natural = 30, commercial = 1, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
deny_safety         = { natural = 5, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
deny_third_party    = { natural = 6, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
deny_internal       = { natural = 7, commercial = 1, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
deny_process        = { natural = 12, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
deny_case_file      = { natural = 9, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
deny_query          = { natural = 105, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
unable_not_held     = { natural = 746, commercial = 12, research = 0, public_welfare = 0, legal_service = 10, other_org = 1 }
unable_need_create  = { natural = 11, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
unable_unclear      = { natural = 1, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
reject_petition     = { natural = 56, commercial = 6, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
reject_repeat       = { natural = 25, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
reject_publication  = { natural = 0, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
reject_massive      = { natural = 0, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
reject_confirm      = { natural = 1, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
other_no_correction = { natural = 67, commercial = 3, research = 0, public_welfare = 0, legal_service = 1, other_org = 0 }
other_no_fee        = { natural = 6, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
other_other         = { natural = 108, commercial = 2, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
carried_out         = { natural = 103, commercial = 0, research = 0, public_welfare = 0, legal_service = 0, other_org = 0 }
"""


@pytest.fixture
def national(tmp_path) -> Path:
    path = tmp_path / "huaian.toml"
    path.write_text(NATIONAL_REPORT, encoding="utf-8")
    return path


def table(app) -> GridBox:
    return next(b for b in app.query_page(GridBox) if b.field.key == "table")


def screen_text(app) -> list[str]:
    """What the terminal shows, line by line."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def computed(app, row: str, col: str) -> str:
    cell = next(c for c in app.query_page(GridCell) if c.row == row and c.col == col)
    return str(cell.render())


def assert_labels_beside(app, box: GridBox) -> None:
    """The cell with the cursor, its row label and its column heading are all on screen,
    the label on the cell's line and the heading over its column."""
    cell = app.focused
    r, c = box.current
    form = app.query_one("#form").scrollable_content_region
    body = box._body.scrollable_content_region
    assert body.contains_region(cell.region) and form.contains_region(cell.region)
    for part in (box._corner, box._head_clip, box._label_clip, box._where):
        assert form.contains_region(part.region), part  # nothing of the frame scrolled away
    assert box._labels.region.y + r == cell.region.y  # the row label on the cell's line ...
    assert box._label_clip.region.y <= cell.region.y < box._label_clip.region.bottom  # ... and shown
    assert box._heads.region.x + c * (box.cell_w + 1) == cell.region.x  # the heading over the column ...
    assert box._head_clip.region.x <= cell.region.x < box._head_clip.region.right  # ... and shown
    assert box._head_clip.region.bottom <= cell.region.y  # headings above the cells


def test_row_names_full_and_short():
    row = GridRow("deny_secret", "（三）不予公开1.属于国家秘密", indent=1, groups=("三、本年度办理结果", "（三）不予公开"))
    assert row_names(row) == (FULL_NAME, "（三）1.属于国家秘密")
    row = GridRow("granted", "（一）予以公开", indent=1, groups=("三、本年度办理结果",))
    assert row_names(row) == ("三、本年度办理结果 › （一）予以公开", "（一）予以公开")
    assert row_names(GridRow("online", "其中：网上申请数", indent=1)) == ("其中：网上申请数", "网上申请数")
    assert row_names(GridRow("new", "一、本年新收")) == ("一、本年新收", "一、本年新收")


async def test_at_80x24_the_labels_stay_in_view_to_the_last_row_and_column(national):
    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(pilot, app, REQUESTS)
        await focus(pilot, app, "table.new.natural")
        box = table(app)
        assert box.compact  # 25 rows × 7 columns do not fit in 53×22
        assert box.rows_shown < len(box.field.rows)
        assert box._body.scrollable_content_region.width < box._cells.outer_size.width
        assert_labels_beside(app, box)
        assert box._where.plain.startswith("一、本年新收政府信息公开申请数量（自然人）")

        await pilot.press(*["down"] * 30, *["right"] * 10)  # on to the computed 总计 column: read-only
        await settle(pilot, app)
        assert isinstance(app.focused, GridCell) and app.focused.path == "table.carried_out.total"
        assert box._where.plain.startswith("四、结转下年度继续办理（总计）：自动计算")
        assert "本行总计 103 ｜ 本列（七）总计 3050" in box._where.plain
        await pilot.press(*"12")  # nothing to type into: the total stays as computed
        await settle(pilot, app)
        assert computed(app, "carried_out", "total") == "103"
        assert any("总计" in line and "103" in line for line in screen_text(app))
        await pilot.press("left")
        await settle(pilot, app)
        assert app.focused.path == "table.carried_out.other_org"
        assert box._body.scroll_x > 0 and box._body.scroll_y > 0
        assert_labels_beside(app, box)
        assert box._where.plain.startswith("四、结转下年度继续办理（其他）")
        lines = screen_text(app)
        assert any("四、结转下年度继续办" in line for line in lines)  # the label, shortened
        assert any("其他" in line and "总计" in line for line in lines)  # the headings of the columns in view
        assert computed(app, "carried_out", "total") == "103"  # the total column is in view too

        await focus(pilot, app, "table.deny_secret.research")
        await settle(pilot, app)
        assert_labels_beside(app, box)
        assert box._where.plain.splitlines()[0] == FULL_NAME + "（科研机构）"  # the full name under the table
        assert any("（三）1.属于国家秘" in line for line in screen_text(app))  # the short one beside the row

        await pilot.press(*["up"] * 30, *["left"] * 10)
        await settle(pilot, app)
        assert app.focused.path == "table.new.natural"
        assert (box._body.scroll_x, box._body.scroll_y) == (0, 0)
        assert_labels_beside(app, box)


async def test_page_keys_move_a_screenful_and_tab_wraps_to_the_next_row(national):
    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(pilot, app, REQUESTS)
        await focus(pilot, app, "table.new.commercial")
        box = table(app)
        rows = [r.key for r in box.field.rows]
        await pilot.press("pagedown")
        await settle(pilot, app)
        first = rows.index(app.focused.path.split(".")[1])
        assert first == box.page_rows() and app.focused.path.endswith(".commercial")
        assert_labels_beside(app, box)
        await pilot.press("pagedown", "pagedown")
        await settle(pilot, app)
        assert app.focused.path == "table.carried_out.commercial"  # the last row (the computed one is passed)
        assert_labels_beside(app, box)
        await pilot.press("pageup")
        await settle(pilot, app)
        assert rows.index(app.focused.path.split(".")[1]) == len(rows) - 1 - box.page_rows()
        await pilot.press("pageup", "pageup")
        await settle(pilot, app)
        assert app.focused.path == "table.new.commercial"

        await focus(pilot, app, "table.granted.other_org")  # the last column typed in
        await settle(pilot, app)
        assert box._body.scroll_x > 0
        await pilot.press("tab")
        await settle(pilot, app)
        assert app.focused.path == "table.partial.natural"
        assert box._body.scroll_x == 0  # back to the first column, labels beside it
        assert_labels_beside(app, box)
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.focused.path == "table.partial.commercial"


async def test_typing_updates_the_totals_and_the_n3_1_check_live(national):
    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(pilot, app, REQUESTS)
        box = table(app)
        assert computed(app, "new", "total") == "3119"
        assert "N3-1" not in {i.rule for i in app.session.result.issues}
        cell = await focus(pilot, app, "table.new.natural")  # focus selects the number: typing replaces it
        await pilot.press(*"3002")
        await wait_until(pilot, lambda: cell.value == "3002" and computed(app, "new", "total") == "3120")
        assert computed(app, "new", "total") == "3120"  # the 总计 column, as typed
        assert "不等于" in field_message(app, "table")  # N3-1: 3002 + 34 ≠ 2932 + 103
        out = editor(app, "table.carried_out.natural")
        assert out.has_class("-error")
        # under the table, where typed: another cell's problem, named by its cell
        assert box._where.plain.splitlines()[-1].startswith("✗ 表中有2处问题，先看四、结转下年度继续办理（自然")
        assert "本行总计 3120" in box._where.plain  # the row's total, whatever is scrolled into view
        assert "N3-1" in {i.rule for i in app.session.result.errors}

        await focus(pilot, app, "table.carried_out.natural")  # the cell the error is about: in full
        message = next(i.message for i in app.session.result.issues if i.rule == "N3-1")
        assert box._where.plain.splitlines()[-1] == "✗ " + message
        await pilot.press(*"104")  # 3002 + 34 = 2932 + 104
        await wait_until(pilot, lambda: computed(app, "carried_out", "total") == "104")
        assert "不等于" not in field_message(app, "table")
        assert not out.has_class("-error")
        assert "✗" not in box._where.plain
        assert computed(app, "carried_out", "total") == "104"

        await focus(pilot, app, "table.other_other.natural")  # a row added up in （七）总计
        await select_all(pilot, app)
        await pilot.press(*"109")
        await wait_until(pilot, lambda: computed(app, "processed_total", "natural") == "2933")
        assert computed(app, "processed_total", "natural") == "2933"
        assert computed(app, "processed_total", "total") == str(2933 + 53 + 61 + 4)
        assert "不等于" in field_message(app, "table")  # done + carried out is now one more
        await pilot.press("backspace")  # a cell left empty: its totals are unknown
        await wait_until(pilot, lambda: computed(app, "other_other", "total") == "12")
        assert computed(app, "other_other", "total") == "12"  # 10 + 2
        await pilot.press("backspace", "backspace")
        await wait_until(pilot, lambda: computed(app, "processed_total", "natural") == "—")
        assert computed(app, "processed_total", "natural") == "—"
        assert app.session.raw_at(REQUESTS, "table.carried_out.natural") == 104


async def test_keys_in_one_burst_land_cell_by_cell_in_the_big_table(national):
    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(pilot, app, REQUESTS)
        await focus(pilot, app, "table.granted.natural")
        box = table(app)
        for key, char in [("5", "5"), ("tab", None), ("6", "6"), ("down", None), ("7", "7"),
                          ("pagedown", None), ("8", "8")]:
            app.post_message(events.Key(key, char))
        rows = [r.key for r in box.field.rows]
        below = rows[rows.index("partial") + box.page_rows()]

        def landed():
            return [app.session.raw_at(REQUESTS, p) for p in
                    ("table.granted.natural", "table.granted.commercial", "table.partial.commercial",
                     f"table.{below}.commercial")]

        await wait_until(pilot, lambda: landed()[-1] == 8)  # the burst has been worked through
        assert landed() == [5, 6, 7, 8]


async def test_a_shorter_page_gives_the_table_fewer_rows(national):
    """With the issue list open the page is shorter: the table shrinks with it, so its
    headings stay in view with any of its cells."""
    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(pilot, app, REQUESTS)
        await focus(pilot, app, "table.new.natural")
        box = table(app)
        tall = box.rows_shown
        await pilot.press("f8")  # the issue list, and the cursor in it
        form = app.query_one("#form")
        await wait_until(pilot, lambda: box.rows_shown < tall and box.outer_size.height <= form.scrollable_content_region.height,
                         what=lambda: f"the table laid out again: {box.rows_shown} rows of {tall}, {box.outer_size.height} "
                         f"high in {form.scrollable_content_region.height}")
        await settle(pilot, app)
        await focused_on(pilot, "table.carried_out.other_org")
        await settle(pilot, app)
        assert_labels_beside(app, box)


async def test_at_120x40_the_table_beside_the_preview_scrolls_the_same_way(national):
    app = make_app(national)
    async with app.run_test(size=(120, 40)) as pilot:
        await goto(pilot, app, REQUESTS)
        await focus(pilot, app, "table.carried_out.other_org")
        box = table(app)
        assert box.compact
        assert_labels_beside(app, box)
        assert box._where.plain.startswith("四、结转下年度继续办理（其他）")
        await pilot.press("f9")  # the preview hidden: the form is wide enough for every column
        await wait_until(pilot, lambda: box._body.styles.overflow_x == "hidden" and box._body.scroll_x == 0,
                         what="the table laid out for the whole width")
        await settle(pilot, app)
        assert box.compact  # the row names are still too long to show in full
        assert box._body.styles.overflow_x == "hidden" and box._body.scroll_x == 0
        assert computed(app, "carried_out", "total") in next(line for line in screen_text(app) if "四、结转下年度" in line)
        assert_labels_beside(app, box)


async def test_small_tables_stay_laid_out_as_a_form(small):
    app = make_app(small)
    async with app.run_test(size=(80, 24)) as pilot:
        for page in ("fj.proactive", "fj.requests", "fj.appeals"):
            await goto(pilot, app, page)
            for box in app.query_page(GridBox):
                assert not box.compact and not box._where.display
                assert box.rows_shown == len(box.field.rows)


@pytest.fixture
def small(tmp_path) -> Path:
    from test_tui import SNAPSHOT_REPORT

    path = tmp_path / "jianou.toml"
    path.write_text(SNAPSHOT_REPORT, encoding="utf-8")
    return path


# -- snapshots ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_big_table(snap_compare, national, size):
    async def run_before(pilot):
        app = pilot.app
        await app.show_page(REQUESTS)
        await focused_on(pilot, "table.deny_secret.research")
        await pilot.press("right")  # on to the next column: the table scrolls sideways
        await focused_on(pilot, "table.deny_secret.public_welfare")
        await quiet(pilot)

    assert snap_compare(_snapshot_app(national), terminal_size=size, run_before=run_before)


async def test_the_line_under_a_cell_is_its_own_problem_and_f4_goes_to_the_next_error(national):
    """Two bad cells: correcting the first leaves the line under it clean (not the other
    cell's 不是数字), F4 then goes to the other error (errors before warnings), and the
    column's balance, unknown while a cell cannot be read, is said to wait for it."""
    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(pilot, app, REQUESTS)
        box = table(app)
        await focus(pilot, app, "table.deny_query.natural")
        await pilot.press(*"1O5")
        await focus(pilot, app, "table.granted.commercial")
        await pilot.press(*"12.5")
        await wait_until(pilot, lambda: "不是整数" in box._where.plain or "12.5" in box._where.plain)
        assert "1O5" not in box._where.plain.splitlines()[-1]  # its own problem, not the other's
        waiting = [i for i in app.session.result.warnings if i.rule == "N3-1"]
        assert waiting and "填写有误，改正后再核对" in waiting[0].message
        await pilot.press("backspace", "backspace")  # 12.5 -> 12
        await wait_until(pilot, lambda: app.session.raw_at(REQUESTS, "table.granted.commercial") == 12)
        await settle(pilot, app)
        last = box._where.plain.splitlines()[-1]
        assert last.startswith("✗ 表中有2处问题，先看（三）8.属于行政查询事项（自然")  # named by its own cell
        assert not any(i.field == "table.granted.commercial" for i in app.session.result.issues)
        await pilot.press("f4")
        await settle(pilot, app)
        assert app.focused.path == "table.deny_query.natural"  # the remaining error, not a warning
        assert box._where.plain.splitlines()[-1].startswith("✗ 不是数字：1O5")
        ordered = app.ordered_issues()
        severities = [i.severity for i in ordered]
        assert severities == sorted(severities, key=lambda s: s != "error")  # errors (未填 too) first
        errors = [i for i in ordered if i.severity == "error"]
        assert errors == sorted(errors, key=lambda i: i.rule == "V-REQUIRED")  # contradictions, then 未填


async def test_the_header_counts_in_the_words_of_nianbao_check(national):
    from plugins.engine.checks import check_report
    from plugins.engine.store import load_report

    app = make_app(national)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        header = str(app.query_one("#status").render())
        summary = check_report(app.host, load_report(national)).summary()
        assert summary in header and "处未填" in summary


# -- the preview of a big table ----------------------------------------------------------------

def test_a_table_too_wide_keeps_its_figures_at_every_width():
    from plugins.document import Cell, Table
    from rich.cells import cell_len
    from tui.text_layout import table_lines

    head = [[Cell("", colspan=2, rowspan=2, header=True), Cell("申请人情况", colspan=3, header=True)],
            [Cell("自然人", header=True), Cell("商业企业", header=True), Cell("总计", header=True)]]
    body = [[Cell("三、本年度办理结果", rowspan=2), Cell("（一）予以公开"), Cell("1288"), Cell("21"), Cell("1309")],
            [Cell("（二）部分公开（区分处理的，只计这一情形）"), Cell("447"), Cell("7"), Cell("454")]]
    table = Table("", head, body)
    natural = table_lines(table)
    assert table_lines(table, 200) == natural
    for width in (60, 36, 24):
        lines = table_lines(table, width)
        assert all(cell_len(line) <= width for line in lines), (width, lines)
        text = "\n".join(lines)
        assert "1 自然人" in text and "3 总计" in text  # the legend of the numbered columns
        assert any(line.split()[-3:] == ["1288", "21", "1309"] for line in lines), lines
        assert any(line.split()[-3:] == ["447", "7", "454"] for line in lines), lines
    beside = table_lines(table, 60)
    assert any(line.startswith("（一）予以公开") or "（一）予以公开" in line and "1288" in line for line in beside)
    assert any("（二）部分公开" in line and "454" in line for line in beside)  # the heading's row, cut beside its figures



def test_a_half_filled_table_too_wide_keeps_every_column_and_its_row_labels():
    """A new report with one figure typed: the blank columns stay numbered and the rows keep
    their labels (the blank columns were taken for labels, and the figure stood alone)."""
    from plugins.document import Cell, Table
    from tui.text_layout import table_lines

    head = [[Cell("", header=True), Cell("自然人", header=True), Cell("商业企业", header=True), Cell("总计", header=True)]]
    body = [[Cell("（一）予以公开"), Cell("3"), Cell(""), Cell("")],
            [Cell("（二）部分公开（区分处理的，只计这一情形）"), Cell(""), Cell(""), Cell("")]]
    lines = table_lines(Table("", head, body), 36)
    text = "\n".join(lines)
    assert "1 自然人" in text and "2 商业企业" in text and "3 总计" in text, lines
    assert any("（一）予以公开" in line and line.rstrip().endswith("3") for line in lines), lines
    assert "（二）部分公开" in text, lines

async def test_the_preview_of_table_3_shows_its_figures_at_80x24(national):
    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(pilot, app, REQUESTS)
        await pilot.press("f9")
        preview = app.query_one("#preview")
        assert preview.display
        await wait_until(pilot, lambda: "7 总计" in app.query_one("#preview-text").render().plain, what="table 3 in the preview")
        await quiet(pilot)
        text = app.query_one("#preview-text").render().plain
        assert "3001 53 0 0 61 4 3119" in text  # 一、本年新收, every column to the total
        assert "103 0 0 0  0 0  103" in text or "103" in text.split("四、结转下年度继续办理")[-1]


def test_snapshot_preview_of_table_3_at_80x24(snap_compare, national):
    async def run_before(pilot):
        app = pilot.app
        await app.show_page(REQUESTS)
        await focused_on(pilot, "table.carried_out.other_org")  # the last column typed in
        await pilot.press("f9")
        await wait_until(pilot, lambda: "7 总计" in app.query_one("#preview-text").render().plain, what="table 3 in the preview")
        await quiet(pilot)
        preview = app.query_one("#preview")
        preview.scroll_to(y=6, animate=False)
        await wait_until(pilot, lambda: preview.scroll_y == 6, what="the preview scrolled")

    assert snap_compare(_snapshot_app(national), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_big_table_cursor_in_the_last_input_column_at_80x24(snap_compare, national):
    async def run_before(pilot):
        await pilot.app.show_page(REQUESTS)
        await focused_on(pilot, "table.carried_out.other_org")
        await quiet(pilot)

    assert snap_compare(_snapshot_app(national), terminal_size=(80, 24), run_before=run_before)
