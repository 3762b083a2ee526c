"""The Textual interface: the report's pages (metadata, then each section) as forms generated
from their field declarations, live checking, preview, export, and saving that loses nothing.

The interface never names a section: pages, fields and messages all come from the loaded
plugins, so a county's seventh section appears with no change here.
"""

from __future__ import annotations

import asyncio
import codecs
import datetime as _dt
import gc
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from rich.cells import cell_len
from rich.text import Text as RichText
from textual import events, on
from textual.actions import SkipAction
from textual.app import App, ComposeResult, ScreenStackError, SystemCommand
from textual.css.query import NoMatches
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from plugins.host import guard
from plugins.engine.checks import describe_field
from plugins.engine.config import Config
from plugins.document import parse_markup
from plugins.engine.errors import NianbaoError, ReportChanged
from plugins.exporters import _text_block, display_width
from plugins.fields import Records, clean_text
from plugins.engine.history import view_with_previous
from plugins.host.manager import PluginHost, host_from_env
from plugins.engine.report import META
from plugins.results import Issue
from plugins.engine.store import load_report, prepare_save, write_atomic

from .i18n import Translator
from .session import Session, check_snapshot, parse_path
from .state import load_position, save_position, write_crash_log
from .review import MARK as REMARK_MARK  # the office's remarks (✎ is a page being filled in)
from .form.grid import (CellNavigation, Editor, FieldBox, FieldInput, FieldLeft, GridCell, PreviewText, RecordsBox,
                      TableText, WrappedText, fit, is_tabular, wrap_lines, wrap_text)

# Between a keystroke and the save that writes it: half a second, so that on a loaded
# machine (the event loop late, the disk slow to sync) a keystroke is still on disk within
# a second (bench/bench_autosave.py). A save rewrites only the changed lines.
SAVE_DELAY = 0.5
PREVIEW_DELAY = 0.3
# The preview shows the beginning of a page (it does not scroll with the keys): a page of a
# 1 MB report would be 20,000 lines to wrap at every change, in a thread that takes the
# interpreter from the keystrokes half of the time.
PREVIEW_ROWS = 1000
CHECK_WAIT = 0.1  # a check's result comes with the keystroke if it takes less (it runs in a thread)
PROBE_DELAY = 0.5  # after the first frame, when the templates are tried out
HANGUP_GRACE = 2.0  # after SIGHUP/SIGTERM, seconds Textual gets to shut down before the process ends
WIDE = 120  # from this width the preview is shown beside the form
TALL = 30  # from this height the issue list is shown under it
NAV_CELLS = 24  # width of the navigation column
NAV_COLLAPSE = 72  # below this width the navigation shows only marks and numerals (8 columns)
TEXT_ROWS = (3, 12, 8)  # a text area's least and most rows, and most on a short screen (app.tcss)
EXIT_CRASH = 3  # the interface ended on an unexpected error (the report saved, the details logged)
STATE_MARK = {"empty": "◦", "progress": "✎", "errors": "✗", "warnings": "!", "complete": "✓", "broken": "⊘"}
STATE_STYLE = {"empty": "dim", "progress": "", "errors": "bold red", "warnings": "yellow",
               "complete": "green", "broken": "bold red"}


def _estimated_rows(field: Any, text: Callable[[str], int]) -> int:
    """Roughly how many rows a field takes on screen, rather too few than too many (to build
    the first screen first). ``text(path)``: the rows of the text area at ``path``."""
    kind = field.kind
    if kind in ("line", "integer", "decimal", "date", "choice"):
        return 1
    if kind == "grid":
        return len(field.rows) + 3
    if kind == "records":
        return 10
    if kind == "text":  # label, text area, help, blank line
        return 1 + text(field.key) + bool(field.help) + 1
    return 6


