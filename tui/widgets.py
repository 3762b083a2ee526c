"""Form widgets generated from field declarations. They know field *kinds*, never a section.

Typing reaches the session synchronously, inside the editor's own message loop (see
:class:`Editor`): what was typed is stored before any later key (a record moved, a page
changed) is acted on, so nothing typed can land in the wrong place or be lost.
"""

from __future__ import annotations

from typing import Any, Iterable

from rich.cells import cell_len
from rich.text import Text as RichText
from textual import events
from textual.containers import Grid as GridLayout, Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, TextArea

from plugins.document import Table
from plugins.fields import Field, Grid, Records, clean_text
from plugins.report import ReportView
from plugins.results import Issue

from .session import Session, parse_path

NUMERIC = ("integer", "decimal", "date")
INLINE = ("line", "integer", "decimal", "date", "choice", "computed")
MISSING = "V-REQUIRED"


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
        super().__init__(value=value, compact=True, select_on_focus=numeric, **kw)
        self.page_id, self.path, self.numeric = page_id, path, numeric
        self.hint = clean_text(placeholder)

    def on_resize(self) -> None:
        # A placeholder wider than the field would be wrapped onto a second line by Rich,
        # and that line break would reach the terminal: cut it to the width instead.
        if self.hint:
            self.placeholder = fit(self.hint, max(self.scrollable_content_region.width - 1, 1))

    def current_text(self) -> str:
        return self.value

    def post_message(self, message: Message) -> bool:
        if isinstance(message, Input.Changed) and message.input is self:
            self._hand_over()
        return super().post_message(message)

    def _on_paste(self, event: events.Paste) -> None:
        # Runs before Input's own handler (Textual calls one per class in the MRO), which
        # then inserts the cleaned text.
        event.text = clean_text(event.text)


class FieldText(Editor, TextArea):
    """Multi-line prose: each line is a paragraph."""

    def __init__(self, page_id: str, path: str, value: str, **kw: Any):
        super().__init__(value, soft_wrap=True, compact=True, tab_behavior="focus", show_line_numbers=False, **kw)
        self.page_id, self.path = page_id, path

    def current_text(self) -> str:
        return self.text

    def post_message(self, message: Message) -> bool:
        if isinstance(message, TextArea.Changed) and message.text_area is self:
            self._hand_over()
        return super().post_message(message)

    def _on_paste(self, event: events.Paste) -> None:
        event.text = clean_text(event.text, multiline=True)  # then TextArea's own handler


class FieldSelect(Editor, Select):
    def __init__(self, page_id: str, path: str, options: list[tuple[str, str]], value: str | None, prompt: str, **kw: Any):
        super().__init__(options, prompt=prompt, allow_blank=True, compact=True,
                         value=value if value in {v for _, v in options} else Select.BLANK, **kw)
        self.page_id, self.path = page_id, path

    def current_text(self) -> str:
        return "" if self.value is Select.BLANK else str(self.value)

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


def wrap_text(text: RichText, width: int, hang: int = 0) -> list[RichText]:
    """Break ``text`` into lines of at most ``width`` cells: anywhere between Chinese
    characters, never inside an ASCII word that fits on a line, never before closing
    punctuation; continuation lines are indented by ``hang``. (Textual breaks only at
    spaces, so a space before a long Chinese run leaves a lone word on a line.)"""
    out: list[RichText] = []
    width = max(width, 2)
    for para in text.split("\n", allow_blank=True):
        plain = para.plain
        start, first = 0, True
        if not plain:
            out.append(RichText())
            continue
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
            piece = para[start:i]
            piece.rstrip()
            if not first and hang:
                piece = RichText(" " * hang) + piece
            out.append(piece)
            start, first = i, False
            while start < len(plain) and plain[start] == " ":
                start += 1
    return out


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
        if [(l.plain, l.spans, h, w) for l, h, w in lines] == [(l.plain, l.spans, h, w) for l, h, w in self._lines]:
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
            out: list[RichText] = []
            for line, hang, wrap in self._lines:
                out += wrap_text(line, width, hang) if wrap else [line]
            self._cache = (width, out)
        return self._cache[1]

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._wrapped(width))

    def render(self) -> RichText:
        return RichText("\n").join(self._wrapped(self.content_size.width or self.size.width))


