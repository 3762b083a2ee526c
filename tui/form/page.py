"""The page form: one page of the report (the metadata, or a section) as a column of field
boxes built from the declarations; built on the first visit and kept. At start-up only
what fills the first screen is built before the first frame."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from rich.cells import cell_len
from rich.text import Text as RichText
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Label

from plugins.fields import Records

from ..session import parse_path
from ..text_layout import WrappedText
from .editors import Editor
from .field_box import FieldBox
from .records import RecordsBox, is_tabular
from ..panels import NAV_CELLS, TALL

if TYPE_CHECKING:
    from ..parts import AppParts
else:
    AppParts = object  # (the type checker sees the app's shared state and parts: tui/parts.py)


TEXT_ROWS = (3, 12, 8)  # a text area's least and most rows, and most on a short screen (app.tcss)


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


class PageForm(AppParts):
    """The app's page form: building pages, showing one, the editors on it, the focus."""

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
        if page is None or self.exiting:
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
                    w.cursor_blink = self.cursor_blink
                if self.session.read_only and not self.review_mode:
                    w.disabled = True

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
                    self._scroll_to_when_laid_out(box, top=True)
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
        self._scroll_to_when_laid_out(target)

    def _scroll_to_when_laid_out(self, widget: Widget, top: bool = False) -> None:
        """Scroll the form to ``widget`` (an editor: with its field's label and messages, if
        they fit) once the form has been laid out. Before that, a page just built or shown
        again has the places of the last layout, which may have it below the page shown
        before: a scroll by those ended at the page's bottom, the cursor out of view (a
        loaded machine drew a frame while the page was being mounted)."""
        page_id, focused = self.page_id, self.focused

        def scroll(again: int) -> None:
            if self.page_id != page_id or self.focused is not focused or not widget.is_attached or self.exiting:
                return  # the operator has moved on: Textual shows where the cursor went
            target = widget
            if isinstance(widget, Editor):
                box = next((a for a in widget.ancestors if isinstance(a, FieldBox)), widget)
                target = box if box.outer_size.height <= 12 else widget
            self.query_one("#form").scroll_to_widget(target, animate=False, top=top, immediate=True)
            if again:
                # The screen runs these callbacks when idle, which can come before it has laid
                # the page out (under load tests/test_tui.py failed so, once in 4 runs of the
                # suite): once more after the next refresh, and again. (Scrolling to a field in
                # view moves nothing.)
                self.call_after_refresh(scroll, again - 1)

        self.call_after_refresh(scroll, 2)

    def _resume_at(self, page_id: str, path: str, since: tuple[str, str]) -> None:
        """Show the field the cursor came back to, now that the form is laid out (unless the
        operator has moved meanwhile)."""
        if self.page_id == page_id and self._last_field == since and not self.exiting:
            self.focus_path(path)