def _text_rows(text: str, width: int, most: int) -> int:
    """The rows a text area takes for ``text`` at ``width`` cells, as app.tcss bounds it."""
    lines = sum(max(1, -(-cell_len(p) // max(width, 1))) for p in text.split("\n"))
    return min(max(lines, TEXT_ROWS[0]), most)


def _key_name(key: str) -> str:
    """``ctrl+up`` -> ``Ctrl+Up``, ``f1`` -> ``F1`` (as printed on keyboards)."""
    return "+".join(part.capitalize() if len(part) > 1 else part.upper() for part in key.strip().split("+"))


def _short_title(title: str) -> str:
    """The numeral of a section title (``二、``), or the first two characters."""
    head, sep, _ = title.partition("、")
    return head + sep if sep and len(head) <= 3 else fit(title, 4)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "", id="help-close", show=False)]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        box = VerticalScroll(id="help-box")
        box.border_title = self.title_text
        with box:
            yield WrappedText([(RichText(line), 0, True) for line in self.text.split("\n")])

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class ExportScreen(ModalScreen[Path | None]):
    """Choose a format and press Enter: the report is exported to the file shown (Tab goes
    to the file name to change it). A report that still has errors is exported only after
    a second Enter on the question saying how many. Exporting runs in a thread, the dialog
    counting the seconds, so that a slow Word export never looks like a hang."""

    BINDINGS = [Binding("escape", "dismiss_none", "", id="export-cancel", show=False)]

    def __init__(self, app_: "NianbaoApp"):
        super().__init__()
        self.nb = app_
        self.asked = False  # the question about errors has been put
        self.busy = False
        self._started = 0.0
        self._ticker: Any = None

    def compose(self) -> ComposeResult:
        t = self.nb.t
        box = Vertical(id="export-box")
        box.border_title = t("export_title")
        with box:
            yield OptionList(*[Option(RichText(f"{e.id:6}{e.name}"), id=e.id) for e in self.nb.host.exporters.values()],
                             id="export-format", compact=True)
            yield Label(t("export_to"))
            yield Input(value=str(self._path(next(iter(self.nb.host.exporters), ""))), id="export-path", compact=True)
            yield Static("", id="export-status", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button(t("export_go"), id="export-ok", compact=True, variant="primary")
                yield Button(t("cancel"), id="export-cancel", compact=True)

    def _path(self, exporter_id: str) -> Path:
        exporter = self.nb.host.exporters.get(exporter_id)
        src = self.nb.session.report.path or Path("report.toml")
        return src.with_suffix(exporter.suffix) if exporter is not None else src.with_suffix(".txt")

    def on_mount(self) -> None:
        options = self.query_one("#export-format", OptionList)
        options.highlighted = 0
        options.focus()
        self._say(self.nb.t("export_hint"))

    def _say(self, text: str, style: str = "dim") -> None:
        self.query_one("#export-status", Static).update(RichText(text, style=style))

    @on(OptionList.OptionHighlighted, "#export-format")
    def _highlight(self, event: OptionList.OptionHighlighted) -> None:
        if not self.busy:
            self.query_one("#export-path", Input).value = str(self._path(event.option.id or ""))

    @on(OptionList.OptionSelected, "#export-format")
    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def _ok(self) -> None:
        if self.busy:
            return
        opts = self.query_one("#export-format", OptionList)
        if not opts.option_count:
            self.dismiss(None)
            return
        errors = len(self.nb.session.result.errors)
        if errors and not self.asked:
            self.asked = True
            self._say(self.nb.t("export_ask", n=errors), "bold yellow")
            self.query_one("#export-ok", Button).label = self.nb.t("export_anyway")
            self.query_one("#export-ok", Button).focus()
            return
        option = opts.get_option_at_index(opts.highlighted or 0)
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        exporter_id = option.id or ""
        self.busy = True
        for widget in self.query("#export-format, #export-path, #export-ok").results(Widget):
            widget.disabled = True
        self._started = time.monotonic()
        self._tick()
        self._ticker = self.set_interval(0.5, self._tick)
        self.nb.flush_save()
        job = self.nb.export_job(exporter_id, path)
        self.nb.in_background("export", job, self._finished)  # (a daemon thread: a hung exporter never keeps the app from quitting)

    def _tick(self) -> None:
        name = self.nb.host.exporters[self._exporter_id()].name if self._exporter_id() in self.nb.host.exporters else ""
        self._say(self.nb.t("exporting", name=name, s=int(time.monotonic() - self._started)), "bold")

    def _exporter_id(self) -> str:
        opts = self.query_one("#export-format", OptionList)
        return (opts.get_option_at_index(opts.highlighted or 0).id or "") if opts.option_count else ""

    def _finished(self, result: Path | BaseException) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        self.busy = False
        if isinstance(result, BaseException):
            error = str(result) if isinstance(result, NianbaoError) else f"{type(result).__name__}: {result}"
            self._say(self.nb.t("export_failed", error=error), "bold red")
            for widget in self.query("#export-format, #export-path, #export-ok").results(Widget):
                widget.disabled = False
            self.query_one("#export-path", Input).focus()
            return
        self.dismiss(result)

    @on(Button.Pressed, "#export-cancel")
    def action_dismiss_none(self) -> None:
        if not self.busy:  # (a file half written is never left: the write is atomic)
            self.dismiss(None)


def make_bindings(t: Translator) -> list[Binding]:
    """Every binding has an id (remappable with ``App.set_keymap``) and uses only keys that
    terminals send over SSH: ctrl+letter and F-keys, each F-key with a ctrl alternative
    (F10 too: ctrl+p lists every command). The footer shows the important ones in 80
    columns; the help screen (F1) lists them all."""
    pages = Binding.Group(t("short_pages"), compact=True)
    records = Binding.Group(t("short_records"), compact=True)
    return [
        Binding("f1,ctrl+o", "help", t("help"), id="help", priority=True, key_display="F1"),
        Binding("f2,ctrl+b", "prev_page", t("prev_section"), id="prev-section", priority=True, key_display="F2", group=pages),
        Binding("f3,ctrl+f", "next_page", t("next_section"), id="next-section", priority=True, key_display="F3", group=pages),
        # (the footer shows the keys in this order, as many as fit: on a small terminal the
        # first ones stay, the rest are in the help screen and the command palette)
        Binding("f9,ctrl+t", "toggle_preview", t("short_toggle_preview"), id="toggle-preview", priority=True, key_display="F9"),
        Binding("f10", "export", t("export"), id="export", priority=True, key_display="F10"),
        Binding("f4,ctrl+g", "next_problem", t("short_next_problem"), id="next-problem", priority=True, key_display="F4"),
        Binding("f8,ctrl+l", "toggle_issues", t("short_toggle_issues"), id="toggle-issues", priority=True, key_display="F8"),
        # (no ctrl alternative is left that no field uses: ctrl+p lists these too)
        Binding("f5", "toggle_nav", t("toggle_nav"), id="toggle-nav", priority=True, key_display="F5", show=False),
        Binding("f6", "remark", t("remark"), id="remark", priority=True, key_display="F6", show=False),
        Binding("f7", "submit", t("submit"), id="submit", priority=True, key_display="F7", show=False),
        # (a browser keeps ctrl+n for a new window: Insert too, shown there: BROWSER_KEY_DISPLAY)
        Binding("ctrl+n,insert", "add_record", t("short_add_record"), id="add-record", priority=True, key_display="^n", group=records),
        Binding("ctrl+r", "remove_record", t("short_remove_record"), id="remove-record", priority=True, key_display="^r", group=records),
        Binding("ctrl+up", "move_record(-1)", t("move_up"), id="move-up", priority=True, show=False),
        Binding("ctrl+down", "move_record(1)", t("move_down"), id="move-down", priority=True, show=False),
        Binding("ctrl+s", "save", t("save"), id="save", priority=True, show=False),
        Binding("ctrl+q", "quit", t("quit"), id="quit", priority=True, key_display="^q"),
        Binding("ctrl+p", "command_palette", t("commands"), id="command-palette", show=False),
        Binding("escape", "close_issues", "", id="close-issues", show=False),
        # Moving between fields is decided here, before the key goes to a field, so that keys
        # typed ahead (they arrive together over a slow link) land in the field they were
        # typed for. The fields' own behaviour applies where these do not.
        Binding("tab", "next_field(1)", "", id="next-field", priority=True, show=False),
        Binding("shift+tab", "next_field(-1)", "", id="previous-field", priority=True, show=False),
        Binding("enter", "enter_field", "", id="enter-next-field", priority=True, show=False),
        Binding("up", "cell('up')", "", id="cell-up", priority=True, show=False),
        Binding("down", "cell('down')", "", id="cell-down", priority=True, show=False),
        Binding("left", "cell('left')", "", id="cell-left", priority=True, show=False),
        Binding("right", "cell('right')", "", id="cell-right", priority=True, show=False),
        Binding("pageup", "cell('pageup')", "", id="cell-page-up", priority=True, show=False),
        Binding("pagedown", "cell('pagedown')", "", id="cell-page-down", priority=True, show=False),
    ]


#: Keys the browsers of the offices (Chrome, Edge, Firefox on Windows) keep for themselves
#: even from a page that asks for every key (a new window, a new tab, closing the tab):
#: under ``nianbao serve`` the footer shows another key of the same binding instead.
BROWSER_KEEPS = frozenset({"ctrl+n", "ctrl+t", "ctrl+w"})
BROWSER_KEY_DISPLAY = {"add-record": "Ins"}

# The long names of the actions, for the help screen and the command palette.
_LONG_NAMES = {"prev_page": "prev_section", "next_page": "next_section", "next_problem": "next_problem",
               "toggle_issues": "toggle_issues", "toggle_preview": "toggle_preview", "toggle_nav": "toggle_nav", "export": "export",
               "add_record": "add_record", "remove_record": "remove_record", "move_record(-1)": "move_up",
               "move_record(1)": "move_down", "save": "save", "quit": "quit", "help": "help",
               "command_palette": "commands", "remark": "remark", "submit": "submit"}
_RECORD_ACTIONS = ("add_record", "remove_record", "move_record")


class MainScreen(Screen):
    """The app's screen. Textual restyles a screen's every widget each time the screen is
    shown, the first time too, when all of them have just been styled as they were
    mounted (with the same stylesheet): the first frame waited ~10 ms for it at 80x24.
    Only that first restyle is left out (test_startup checks it changes nothing)."""

    _shown = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # (runs before Screen's own handler: Textual calls one per class in the MRO)
        if not self._shown:
            self._shown = True
            event.refresh_styles = False


class NianbaoApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "nianbao"
    ENABLE_COMMAND_PALETTE = True
    AUTO_FOCUS = None  # focus is placed on the first field explicitly (scroll containers steal it)
    BINDINGS = make_bindings(Translator("zh"))

    def __init__(self, session: Session, config: Config | None = None, *, autosave: bool = True,
                 cursor_blink: bool = False, exit_watchdog: float | None = None,
                 resume: tuple[str, str] | None = None):
        self.t = Translator((config or session.host.config).language)
        super().__init__()
        self.session = session
        self.host: PluginHost = session.host
        self._renderer: Any = None  # built when first needed: Jinja2 is not needed for the first frame
        self._renderer_lock = threading.Lock()
        self.autosave = autosave
        # A blinking cursor costs ~1.7 KB/s over SSH while idle and makes screenshots differ.
        self.cursor_blink = cursor_blink
        self.page_id = session.first_section()
        # Where this user last left the report (tui/state.py): the page, and the field
        # (or table cell) the cursor goes to once it is built.
        self._resume_field = ""
        if resume is not None and resume[0] in {p.id for p in session.pages}:
            self.page_id, self._resume_field = resume
        self._last_field: tuple[str, str] = ("", "")  # (page, path) of the editor last focused
        self._save_timer: Any = None
        self._save_error_shown = ""  # the last save failure notified (not repeated every second)
        self._quit_unsaved = False  # ctrl+q was pressed once with text that could not be saved
        self._preview_timer: Any = None
        self._problem_index = -1
        self._last_jump: tuple[Issue | None, Widget | None] = (None, None)  # F4's last problem, and the field it went to
        self._showing_issues: list[Issue] = []
        self._issue_keys: tuple = ()
        self._nav_keys: tuple = ()
        self._pending_check = False
        self._previewing = False  # a preview is being made in its thread
        self._preview_again = False
        self._checking: float | None = None  # when the check running in its thread started
        self._checking_since = 0.0
        self._check_again = False
        self._check_slow_shown = False
        self._refused_at = -1e9  # when undecodable input was last refused (said at most every few seconds)
        self._user_preview: bool | None = None
        self._user_issues: bool | None = None
        self._user_nav: bool | None = None  # the part list collapsed (True) or not by F5
        self._resized_to: tuple[int, int] | None = None
        self._focus_before_panel: Widget | None = None
        self._pages: dict[str, Vertical] = {}  # page id -> its form, built on the first visit
        self._first_page_id = ""
        self._scroll: dict[str, float] = {}
        self.started = False  # set after the first frame (on_ready)
        self.ready_at: float | None = None
        self.exit_watchdog = exit_watchdog  # seconds a hang-up may take to shut down
        self._watchdog: threading.Timer | None = None
        self.gc_held = False  # the garbage collector is off until the first frame (run_app)
        self.crash_message = ""  # set when an unexpected error ended the app
        #: the report's review (tui.review): remarks shown, F6; set by build_app
        self.review_state: Any = None
        self.review_mode = False  # nianbao review: read-only, the cursor still moves to fields

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # The layout for the terminal's size is chosen before anything is mounted: a class
        # changed on the screen afterwards restyles every widget on it.
        show_preview, show_issues, narrow, short = self._layout_for(*self.size)
        self.screen.set_class(short, "-short")
        # The first page's form is mounted with the rest, so that the first frame drawn
        # has it (Textual lays out and draws the screen once everything here is mounted).
        self._first_page_id = self.page_id
        first = self._pages[self.page_id] = self._build_page(self.page_id, first_screen=True)
        yield Static("", id="status", markup=False)
        form = VerticalScroll(first, id="form", can_focus=False)
        if first._overflows:  # type: ignore[attr-defined]
            # Its scroll bar from the first frame on (Textual would add it a frame later,
            # and everything in the form would then be laid out again one column narrower).
            form.set_reactive(Widget.show_vertical_scrollbar, True)
        with Horizontal(id="main"):
            yield OptionList(id="nav", classes="-narrow" if narrow else None)
            yield form
            preview = VerticalScroll(id="preview", can_focus=False)
            preview.border_title = self.t("preview_title")
            preview.display = show_preview
            with preview:
                yield PreviewText(id="preview-text")
        issues = OptionList(id="issues")
        issues.display = show_issues
        yield issues
        footer = Footer(compact=True, show_command_palette=False)
        # Textual's footer composes its keys only once the screen has reported its bindings,
        # after the first refresh: the first frame would have an empty footer, the keys
        # coming a moment later. The keys are known now (this app's; check_action does not
        # depend on what is mounted or focused for any key the footer shows).
        footer._bindings_ready = True  # type: ignore[attr-defined] - what Footer.bindings_changed sets
        yield footer

    async def on_mount(self) -> None:
        # (The layout for the terminal's size is set: in compose, and again on_resize.)
        self._install_signal_handlers()
        self.query_one("#preview-text", PreviewText).rewrap = lambda: self.schedule_preview(0)
        if self.session.checked_view is None:  # the first check did not finish (Session.check_within)
            self.notify(self.t("check_slow", seconds=f"{self.host.config.plugin_time_limit or 10.0:g}"),
                        severity="warning", timeout=30, markup=False)
            self._check_slow_shown = True
            self.start_check()
        if self.session.read_only:
            # Nothing can be typed: let the form itself take the keys, to scroll it.
            self.query_one("#form").can_focus = True
        self._prepare_editors(self._pages[self.page_id])
        resume, self._resume_field = self._resume_field, ""
        await self.show_page(self.page_id, focus_path=resume or None)
        if resume and isinstance(self.focused, Editor):  # scrolled to once the form has been laid out
            self.call_after_refresh(self._resume_at, self.page_id, resume, (self.focused.page_id, self.focused.path))
        if self.session.read_only and self.session.holder:
            self.notify(self.t("readonly_notice", holder=self.session.holder), severity="warning", timeout=10, markup=False)
        elif self.session.read_only and self.session.why_read_only:
            self.notify(self.t("readonly_reason", reason=self.session.why_read_only), severity="warning", timeout=20,
                        markup=False)
        if self.review_state is not None and not self.review_mode and self.review_state.remarks():
            self.notify(self.t("remarks_waiting", n=len(self.review_state.remarks())), timeout=10, markup=False)

    @property
    def renderer(self) -> Any:
        with self._renderer_lock:
            if self._renderer is None:
                from plugins.engine.render import Renderer

                self._renderer = Renderer(self.host)
            return self._renderer

    def on_ready(self) -> None:
        self.started = True
        self.ready_at = time.perf_counter()  # the screen has had its first layout (the first frame follows)
        if self.gc_held:
            self.gc_held = False
            gc.enable()
        # Once the operator can type: find sections whose template fails (shown as broken),
        # in a thread, so that compiling every template never holds up a keystroke.
        self.set_timer(PROBE_DELAY, self._start_probe)
        self.set_interval(1.0, self._watch_check)
        self.call_after_refresh(self._complete_first_page)

    def on_resize(self, event: events.Resize) -> None:
        # The app hears of a resize before its screen has the new size: lay out (and write
        # the header) for the size the event brings, not the one the screen still has.
        self._resized_to = (event.size.width, event.size.height)
        self._apply_layout()

    @property
    def term_size(self) -> tuple[int, int]:
        """The terminal's size, the latest one even while the screen is being resized."""
        return self._resized_to or tuple(self.size)  # type: ignore[return-value]

    def _layout_for(self, width: int, height: int) -> tuple[bool, bool, bool, bool]:
        """(preview shown, issue list shown, narrow navigation, short screen)."""
        preview = self._user_preview if self._user_preview is not None else width >= WIDE
        issues = self._user_issues if self._user_issues is not None else height >= TALL
        # The part list collapses to its state marks and numerals (every part's state stays
        # visible) when the operator asks (F5), below NAV_COLLAPSE columns, and with the
        # preview beside the form on a narrow screen.
        if self._user_nav is not None:
            narrow = self._user_nav
        else:
            narrow = width < NAV_COLLAPSE or (preview and width < WIDE)
        return preview, issues, narrow, height < TALL

    def _apply_layout(self) -> None:
        show_preview, show_issues, narrow, short = self._layout_for(*self.term_size)
        preview = self.query_one("#preview")
        if show_preview and not preview.display and self.page_widget() is not None:
            self.schedule_preview(0)  # shown by a resize: it has not followed the typing while hidden
        preview.display = show_preview
        self.query_one("#issues").display = show_issues
        self.query_one("#nav").set_class(narrow, "-narrow")
        self.screen.set_class(short, "-short")
        self._nav_keys = ()
        if self.page_widget() is not None:
            self.refresh_nav()
            self._refresh_issue_list()
            self.refresh_status()

    def _install_signal_handlers(self) -> None:
        # Textual has no SIGHUP handler: a dropped SSH connection would kill the process
        # without saving. Save, then leave cleanly.
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self._on_hangup)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    def _handle_exception(self, error: Exception) -> None:
        """An exception nothing handled, anywhere in the app (Textual's one place for them;
        it ends the app). Save first, write the details to a log in the state directory,
        and leave with a non-zero status and one plain sentence instead of a traceback
        (``run_app`` prints it once the terminal is restored, unwrapped: paths in it can be
        copied whole)."""
        if not self.crash_message:
            self.crash_message = self._record_crash(error)
        self._return_code = EXIT_CRASH
        if self._exception is None:  # as Textual does: a test run re-raises it
            self._exception = error
            self._exception_event.set()
        self._close_messages_no_wait()

    def _record_crash(self, error: Exception) -> str:
        s = self.session
        try:
            s.save()
            saved = self.t("crash_read_only") if s.read_only else self.t("crash_saved", file=s.report.path)
            how = "read-only" if s.read_only else "yes"
        except Exception as exc:  # noqa: BLE001 - say so; run_app tries once more
            saved = self.t("crash_not_saved", error=f"{type(exc).__name__}: {exc}")
            how = f"no: {type(exc).__name__}: {exc}"
        try:
            self.remember_position()
        except Exception:  # noqa: BLE001 - where the cursor was matters less than what follows
            pass
        try:
            log = write_crash_log(error, s.report.path, how)
        except Exception:  # noqa: BLE001 - the sentence is shown all the same
            log = None
        what = fit(clean_text(f"{type(error).__name__}: {error}"), 60)
        details = self.t("crash_log", log=log) if log is not None else self.t("crash_no_log")
        return self.t("crash", error=what, saved=saved, log=details)

    def _on_hangup(self) -> None:
        """SIGHUP (the connection dropped) or SIGTERM: save first, then leave. Textual's
        shutdown can block for ever writing to a terminal that is gone (its writer thread
        waits on a full queue); with ``exit_watchdog`` set (``run_app`` sets it), the
        process then ends by itself once everything is saved and the lock released."""
        try:
            self.session.save()
        except Exception:  # noqa: BLE001 - leave anyway; run_app tries once more
            pass
        self.remember_position()
        if self.exit_watchdog is not None and self._watchdog is None:
            def force() -> None:
                try:
                    self.session.save()
                except Exception:  # noqa: BLE001
                    pass
                try:
                    if self.session.dirty:  # no terminal left to tell: the copy is the word
                        self.session.rescue()
                except Exception:  # noqa: BLE001
                    pass
                finally:
                    self.session.close()
                    os._exit(0)

            self._watchdog = threading.Timer(self.exit_watchdog, force)
            self._watchdog.daemon = True
            self._watchdog.start()
        self.exit(0)

    # -- pages ---------------------------------------------------------------------------
    def refresh_nav(self) -> None:
        nav = self.query_one("#nav", OptionList)
        narrow = nav.has_class("-narrow")
        entries = tuple((p.id, self.session.state(p.id), p.title) for p in self.session.pages)
        if entries != self._nav_keys:
            self._nav_keys = entries
            options = []
            for page_id, state, title in entries:
                label = RichText(STATE_MARK[state] + " ", style=STATE_STYLE[state])
                label.append(_short_title(title) if narrow else fit(title, NAV_CELLS - 5), style=STATE_STYLE[state])
                options.append(Option(label, id=page_id))
            nav.set_options(options)
        ids = [p.id for p in self.session.pages]
        if self.page_id in ids:
            nav.highlighted = ids.index(self.page_id)

    async def show_page(self, page_id: str, focus_path: str | None = None) -> None:
        """Show one page. Its form is built on the first visit (only the first page is built
        at startup, in compose) and kept: coming back is immediate, with the scroll position
        kept."""
        await self._drain_focused()
        self.flush_save()
        if page_id not in {p.id for p in self.session.pages}:
            page_id = self.session.first_section()
        form = self.query_one("#form", VerticalScroll)
        current = self._pages.get(self.page_id)
        if current is not None and current.display:
            self._scroll[self.page_id] = form.scroll_y
        self.page_id = page_id
        target = self._pages.get(page_id)
        if target is None:
            target = self._build_page(page_id)
            self._pages[page_id] = target
            await form.mount(target)
            self._prepare_editors(target)
        for pid, container in self._pages.items():
            container.display = pid == page_id
        form.scroll_to(y=self._scroll.get(page_id, 0), animate=False, immediate=True)
        self.refresh_issues()
        self.focus_path(focus_path, keep_scroll=focus_path is None and page_id in self._scroll)
        if self.query_one("#preview").display:
            self.schedule_preview(0)

    def _build_page(self, page_id: str, first_screen: bool = False) -> Vertical:
        """The form of one page. For the very first screen only what fills it is built at
        once (the fields that start on it, and of a list the records that do, two at most);
        the rest follows right after the first frame (``_complete_first_page``)."""
        page = self.session.page(page_id)
        view = self.host.view(self.session.report)
        heading = RichText(page.heading, style="bold")
        widgets: list[Widget] = [Horizontal(Label(heading, classes="page-title"), Label("", classes="page-state"),
                                            classes="page-head")]
        widgets.append(WrappedText(classes="broken"))
        deferred: list[Widget] = []
        if not first_screen:
            widgets += [FieldBox(page_id, f, self.session, self.t, view) for f in page.fields]
            return Vertical(*widgets, classes="page")
        rows = 2  # where the next field starts, counted rather too few
        width, height = self.size
        most = TEXT_ROWS[2] if height < TALL else TEXT_ROWS[1]
        nav = 8 if self._layout_for(width, height)[2] else NAV_CELLS  # (app.tcss: #nav, #nav.-narrow)
        text = lambda path: _text_rows(self.session.text_at(page_id, path), width - nav - 3, most)  # noqa: E731
        overflows = False
        resume_key = parse_path(self._resume_field)[0] if self._resume_field else ""
        for f in page.fields:
            limit = None
            if isinstance(f, Records):
                limit = self._records_first(page_id, f, text, height - rows - 1)
                overflows = overflows or limit < len(self.session.records(page_id, f.key))
            at_once = bool(resume_key)  # up to the field the cursor comes back to, which is built whole
            if f.key == resume_key:
                limit, resume_key = None, ""
            box = FieldBox(page_id, f, self.session, self.t, view, records_limit=limit)
            (deferred if rows >= height and not at_once else widgets).append(box)
            rows += _estimated_rows(f, text)
        container = Vertical(*widgets, classes="page")
        container._deferred = deferred  # type: ignore[attr-defined]
        # Surely taller than the screen (something is left for later, below it): the form
        # will have a scroll bar.
        container._overflows = overflows or bool(deferred) or rows > height - 2  # type: ignore[attr-defined]
        return container

    def _records_first(self, page_id: str, field: Records, text: Callable[[str], int], rows_left: int) -> int:
        """How many records of a list to build for the first frame: two, or one if the
        second would start below the screen (``rows_left`` rows under the list's label)."""
        if is_tabular(field) or len(self.session.records(page_id, field.key)) < 2:
            return 2
        first = 1 + sum(text(f"{field.key}[0].{c.key}") if c.kind == "text" else 1 for c in field.columns) + 1
        return 1 if first >= rows_left else 2

    async def _complete_first_page(self) -> None:
        page = self._pages.get(self._first_page_id)  # even if the operator has moved on already
        if page is None or self._exit:
            return
        deferred = getattr(page, "_deferred", [])
        page._deferred = []  # type: ignore[attr-defined]
        changed = False
        if deferred:
            await page.mount_all(deferred)
            changed = True
        for box in list(page.query(RecordsBox)):
            changed = await box.mount_rest() or changed
        if changed:
            page._boxes = None  # type: ignore[attr-defined]
            for field_box in page.query(FieldBox):
                field_box.forget_editors()
            self._prepare_editors(page)
            self.refresh_issues()

    async def _forget_pages(self) -> None:
        """The list of pages changed (year or format edited): drop the other pages' forms."""
        for pid in [p for p in self._pages if p != self.page_id]:
            await self._pages.pop(pid).remove()
            self._scroll.pop(pid, None)

    def page_boxes(self) -> list[FieldBox]:
        """The field boxes of the page shown (a page's fields never change once built)."""
        page = self.page_widget()
        if page is None:
            return []
        boxes = getattr(page, "_boxes", None)
        if not boxes:
            boxes = page._boxes = list(page.query(FieldBox))  # type: ignore[attr-defined]
        return boxes

    def page_widget(self) -> Widget | None:
        return self._pages.get(self.page_id)

    def query_page(self, selector: str | type):
        page = self.page_widget()
        return page.query(selector) if page is not None else self.query("#no-page")

    def _prepare_editors(self, root: Widget) -> None:
        for w in root.query("*"):
            if isinstance(w, Editor):
                if hasattr(w, "cursor_blink"):
                    w.cursor_blink = self.cursor_blink  # type: ignore[attr-defined]
                if self.session.read_only and not self.review_mode:
                    w.disabled = True  # type: ignore[attr-defined]

    async def _drain_focused(self) -> None:
        """Let the focused editor finish the keys already sent to it (each one reaches the
        session as it is handled) before the form changes under it."""
        widget = self.focused
        if not isinstance(widget, Editor) or not widget.is_attached:
            return
        done = asyncio.get_running_loop().create_future()
        widget.call_later(lambda: done.done() or done.set_result(None))
        try:
            await asyncio.wait_for(done, 1.0)
        except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - a closing widget: nothing left to wait for
            pass

    def editors(self) -> list[Any]:
        """The editors of the page shown."""
        return [w for w in self.query_page("*") if isinstance(w, Editor)]

    def focus_path(self, path: str | None, keep_scroll: bool = False) -> None:
        editors = self.editors()
        target = None
        if path:
            target = next((w for w in editors if w.path == path), None)
            key = parse_path(path)[0]
            if target is None:
                target = next((w for w in editors if parse_path(w.path)[0] == key), None)
            if target is None:
                box = next((b for b in self.query_page(FieldBox) if b.field.key == key), None)
                if box is not None:
                    self.query_one("#form").scroll_to_widget(box, animate=False, top=True)
                    return
        if target is None and editors:
            target = editors[0]
        if target is None:
            return
        if not target.disabled:
            # at once, not after a refresh: keys that come next go to this field
            self.screen.set_focus(target, scroll_visible=False)
        if keep_scroll:
            return
        # Show the field with its label and messages, not just the editor.
        box = next((a for a in target.ancestors if isinstance(a, FieldBox)), target)
        self.query_one("#form").scroll_to_widget(box if box.outer_size.height <= 12 else target, animate=False)

    # -- editing -------------------------------------------------------------------------
    def apply_edit(self, widget: Editor, text: str) -> None:
        """Called by an editor, in its own message loop, whenever its text changes: the
        session has every keystroke before the next key is handled anywhere."""
        if self.session.read_only:
            return
        try:
            if text == self.session.text_at(widget.page_id, widget.path):
                return  # the widget just showed what is stored (mount, refresh)
        except KeyError:
            return  # the page changed under it (format or year edited)
        self.session.set_text(widget.page_id, widget.path, text)
        self.schedule_save()  # from the keystroke itself, not after the check that follows it
        if not self._pending_check:
            self._pending_check = True
            self.call_later(self.after_change)

    async def after_change(self) -> None:
        """Check again and show the result; keystrokes that came in meanwhile are checked
        together. The check runs in a thread (plugin code may hang, and nothing typed may
        wait for it): its result is shown here when it comes within ``CHECK_WAIT``, as
        soon as it comes otherwise."""
        self._pending_check = False
        pages = tuple(p.id for p in self.session.pages)
        if pages != tuple(id_ for id_, _, _ in self._nav_keys):
            self._nav_keys = ()
            await self._forget_pages()
        done = self.start_check()
        if done is not None:
            try:
                await asyncio.wait_for(asyncio.shield(done), CHECK_WAIT)
            except asyncio.TimeoutError:
                pass  # shown when it comes (_check_done)
        self.schedule_save()
        self.schedule_preview()

    def on_key(self, event: events.Key) -> None:
        """A key nothing took (it has come up to the app). In a read-only view that is
        typing: say why nothing changes, rather than ignore it (at most every few seconds)."""
        if self.session.read_only and event.is_printable and not isinstance(self.screen, ModalScreen):
            now = time.monotonic()
            if now - self._refused_at > 3:
                s = self.session
                message = (self.t("read_only_typing", holder=clean_text(s.holder)) if s.holder
                           else self.t("read_only", holder=clean_text(s.why_read_only)))
                self.notify(message, severity="warning", markup=False)
            self._refused_at = now

    def start_check(self) -> asyncio.Future | None:
        """Check the report as it is now in a thread, one check at a time: asked for while
        one runs, the next starts when it ends, on the text as it is then. Returns the
        future of the check started (None if one was running)."""
        if self._checking is not None:
            self._check_again = True
            return None
        view, problem = self.session.snapshot()  # frozen here; typing may go on meanwhile
        host = self.host
        self._checking = self._checking_since = time.monotonic()
        return self.in_background("check", lambda: (check_snapshot(host, view, problem), view), self._check_done)

    def _check_done(self, outcome: Any) -> None:
        self._checking = None
        if self._check_slow_shown:
            self._check_slow_shown = False
            self.notify(self.t("check_resumed"), markup=False)
        if isinstance(outcome, BaseException):  # a bug of ours: say it, keep typing and saving
            self.notify(self.t("check_failed", error=f"{type(outcome).__name__}: {outcome}"), severity="error", markup=False)
        elif not self._exit:
            self.session.checked(*outcome)
            if self.page_widget() is not None:
                self.refresh_issues()
        if self._check_again and not self._exit:
            self._check_again = False
            self.start_check()

    def _watch_check(self) -> None:
        """Every second: a check running longer than a plugin call may (``[plugins]
        time_limit``) is said once; typing and saving go on, the messages wait for it."""
        limit = self.host.config.plugin_time_limit or 10.0
        if (self._checking is not None and not self._check_slow_shown
                and time.monotonic() - self._checking_since > limit):
            self._check_slow_shown = True
            self.notify(self.t("check_slow", seconds=f"{limit:g}"), severity="warning", timeout=30, markup=False)

    def in_background(self, name: str, job: Callable[[], Any], done: Callable[[Any], None]) -> asyncio.Future:
        """Run ``job()`` in a thread of its own, then ``done(result or exception)`` on the
        event loop; returns a future set when ``done`` has run. A daemon thread, not a
        Textual worker: plugin code in it may never return, and the workers' executor is
        joined when the process ends, which would keep the app from quitting."""
        loop = asyncio.get_running_loop()
        finished: asyncio.Future = loop.create_future()

        def deliver(outcome: Any) -> None:
            try:
                done(outcome)
            finally:
                if not finished.done():
                    finished.set_result(None)

        def run() -> None:
            try:
                outcome = job()
            except BaseException as exc:  # noqa: BLE001 - handed to done()
                outcome = exc
            try:
                loop.call_soon_threadsafe(deliver, outcome)
            except RuntimeError:  # the loop is closed: the app has ended
                pass

        threading.Thread(target=run, name=f"nianbao-{name}", daemon=True).start()
        return finished

    def refuse_undecodable(self) -> None:
        """An editor refused bytes the terminal sent that are not UTF-8: say so, with the way
        out (the field itself keeps only what could be read)."""
        now = time.monotonic()
        if now - self._refused_at > 3:
            self.bell()
            self.notify(self.t("bad_encoding"), severity="error", markup=False, timeout=10)
        self._refused_at = now

    @on(FieldLeft)
    def _left_field(self) -> None:
        self.flush_save()

    @on(OptionList.OptionSelected, "#nav")
    async def _nav_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and event.option.id != self.page_id:
            await self.show_page(event.option.id)

    @on(OptionList.OptionSelected, "#issues")
    async def _issue_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        if index < len(self._showing_issues):
            self._problem_index = index
            await self.jump(self._showing_issues[index])
            self._last_jump = (self._showing_issues[index], self.focused)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, Editor):
            self._last_field = (event.widget.page_id, event.widget.path)
        if self.screen_stack and not self._exit:
            self.refresh_bindings()

    def _resume_at(self, page_id: str, path: str, since: tuple[str, str]) -> None:
        """Show the field the cursor came back to, now that the form is laid out (unless the
        operator has moved meanwhile)."""
        if self.page_id == page_id and self._last_field == since and not self._exit:
            self.focus_path(path)

    def remember_position(self) -> None:
        """Keep where the cursor is for this user's next opening of the report (never in
        the report itself)."""
        if self.session.report.path is None:
            return
        page, field = self._last_field
        save_position(self.session.report.path, self.page_id, field if page == self.page_id else "")

    # -- issues --------------------------------------------------------------------------
    def ordered_issues(self) -> list[Issue]:
        order = {p.id: i for i, p in enumerate(self.session.pages)}
        rank = {"error": 0, "warning": 1}
        issues = self.session.result.issues
        # Errors before warnings, as nianbao check counts them; among the errors the
        # contradictions before what is simply not filled in yet.
        return sorted(issues, key=lambda i: (rank.get(i.severity, 2), i.rule == "V-REQUIRED", order.get(i.section, 99)))

    def refresh_issues(self) -> None:
        """Messages beside the fields of this page, computed values, the issue list, the
        navigation and the status bar, all from the last check."""
        result = self.session.result
        by_key: dict[str, list[Issue]] = {}
        general: list[Issue] = []
        remarks = self.review_state.issues(self.page_id) if self.review_state is not None else []
        for issue in remarks + list(result.for_section(self.page_id)):
            if issue.field:
                by_key.setdefault(parse_path(issue.field)[0], []).append(issue)
            elif issue.rule != "PLUGIN":
                general.append(issue)
        # computed values from the view the check computed them on (no plugin code here)
        view = self.session.checked_view or self.host.view(self.session.report)
        for box in self.page_boxes():
            box.show_issues(by_key.get(box.field.key, []))
            box.refresh_computed(view)
        state = self.session.state(self.page_id)
        for tag in self.query_page(".page-state").results(Label):
            tag.update(RichText(f"{STATE_MARK[state]} {self.t('state_' + state)}", style=STATE_STYLE[state]))
        broken = self.session.broken(self.page_id)
        lines = [(RichText("⊘ " + clean_text(self.t("section_broken", msg=broken)), style="bold red"), 2, True)] if broken else []
        lines += [(RichText(("✗ " if i.severity == "error" else REMARK_MARK if i.severity == "remark" else "! ")
                            + clean_text(i.message),
                            style="red" if i.severity == "error" else "cyan" if i.severity == "remark" else "yellow"),
                   2, True) for i in general]
        for banner in self.query_page(".broken").results(WrappedText):
            banner.set_lines(lines)
            banner.display = bool(lines)
        self._refresh_issue_list()
        self.refresh_nav()
        self.refresh_status()

    def _refresh_issue_list(self) -> None:
        panel = self.query_one("#issues", OptionList)
        if not panel.display:
            return  # built when shown
        # the office's remarks first, as their own kind; then the check's findings
        remarks = self.review_state.issues() if self.review_state is not None else []
        issues = remarks + self.ordered_issues()
        width = max(self.term_size[0] - 4, 20)  # the list spans the screen: less scrollbar and padding
        keys = (width,) + tuple((i.section, i.field, i.message, i.severity, i.rule) for i in issues)
        if keys == self._issue_keys:
            return
        self._issue_keys = keys
        self._showing_issues = issues
        titles = {p.id: p.title for p in self.session.pages}
        options = []
        for n, issue in enumerate(issues):
            fields = self.session.page(issue.section).fields if issue.section in titles else ()
            kind = "missing" if issue.rule == "V-REQUIRED" else issue.severity
            mark, style = {"error": ("✗ ", "bold red"), "warning": ("! ", "yellow"), "missing": ("◦ ", "dim"),
                           "remark": (REMARK_MARK, "bold cyan")}[kind]
            label = describe_field(fields, issue.field).replace(" · ", "·")
            text = RichText()
            text.append(mark, style=style)
            text.append(fit(titles.get(issue.section, issue.section), 14), style="bold")
            text.append(" " + (label + "：" if label else ""))
            text.append(clean_text(issue.message), style="dim" if kind == "missing" else "")
            options.append(Option(RichText("\n").join(wrap_text(text, width, hang=2)), id=str(n)))
        highlighted = panel.highlighted
        panel.set_options(options)
        if options:
            panel.highlighted = min(highlighted or 0, len(options) - 1)
        panel.border_title = self.t("issues_title", n=len(issues)) if issues else self.t("issues_none")

    def refresh_status(self) -> None:
        """One line: whose report and which file │ how many problems │ saved or not."""
        try:
            status = self.screen.query_one("#status", Static)
        except (NoMatches, ScreenStackError):
            return  # a modal screen is on top, or the app is closing: nothing to update
        s = self.session
        meta = s.report.meta
        # the counts in the words of ``nianbao check`` (one vocabulary for both)
        result = s.result
        summary = result.summary() if self.t.language == "zh" else self.t(
            "counts" if result.missing else "counts_all", errors=len(result.errors), missing=len(result.missing),
            warnings=len(result.warnings))
        counts = RichText(summary, style="bold red" if result.errors else "yellow" if result.warnings else "")
        unit, year = clean_text(str(meta.get("unit", ""))), meta.get("year", "")
        who = f"{unit} {year}".strip()
        if s.read_only:
            # whose report comes first; who holds it gets what is left (at least 只读)
            why = clean_text(s.holder or s.why_read_only)
            bare = self.t("read_only", holder="")
            room = self.term_size[0] - 1 - counts.cell_len - 6 - cell_len(who) - cell_len(bare)
            shown = self.t("read_only", holder=fit(why, room)) if room >= 6 else bare.rstrip("：: ")
            saved = RichText(shown, style="bold yellow")
        elif s.save_error:
            saved = RichText(self.t("not_saved", error=fit(s.save_error.removeprefix("无法保存："), 16)), style="bold red")
        elif s.dirty:
            saved = RichText(self.t("unsaved"), style="yellow")
        elif s.last_saved:
            saved = RichText(self.t("saved_at", time=s.last_saved.strftime("%H:%M:%S")), style="green")
        else:
            saved = RichText("")
        name = s.report.path.name if s.report.path else ""
        room = self.term_size[0] - 1 - counts.cell_len - saved.cell_len - 6
        left = RichText(" ")
        if room >= cell_len(who) + 2 + cell_len(name):
            left.append(who, style="bold")
            left.append("  " + name)
        elif year and room >= cell_len(f" {year}") + 4:
            # the unit is shortened, never the year (last year's report may be open beside it)
            left.append(f"{fit(unit, room - cell_len(f' {year}'))} {year}", style="bold")
        else:
            left.append(fit(who, max(room, 4)), style="bold")
        text = left + RichText(" │ ") + counts + RichText(" │ ") + saved
        status.update(text)

    async def jump(self, issue: Issue) -> None:
        if issue.section != self.page_id:
            await self.show_page(issue.section, focus_path=issue.field)
        else:
            self.focus_path(issue.field)

    # -- saving and preview ----------------------------------------------------------------
    def schedule_save(self) -> None:
        # A throttle, not a debounce: continuous typing is still on disk within SAVE_DELAY.
        if self.autosave and self._save_timer is None:
            self._save_timer = self.set_timer(SAVE_DELAY, self.autosave_now)

    def autosave_now(self) -> None:
        """The autosave timer's save: a large report is saved in a thread (typing goes on
        meanwhile; its outcome comes back to the event loop), a small one here."""
        self._save_timer = None
        if not self.session.background_save:
            self.flush_save()
            return
        if self.session.saving:  # the previous one is still writing: again after the delay
            self.schedule_save()
            return
        future = self.session.save_in_background()
        if future is None:
            return
        loop = asyncio.get_running_loop()

        def done(f: Any) -> None:
            try:
                loop.call_soon_threadsafe(self._saved, f)
            except RuntimeError:  # the app's loop has ended: quitting saved everything itself
                pass

        future.add_done_callback(done)

    def _saved(self, future: Any) -> None:
        if not self.is_mounted:  # quitting: it waited for this save and saved the rest itself
            return
        error = future.exception()
        if error is None:
            self._after_save(future.result())
        elif isinstance(error, (OSError, NianbaoError)):
            self._after_save(False, error)
        else:
            self._handle_exception(error)
        if self.session.dirty:  # typed while it was writing
            self.schedule_save()

    def flush_save(self) -> None:
        """Save now, here (waiting for a save running in its thread first): ctrl+s, quitting,
        leaving a page."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        try:
            saved = self.session.save()
        except (OSError, NianbaoError) as e:
            self._after_save(False, e)
            return
        self._after_save(saved)

    def _after_save(self, saved: bool, e: Exception | None = None) -> None:
        """What the operator sees of a save's outcome."""
        if isinstance(e, ReportChanged):
            # Both stories, and nothing more can be typed here: the file is someone else's now.
            self.notify(self.t("changed_on_disk", error=str(e)), severity="error", timeout=60, markup=False)
            for page in self._pages.values():
                self._prepare_editors(page)
            self.query_one("#form").can_focus = True
            self.refresh_status()
            return
        if e is not None:
            # Said once per reason (autosave retries every second); the status line keeps saying it.
            if str(e) != self._save_error_shown:
                self._save_error_shown = str(e)
                self.notify(self.t("save_failed", error=str(e)), severity="error", timeout=15, markup=False)
            if self.is_mounted:
                self.refresh_status()
            return
        if self._save_error_shown and self.is_mounted:
            self._save_error_shown = ""
            self.notify(self.t("saved_again"), markup=False)
        if saved and self.is_mounted:
            self.refresh_status()

    def schedule_preview(self, delay: float = PREVIEW_DELAY) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
            self._preview_timer = None
        if delay <= 0:
            self.call_after_refresh(self.refresh_preview)
        else:
            self._preview_timer = self.set_timer(delay, self.refresh_preview)

    def refresh_preview(self) -> None:
        """Render the page shown for the preview in a thread, from a frozen copy: typing
        goes on meanwhile, and the preview follows when its lines are ready (wrapped there
        for the preview's width). Hidden, the page is still rendered, to notice a template
        that fails on what was typed. One at a time; asked for meanwhile, it runs again."""
        self._preview_timer = None
        target = next(iter(self.query("#preview-text").results(PreviewText)), None)
        if target is None or self._exit:
            return  # leaving: nothing to show it on
        if self._previewing:
            self._preview_again = True
            return
        self._previewing = True
        view = self.host.view(self.session.report)  # a frozen copy: safe to read in a thread
        page_id = self.page_id
        position = next((i for i, p in enumerate(self.session.pages) if p.id == page_id), 0)
        width = target.content_size.width if self.query_one("#preview").display else 0

        cut = RichText(self.t("preview_cut", rows=PREVIEW_ROWS), style="dim")

        def job() -> tuple:
            lines, error = self._preview_of(view, page_id, position)
            if not width:
                return page_id, lines, error, width, None
            wrapped = wrap_lines(lines, width, PREVIEW_ROWS + 1)
            if len(wrapped) > PREVIEW_ROWS:
                wrapped[PREVIEW_ROWS:] = [cut]
            return page_id, lines, error, width, wrapped

        self.in_background("preview", job, self._preview_done)

    def _preview_done(self, outcome: Any) -> None:
        self._previewing = False
        if self._exit:
            return
        if isinstance(outcome, BaseException):  # a bug of ours: shown in the preview
            outcome = (self.page_id, self._preview_failed(outcome), "", 0, None)
        page_id, lines, error, width, wrapped = outcome
        self._note_render_error(page_id, error)
        target = next(iter(self.query("#preview-text").results(PreviewText)), None)
        if target is not None and page_id == self.page_id and self.query_one("#preview").display:
            if wrapped is not None:
                target.set_wrapped(lines, width, wrapped)
            else:
                target.set_lines(lines)
        if self._preview_again:
            self._preview_again = False
            self.refresh_preview()

    def preview_text(self) -> str:
        return "\n".join(line.plain for line, _, _ in self.preview_lines())

    def preview_lines(self) -> list[tuple[RichText, int, bool]]:
        """The current page as it will be printed (the text of the txt export; tables
        aligned for the screen), rendered here and now."""
        position = next((i for i, p in enumerate(self.session.pages) if p.id == self.page_id), 0)
        lines, error = self._preview_of(self.host.view(self.session.report), self.page_id, position)
        self._note_render_error(self.page_id, error)
        return lines

    def _preview_failed(self, exc: BaseException) -> list[tuple[RichText, int, bool]]:
        return [(RichText(clean_text(self.t("preview_failed", error=f"{type(exc).__name__}: {exc}")), style="red"), 0, True)]

    def _preview_of(self, view: Any, page_id: str, position: int) -> tuple[list[tuple[RichText, int, bool]], str]:
        """The preview's lines of a page from a frozen view, and the error of its section's
        template ("" if none). Reads nothing else of the app: runs in a thread."""
        error = ""
        try:
            if page_id == META:
                blocks = self.renderer.render(view, view).blocks
                cut = next((i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1), len(blocks))
                blocks = blocks[:cut]
            else:
                section = self.host.section(page_id)
                part = self.renderer.render_part(section, view, position)  # type: ignore[arg-type]
                error = part.error
                blocks = parse_markup(f"::h1 {part.heading}\n" + part.markup)
        except Exception as exc:  # noqa: BLE001 - a broken template must not take the app down
            return self._preview_failed(exc), error
        lines: list[tuple[RichText, int, bool]] = []
        for b in blocks:
            if b.kind == "table" and b.table is not None:
                lines.append((TableText(b.table), 0, False))  # laid out for the preview's width
            elif b.kind in ("title", "heading"):
                lines += [(RichText(clean_text(line).strip(), style="bold"), 0, True) for line in _text_block(b)]
            else:
                lines += [(RichText(clean_text(line)), 0, True) for line in _text_block(b)]
        return lines, error

    def _note_render_error(self, page_id: str, error: str) -> None:
        before = self.session.render_errors.get(page_id, "")
        if error:
            self.session.render_errors[page_id] = error
        else:
            self.session.render_errors.pop(page_id, None)
        if before != error and self.is_mounted:
            self.refresh_issues()

    def _start_probe(self) -> None:
        view = self.host.view(self.session.report)  # a frozen copy: safe to read in a thread
        pages = [(position, page.id) for position, page in enumerate(self.session.pages)]
        self.in_background("probe", lambda: self._probe_rendering(view, pages), lambda outcome: None)
        if not self.session.read_only and self.session.report.path is not None:
            self.run_worker(prepare_save(self.session.report), thread=True, exit_on_error=False, group="prepare-save")

    def _probe_rendering(self, view: Any, pages: list[tuple[int, str]]) -> None:
        errors = {}
        for position, page_id in pages:
            section = self.host.section(page_id)
            if section is not None:
                part = self.renderer.render_part(section, view, position)
                if part.error:
                    errors[page_id] = part.error
        if errors:
            try:
                self.call_from_thread(self._apply_probe, errors)
            except RuntimeError:  # the app has ended meanwhile
                pass

    def _apply_probe(self, errors: dict[str, str]) -> None:
        for page_id, error in errors.items():
            self.session.render_errors.setdefault(page_id, error)
        self._nav_keys = ()
        self.refresh_issues()

    # -- actions -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if isinstance(self.screen, ModalScreen) and action not in ("save", "quit", "command_palette"):
            return False  # a dialog is open: its own keys apply
        if action == "close_issues":  # wherever the focus is (a field, a cell, the list itself)
            return self.query_one("#issues").display
        if action == "enter_field":
            # Enter moves on only from one-line fields (it is a new line in prose, opens a list)
            return isinstance(self.focused, (FieldInput, GridCell))
        if action == "cell":
            return isinstance(self.focused, (FieldInput, GridCell)) and any(isinstance(a, CellNavigation) for a in self.focused.ancestors)
        if action.startswith(_RECORD_ACTIONS):
            if self.session.read_only:
                return False
            if action == "add_record":  # (the page's fields, not its widgets: the footer asks before they are mounted)
                return self._focused_records() is not None or any(
                    isinstance(f, Records) for p in self.session.pages if p.id == self.page_id for f in p.fields)
            target = self._focused_records()
            return target is not None and target[1] is not None
        return True

    def action_remark(self) -> None:
        from .review import act

        act(self)

    def action_submit(self) -> None:
        from .review import submit

        submit(self)

    def action_save(self) -> None:
        self.session.dirty = self.session.dirty or not self.session.read_only
        self.flush_save()

    async def action_quit(self) -> None:
        await self._drain_focused()
        self.flush_save()
        if self.session.dirty and not self._quit_unsaved:
            # The save failed (a full disk, the folder's permissions): what was typed is only
            # here. Say so, and quit only when asked again.
            self._quit_unsaved = True
            reason = (self.session.save_error or self.session.why_read_only).removeprefix("无法保存：")
            self.notify(self.t("quit_unsaved", reason=reason), severity="error", timeout=30, markup=False)
            return
        self.remember_position()
        self.exit(0)

    def action_help_quit(self) -> None:
        self.notify(self.t("quit_hint"), markup=False)

    def help_text(self, width: int = 74) -> str:
        """Every key (the app's own in two columns when they fit), then how the form
        behaves."""
        def table(rows: list[tuple[str, str]]) -> list[str]:
            key_w = max(display_width(k) for k, _ in rows) + 2
            return [k + " " * (key_w - display_width(k)) + d for k, d in rows]

        fields = table([(self.t("key_tab"), self.t("key_tab_desc")), (self.t("key_enter"), self.t("key_enter_desc")),
                        (self.t("key_arrows"), self.t("key_arrows_desc"))])
        cells = table([(" / ".join(_key_name(k) for k in b.key.split(",") if not (self.is_web and k in BROWSER_KEEPS)),
                         self.t(_LONG_NAMES[b.action]))
                       for b in self.BINDINGS if isinstance(b, Binding) and b.action in _LONG_NAMES])
        col_w = max(display_width(c) for c in cells) + 3
        if 2 * col_w <= width:
            half = (len(cells) + 1) // 2
            left, right = cells[:half], cells[half:]
            cells = [a + " " * (col_w - display_width(a)) + (right[i] if i < len(right) else "") for i, a in enumerate(left)]
        return "\n".join(line.rstrip() for line in fields + [""] + cells) + "\n\n" + self.t("help_intro")

    def get_key_display(self, binding: Binding) -> str:
        """In a browser the footer names a key the browser lets through (``Ins``, not ``^n``)."""
        if self.is_web and binding.id in BROWSER_KEY_DISPLAY:
            return BROWSER_KEY_DISPLAY[binding.id]
        return super().get_key_display(binding)

    def action_help(self) -> None:
        width = min(78, self.size.width) - 4  # the box's border and padding
        self.push_screen(HelpScreen(f"{self.t('help_title')} · {self.t('help_close')}", self.help_text(width)))

    async def action_enter_field(self) -> None:
        await self.action_next_field(1)

    async def action_next_field(self, delta: int) -> None:
        await self._drain_focused()
        if delta > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    async def action_cell(self, key: str) -> None:
        widget = self.focused
        await self._drain_focused()
        box = next((a for a in widget.ancestors if isinstance(a, CellNavigation)), None) if widget else None
        target = box.neighbour(widget, key) if box is not None else None
        if target is None:
            raise SkipAction()  # the key does what it does in the field
        self.screen.set_focus(target)

    async def _move_page(self, delta: int) -> None:
        ids = [p.id for p in self.session.pages]
        i = ids.index(self.page_id) if self.page_id in ids else 0
        await self.show_page(ids[(i + delta) % len(ids)])

    async def action_next_page(self) -> None:
        await self._move_page(1)

    async def action_prev_page(self) -> None:
        await self._move_page(-1)

    async def action_goto_page(self, page_id: str) -> None:
        await self.show_page(page_id)

    async def action_next_problem(self) -> None:
        issues = self.ordered_issues()
        if not issues:
            self.notify(self.t("no_problems"))
            return
        # The problem after the one at the cursor, in the list's order (errors first); from
        # a field with no problem (just corrected), the first: counting on from the last
        # problem visited would skip the next error once the list got shorter.
        last, where = self._last_jump
        here = getattr(self.focused, "path", None)
        if where is not None and where is self.focused and last in issues:
            at: int | None = issues.index(last)
        else:
            at = next((n for n, i in enumerate(issues) if i.section == self.page_id and here and i.field == here), None)
        self._problem_index = 0 if at is None else (at + 1) % len(issues)
        issue = issues[self._problem_index]
        panel = self.query_one("#issues", OptionList)
        if panel.display and self._problem_index < panel.option_count:
            panel.highlighted = self._problem_index
        await self.jump(issue)
        self._last_jump = (issue, self.focused)

    def action_toggle_issues(self) -> None:
        """Show the list and go to it; from the list, hide it and go back to the field."""
        panel = self.query_one("#issues", OptionList)
        if panel.display and not panel.has_focus:
            self._focus_before_panel = self.focused
            panel.focus()
            return
        if panel.display:
            self.action_close_issues()
            return
        self._user_issues = True
        self._focus_before_panel = self.focused
        self._apply_layout()
        panel.focus()

    def action_close_issues(self) -> None:
        had_focus = self.query_one("#issues").has_focus
        self._user_issues = False
        self._apply_layout()
        if not had_focus:
            return  # the cursor stays where it is
        before = self._focus_before_panel
        if isinstance(before, Editor) and before.is_attached and before.page_id == self.page_id:  # type: ignore[attr-defined]
            self.screen.set_focus(before)  # type: ignore[arg-type]
        elif not isinstance(self.focused, Editor):
            self.focus_path(None)

    def action_toggle_nav(self) -> None:
        """Collapse the part list to its marks and numerals, or show the titles again."""
        self._user_nav = not self.query_one("#nav").has_class("-narrow")
        self._apply_layout()

    def action_toggle_preview(self) -> None:
        self._user_preview = not self.query_one("#preview").display
        self._apply_layout()
        self.refresh_preview()

    def action_export(self) -> None:
        def done(path: Path | None) -> None:
            if path is None:
                return
            if self.is_web:  # nianbao serve: the file is on the server; the operator wants it in the browser
                self.deliver_binary(path)
                self.notify(self.t("export_delivered", path=path), markup=False)
            else:
                self.notify(self.t("export_done", path=path), markup=False)

        self.push_screen(ExportScreen(self), done)

    def export_job(self, exporter_id: str, path: Path) -> Callable[[], Path]:
        """The export of the report as it is now, to run in a thread: renders it from a
        frozen copy (typing may go on meanwhile) and writes the file atomically
        (:func:`plugins.engine.store.write_atomic`, like every file written). Raises on failure."""
        exporter = self.host.exporters[exporter_id]
        report = self.session.report
        view = view_with_previous(self.host, report)[0]

        def job() -> Path:
            document = self.renderer.render(report, view)
            return write_atomic(path, guard.call(exporter.export, document))  # (a plugin's exporter may sys.exit())
        return job

    def export(self, exporter_id: str, path: Path) -> Path | None:
        """Export at once, in this thread (the dialog uses :meth:`export_job` in a worker)."""
        self.flush_save()
        try:
            return self.export_job(exporter_id, path)()
        except NianbaoError as exc:
            self.notify(self.t("export_failed", error=str(exc)), severity="error", markup=False)
        except Exception as exc:  # noqa: BLE001
            self.notify(self.t("export_failed", error=f"{type(exc).__name__}: {exc}"), severity="error", markup=False)
        return None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p) in the interface's language: every action, and a
        way to each page."""
        for b in self.BINDINGS:
            if isinstance(b, Binding) and b.action in _LONG_NAMES and b.action != "command_palette" \
                    and not b.action.startswith(_RECORD_ACTIONS):
                key = b.key_display or b.key.split(",")[0]
                yield SystemCommand(self.t(_LONG_NAMES[b.action]), key,
                                    lambda a=b.action: self.call_later(self.run_action, a))
        for page in self.session.pages:
            yield SystemCommand(self.t("goto_page", title=page.title), "",
                                lambda p=page.id: self.call_later(self.show_page, p))

    # -- records ---------------------------------------------------------------------------
    def _focused_records(self) -> tuple[RecordsBox, int | None] | None:
        focused = self.focused
        node = focused
        while node is not None and not isinstance(node, RecordsBox):
            node = node.parent  # type: ignore[assignment]
        if node is None:
            return None
        return node, node.index_of(focused)

    async def _rebuild_records(self, box: RecordsBox, focus: str | None) -> None:
        box.limit = None
        await box.recompose()
        self._prepare_editors(box)
        for field_box in box.ancestors:
            if isinstance(field_box, FieldBox):
                field_box.forget_editors()
        await self.after_change()
        self.focus_path(focus or box.field.key)

    def _column_of(self, widget: Any) -> str | None:
        path = getattr(widget, "path", "")
        return parse_path(path)[2] if path else None

    async def action_add_record(self) -> None:
        await self._drain_focused()
        target = self._focused_records()
        if target is None:
            box = next(iter(self.query_page(RecordsBox)), None)
            if box is None:
                return
            target = (box, None)
        box, index = target
        at = self.session.add_record(self.page_id, box.field.key, index)
        first = box.field.columns[0].key if box.field.columns else ""
        await self._rebuild_records(box, f"{box.field.key}[{at}].{first}")

    async def action_remove_record(self) -> None:
        await self._drain_focused()
        target = self._focused_records()
        if target is None or target[1] is None:
            return
        box, index = target
        column = self._column_of(self.focused)
        self.session.remove_record(self.page_id, box.field.key, index)
        remaining = len(self.session.records(self.page_id, box.field.key))
        focus = f"{box.field.key}[{min(index, remaining - 1)}].{column}" if remaining else None
        await self._rebuild_records(box, focus)

    async def action_move_record(self, delta: int) -> None:
        await self._drain_focused()
        target = self._focused_records()
        if target is None or target[1] is None:
            return
        box, index = target
        column = self._column_of(self.focused)
        to = self.session.move_record(self.page_id, box.field.key, index, delta)
        if to != index:
            await self._rebuild_records(box, f"{box.field.key}[{to}].{column}")


def _tolerate_non_utf8_terminals() -> None:
    """A terminal that is not UTF-8 is refused before the app starts (tui/terminal.py), but
    one whose locale says UTF-8 may still send other bytes (a GBK client, a paste from
    elsewhere), on which Textual's strict UTF-8 decoder dies (Textual #6456), ending the app.
    Decode with replacement instead: the editors refuse the replacement character, saying
    so (``Editor``), so none ever reaches the report. Only the Linux terminal driver reads
    bytes this way; the app has imported it if it uses it (``App.get_driver_class``)."""
    linux_driver = sys.modules.get("textual.drivers.linux_driver")
    if linux_driver is None:  # another driver (Windows, web, headless): nothing to patch
        return

    def decoder_factory(encoding: str):
        cls = codecs.getincrementaldecoder(encoding)
        return lambda errors="strict": cls(errors="replace")

    linux_driver.getincrementaldecoder = decoder_factory  # type: ignore[assignment]


class NianbaoAppEn(NianbaoApp):
    BINDINGS = make_bindings(Translator("en"))


def build_app(path: str | Path, config: Config, *, safe_mode: bool = False, host: PluginHost | None = None,
              autosave: bool = True, clock: Callable[[], _dt.datetime] = _dt.datetime.now,
              cursor_blink: bool = False, review: bool = False) -> NianbaoApp:
    """The app on the report at ``path``, holding its lock (read-only if someone else does).
    ``review``: the office's review (``nianbao review``): read-only, F6 adds a remark."""
    from .review import ReviewState

    host = host or host_from_env(config, safe_mode=True if safe_mode else None)
    report = load_report(path)
    t = Translator(config.language)
    # (a plugin's check that hangs must not keep the editor from opening: see on_mount)
    session = Session(host, report, clock=clock, meta_title=t("meta_page"), read_only=review,
                      first_check_wait=config.plugin_time_limit or 10.0)
    if review:
        session.why_read_only = t("review_mode")
    session.acquire()
    app_class = NianbaoAppEn if config.language == "en" else NianbaoApp
    app = app_class(session, config, autosave=autosave, cursor_blink=cursor_blink, resume=load_position(path))
    app.review_mode = review
    app.review_state = ReviewState(report.path, config, office=review)
    return app


