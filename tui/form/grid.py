"""Form widgets generated from field declarations. They know field *kinds*, never a section.

Typing reaches the session synchronously, inside the editor's own message loop (see
:class:`Editor`): what was typed is stored before any later key (a record moved, a page
changed) is acted on, so nothing typed can land in the wrong place or be lost.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any, Callable, Iterable

from rich.cells import cell_len
from rich.text import Text as RichText
from textual import events
from textual.containers import Container, Grid as GridLayout, Horizontal, ScrollableContainer, Vertical
from textual.geometry import Offset, Region, Size, Spacing
from textual.message import Message
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget
from textual.binding import Binding
from textual.document import _wrapped_document  # (its compute_wrap_offsets: see _wrap_offsets)
from textual.widgets import Input, Label, Select, Static, TextArea
from textual.widgets._select import SelectCurrent, SelectOverlay  # (Select's parts: FieldSelect.compose)

from plugins.host import guard
from plugins.document import Cell, Table
from plugins.exporters import column_widths
from plugins.fields import Field, FieldError, Grid, GridRow, Records, clean_text
from plugins.engine.report import ReportView
from plugins.results import Issue

from ..session import Session, parse_path

NUMERIC = ("integer", "decimal", "date")
INLINE = ("line", "integer", "decimal", "date", "choice", "computed")
MISSING = "V-REQUIRED"
UNDECODABLE = "\ufffd"  # what bytes the terminal sent that are not UTF-8 become (see app._tolerate_non_utf8_terminals)


class FieldLeft(Message):
    """An editor lost focus: a good moment to save."""


class Editor:
    """Mixin for the widgets that edit one value: where it lives (page and field path), and
    the hand-over of every change to the app *before* the change message is queued."""

    page_id: str
    path: str

    def current_text(self) -> str:  # pragma: no cover - each editor overrides
        raise NotImplementedError

    def _hand_over(self) -> None:
        if getattr(self, "path", None) is None or not self.is_mounted:  # type: ignore[attr-defined]
            return  # the initial value, set while the widget is built
        hook = getattr(self.app, "apply_edit", None)  # type: ignore[attr-defined]
        if hook is not None:
            hook(self, self.current_text())

    def _on_blur(self, event: events.Blur) -> None:
        # (Textual calls the handler of every class in the MRO: the widget's own runs too.)
        self.post_message(FieldLeft())  # type: ignore[attr-defined]

    async def _on_key(self, event: events.Key) -> None:
        # Runs before the widget's own handler; preventing the default keeps it from
        # inserting the character. (async like the handlers it goes before: Textual awaits each.)
        if getattr(self.app, "review_mode", False) and (  # type: ignore[attr-defined]
                event.is_printable or event.key in ("backspace", "delete", "enter", "ctrl+v", "ctrl+x", "ctrl+u", "ctrl+k", "ctrl+w")):
            event.prevent_default()  # the office reviews: the cursor moves, nothing is typed
            return
        if event.character == UNDECODABLE:
            event.prevent_default()
            event.stop()
            self._refuse()

    def _readable(self, text: str) -> str:
        """Pasted text without what could not be decoded (refused, saying so)."""
        if UNDECODABLE in text:
            self._refuse()
            return text.replace(UNDECODABLE, "")
        return text

    def _refuse(self) -> None:
        hook = getattr(self.app, "refuse_undecodable", None)  # type: ignore[attr-defined]
        if hook is not None:
            hook()


def _compact(widget: Widget, reactive: Any) -> None:
    """What ``compact=True`` does to an input or a text area, without the restyle that
    Textual's class toggle makes even on a widget not yet mounted (0.3-0.7 ms each: a page
    has dozens of fields, a big table hundreds of cells); Footer does it the same way."""
    widget.set_reactive(reactive, True)
    widget.set_class(True, "-textual-compact", update=False)


def fit(text: str, cells: int) -> str:
    """Cut ``text`` to ``cells`` display cells (CJK counts two), ending in … when cut."""
    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > cells - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


class FieldInput(Editor, Input):
    """One line: names, numbers, dates. Pasted text loses control characters and escape
    sequences, and several pasted lines become one (nothing after the first line is lost)."""

    def __init__(self, page_id: str, path: str, value: str, placeholder: str = "", *, numeric: bool = False, **kw: Any):
        # Numbers are re-typed whole (focus selects them); names and prose are edited in place.
        # A value is checked as it is set: with no validators it is valid, and the class
        # saying so is given here, so that the check finds nothing to restyle.
        if value and not kw.get("validators"):
            kw["classes"] = " ".join(filter(None, (kw.get("classes"), "-valid")))
        super().__init__(value=value, select_on_focus=numeric, **kw)
        _compact(self, Input.compact)
        self.page_id, self.path, self.numeric = page_id, path, numeric
        self.hint = clean_text(placeholder)
        self._hint_width = -1

    def render_line(self, y: int) -> Strip:
        # A placeholder wider than the field would be wrapped onto a second line by Rich,
        # and that line break would reach the terminal: cut it to the width instead, as the
        # field is drawn (so the first frame has it, not the one after the field's resize).
        if self.hint:
            width = max(self.scrollable_content_region.width - 1, 1)
            if width != self._hint_width:
                self._hint_width = width
                self.set_reactive(Input.placeholder, fit(self.hint, width))
        return super().render_line(y)

    def current_text(self) -> str:
        return self.value

    def post_message(self, message: Message) -> bool:
        if isinstance(message, Input.Changed) and message.input is self:
            self._hand_over()
        return super().post_message(message)

    def _on_paste(self, event: events.Paste) -> None:
        # Runs before Input's own handler (Textual calls one per class in the MRO), which
        # then inserts the cleaned text.
        event.text = "" if getattr(self.app, "review_mode", False) else self._readable(clean_text(event.text))


def _cache_wrapped_height() -> None:
    """Textual 8.2.8's ``WrappedDocument.height`` adds up every line's wrap offsets each
    time it is read, and a text area reads it for every line it draws: in a prose field of
    1 MB (some 2,800 paragraphs) that was ~30 ms of each keystroke. The height is kept until
    the wrapping changes (``wrap`` and ``wrap_range`` are its only writers)."""
    from textual.document._wrapped_document import WrappedDocument

    if getattr(WrappedDocument, "_nianbao_cached_height", False):
        return
    wrap, wrap_range = WrappedDocument.wrap, WrappedDocument.wrap_range

    def height(self) -> int:
        cached = self.__dict__.get("_height")
        if cached is None:
            cached = self.__dict__["_height"] = sum(len(offsets) + 1 for offsets in self._wrap_offsets)
        return cached

    def rewrapped(method):
        def call(self, *args, **kwargs):
            self.__dict__.pop("_height", None)
            try:
                return method(self, *args, **kwargs)
            finally:
                self.__dict__.pop("_height", None)
        return call

    WrappedDocument.height = property(height, doc=WrappedDocument.height.__doc__)  # type: ignore[assignment]
    WrappedDocument.wrap = rewrapped(wrap)  # type: ignore[method-assign]
    WrappedDocument.wrap_range = rewrapped(wrap_range)  # type: ignore[method-assign]
    WrappedDocument._nianbao_cached_height = True  # type: ignore[attr-defined]


_cache_wrapped_height()


class FieldText(Editor, TextArea):
    """Multi-line prose: each line is a paragraph."""

    def __init__(self, page_id: str, path: str, value: str, **kw: Any):
        super().__init__(value, soft_wrap=True, tab_behavior="focus", show_line_numbers=False, **kw)
        _compact(self, TextArea.compact)
        self.page_id, self.path = page_id, path

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Textual wraps a text area's lines only once the area has its size, so its first
        frame would show each paragraph on one line, and the layout would change in the
        next. Before that, wrap the text here for the width it is being given, as the
        resize will (less the scroll bar it will have if the text is taller than the area
        may be): the resize then finds the wrapping done, and nothing moves."""
        if self.soft_wrap and width > 0 and not self.size.width:
            styles = self.styles
            wrap = max(width - self.gutter_width - 1, 1)  # one column for the cursor (TextArea.wrap_width)
            self.wrapped_document.wrap(wrap, tab_width=self.indent_width)
            most = styles.max_height
            scroll = styles.overflow_y == "scroll" or (styles.overflow_y == "auto" and most is not None and most.is_cells
                                                       and self.wrapped_document.height > most.value - styles.gutter.height)
            if scroll:
                self.wrapped_document.wrap(max(wrap - styles.scrollbar_size_vertical, 1), tab_width=self.indent_width)
            self._line_cache.clear()
            self.set_reactive(Widget.virtual_size, Size(0, self.wrapped_document.height))
            self.set_reactive(Widget.show_vertical_scrollbar, scroll)
        return super().get_content_height(container, viewport, width)

    def current_text(self) -> str:
        return self.text

    def post_message(self, message: Message) -> bool:
        if isinstance(message, TextArea.Changed) and message.text_area is self:
            self._hand_over()
        return super().post_message(message)

    async def _on_paste(self, event: events.Paste) -> None:
        event.text = ("" if getattr(self.app, "review_mode", False)
                      else self._readable(clean_text(event.text, multiline=True)))  # then TextArea's own handler