def table_lines(table: Table) -> list[str]:
    """A table for the screen: columns aligned by display width, two spaces apart, no
    rules (narrower than the printed form, same content)."""
    grid = table.grid()
    if not grid:
        return []
    ncols = len(grid[0])
    widths = [0] * ncols
    for row in grid:
        for c, cell in enumerate(row):
            if cell is not None and cell.colspan == 1:
                widths[c] = max(widths[c], cell_len(clean_text(cell.text)))
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
            value = view.computed(self.page_id, self.field.key)
        except Exception as exc:  # noqa: BLE001 - a plugin's computation may fail
            self.set_text(self.t("cannot_compute", error=f"{type(exc).__name__}: {exc}"), "red")
            return
        if isinstance(value, Table):
            self.set_lines([(RichText(line), 0, False) for line in table_lines(value)])
        else:
            self.set_text("—" if value is None else clean_text(f"{value} {self.field.unit}".strip()))


class CellNavigation:
    """A container whose editors are laid out as rows and columns (a grid, a list shown as
    a table): the app moves between them with the arrow keys (see ``NianbaoApp``)."""

    def matrix(self) -> list[list[Widget | None]]:  # pragma: no cover - overridden
        return []

    def neighbour(self, widget: Widget, key: str) -> Widget | None:
        """The editor an arrow key leads to from ``widget``, or None to let the key do what
        it does in the editor. Left/right leave a cell only at its edge, or when its whole
        content is selected (just arrived there)."""
        cells = self.matrix()
        pos = next(((ri, ci) for ri, row in enumerate(cells) for ci, w in enumerate(row) if w is widget), None)
        if pos is None or not isinstance(widget, FieldInput):
            return None
        sel = widget.selection
        whole = not sel.is_empty and abs(sel.end - sel.start) == len(widget.value)
        moves = {"up": (-1, 0), "down": (1, 0)}
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
                return target
            r, c = r + dr, c + dc
        return None


class GridCell(Static):
    """A computed cell of a grid (a 合计 row or column)."""

    def __init__(self, grid: Grid, row: str, col: str, **kw: Any):
        super().__init__("—", markup=False, classes="cell computed", **kw)
        self.grid_field, self.row, self.col = grid, row, col


class GridBox(CellNavigation, GridLayout):
    """A fixed table of cells; arrows move from cell to cell, computed cells update live."""

    def __init__(self, page_id: str, field: Grid, session: Session, **kw: Any):
        super().__init__(classes="grid", **kw)
        self.page_id, self.field, self.session = page_id, field, session
        self.styles.grid_size_columns = len(field.columns) + 1
        self.styles.grid_columns = "1fr " + " ".join("12" for _ in field.columns)

    def compose(self):
        f = self.field
        yield Label("", classes="corner")
        for c in f.columns:
            yield Label(RichText(c.label), classes="colhead")
        for r in f.rows:
            label = ("\u3000" * r.indent) + r.label.removeprefix("其中：") if r.indent else r.label
            yield Label(RichText(label), classes="rowhead")
            for c in f.columns:
                if r.sum_of or c.sum_of:
                    yield GridCell(f, r.key, c.key)
                else:
                    path = f"{f.key}.{r.key}.{c.key}"
                    yield FieldInput(self.page_id, path, self.session.text_at(self.page_id, path), classes="cell",
                                     numeric=f.cell.kind in NUMERIC)

    def on_mount(self) -> None:
        self.refresh_computed()

    def refresh_computed(self) -> None:
        raw = self.session.raw(self.page_id, self.field.key)
        for cell in self.query(GridCell):
            cell.update(grid_value(self.field, raw if isinstance(raw, dict) else {}, cell.row, cell.col))

    def matrix(self) -> list[list[Widget | None]]:
        inputs = {w.path: w for w in self.query(FieldInput)}
        return [[inputs.get(f"{self.field.key}.{r.key}.{c.key}") for c in self.field.columns] for r in self.field.rows]


