"""The preview: the page shown as it will be printed (the text of the txt export, tables
aligned for the screen), rendered in a thread from a frozen copy of the report; and the
probe that tries every section's template once the operator can type."""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable

from rich.text import Text as RichText

from plugins.document import parse_markup
from plugins.exporters import text_lines
from plugins.fields import clean_text
from plugins.engine.report import META
from plugins.engine.store import prepare_save

from .text_layout import WrappedText, wrap_lines
from textual.strip import Strip
from textual.visual import Visual, visualize
from .text_layout import TableText, TextLine

if TYPE_CHECKING:
    from .parts import AppParts
else:
    AppParts = object  # (the type checker sees the app's shared state and parts: tui/parts.py)


PREVIEW_DELAY = 0.3
# The preview shows the beginning of a page (it does not scroll with the keys): a page of a
# 1 MB report would be 20,000 lines to wrap at every change, in a thread that takes the
# interpreter from the keystrokes half of the time.
PREVIEW_ROWS = 1000
PROBE_DELAY = 0.5  # after the first frame, when the templates are tried out


class PreviewText(WrappedText):
    """The preview. A page of a big report is tens of thousands of lines: only the lines on
    screen are drawn (Textual draws a widget's whole ``render()`` whenever it changes), and
    the lines come already wrapped, from a thread (:meth:`set_wrapped`). At another width the
    old wrapping is shown, cut at the edge, while ``rewrap()`` (the app's) gets the new one."""

    def __init__(self, **kw: Any):
        super().__init__(**kw)
        self.rewrap: Callable[[], None] | None = None
        self._asked = 0  # the width a rewrap was asked for
        self._strips: dict[tuple[int, int], Strip] = {}

    def set_lines(self, lines: Iterable[TextLine]) -> None:
        self._strips = {}
        super().set_lines(lines)

    def set_wrapped(self, lines: list[TextLine], width: int, wrapped: list[RichText]) -> None:
        # as many lines at the same width: the same height, drawn again without laying the
        # screen out again (which costs tens of ms with a 1 MB text area in the form)
        same_height = self._cache is not None and self._cache[0] == width and len(self._cache[1]) == len(wrapped)
        self._lines, self._cache, self._strips = lines, (width, wrapped), {}
        self.refresh(layout=not same_height)

    def _wrapped(self, width: int) -> list[RichText]:
        if self._cache is not None and self._cache[0] != width and self.rewrap is not None:
            if self._asked != width:  # once per width
                self._asked = width
                self.rewrap()
            return self._cache[1]
        return super()._wrapped(width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self._wrapped(self.content_size.width or width)
        if y >= len(lines):
            return Strip.blank(width, self.visual_style.rich_style)
        key = (y, width)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 4096:  # (a screen's worth is what is kept in use)
                self._strips.clear()
            visual = visualize(self, lines[y], markup=False)
            strip = self._strips[key] = Visual.to_strips(self, visual, width, 1, self.visual_style)[0]
        return strip

    def notify_style_update(self) -> None:
        self._strips = {}
        super().notify_style_update()


class Preview(AppParts):
    """The app's preview and template probe."""

    def schedule_preview(self, delay: float = PREVIEW_DELAY) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
            self._preview_timer = None
        if delay <= 0:
            self._preview_asked = True
            self.call_after_refresh(self.refresh_preview)
        else:
            self._preview_timer = self.set_timer(delay, self.refresh_preview)

    def refresh_preview(self) -> None:
        """Render the page shown for the preview in a thread, from a frozen copy: typing
        goes on meanwhile, and the preview follows when its lines are ready (wrapped there
        for the preview's width). Hidden, the page is still rendered, to notice a template
        that fails on what was typed. One at a time; asked for meanwhile, it runs again."""
        self._preview_timer = None
        self._preview_asked = False
        target = next(iter(self.query("#preview-text").results(PreviewText)), None)
        if target is None or self.exiting:
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
            # (each line is one row at least: the rows shown need no more lines than that)
            lines, error = self._preview_of(view, page_id, position, PREVIEW_ROWS + 1)
            if not width:
                return page_id, lines, error, width, None
            wrapped = wrap_lines(lines, width, PREVIEW_ROWS + 1)
            if len(wrapped) > PREVIEW_ROWS:
                wrapped[PREVIEW_ROWS:] = [cut]
            return page_id, lines, error, width, wrapped

        self.in_background("preview", job, self._preview_done)

    def _preview_done(self, outcome: Any) -> None:
        self._previewing = False
        if self.exiting:
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

    def _preview_of(self, view: Any, page_id: str, position: int,
                    most: int | None = None) -> tuple[list[tuple[RichText, int, bool]], str]:
        """The preview's lines of a page from a frozen view (the first ``most`` of them, if
        given), and the error of its section's template ("" if none). Reads nothing else of
        the app: runs in a thread."""
        error = ""
        try:
            if page_id == META:
                blocks = self.renderer.render(view, view).blocks
                cut = next((i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1), len(blocks))
                blocks = blocks[:cut]
            else:
                section = self.host.section(page_id)
                part = self.renderer.render_part(section, view, position)
                error = part.error
                blocks = parse_markup(f"::h1 {part.heading}\n" + part.markup)
        except Exception as exc:  # noqa: BLE001 - a broken template must not take the app down
            return self._preview_failed(exc), error
        lines: list[tuple[RichText, int, bool]] = []
        for b in blocks:
            if most is not None and len(lines) >= most:
                return lines[:most], error
            if b.kind == "table" and b.table is not None:
                lines.append((TableText(b.table), 0, False))  # laid out for the preview's width
            elif b.kind in ("title", "heading"):
                lines += [(RichText(clean_text(line).strip(), style="bold"), 0, True) for line in text_lines(b)]
            else:
                lines += [(RichText(clean_text(line)), 0, True)
                          for line in islice(text_lines(b), None if most is None else most - len(lines))]
        return lines[:most], error

    def _note_render_error(self, page_id: str, error: str) -> None:
        before = self.session.render_errors.get(page_id, "")
        if error:
            self.session.render_errors[page_id] = error
        else:
            self.session.render_errors.pop(page_id, None)
        if before != error and self.can_show:
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