@lru_cache(maxsize=None)
def _select_list(close: str) -> type[SelectOverlay]:
    """A select's drop-down list whose Esc is described in the interface's language (the
    footer shows it while the list is open)."""
    return type("SelectList", (SelectOverlay,), {"BINDINGS": [Binding("escape", "dismiss", close)]})


class FieldSelect(Editor, Select):
    """One of a field's options; empty (``Select.NULL``) until one is chosen."""

    def __init__(self, page_id: str, path: str, options: list[tuple[str, str]], value: str | None, prompt: str,
                 close: str, **kw: Any):
        super().__init__(options, prompt=prompt, allow_blank=True, compact=True,
                         value=value if value in {v for _, v in options} else Select.NULL, **kw)
        self.page_id, self.path = page_id, path
        self.close = close

    def compose(self):
        # Select's own two parts (as Select.compose), the list's words in our language
        yield SelectCurrent(self.prompt)
        yield _select_list(self.close)(type_to_search=self._type_to_search).data_bind(compact=Select.compact)

    def current_text(self) -> str:
        return "" if self.value is Select.NULL else str(self.value)

    def post_message(self, message: Message) -> bool:
        if isinstance(message, Select.Changed) and message.select is self:
            self._hand_over()
        return super().post_message(message)


# -- text that wraps as Chinese does ----------------------------------------------------------

_NO_LINE_START = set("，。、；：？！）》」』〕】”’…%,.;:?!)]}")
_NO_LINE_END = set("（《「『〔【“‘([{")
TextLine = tuple  # (RichText, hang: int, wrap: bool)


