"""What the parts of :class:`tui.app.NianbaoApp` share, for the type checker: the app's state
(set in ``NianbaoApp.__init__``) and the methods one part calls on another. Each part (a mixin:
``Actions``, ``Editing``, ``PageForm``, ``Panels``, ``Preview``, ``AppWorkarounds``) is
checked as an :class:`AppParts`; at run time the parts are plain classes and this module is
not imported. mypy checks that each part's method agrees with its declaration here.

A part that needs another part's method (or a new piece of state) declares it here."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any, Callable

from textual.app import App
from textual.containers import Vertical
from textual.timer import Timer
from textual.widget import Widget

from plugins.host.manager import PluginHost
from plugins.results import Issue

from .form.field_box import FieldBox
from .i18n import Translator
from .session import Session


class AppParts(App[int]):
    # the report being edited, and the words of the interface
    t: Translator
    session: Session
    host: PluginHost
    page_id: str  # the page shown
    autosave: bool
    cursor_blink: bool
    review_state: Any  # tui.review.ReviewState, or None
    review_mode: bool
    # start-up and end
    started: bool
    ready_at: float | None
    gc_held: bool
    crash_message: str
    exit_watchdog: float | None
    _watchdog: threading.Timer | None
    _renderer: Any
    _renderer_lock: threading.Lock
    # pages (form/page.py)
    _pages: dict[str, Vertical]
    _first_page_id: str
    _scroll: dict[str, float]
    _resume_field: str
    _last_field: tuple[str, str]
    # editing, checking, saving (editing.py)
    _save_timer: Timer | None
    _save_error_shown: str
    _quit_unsaved: bool
    _pending_check: bool
    _checking: float | None
    _checking_since: float
    _check_again: bool
    _check_slow_shown: bool
    _refused_at: float
    # panels and layout (panels.py)
    _problem_index: int
    _last_jump: tuple[Issue | None, Widget | None]
    _showing_issues: list[Issue]
    _issue_keys: tuple
    _nav_keys: tuple
    _user_preview: bool | None
    _user_issues: bool | None
    _user_nav: bool | None
    _resized_to: tuple[int, int] | None
    _focus_before_panel: Widget | None
    # preview (preview.py)
    _preview_timer: Timer | None
    _preview_asked: bool
    _previewing: bool
    _preview_again: bool

    @property
    def renderer(self) -> Any:
        raise NotImplementedError  # app.py

    @property
    def exiting(self) -> bool:
        raise NotImplementedError  # workarounds.py

    @property
    def can_show(self) -> bool:
        raise NotImplementedError  # workarounds.py

    def remember_position(self) -> None:
        raise NotImplementedError  # app.py

    def _apply_layout(self) -> None:
        raise NotImplementedError  # panels.py

    async def _drain_focused(self) -> None:
        raise NotImplementedError  # form/page.py

    async def _forget_pages(self) -> None:
        raise NotImplementedError  # form/page.py

    def _handle_exception(self, error: Exception) -> None:
        raise NotImplementedError  # workarounds.py

    def _layout_for(self, width: int, height: int) -> tuple[bool, bool, bool, bool]:
        raise NotImplementedError  # panels.py

    def _note_render_error(self, page_id: str, error: str) -> None:
        raise NotImplementedError  # preview.py

    def _prepare_editors(self, root: Widget) -> None:
        raise NotImplementedError  # form/page.py

    def _refresh_issue_list(self) -> None:
        raise NotImplementedError  # panels.py

    async def after_change(self) -> None:
        raise NotImplementedError  # editing.py

    def editors(self) -> list[Any]:
        raise NotImplementedError  # form/page.py

    def export_job(self, exporter_id: str, path: Path) -> Callable[[], Path]:
        raise NotImplementedError  # actions.py

    def flush_save(self) -> None:
        raise NotImplementedError  # editing.py

    def focus_path(self, path: str | None, keep_scroll: bool=False) -> None:
        raise NotImplementedError  # form/page.py

    def in_background(self, name: str, job: Callable[[], Any], done: Callable[[Any], None]) -> asyncio.Future:
        raise NotImplementedError  # editing.py

    async def jump(self, issue: Issue) -> None:
        raise NotImplementedError  # panels.py

    def ordered_issues(self) -> list[Issue]:
        raise NotImplementedError  # panels.py

    def page_boxes(self) -> list[FieldBox]:
        raise NotImplementedError  # form/page.py

    def page_widget(self) -> Widget | None:
        raise NotImplementedError  # form/page.py

    def query_page(self, selector: str | type):
        raise NotImplementedError  # form/page.py

    def refresh_issues(self) -> None:
        raise NotImplementedError  # panels.py

    def refresh_nav(self) -> None:
        raise NotImplementedError  # panels.py

    def refresh_preview(self) -> None:
        raise NotImplementedError  # preview.py

    def refresh_status(self) -> None:
        raise NotImplementedError  # panels.py

    def schedule_preview(self, delay: float = ...) -> None:
        raise NotImplementedError  # preview.py

    def schedule_save(self) -> None:
        raise NotImplementedError  # editing.py

    async def show_page(self, page_id: str, focus_path: str | None=None) -> None:
        raise NotImplementedError  # form/page.py

    def start_check(self) -> asyncio.Future | None:
        raise NotImplementedError  # editing.py

    @property
    def term_size(self) -> tuple[int, int]:
        raise NotImplementedError  # panels.py