def run_app(path: str | Path, config: Config, *, safe_mode: bool = False, gc_held: bool = False,
            review: bool = False) -> int:
    """Run the interface on the report at ``path``. ``gc_held``: the caller switched the
    garbage collector off for the start-up (``nianbao edit`` does); it is switched back on
    once the first frame is up, or when the app ends before that."""
    try:
        app = build_app(path, config, safe_mode=safe_mode, review=review)
    except NianbaoError as e:
        if gc_held:
            gc.enable()
        sys.stderr.write(f"nianbao: {e}\n")
        return 2
    _tolerate_non_utf8_terminals()
    app.exit_watchdog = HANGUP_GRACE
    app.gc_held = gc_held
    try:
        app.run()
    finally:
        if gc_held:
            gc.enable()
        if app._watchdog is not None:
            app._watchdog.cancel()
        try:
            app.session.save()  # whatever way the app ended, nothing typed is left unsaved
        except (OSError, NianbaoError) as e:
            sys.stderr.write(f"nianbao: {e}\n")  # never a traceback
        try:
            if app.session.dirty:  # could not be saved: never lost without a word
                sys.stderr.write(f"nianbao: {app.session.rescue()}\n")
        finally:
            app.session.close()
    if app.crash_message:
        sys.stderr.write(app.crash_message + "\n")
    return app.return_code or 0