def _wordish(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_./:@%#+=&?~")


def line_starts(plain: str, width: int, hang: int = 0) -> list[int]:
    """Where each line after the first begins when ``plain`` (one paragraph) is broken into
    lines of at most ``width`` cells: anywhere between Chinese characters, never inside an
    ASCII word that fits on a line, never before closing punctuation nor after opening
    punctuation (避头尾); continuation lines are ``hang`` cells narrower; spaces at a break
    stay at the end of the line before. The one rule for wrapping text on screen: the
    display (:func:`wrap_text`) and the text areas (``_wrap_offsets``) both use it.
    (Textual breaks only at spaces, so a space before a long Chinese run would leave a
    lone word on a line, and puts ，。 at the start of a line.)"""
    starts: list[int] = []
    width = max(width, 2)
    start, first = 0, True
    while start < len(plain):
        avail = width - (0 if first else hang)
        used, i = 0, start
        while i < len(plain):
            w = cell_len(plain[i])
            if used + w > avail:
                break
            used, i = used + w, i + 1
        if i < len(plain):
            # no closing punctuation at the start of a line, no opening one at its end
            j = i
            while j - start > 2 and j > i - 3 and (plain[j] in _NO_LINE_START or plain[j - 1] in _NO_LINE_END):
                j -= 1
            if plain[j] not in _NO_LINE_START and plain[j - 1] not in _NO_LINE_END:
                i = j
            # an ASCII word or number that fits on a line is not split
            if _wordish(plain[i]) and _wordish(plain[i - 1]):
                j = i
                while j > start and _wordish(plain[j - 1]):
                    j -= 1
                if j > start:
                    i = j
        i = max(i, start + 1)
        while i < len(plain) and plain[i] == " ":
            i += 1
        if i < len(plain):
            starts.append(i)
        start, first = i, False
    return starts


def wrap_text(text: RichText, width: int, hang: int = 0) -> list[RichText]:
    """``text`` broken into lines of at most ``width`` cells (:func:`line_starts`),
    continuation lines indented by ``hang``."""
    out: list[RichText] = []
    for para in text.split("\n", allow_blank=True):
        plain = para.plain
        if not plain:
            out.append(RichText())
            continue
        bounds = [0, *line_starts(plain, width, hang), len(plain)]
        for n, (start, end) in enumerate(zip(bounds, bounds[1:])):
            piece = para[start:end]
            piece.rstrip()
            if n and hang:
                piece = RichText(" " * hang) + piece
            out.append(piece)
    return out


def _wrap_offsets(text: str, width: int, tab_size: int, fold: bool = True,
                  precomputed_tab_sections: list[tuple[str, int]] | None = None) -> list[int]:
    """Textual's ``compute_wrap_offsets`` for the text areas, breaking lines by
    :func:`line_starts` (text with tabs, which prose fields never hold, Textual's way)."""
    if "\t" in text or not fold:
        return _textual_wrap_offsets(text, width, tab_size, fold, precomputed_tab_sections)
    return line_starts(text, width)


# The text areas wrap through this module global of Textual's (WrappedDocument.wrap and
# wrap_range): pointed at the rule above, so that a paragraph being typed breaks as it is
# shown everywhere else. Every text area of the interface holds prose.
_textual_wrap_offsets = _wrapped_document.compute_wrap_offsets
_wrapped_document.compute_wrap_offsets = _wrap_offsets


class WrappedText(Widget):
    """Lines of text (each a Rich ``Text``, so nothing typed is read as markup), wrapped
    by :func:`wrap_text` at the widget's width; lines marked ``wrap=False`` (tables) are
    cut at the edge instead."""

    DEFAULT_CSS = """
    WrappedText {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, lines: Iterable[TextLine] = (), **kw: Any):
        super().__init__(**kw)
        self._lines: list[TextLine] = list(lines)
        self._cache: tuple[int, list[RichText]] | None = None

    def set_lines(self, lines: Iterable[TextLine]) -> None:
        lines = list(lines)
        if [(t.plain, t.spans, h, w) for t, h, w in lines] == [(t.plain, t.spans, h, w) for t, h, w in self._lines]:
            return
        self._lines, self._cache = lines, None
        self.refresh(layout=True)

    def set_text(self, text: str, style: str = "") -> None:
        self.set_lines([(RichText(line, style=style), 0, True) for line in text.split("\n")] if text else [])

    @property
    def plain(self) -> str:
        return "\n".join(line.plain for line, _, _ in self._lines)

    def _wrapped(self, width: int) -> list[RichText]:
        if self._cache is None or self._cache[0] != width:
            self._cache = (width, wrap_lines(self._lines, width))
        return self._cache[1]

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._wrapped(width))

    def render(self) -> RichText:
        return RichText("\n").join(self._wrapped(self.content_size.width or self.size.width))


def wrap_lines(lines: Iterable[TextLine], width: int, most: int | None = None) -> list[RichText]:
    """What :class:`WrappedText` shows of ``lines`` at ``width`` cells (the first ``most``
    lines of it, if given)."""
    out: list[RichText] = []
    for line, hang, wrap in lines:
        if isinstance(line, TableText):  # laid out for the width
            out += [RichText(x) for x in table_lines(line.table, width)]
        else:
            out += wrap_text(line, width, hang) if wrap else [line]
        if most is not None and len(out) >= most:
            return out[:most]
    return out


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
        self._lines, self._cache, self._strips = lines, (width, wrapped), {}
        self.refresh(layout=True)

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


class TableText(RichText):
    """A table among the lines of a :class:`WrappedText`: laid out for the width it is
    drawn at (:func:`table_lines`); its text is the table at its natural width."""

    def __init__(self, table: Table):
        super().__init__("\n".join(table_lines(table)))
        self.table = table


def table_lines(table: Table, width: int | None = None) -> list[str]:
    """A table for the screen, in at most ``width`` cells if given: at its natural width
    when it fits (:func:`_natural_lines`), else with its figures first (:func:`_figure_lines`):
    a wide table's figures must never be what is cut off."""
    natural = _natural_lines(table)
    if width is None or all(cell_len(line) <= width for line in natural):
        return natural
    return _figure_lines(table, width) or [fit(line, width) for line in natural]


FIGURE_LABEL_MIN = 14  # the narrowest row label beside the figures; below it, figures go under the label


def _figure_lines(table: Table, width: int) -> list[str]:
    """A table too wide for ``width``: the figure columns numbered 1, 2, 3… with a legend
    above (``列：1 自然人  2 商业企业 …``), each row's label cut to what is left beside its
    figures, or, when too little is left, on its own line(s) with the figures under it.
    [] when the table has no figures."""
    grid = table.grid()
    nhead = len(table.head)
    body = grid[nhead:]
    if not body:
        return []
    ncols = len(grid[0])
    if not any(cell is not None and cell.numeric for row in body for cell in row):
        return []
    # a figure column holds figures or blanks (a half-filled table keeps its empty columns and
    # its row labels); a label column holds words
    def text_at(row: list[Cell | None], c: int) -> str:
        cell = row[c]
        return clean_text(cell.text) if cell is not None else ""

    def words_at(row: list[Cell | None], c: int) -> bool:
        cell = row[c]
        return cell is not None and not cell.numeric and bool(clean_text(cell.text))

    figures = [c for c in range(ncols) if not any(words_at(row, c) for row in body)]

    def heading(c: int) -> str:
        """The lowest heading over column ``c`` (spans followed)."""
        for r in range(nhead - 1, -1, -1):
            for c0 in range(c, -1, -1):
                cell = grid[r][c0]
                if cell is not None:
                    if c0 + cell.colspan > c:
                        return clean_text(cell.text)
                    break
        return ""

    keys = [str(n + 1) for n in range(len(figures))]
    widths = [max([len(k)] + [cell_len(text_at(row, c)) for row in body])
              for k, c in zip(keys, figures)]
    figures_w = sum(widths) + len(widths) - 1

    def figure_row(cells: list[str]) -> str:
        return " ".join(" " * (w - cell_len(t)) + t for t, w in zip(cells, widths))

    lines = [clean_text(table.caption)] if table.caption else []
    legend = RichText("列：" + "  ".join(f"{k} {heading(c)}" for k, c in zip(keys, figures)))
    lines += [line.plain for line in wrap_text(legend, width, hang=2)]
    label_w = width - figures_w - 1
    beside = label_w >= FIGURE_LABEL_MIN
    indent = "" if beside else " " * min(2, max(width - figures_w, 0))
    lines.append((" " * (label_w + 1) if beside else indent) + figure_row(keys))
    above: dict[int, tuple[Cell, int]] = {}  # label column -> its last cell and the row it starts on
    for r, row in enumerate(body):
        parts = []
        for c in range(ncols):
            if c in figures:
                continue
            cell = row[c]
            if cell is not None:
                above[c] = (cell, r)
            elif c in above and above[c][1] + above[c][0].rowspan > r:
                cell = above[c][0]  # a heading spanning this row (（三）不予公开 over its 8 rows)
            if cell is not None and clean_text(cell.text) not in parts:
                parts.append(clean_text(cell.text))
        label = " ".join(parts)
        if beside and parts and cell_len(label) > label_w:
            # the row's own words after the numeral of the heading over it: （三）1.属于国家秘密
            m = _ENUMERATOR.match(parts[-2]) if len(parts) > 1 else None
            label = (m.group(0) if m else "") + parts[-1]
        values = figure_row([text_at(row, c) for c in figures])
        if beside:
            cut = fit(label, label_w)
            lines.append(cut + " " * (label_w - cell_len(cut) + 1) + values)
        else:
            lines += [line.plain for line in wrap_text(RichText(label), width)] if label else []
            lines.append(indent + values)
    return lines


def _natural_lines(table: Table) -> list[str]:
    """A table for the screen: columns aligned by display width, two spaces apart, no
    rules (narrower than the printed form, same content)."""
    grid = table.grid()
    if not grid:
        return []
    widths = column_widths(grid, lambda text: cell_len(clean_text(text)))
    lines = [clean_text(table.caption)] if table.caption else []
    for row in grid:
        parts = []
        for c, cell in enumerate(row):
            text = clean_text(cell.text) if cell is not None else ""
            gap = " " * max(widths[c] - cell_len(text), 0)
            parts.append(gap + text if cell is not None and cell.numeric else text + gap)
        lines.append("  ".join(parts).rstrip())
    return lines


class ComputedValue(WrappedText):
    """A computed field, shown read-only and recomputed after every change."""

    def __init__(self, page_id: str, field: Field, t, **kw: Any):
        super().__init__([(RichText("—"), 0, True)], classes="computed", **kw)
        self.page_id, self.field, self.t = page_id, field, t

    def refresh_value(self, view: ReportView) -> None:
        try:
            value = guard.call(view.computed, self.page_id, self.field.key)  # a plugin's computation
        except guard.PluginError as exc:
            self.set_text(self.t("cannot_compute", error=str(exc)), "red")
            return
        if isinstance(value, Table):
            self.set_lines([(TableText(value), 0, False)])
        else:
            self.set_text("—" if value is None else clean_text(f"{value} {self.field.unit}".strip()))


class CellNavigation:
    """A container whose editors are laid out as rows and columns (a grid, a list shown as
    a table): the app moves between them with the arrow keys and PageUp/PageDown (see
    ``NianbaoApp``)."""

    def matrix(self) -> list[list[Widget | None]]:  # pragma: no cover - overridden
        return []

    def page_rows(self) -> int | None:
        """How many rows PageUp/PageDown move (None: the keys scroll the page instead)."""
        return None

    def neighbour(self, widget: Widget, key: str) -> Widget | None:
        """The editor a key leads to from ``widget``, or None to let the key do what it does
        in the editor. Left/right leave a cell only at its edge, or when its whole content
        is selected (just arrived there); cells that cannot be typed in are passed over."""
        cells = self.matrix()
        pos = next(((ri, ci) for ri, row in enumerate(cells) for ci, w in enumerate(row) if w is widget), None)
        if pos is None or not isinstance(widget, (FieldInput, GridCell)):
            return None
        if key in ("pageup", "pagedown"):
            return self._page(cells, pos, -1 if key == "pageup" else 1)
        moves = {"up": (-1, 0), "down": (1, 0)}
        if isinstance(widget, GridCell):  # nothing to move in: left and right leave it
            moves.update(left=(0, -1), right=(0, 1))
        else:
            sel = widget.selection
            whole = not sel.is_empty and abs(sel.end - sel.start) == len(widget.value)
            if key == "left" and (whole or widget.cursor_position == 0):
                moves["left"] = (0, -1)
            if key == "right" and (whole or widget.cursor_position >= len(widget.value)):
                moves["right"] = (0, 1)
        if key not in moves:
            return None
        dr, dc = moves[key]
        r, c = pos[0] + dr, pos[1] + dc
        while 0 <= r < len(cells) and 0 <= c < len(cells[r]):
            target = cells[r][c]
            if target is not None and not target.disabled:
                if isinstance(target, GridCell):
                    target.reachable = True
                return target
            r, c = r + dr, c + dc
        return None

    def _page(self, cells: list[list[Widget | None]], pos: tuple[int, int], direction: int) -> Widget | None:
        """A screenful up or down in the same column: the cell that many rows away, or the
        nearest one before it that can be typed in (the first or last row at the ends;
        there the cursor stays, rather than the page scrolling the table away)."""
        step = self.page_rows()
        if not step:
            return None
        r0, c = pos
        r = min(max(r0 + direction * step, 0), len(cells) - 1)
        while r != r0:
            target = cells[r][c] if c < len(cells[r]) else None
            if target is not None and not target.disabled and not isinstance(target, GridCell):
                return target
            r -= direction
        return cells[r0][c]


class GridCell(Static, can_focus=True):
    """A computed cell of a grid (a 合计 row or column): read-only. The arrows reach it
    (to read a total with its row and column named under the table); Tab and Enter pass
    over it, so that typing row after row never stops on a total."""

    def __init__(self, grid: Grid, row: str, col: str, **kw: Any):
        super().__init__("—", markup=False, classes="cell computed", **kw)
        self.grid_field, self.row, self.col = grid, row, col
        self.path = f"{grid.key}.{row}.{col}"  # its address, as an editor's (never edited)
        self.shown = "—"
        self.reachable = False  # set by the arrows, just before they move here

    def allow_focus(self) -> bool:
        # In the focus chain only while it has the focus (Tab then goes on from here).
        return self.reachable or self.has_focus

    def _on_blur(self, event: events.Blur) -> None:
        self.reachable = False


# An enumerator at the start of a heading: （三）, 三、, 3.
_ENUMERATOR = re.compile(r"^(?:[（(][一二三四五六七八九十百\d]{1,4}[）)]|[一二三四五六七八九十百]{1,4}、|\d{1,3}[.．、])")


def row_names(row: GridRow) -> tuple[str, str]:
    """(full name, short name) of a grid row. The full name puts the headings the row sits
    under before its own words (``三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密``); the
    short one, for a narrow label column, keeps only the numeral of its innermost heading
    (``（三）1.属于国家秘密``)."""
    label = clean_text(row.label)
    groups = tuple(clean_text(g) for g in row.groups if g)
    if not groups:
        return label, label.removeprefix("其中：") if row.indent else label
    last = groups[-1]
    if label.startswith(last) and len(label) > len(last):
        own = label[len(last):]
        m = _ENUMERATOR.match(last)
        return " › ".join(groups + (own,)), (m.group(0) if m else "") + own
    return " › ".join(groups + (label,)), label


WIDE_CELL = 12  # a cell of a table shown as a plain form
NARROW_CELL = 8  # a cell of a table too big for that
MAX_CELL = 20  # the widest cell, for a long column heading
LABEL_MIN = 10  # the narrowest row-label column of a big table
MIN_ROWS = 3  # the fewest rows of a big table shown at once
HEAD_LINES = 2  # at most, for a column heading


class GridBody(ScrollableContainer, can_focus=False, inherit_bindings=False):
    """The cells of a table. When they do not fit they scroll here, both ways, and the
    column headings and row labels outside follow (see :class:`GridBox`). No keys of its
    own: the arrows move from cell to cell."""

    def __init__(self, box: "GridBox", *children: Widget):
        super().__init__(*children, classes="grid-body")
        self.box = box

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)
        self.box.follow_scroll()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.box.follow_scroll()

    def scroll_to_region(self, region: Region, *, spacing: Spacing | None = None, animate: bool = True,
                         center: bool = False, top: bool = False, **kw: Any) -> Offset:
        """Bring a cell into view: the least scrolling that shows it with a neighbouring
        row and column, at once (Textual would centre a newly focused cell with an
        animation, in here and again in the page); then the page shows the whole table,
        headings included. A table laid out as a form is left to Textual."""
        if not self.box.scrolls:
            return super().scroll_to_region(region, spacing=spacing, animate=animate, center=center, top=top, **kw)
        window = self.scrollable_content_region
        mx = min(self.box.cell_w + 1, max((window.width - region.width) // 2, 0))
        my = min(1, max((window.height - region.height) // 2, 0))
        wanted = region.grow(Spacing(my, mx, my, mx))
        delta = super().scroll_to_region(wanted, animate=False, immediate=True,
                                         force=kw.get("force", False), on_complete=kw.get("on_complete"))
        self.box.show_in_page()
        if center:
            # Textual's focus centring walks on to every container above with the cell's
            # region; an offset that moves the region out of this container ends the walk,
            # so the page is not centred on the cell (the table just placed it).
            return Offset(-(self.virtual_size.width + region.right + 1), 0)
        return delta


class GridBox(CellNavigation, Vertical):
    """A fixed table of cells. Arrows, Tab and Enter move from cell to cell, PageUp and
    PageDown a screenful; computed cells (合计) are read-only and follow every keystroke.

    A table that fits is laid out like a form: row labels in full, wide cells. A table
    that does not (many columns, long row names, more rows than the screen) keeps its
    column headings and row labels in place while the cells scroll both ways under them;
    the labels are shortened and the line under the table names the cell with the cursor
    in full (row and column), with its problem, if any. Only what the field declares is
    used: any plugin's grid gets the same treatment."""

    def __init__(self, page_id: str, field: Grid, session: Session, t=None, **kw: Any):
        super().__init__(classes="grid", **kw)
        self.page_id, self.field, self.session = page_id, field, session
        self.t = t or (lambda key, **_: "")
        names = [row_names(r) for r in field.rows]
        self.full_names = [full for full, _ in names]
        self.short_names = [(" " * min(r.indent, 2)) + short for r, (_, short) in zip(field.rows, names)]
        # as a plain form: the 其中 rows indented, "其中：" left out
        self.form_names = [(("\u3000" * r.indent) + r.label.removeprefix("其中：") if r.indent else r.label)
                           for r in field.rows]
        self.compact = False
        self.cell_w = WIDE_CELL
        self.label_w = 0
        self.rows_shown = len(field.rows)
        self.current: tuple[int, int] | None = None
        self._geometry: tuple | None = None  # (width, page height) laid out for
        self._tried: list[tuple[tuple, float]] = []
        self._issues: list[Issue] = []
        self._matrix: list[list[Widget | None]] | None = None
        self._where_key: tuple | None = None
        self._positions: dict[int, tuple[int, int]] | None = None
        self._head_texts = [[fit(clean_text(c.label), WIDE_CELL)] for c in field.columns]

    def compose(self):
        f = self.field
        cells: list[Widget] = []
        for r in f.rows:
            for c in f.columns:
                if r.sum_of or c.sum_of:
                    cells.append(GridCell(f, r.key, c.key))
                else:
                    path = f"{f.key}.{r.key}.{c.key}"
                    cells.append(FieldInput(self.page_id, path, self.session.text_at(self.page_id, path), classes="cell",
                                            numeric=f.cell.kind in NUMERIC))
        self._computed = [w for w in cells if isinstance(w, GridCell)]
        self._corner = Static("", classes="grid-corner")
        self._heads = Static("", classes="grid-heads")
        self._labels = Static("", classes="grid-labels")
        self._head_clip = Container(self._heads, classes="grid-clip grid-head-clip")
        self._label_clip = Container(self._labels, classes="grid-clip grid-label-clip")
        self._cells = GridLayout(*cells, classes="grid-cells")
        self._cells.styles.grid_size_columns = len(f.columns)
        self._body = GridBody(self, self._cells)
        self._where = WrappedText(classes="grid-where")
        yield Horizontal(self._corner, self._head_clip, classes="grid-head")
        yield Horizontal(self._label_clip, self._body, classes="grid-main")
        yield self._where

    def on_mount(self) -> None:
        self.refresh_computed()
        self._draw_labels()
        self.screen.screen_layout_refresh_signal.subscribe(self, self._screen_laid_out)

    def on_resize(self) -> None:
        self.fit()

    def _screen_laid_out(self, _screen: Any) -> None:
        self.fit()  # the page may have grown or shrunk (the issue list shown, the terminal resized)

    # -- geometry ------------------------------------------------------------------------------
    def _page_height(self) -> int:
        for node in self.ancestors:
            if isinstance(node, ScrollableContainer):
                return node.scrollable_content_region.height
        return self.screen.size.height

    def fit(self) -> None:
        """Lay the table out for the space it has: as a form when it fits, otherwise with
        the cells scrolling under fixed headings and labels, the table no taller than the
        page (so that its headings are on screen with any of its cells)."""
        width = self.size.width
        if width <= 0 or not self.is_attached:
            return
        height = self._page_height()
        key = (width, height)
        if key == self._geometry:
            return
        # A new layout can make the page's scroll bar appear or go, which changes the width
        # by one and may undo it: on coming back to a size tried a moment ago, keep the
        # narrower of the two rather than laying out for ever.
        now = time.monotonic()
        recent = [k for k, at in self._tried if now - at < 1.0]
        self._tried = [(k, at) for k, at in self._tried if now - at < 1.0] + [(key, now)]
        if key in recent:
            narrower = min((k for k in recent if k[1] == height), default=key)
            if narrower == self._geometry:
                return
            key = narrower
            width = key[0]
        self._geometry = key
        f = self.field
        n, nrows = len(f.columns), len(f.rows)
        room = max(height - 1, 1)  # a line for the field's label above the table

        # As a form, if the labels and headings can be shown (nearly) in full: wide cells
        # if the labels lose at most a quarter, otherwise narrow cells if they lose nothing
        # (the cells may still scroll up and down).
        natural = max((cell_len(x) for x in self.form_names), default=0)
        tolerated = max(natural * 3 // 4, min(natural, LABEL_MIN))
        widest_head = max((cell_len(clean_text(c.label)) for c in f.columns), default=0)
        tries = [(WIDE_CELL, tolerated), (NARROW_CELL, natural)]
        if WIDE_CELL < widest_head <= MAX_CELL:
            tries.insert(0, (widest_head, tolerated))  # headings on one line, if there is room
        for cw, enough in tries:
            heads = [self._head_lines(clean_text(c.label), cw) for c in f.columns]
            head_h = max((len(h) for h in heads), default=1)
            cut = any(cell_len("".join(h)) < cell_len(clean_text(c.label)) for h, c in zip(heads, f.columns))
            shown = min(nrows, max(room - head_h, MIN_ROWS))
            vbar = int(shown < nrows)
            label_w = width - n * (cw + 1) - vbar
            if label_w >= enough and not cut:
                self.compact, self.cell_w, self.label_w = False, cw, label_w
                where_h = hbar = 0
                break
        else:
            # Too big: narrow cells scrolling both ways under fixed headings and shortened
            # row labels, and the line under the table naming the current cell in full.
            self.compact, self.cell_w = True, NARROW_CELL
            cw = NARROW_CELL
            # the line under the table: the cell's name (two lines kept for it: the few
            # longer names push the table down a line) and its problem
            where_h = min(self._where_lines(width), 2) + 1
            if any(r.sum_of for r in f.rows) or any(c.sum_of for c in f.columns):
                where_h += 1  # the totals of the cell's row and column
            # Row labels: all the columns beside them if the labels keep a quarter of the
            # width; otherwise the labels keep two fifths and the cells scroll sideways.
            natural = max((cell_len(x) for x in self.short_names), default=0)
            enough = min(natural, max(LABEL_MIN, width // 4))
            wanted = min(natural, max(LABEL_MIN, width * 2 // 5))
            cells_w = n * cw + n - 1
            hbar = 0
            for _ in range(3):  # the scroll bars take room from each other: settle them
                shown = min(nrows, max(room - head_h - where_h - hbar, MIN_ROWS))
                vbar = int(shown < nrows)
                free = width - 1 - cells_w - vbar
                label_w = min(natural, free) if free >= enough else wanted
                new_hbar = int(width - 1 - label_w - vbar < cells_w)
                if new_hbar == hbar:
                    break
                hbar = new_hbar
            self.label_w = max(label_w, 1)
        cw = self.cell_w
        cells_w = n * cw + n - 1
        self.rows_shown = shown
        body_w = min(width - 1 - self.label_w, cells_w + vbar)
        self._corner.styles.width = self.label_w
        self._corner.styles.height = head_h
        self._head_clip.styles.width = max(body_w - vbar, 1)
        self._head_clip.styles.height = head_h
        self._heads.styles.width = cells_w + cw  # room to scroll as far as the cells
        self._heads.styles.height = head_h
        self._label_clip.styles.width = self.label_w
        self._label_clip.styles.height = shown
        self._labels.styles.width = self.label_w
        self._labels.styles.height = nrows + 1
        self._body.styles.width = body_w
        self._body.styles.height = shown + hbar
        self._body.styles.overflow_x = "scroll" if hbar else "hidden"
        self._body.styles.overflow_y = "scroll" if vbar else "hidden"
        self._cells.styles.grid_columns = " ".join([str(cw)] * n)
        self._cells.styles.width = cells_w
        self._cells.styles.height = nrows
        self._where.display = self.compact
        self._where.styles.min_height = where_h
        self._head_texts = heads
        self._draw_labels()
        self._draw_where()
        self.follow_scroll()
        if self.current is not None:
            self.call_after_refresh(self._keep_cursor_in_view)

    def _keep_cursor_in_view(self) -> None:
        """After a new layout (the terminal resized, the preview shown), the cell with the
        cursor is scrolled back into view."""
        focused = self.screen.focused if self.is_attached else None
        if focused is not None and self._position(focused) is not None:
            self._body.scroll_to_widget(focused, animate=False)

    @staticmethod
    def _head_lines(label: str, width: int) -> list[str]:
        """A column heading in lines of ``width`` (one for wide cells, at most two for
        narrow ones), cut with … if longer."""
        if width >= WIDE_CELL:
            return [fit(label, width)]  # as a form: one line
        lines = [line.plain for line in wrap_text(RichText(label), width)] or [""]
        if len(lines) > HEAD_LINES:
            lines = lines[: HEAD_LINES - 1] + [fit("".join(lines[HEAD_LINES - 1:]), width)]
        return lines

    def _where_lines(self, width: int) -> int:
        """Lines the longest full name of a cell takes (the line under the table is given
        that many, so that it does not jump as the cursor moves)."""
        longest_col = max((clean_text(c.label) for c in self.field.columns), key=cell_len, default="")
        return max((len(wrap_text(RichText(f"{name}（{longest_col}）"), width, hang=2)) for name in self.full_names),
                   default=1)

    def follow_scroll(self) -> None:
        """Keep the headings over their columns and the labels beside their rows."""
        x, y = round(self._body.scroll_x), round(self._body.scroll_y)
        self._heads.styles.offset = (-x, 0)
        self._labels.styles.offset = (0, -y)

    @property
    def scrolls(self) -> bool:
        """Whether the cells scroll (the table is bigger than its space)."""
        return self.compact or self.rows_shown < len(self.field.rows)

    def page_rows(self) -> int | None:
        return max(self.rows_shown - 1, 1)

    def show_in_page(self) -> None:
        """Scroll the page so that the whole table is on screen (it is never taller)."""
        for node in self.ancestors:
            if isinstance(node, ScrollableContainer):
                node.scroll_to_widget(self, animate=False, immediate=True)
                return

    # -- drawing -------------------------------------------------------------------------------
    def _draw_labels(self) -> None:
        if not hasattr(self, "_labels"):
            return
        width = self.label_w or max((cell_len(x) for x in self.form_names), default=0)
        names = self.short_names if self.compact else self.form_names
        row_now = self.current[0] if self.current and self.compact else None
        col_now = self.current[1] if self.current and self.compact else None
        labels = RichText()
        for i, name in enumerate(names):
            if i:
                labels.append("\n")
            text = fit(name, width)
            if i == row_now:
                labels.append(text + " " * max(width - cell_len(text), 0), style="reverse")
            else:
                labels.append(text)
        self._labels.update(labels)
        heads = self._head_texts
        cw = self.cell_w
        lines = []
        for k in range(max(len(h) for h in heads) if heads else 1):
            line = RichText()
            for ci, h in enumerate(heads):
                part = h[k] if k < len(h) else ""
                pad = " " * max(cw - cell_len(part), 0)
                line.append(part + pad, style="reverse" if ci == col_now else "")
                line.append(" ")
            lines.append(line)
        self._heads.update(RichText("\n").join(lines))

    def _totals(self, r: int, c: int) -> RichText | None:
        """The totals the cell at (r, c) counts in, so that they are in view wherever the
        table is scrolled: the row's computed columns (``本行总计 3119``) and the column's
        computed rows (``本列（七）总计 2932``). None for a table with no totals."""
        f = self.field
        sum_cols = [col for col in f.columns if col.sum_of]
        sum_rows = [row for row in f.rows if row.sum_of]
        if not sum_cols and not sum_rows:
            return None
        raw = self.session.raw(self.page_id, f.key)
        values = grid_values(f, raw if isinstance(raw, dict) else {})
        row, col = f.rows[r], f.columns[c]
        parts = [(self.t("row_total", label=clean_text(sc.label)), values[row.key][sc.key]) for sc in sum_cols]
        parts += [(self.t("column_total", label=clean_text(sr.label).removeprefix("其中：")), values[sr.key][col.key])
                  for sr in sum_rows]
        text = RichText()
        for n, (label, value) in enumerate(parts):
            if n:
                text.append(" ｜ ", style="dim")
            text.append(label + " ")
            text.append("—" if value is None else str(value), style="bold")
        return text

    def _draw_where(self) -> None:
        """The lines under a big table: the full name of the cell with the cursor, the
        totals it counts in, then its own problem (or, on one line, where the table's other
        problems are, or the keys)."""
        if not hasattr(self, "_where") or not self.compact:
            return
        width = self.size.width
        totals = self._totals(*self.current) if self.current is not None else None
        key = (self.current, width, totals.plain if totals is not None else None,
               tuple((i.field, i.message, i.severity) for i in self._issues))
        if key == self._where_key:
            return
        self._where_key = key
        lines: list[TextLine] = []
        own: list[Issue] = []
        if self.current is not None:
            r, c = self.current
            row, col = self.field.rows[r], self.field.columns[c]
            name = RichText(self.full_names[r])
            name.append("（")
            name.append(clean_text(col.label), style="bold")
            name.append("）")
            if row.sum_of or col.sum_of:
                name.append(self.t("computed_cell"), style="dim")
            lines.append((name, 2, True))
            if totals is not None:
                lines.append((totals, 2, True))
            path = f"{self.field.key}.{row.key}.{col.key}"
            own = [i for i in self._issues if i.field == path]
        mine = next(iter(sorted(own, key=lambda i: (i.rule == MISSING, i.severity != "error"))), None)
        if mine is not None and mine.rule != MISSING:
            # the cell's own problem, in full
            error = mine.severity == "error"
            text = ("✗ " if error else "! ") + clean_text(mine.message)
            lines.append((RichText(text, style="red" if error else "yellow"), 2, True))
        elif mine is not None:
            lines.append((RichText(fit("◦ " + clean_text(mine.message), width), style="dim"), 0, False))
        else:
            # Another cell's problem is never shown as if it were this one's: where the
            # others are, on one line, named by their cells (F4 goes to each).
            others = sorted((i for i in self._issues if i.rule != MISSING),
                            key=lambda i: (i.severity != "error", self._sort_key(i.field)))
            if others:
                first = others[0]
                error = first.severity == "error"
                text = self.t("other_problems", n=len(others), where=self._cell_name(first.field),
                              message=clean_text(first.message))
                lines.append((RichText(fit(("✗ " if error else "! ") + text, width), style="red" if error else "yellow"),
                              0, False))
            else:
                lines.append((RichText(fit(self.t("grid_keys"), width), style="dim"), 0, False))
        self._where.set_lines(lines)

    def _sort_key(self, path: str | None) -> tuple[int, int]:
        _, _, a, b = parse_path(path or "")
        rows = [r.key for r in self.field.rows]
        cols = [c.key for c in self.field.columns]
        return (rows.index(a) if a in rows else len(rows), cols.index(b) if b in cols else len(cols))

    def _cell_name(self, path: str | None) -> str:
        """A cell's short name: ``（三）8.属于行政查询事项（自然人）``."""
        r, c = self._sort_key(path)
        if r >= len(self.field.rows):
            return clean_text(self.field.label)
        name = self.short_names[r].strip()
        return name + (f"（{clean_text(self.field.columns[c].label)}）" if c < len(self.field.columns) else "")

    def on_descendant_focus(self, event: Any) -> None:
        pos = self._position(event.widget)
        if pos != self.current:
            self.current = pos
            if self.compact:
                self._draw_labels()
            self._draw_where()
        if self.scrolls and pos is not None:
            self.show_in_page()  # arriving from the field above or below: the whole table

    def on_descendant_blur(self, event: Any) -> None:
        if self.current is not None and self._position(self.screen.focused) is None:
            self.current = None
            if self.compact:
                self._draw_labels()
            self._draw_where()

    def _position(self, widget: Any) -> tuple[int, int] | None:
        if self._positions is None:
            self._positions = {id(w): (ri, ci) for ri, row in enumerate(self.matrix())
                               for ci, w in enumerate(row) if w is not None}
        return self._positions.get(id(widget)) if widget is not None else None

    # -- values and problems -------------------------------------------------------------------
    def refresh_computed(self) -> None:
        raw = self.session.raw(self.page_id, self.field.key)
        values = grid_values(self.field, raw if isinstance(raw, dict) else {})
        for cell in self._computed:
            value = values[cell.row][cell.col]
            text = "—" if value is None else str(value)
            if text != cell.shown:
                cell.shown = text
                cell.update(text)

    def show_issues(self, issues: list[Issue]) -> None:
        self._issues = list(issues)
        self._draw_where()

    def matrix(self) -> list[list[Widget | None]]:
        if self._matrix is None:
            cells: dict[str, Widget] = {w.path: w for w in self.query(FieldInput)}
            cells.update((f"{self.field.key}.{w.row}.{w.col}", w) for w in self._computed)
            self._matrix = [[cells.get(f"{self.field.key}.{r.key}.{c.key}") for c in self.field.columns]
                            for r in self.field.rows]
        return self._matrix


def grid_values(field: Grid, raw: dict) -> dict[str, dict[str, Any]]:
    """Every cell from what is stored, computed ones included; a computed cell is None
    while a cell it adds up is empty or wrong."""
    clean: dict[str, dict[str, Any]] = {}
    for r in field.rows:
        if r.sum_of:
            continue
        stored = raw.get(r.key)
        stored = stored if isinstance(stored, dict) else {}
        row: dict[str, Any] = {}
        for c in field.columns:
            if c.sum_of:
                continue
            try:
                row[c.key] = field.cell.load(stored.get(c.key))
            except Exception:  # noqa: BLE001 - a value typed wrong: the total is unknown
                row[c.key] = None
        clean[r.key] = row
    return field.full(clean)


def is_tabular(field: Records) -> bool:
    """A list of short values, shown as a table (one row per record)."""
    return all(c.kind in INLINE and c.kind != "computed" for c in field.columns)


class RecordsBox(CellNavigation, Vertical):
    """A repeating list. Lists of short values are shown as a table (one row per record,
    arrows move between cells); lists with prose as one block per record."""

    def __init__(self, page_id: str, field: Records, session: Session, t, limit: int | None = None, **kw: Any):
        super().__init__(classes="records", **kw)
        self.page_id, self.field, self.session, self.t = page_id, field, session, t
        self.tabular = is_tabular(field)
        self.limit = limit  # records shown before ``mount_rest`` (to draw the first screen sooner)

    def compose(self):
        f = self.field
        rows = self.session.records(self.page_id, f.key)
        if not rows:
            self.limit = None
            yield Label(self.t("no_records"), classes="hint")
            return
        if self.tabular:
            yield Horizontal(Label("", classes="record-no"),
                             *[Label(RichText(col.label + (f"（{col.unit}）" if col.unit else "")),
                                     classes=f"record-col kind-{col.kind}") for col in f.columns],
                             classes="record-head")
        shown = len(rows) if self.limit is None else min(self.limit, len(rows))
        if shown == len(rows):
            self.limit = None
        for i in range(shown):
            yield from self._record(i)

    def _record(self, i: int) -> list[Widget]:
        f = self.field
        if self.tabular:
            row = Horizontal(Label(f"{i + 1}.", classes="record-no"),
                             *[self._editor(i, col, classes=f"record-col kind-{col.kind}") for col in f.columns],
                             classes="record-row")
            return [row, WrappedText(classes="message record-message", name=str(i))]
        cells: list[Widget] = []
        for col in f.columns:  # label | editor, one row per column
            cells += [Label(RichText(col.label), classes="record-label"), self._editor(i, col)]
        return [Vertical(Label(self.t("record_n", n=i + 1), classes="record-title"),
                         GridLayout(*cells, classes="record-fields"),
                         WrappedText(classes="message record-message", name=str(i)), classes="record")]

    async def mount_rest(self) -> bool:
        """Mount the records ``limit`` held back; True if there were any."""
        if self.limit is None:
            return False
        n = len(self.session.records(self.page_id, self.field.key))
        widgets = [w for i in range(self.limit, n) for w in self._record(i)]
        self.limit = None
        if widgets:
            await self.mount_all(widgets)
        return bool(widgets)

    def _editor(self, i: int, col: Field, classes: str = "") -> Widget:
        path = f"{self.field.key}[{i}].{col.key}"
        text = self.session.text_at(self.page_id, path)
        if col.kind == "text":
            return FieldText(self.page_id, path, text, classes=("record-text " + classes).strip())
        if col.kind == "choice":
            return FieldSelect(self.page_id, path, [(label, value) for value, label in col.options],  # type: ignore[attr-defined]
                               self.session.raw_at(self.page_id, path), self.t("choose"), self.t("close_list"),
                               classes=classes)
        return FieldInput(self.page_id, path, text, numeric=col.kind in NUMERIC, classes=classes)

    def matrix(self) -> list[list[Widget | None]]:
        if not self.tabular:
            return []
        editors = {w.path: w for w in self.query("*") if isinstance(w, Editor)}
        n = len(self.session.records(self.page_id, self.field.key))
        return [[editors.get(f"{self.field.key}[{i}].{c.key}") for c in self.field.columns] for i in range(n)]

    def index_of(self, widget: Any) -> int | None:
        path = getattr(widget, "path", "")
        if path.startswith(self.field.key + "["):
            return int(path[len(self.field.key) + 1: path.index("]")])
        return None

    def show_issues(self, by_record: dict[int, list[Issue]]) -> None:
        for message in self.query(".record-message").results(WrappedText):
            index = int(message.name or 0)
            lines = issue_lines(by_record.get(index, []), lambda i: self._column_label(i.field), self.t)
            message.set_lines(lines)
            message.set_class(bool(lines), "-shown")

    def _column_label(self, path: str | None) -> str:
        key, index, col, _ = parse_path(path or "")
        column = next((c for c in self.field.columns if c.key == col), None)
        return column.label if column is not None else ""


def issue_lines(issues: Iterable[Issue], where, t) -> list[TextLine]:
    """Errors and warnings as lines (✗ red, ! yellow, wrapped under their text); fields
    not filled in yet as one dim line, so an empty form is not a wall of messages."""
    out: list[TextLine] = []
    missing: list[str] = []
    for issue in issues:
        place = where(issue)
        if issue.rule == MISSING:
            missing.append(place)
            continue
        if issue.severity == "remark":  # the office's remark (tui.review): its own kind
            from ..review import remark_line

            out.append((remark_line(issue, place), 2, True))
            continue
        error = issue.severity == "error"
        line = RichText()
        line.append("✗ " if error else "! ", style="bold red" if error else "bold yellow")
        line.append(clean_text((f"{place}：" if place else "") + issue.message), style="red" if error else "yellow")
        out.append((line, 2, True))
    if missing:
        shown = [m for m in dict.fromkeys(missing) if m]
        text = f"◦ {t('missing')}" + ("：" + "、".join(shown) if shown else "")
        out.append((RichText(text, style="dim"), 2, True))
    return out


class FieldBox(Vertical):
    """Label, editor and the messages about one declared field. Short values sit on one
    row with their label (compact at 80×24); prose, tables and lists below their label."""

    def __init__(self, page_id: str, field: Field, session: Session, t, view: ReportView | None = None,
                 records_limit: int | None = None, **kw: Any):
        inline = field.kind in INLINE and not (field.kind == "computed" and _is_table(page_id, field, view))
        super().__init__(classes=f"fieldbox kind-{field.kind}" + (" -inline" if inline else ""), **kw)
        self.page_id, self.field, self.session, self.t = page_id, field, session, t
        self.inline = inline
        self.records_limit = records_limit
        self._editors: list[Any] | None = None
        self.main: Widget | None = None  # the editor (built in compose)

    def compose(self):
        f = self.field
        label = RichText()
        label.append(f.label, style="bold")
        if f.kind == "computed" and not self.inline:
            label.append(f"（{self.t('computed')}）", style="dim")
        self.main = self._editor()
        if self.inline:
            with Horizontal(classes="inline-row"):
                yield Label(label, classes="label")
                yield self.main
                if f.unit and f.kind in ("integer", "decimal"):
                    yield Label(RichText(f.unit), classes="unit")
                if f.kind == "computed":
                    yield Static(RichText(f"（{self.t('computed')}）" + (f" {f.help}" if f.help else "")), classes="help-inline")
                elif f.help and f.kind in NUMERIC:
                    yield Static(RichText(f.help), classes="help-inline")
        else:
            if f.unit and f.kind == "grid":
                label.append(f"（{f.unit}）", style="dim")
            yield Label(label, classes="label")
            yield self.main
            if isinstance(f, Records) and f.total is not None:
                yield WrappedText(self._total_lines(), classes="computed records-total")
            if f.help:
                yield WrappedText([(RichText(clean_text(f.help)), 0, True)], classes="help")
        yield WrappedText(classes="message")

    def _editor(self) -> Widget:
        f, page, s = self.field, self.page_id, self.session
        if isinstance(f, Grid):
            return GridBox(page, f, s, self.t)
        if isinstance(f, Records):
            return RecordsBox(page, f, s, self.t, limit=self.records_limit)
        if f.kind == "computed":
            return ComputedValue(page, f, self.t)
        if f.kind == "text":
            return FieldText(page, f.key, s.text_at(page, f.key))
        if f.kind == "choice":
            return FieldSelect(page, f.key, [(label, value) for value, label in f.options],  # type: ignore[attr-defined]
                               s.raw(page, f.key), self.t("choose"), self.t("close_list"))
        return FieldInput(page, f.key, s.text_at(page, f.key), placeholder=f.help[:40] if f.kind not in NUMERIC else "",
                          numeric=f.kind in NUMERIC)

    def editors(self) -> list[Any]:
        """This field's editors (remembered; ``forget_editors`` after a list changes)."""
        if self._editors is None:
            self._editors = [w for w in self.query("*") if isinstance(w, Editor)]
        return self._editors

    def forget_editors(self) -> None:
        self._editors = None

    def show_issues(self, issues: list[Issue]) -> None:
        """Put the field's problems beside it: on the list's record when they concern one,
        otherwise under the field; colour the editors concerned."""
        f = self.field
        by_record: dict[int, list[Issue]] = {}
        own: list[Issue] = []
        for issue in issues:
            key, index, _, _ = parse_path(issue.field or "")
            if isinstance(f, Records) and index is not None:
                by_record.setdefault(index, []).append(issue)
            else:
                own.append(issue)
        message = self.query_one(".message", WrappedText)
        lines = issue_lines(own, lambda i: self._where(i.field), self.t)
        message.set_lines(lines)
        message.set_class(bool(lines), "-shown")
        if isinstance(self.main, RecordsBox):
            self.main.show_issues(by_record)
        elif isinstance(self.main, GridBox):
            self.main.show_issues(issues)
        severity: dict[str, str] = {}
        for issue in issues:
            kind = "missing" if issue.rule == MISSING else issue.severity
            if issue.field and severity.get(issue.field) != "error":
                severity[issue.field] = kind
        for w in self.editors():
            worst = severity.get(w.path) or (severity.get(f.key) if w.path == f.key else None)
            w.set_class(worst == "error", "-error")
            w.set_class(worst == "warning", "-warning")
            w.set_class(worst == "missing", "-missing")

    def _where(self, path: str | None) -> str:
        """A sub-address in words, relative to this field (the field's label is above)."""
        f = self.field
        key, index, a, b = parse_path(path or "")
        if isinstance(f, Grid) and a and b:
            row = next((r.label.removeprefix("其中：") for r in f.rows if r.key == a), a)
            col = next((c.label for c in f.columns if c.key == b), b)
            return f"{row}（{col}）"
        return ""

    def _total_lines(self, view: ReportView | None = None) -> list[TextLine]:
        """The 合计 row a list declares (Records.total): label, then each summed column."""
        f = self.field
        assert isinstance(f, Records) and f.total is not None
        rows = view.values(self.page_id).get(f.key) if view is not None else None
        if rows is None:  # before the first check: from what the session holds
            try:
                rows = f.load(self.session.raw(self.page_id, f.key))
            except FieldError:
                rows = f.as_typed(self.session.raw(self.page_id, f.key)) or []
        sums = f.totals(rows)
        parts = [f"{c.label} {'—' if sums[c.key] is None else sums[c.key]}{(' ' + c.unit) if c.unit else ''}"
                 for c in f.total_columns]
        return [(RichText(clean_text(f"{f.total.label}：{'，'.join(parts)}"), style="bold"), 2, True)]

    def refresh_computed(self, view: ReportView) -> None:
        if isinstance(self.main, ComputedValue):
            self.main.refresh_value(view)
        elif isinstance(self.main, GridBox):
            self.main.refresh_computed()
        elif isinstance(self.field, Records) and self.field.total is not None:
            for total in self.query(".records-total").results(WrappedText):
                total.set_lines(self._total_lines(view))


def _is_table(page_id: str, field: Field, view: ReportView | None) -> bool:
    """A computed field whose value is a table (shown below its label, not beside it)."""
    if view is None:
        return False
    try:
        return isinstance(guard.call(view.computed, page_id, field.key), Table)
    except guard.PluginError:  # shown as an error by ComputedValue
        return False
