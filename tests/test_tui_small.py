"""Small terminals (issue 10, item 8): at 60×20 the part list collapses to its state marks
and numerals (automatically below app.NAV_COLLAPSE columns, and by F5 at any size), the
footer keeps F1/F2/F3/F9/F10/^q, and the header follows every resize."""

from __future__ import annotations


from textual.widgets import OptionList

from tui.panels import NAV_COLLAPSE
from tui_helpers import focused_on, quiet, settle, wait_until

from test_tui import _close_sessions, _snapshot_app, make_app  # noqa: F401
from test_tui_grid import national  # noqa: F401


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_at_60x20_the_part_list_collapses_and_the_footer_keeps_the_main_keys(national):  # noqa: F811 - the fixture imported above
    app = make_app(national)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        nav = app.query_one("#nav", OptionList)
        assert 60 < NAV_COLLAPSE and nav.has_class("-narrow") and nav.outer_size.width == 8
        assert app.query_one("#form").size.width >= 48
        # the footer's keys are drawn after the first frame (tui/workarounds.py): wait for them
        await wait_until(pilot, lambda: "F1" in screen_lines(app)[-1], what="the footer's keys")
        footer = screen_lines(app)[-1]
        for key in ("F1", "F2", "F3", "F9", "F10", "^q"):
            assert key in footer, (key, footer)
        assert all("✓" in line or "!" in line or "✎" in line or "◦" in line or "✗" in line
                   for line in screen_lines(app)[1:8])  # every part's state, in the collapsed list

        await pilot.press("f5")  # the titles back, if the operator wants them
        await settle(pilot, app)
        assert not nav.has_class("-narrow") and nav.outer_size.width == 24
        assert "一、总体情况" in "\n".join(screen_lines(app))
        await pilot.press("f5")
        await settle(pilot, app)
        assert nav.has_class("-narrow")


async def test_f5_collapses_the_part_list_at_80x24_too(national):  # noqa: F811 - the fixture imported above
    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        nav = app.query_one("#nav", OptionList)
        assert not nav.has_class("-narrow")
        await pilot.press("f5")
        await settle(pilot, app)
        assert nav.has_class("-narrow") and app.query_one("#form").size.width > 60


async def test_the_header_and_layout_follow_each_resize(national):  # noqa: F811 - the fixture imported above
    app = make_app(national)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        header = lambda: str(app.query_one("#status").render())  # noqa: E731
        assert "huaian.toml" not in header()  # no room for the file name
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: "淮安市人民政府 2024  huaian.toml" in header(), what="the header at 120x40")
        await settle(pilot, app)
        assert not app.query_one("#nav").has_class("-narrow")
        await pilot.resize_terminal(60, 20)
        await wait_until(pilot, lambda: "huaian.toml" not in header(), what="the header at 60x20")
        await settle(pilot, app)
        assert app.query_one("#nav").has_class("-narrow") and not app.query_one("#preview").display


def test_snapshot_collapsed_part_list_at_60x20(snap_compare, national):  # noqa: F811 - the fixture imported above
    async def run_before(pilot):
        await pilot.app.show_page("nat.requests")
        await focused_on(pilot, "table.new.natural")
        await quiet(pilot)

    assert snap_compare(_snapshot_app(national), terminal_size=(60, 20), run_before=run_before)


async def test_after_a_resize_the_cell_with_the_cursor_is_still_in_view(national):  # noqa: F811 - the fixture imported above
    from test_tui_grid import REQUESTS, table
    from test_tui import goto

    app = make_app(national)
    async with app.run_test(size=(80, 24)) as pilot:
        await goto(pilot, app, REQUESTS)
        await focused_on(pilot, "table.carried_out.other_org")
        await pilot.press("right")  # on to the computed 总计 cell
        await settle(pilot, app)
        cell = app.focused
        assert cell.path == "table.carried_out.total"
        for size in ((60, 20), (120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            # laid out again for the new size over a few refreshes: wait for the cell to be in view
            await wait_until(pilot, lambda size=size: tuple(app.size) == size
                             and table(app)._body.scrollable_content_region.contains_region(cell.region),
                             what=lambda size=size: f"the cell with the cursor in view at {size}: app {tuple(app.size)}, "
                             f"cell {cell.region}, cells shown {table(app)._body.scrollable_content_region}, "
                             f"scroll {table(app)._body.scroll_offset}, laid out for {table(app)._geometry}")
