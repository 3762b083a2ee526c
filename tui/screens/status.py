"""``nianbao status --tui``: the county office's list of units in a screen.

One row per ``[[units]]`` entry from :func:`plugins.county.status.unit_status` (most urgent first):
unit, level, state, errors, warnings, deadline and days left. Enter on a unit whose file can
be read ends the status app with that file's path; :func:`run_status` then opens it in the
editor (:func:`tui.app.run_app`) and shows the list again when the editor closes.

Everything the units wrote (names, messages, paths) is shown as :class:`rich.text.Text`,
never parsed as markup."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from plugins.engine.config import Config
from plugins.county.aggregate import COMMON_SUMMARY_FROM
from plugins.county.status import UnitStatus, common_errors, status_year, unit_status
from plugins.host.manager import PluginHost

from ..i18n import Translator
from ..weblogin import UNIT_PAGE
from ..workarounds import HANGUP_EXITS, keep_typed_ahead

__all__ = ["StatusApp", "StatusScreen", "run_status", "status_bindings"]

STATE_STYLES = {"missing": "bold red", "unreadable": "bold red", "wrong_year": "yellow",
                "errors": "red", "ok": "green"}
REVIEW_STYLES = {"missing": "dim", "unknown": "dim", "drafting": "", "submitted": "bold cyan",
                 "returned": "bold yellow", "approved": "green"}


def review_label(t: Translator, row: UnitStatus) -> str:
    return t(f"review_{row.review}", n=row.open_remarks)


def status_bindings(t: Translator) -> list[BindingType]:
    """Every binding has an id; F5 has a ctrl alternative for terminals without F-keys."""
    return [
        Binding("enter", "open_unit", t("status_open"), id="status-open", priority=True, key_display="⏎"),
        Binding("f5,ctrl+r", "refresh_units", t("status_refresh"), id="status-refresh", priority=True, key_display="F5"),
        Binding("ctrl+q", "quit", t("quit"), id="quit", priority=True, key_display="^q"),
    ]


def days_label(t: Translator, days: int) -> str:
    if days > 0:
        return t("days_left", n=days)
    if days == 0:
        return t("days_today")
    return t("days_late", n=-days)


class StatusScreen(Screen[None]):
    """The list of units; Enter asks the app to open the highlighted unit's report."""

    def __init__(self, t: Translator, load: Callable[[], tuple[int, _dt.date, list[UnitStatus]]],
                 select: str | None = None):
        super().__init__()
        self.t = t
        self.load = load
        self.rows: list[UnitStatus] = []
        self.select = select

    def compose(self) -> ComposeResult:
        yield Static(id="status-summary", markup=False)
        yield Static(id="status-common", markup=False)
        table: DataTable = DataTable(id="status-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="status-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one("#status-table", DataTable)
        t = self.t
        for key in ("unit", "level", "state", "review", "errors", "warnings", "deadline", "days"):
            table.add_column(t(f"status_col_{key}"), key=key)
        self.fill()
        table.focus()

    def fill(self) -> None:
        t = self.t
        table = self.query_one("#status-table", DataTable)
        current = self.select
        if current is None and self.rows and table.row_count:
            current = self.rows[min(table.cursor_row, len(self.rows) - 1)].name
        year, today, rows = self.load()
        self.rows = rows
        table.clear()
        for i, r in enumerate(rows):
            table.add_row(
                Text(r.name),
                Text(t(f"level_{r.level}") if f"level_{r.level}" in _LEVEL_KEYS else r.level),
                Text(t(f"status_{r.state}"), style=STATE_STYLES.get(r.state, "")),
                Text(review_label(t, r), style=REVIEW_STYLES.get(r.review, "")),
                Text("" if r.errors is None else str(r.errors), justify="right",
                     style="red" if r.errors else ""),
                Text("" if r.warnings is None else str(r.warnings), justify="right",
                     style="yellow" if r.warnings else ""),
                Text(r.deadline.isoformat()),
                Text(days_label(t, r.days_left) if r.owes_report else "",
                     style="bold red" if r.days_left < 0 else ""),
                key=str(i),
            )
        handed = sum(r.handed_in for r in rows)
        with_errors = sum(1 for r in rows if r.state == "errors")
        self.query_one("#status-summary", Static).update(Text(t(
            "status_title", year=year, today=today.isoformat(), handed=handed, total=len(rows),
            missing=len(rows) - handed, errors=with_errors)))
        # Many units with the same error: say it once above the list (the list would drown it).
        common = common_errors(rows) if with_errors >= COMMON_SUMMARY_FROM else []
        line = self.query_one("#status-common", Static)
        line.display = bool(common)
        if common:
            n, kind = common[0]
            more = t("status_common_more", n=len(common) - 1) if len(common) > 1 else ""
            line.update(Text(t("status_common", n=n, error=kind) + more, style="red"))
        names = [r.name for r in rows]
        if current in names:
            table.move_cursor(row=names.index(current))
        self.select = None
        self.show_detail()

    @property
    def current(self) -> UnitStatus | None:
        table = self.query_one("#status-table", DataTable)
        if not self.rows or not table.row_count:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def show_detail(self) -> None:
        row = self.current
        text = Text()
        if row is not None:
            if row.file is not None:
                text.append(_short(str(row.file)))
            if row.message:
                text.append(("：" if text else "") + _short(row.message))
            if row.review_since:
                since = row.review_since[:16].replace("T", " ")
                text.append(("  " if text else "") + self.t("review_detail", state=review_label(self.t, row),
                                                             since=since))
        self.query_one("#status-detail", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    async def open_unit(self) -> None:
        row = self.current
        if row is None:
            return
        if not row.handed_in or row.file is None:
            self.app.notify(self.t("status_no_file", name=row.name), severity="warning", markup=False)
            return
        if self.app.is_web:  # nianbao serve: the report's own page, in this tab (Back returns here)
            self.app.open_url(UNIT_PAGE.format(unit=quote(row.name, safe="")), new_tab=False)
            return
        self.app.chosen = row.name  # type: ignore[attr-defined]
        await keep_typed_ahead(self.app)  # typed right after Enter: for the editor it opens
        self.app.exit(row.file)




def _short(text: str) -> str:
    """Paths under the current folder written relative to it (shorter in 80 columns)."""
    here = str(Path.cwd())
    return text.replace(here + os.sep, "").replace(here, ".")


_LEVEL_KEYS = {"level_government", "level_department", "level_township"}


class StatusApp(App[Path | None]):
    """Shows :class:`StatusScreen`; returns the path of the report to open, or ``None``."""

    CSS_PATH = "../app.tcss"  # the one stylesheet of the interface
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = status_bindings(Translator("zh"))

    def __init__(self, config: Config, host: PluginHost, year: int | None = None,
                 today: _dt.date | Callable[[], _dt.date] | None = None, select: str | None = None,
                 cursor_blink: bool = False):
        super().__init__()
        self.config, self.host, self.year = config, host, year
        self._today = today
        self.t = Translator(config.language)
        self.select = select
        self.chosen: str | None = None
        self.cursor_blink = cursor_blink
        self.title = "nianbao status"

    def today(self) -> _dt.date:
        if callable(self._today):
            return self._today()
        return self._today or _dt.date.today()

    def load(self) -> tuple[int, _dt.date, list[UnitStatus]]:
        today = self.today()
        year = status_year(self.config, self.year, today)
        return year, today, unit_status(self.config, self.host, year, today)

    def on_mount(self) -> None:
        self.push_screen(StatusScreen(self.t, self.load, self.select))

    # The bindings are the app's (their labels are in the interface's language); they act on
    # the status screen.
    async def action_open_unit(self) -> None:
        if isinstance(self.screen, StatusScreen):
            await self.screen.open_unit()

    def action_refresh_units(self) -> None:
        if isinstance(self.screen, StatusScreen):
            self.screen.fill()


class StatusAppEn(StatusApp):
    BINDINGS = status_bindings(Translator("en"))


def build_status_app(config: Config, host: PluginHost, year: int | None = None,
                     today: _dt.date | None = None, select: str | None = None,
                     cursor_blink: bool = False) -> StatusApp:
    app_class = StatusAppEn if config.language == "en" else StatusApp
    return app_class(config, host, year, today, select=select, cursor_blink=cursor_blink)


def run_status(config: Config, host: PluginHost, year: int | None = None, *, safe_mode: bool = False) -> int:
    """The status list; Enter opens a unit's report in the editor, and closing the editor
    comes back to the (refreshed) list, on the same unit."""
    from ..app import run_app

    select: str | None = None
    while True:
        app = build_status_app(config, host, year, select=select)
        path = app.run()
        if path is None:
            return 0
        select = app.chosen
        ended = run_app(path, config, safe_mode=safe_mode)
        if ended in HANGUP_EXITS:
            return ended  # the terminal is gone (or the process was told to stop): no list again