def grid_value(field: Grid, raw: dict, row: str, col: str) -> str:
    """A computed cell from what is stored; '—' while a cell it adds up is empty or wrong."""
    def cell(r: str, c: str) -> Any:
        rr = next(x for x in field.rows if x.key == r)
        cc = next(x for x in field.columns if x.key == c)
        if rr.sum_of:
            parts = [cell(k, c) for k in rr.sum_of]
        elif cc.sum_of:
            parts = [cell(r, k) for k in cc.sum_of]
        else:
            stored = raw.get(r)
            try:
                return field.cell.load(stored.get(c) if isinstance(stored, dict) else None)
            except Exception:  # noqa: BLE001 - a value typed wrong: the total is unknown
                return None
        return None if any(p is None for p in parts) else sum(parts)

    value = cell(row, col)
    return "—" if value is None else str(value)


class RecordsBox(CellNavigation, Vertical):
    """A repeating list. Lists of short values are shown as a table (one row per record,
    arrows move between cells); lists with prose as one block per record."""

    def __init__(self, page_id: str, field: Records, session: Session, t, limit: int | None = None, **kw: Any):
        super().__init__(classes="records", **kw)
        self.page_id, self.field, self.session, self.t = page_id, field, session, t
        self.tabular = all(c.kind in INLINE and c.kind != "computed" for c in field.columns)
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
                               self.session.raw_at(self.page_id, path), self.t("choose"), classes=classes)
        return FieldInput(self.page_id, path, text, numeric=col.kind in NUMERIC, classes=classes)

    def matrix(self) -> list[list[Widget | None]]:
        if not self.tabular:
            return []
        editors = {w.path: w for w in self.query("*") if isinstance(w, Editor)}
        n = len(self.session.records(self.page_id, self.field.key))
        return [[editors.get(f"{self.field.key}[{i}].{c.key}") for c in self.field.columns] for i in range(n)]  # type: ignore[misc]

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

    def compose(self):
        f = self.field
        label = RichText()
        label.append(f.label, style="bold")
        if f.kind == "computed" and not self.inline:
            label.append(f"（{self.t('computed')}）", style="dim")
        if self.inline:
            with Horizontal(classes="inline-row"):
                yield Label(label, classes="label")
                yield self._editor()
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
            yield self._editor()
            if f.help:
                yield WrappedText([(RichText(clean_text(f.help)), 0, True)], classes="help")
        yield WrappedText(classes="message")

    def _editor(self) -> Widget:
        f, page, s = self.field, self.page_id, self.session
        if isinstance(f, Grid):
            return GridBox(page, f, s)
        if isinstance(f, Records):
            return RecordsBox(page, f, s, self.t, limit=self.records_limit)
        if f.kind == "computed":
            return ComputedValue(page, f, self.t)
        if f.kind == "text":
            return FieldText(page, f.key, s.text_at(page, f.key))
        if f.kind == "choice":
            return FieldSelect(page, f.key, [(label, value) for value, label in f.options],  # type: ignore[attr-defined]
                               s.raw(page, f.key), self.t("choose"))
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
        for box in self.query(RecordsBox):
            box.show_issues(by_record)
        severity: dict[str, str] = {}
        for issue in issues:
            kind = "missing" if issue.rule == MISSING else issue.severity
            if issue.field and severity.get(issue.field) != "error":
                severity[issue.field] = kind
        for w in self.editors():
            kind = severity.get(w.path) or (severity.get(f.key) if w.path == f.key else None)
            w.set_class(kind == "error", "-error")
            w.set_class(kind == "warning", "-warning")
            w.set_class(kind == "missing", "-missing")

    def _where(self, path: str | None) -> str:
        """A sub-address in words, relative to this field (the field's label is above)."""
        f = self.field
        key, index, a, b = parse_path(path or "")
        if isinstance(f, Grid) and a and b:
            row = next((r.label.removeprefix("其中：") for r in f.rows if r.key == a), a)
            col = next((c.label for c in f.columns if c.key == b), b)
            return f"{row}（{col}）"
        return ""

    def refresh_computed(self, view: ReportView) -> None:
        for w in self.query(ComputedValue):
            w.refresh_value(view)
        for g in self.query(GridBox):
            g.refresh_computed()


def _is_table(page_id: str, field: Field, view: ReportView | None) -> bool:
    """A computed field whose value is a table (shown below its label, not beside it)."""
    if view is None:
        return False
    try:
        return isinstance(view.computed(page_id, field.key), Table)
    except Exception:  # noqa: BLE001 - shown as an error by ComputedValue
        return False
