"""The Textual interface: the report's pages (metadata, then each section) as forms generated
from their field declarations, live checking, preview, export, and saving that loses nothing.

The interface never names a section: pages, fields and messages all come from the loaded
plugins, so a county's seventh section appears with no change here.

:class:`NianbaoApp` composes the screen, runs its life (mount, first frame, resize, end) and
routes events to the parts it is made of, each a module of its own:

* ``form/page.py`` (:class:`PageForm`): the page form; ``form/editors.py`` the widget of
  each field kind, ``form/grid.py`` tables, ``form/records.py`` lists, ``form/field_box.py``
  a field with its label and messages
* ``editing.py`` (:class:`Editing`): each edit, checked and saved
* ``panels.py`` (:class:`Panels`): the part list, the issue list, the status line, the layout
* ``preview.py`` (:class:`Preview`): the page as it will be printed
* ``bindings.py`` (the keys) and ``actions.py`` (:class:`Actions`, what each key does)
* ``screens/``: help (F1), export (F10), the county office's status list
* ``workarounds.py`` (:class:`AppWorkarounds`): everything that depends on Textual's
  internals (why Textual is pinned to 8.2.8)
"""

from __future__ import annotations

import datetime as _dt
import gc
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from textual import events, on
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer, OptionList, Static

from plugins.engine.config import Config
from plugins.engine.errors import NianbaoError
from plugins.fields import clean_text
from plugins.host.manager import PluginHost, host_from_env
from plugins.results import Issue
from plugins.engine.store import load_report

from .actions import Actions
from .bindings import make_bindings
from .editing import Editing
from .form.editors import Editor, FieldLeft
from .form.page import PageForm
from .i18n import Translator
from .panels import Panels
from .preview import PROBE_DELAY, Preview, PreviewText
from .session import Session
from .state import load_position, save_position
from .workarounds import HANGUP_GRACE, AppWorkarounds, MainScreen, footer_ready, tolerate_non_utf8_terminals


class NianbaoApp(PageForm, Editing, Panels, Preview, Actions, AppWorkarounds, App[int]):
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
        self._preview_asked = False  # a preview asked for after the next refresh (schedule_preview(0))
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
        #: what start-up built is moved out of the collector's reach once the first page is
        #: complete (run_app: the process is the app's; see _first_page_then_freeze)
        self.freeze_start_up = False
        self.crash_message = ""  # set when an unexpected error ended the app
        #: the report's review (tui.review): remarks shown, F6; set by build_app
        self.review_state: Any = None
        self.review_mode = False  # nianbao review: read-only, the cursor still moves to fields

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

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
        yield footer_ready(Footer(compact=True, show_command_palette=False))  # its keys in the first frame

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
        plugins = self.plugins_notice()
        if plugins:  # (the status line keeps a mark, F1 the list)
            self.notify(plugins, severity="warning", timeout=20, markup=False)

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
        self.call_after_refresh(self._first_page_then_freeze)

    async def _first_page_then_freeze(self) -> None:
        await self._complete_first_page()
        if self.freeze_start_up and not self.exiting:
            # Modules, plugins, the report and the first page live as long as the app. Left
            # to the collector, each of its full passes walks them all again: in a 1 MB report
            # 45-60 ms with the event loop held, the longest pause while typing (bench_tui
            # --big). Frozen, a full pass takes 9-16 ms. (Not in tests: many apps share one
            # process there, and frozen garbage is never freed.)
            gc.freeze()

    def on_resize(self, event: events.Resize) -> None:
        # The app hears of a resize before its screen has the new size: lay out (and write
        # the header) for the size the event brings, not the one the screen still has.
        self._resized_to = (event.size.width, event.size.height)
        self._apply_layout()

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
        if self.screen_stack and not self.exiting:
            self.refresh_bindings()

    def remember_position(self) -> None:
        """Keep where the cursor is for this user's next opening of the report (never in
        the report itself)."""
        if self.session.report.path is None:
            return
        # The editor with the cursor, if one has it: _last_field follows a focus event that
        # bubbles up to the app, and a key typed ahead (ctrl+q) can come before it.
        focused = self.focused
        page, field = (focused.page_id, focused.path) if isinstance(focused, Editor) else self._last_field
        save_position(self.session.report.path, self.page_id, field if page == self.page_id else "")


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
            review: bool = False, host: PluginHost | None = None) -> int:
    """Run the interface on the report at ``path``. ``gc_held``: the caller switched the
    garbage collector off for the start-up (``nianbao edit`` does); it is switched back on
    once the first frame is up, or when the app ends before that. ``host``: the plugin host,
    if the caller has loaded it already (``nianbao edit X.docx`` imported the document with it)."""
    try:
        app = build_app(path, config, safe_mode=safe_mode, review=review, host=host)
    except NianbaoError as e:
        if gc_held:
            gc.enable()
        sys.stderr.write(f"nianbao: {e}\n")
        return 2
    tolerate_non_utf8_terminals()
    app.exit_watchdog = HANGUP_GRACE
    app.gc_held = gc_held
    app.freeze_start_up = True
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
