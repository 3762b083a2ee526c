"""Form widgets generated from field declarations. They know field *kinds*, never a section."""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText
from textual import events
from textual.containers import Grid as GridLayout, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static, TextArea

from plugins.document import Table
from plugins.exporters import _text_table
from plugins.fields import Field, Grid, Records
from plugins.report import ReportView

from .session import Session


class FieldLeft(Message):
    """An editor lost focus: a good moment to save."""


class Editor:
    """Mixin: where an editor's value lives (page and field path)."""

    page_id: str
    path: str


class FieldInput(Input, Editor):
    def __init__(self, page_id: str, path: str, value: str, placeholder: str = "", *, numeric: bool = False, **kw: Any):
        # Numbers are re-typed whole (focus selects them); names and prose are edited in place.
        super().__init__(value=value, placeholder=placeholder, compact=True, select_on_focus=numeric, **kw)
        self.page_id, self.path = page_id, path


class FieldText(TextArea, Editor):
    def __init__(self, page_id: str, path: str, value: str, **kw: Any):
        super().__init__(value, soft_wrap=True, compact=True, tab_behavior="focus", show_line_numbers=False, **kw)
        self.page_id, self.path = page_id, path

    def _on_blur(self, event: events.Blur) -> None:
        self.post_message(FieldLeft())


class FieldSelect(Select, Editor):
    def __init__(self, page_id: str, path: str, options: list[tuple[str, str]], value: str | None, **kw: Any):
        super().__init__(options, prompt="请选择", allow_blank=True, compact=True,
                         value=value if value in {v for _, v in options} else Select.BLANK, **kw)
        self.page_id, self.path = page_id, path


def table_text(table: Table) -> str:
    return "\n".join(_text_table(table))


class ComputedValue(Static):
    def __init__(self, page_id: str, field: Field, **kw: Any):
        super().__init__("", markup=False, classes="computed", **kw)
        self.page_id, self.field = page_id, field

    def refresh_value(self, view: ReportView) -> None:
        try:
            value = view.computed(self.page_id, self.field.key)
        except Exception as exc:  # noqa: BLE001 - a plugin's computation may fail
            self.update(f"（无法计算：{type(exc).__name__}: {exc}）")
            return
        if isinstance(value, Table):
            self.update(table_text(value))
        else:
            self.update("—" if value is None else f"{value}{self.field.unit}")


class GridCell(Static):
    """A computed cell of a grid (a 合计 row or column)."""

    def __init__(self, grid: Grid, row: str, col: str, **kw: Any):
        super().__init__("", markup=False, classes="cell computed", **kw)
        self.grid_field, self.row, self.col = grid, row, col


class GridBox(GridLayout):
    """A fixed table of cells; arrows move from cell to cell."""

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
        raw = self.session.raw(self.page_id, f.key) or {}
        for r in f.rows:
            yield Label(RichText(("　" * r.indent) + r.label.removeprefix("其中：") if r.indent else r.label), classes="rowhead")
            for c in f.columns:
                if r.sum_of or c.sum_of:
                    yield GridCell(f, r.key, c.key)
                else:
                    value = raw.get(r.key, {}).get(c.key) if isinstance(raw.get(r.key), dict) else None
                    yield FieldInput(self.page_id, f"{f.key}.{r.key}.{c.key}",
                                     self.session.display(self.page_id, f.cell, value), classes="cell",
                                     numeric=f.cell.kind in ("integer", "decimal"))

    def refresh_computed(self) -> None:
        raw = self.session.raw(self.page_id, self.field.key) or {}
        for cell in self.query(GridCell):
            cell.update(_grid_value(self.field, raw, cell.row, cell.col))

    def _cells(self) -> list[list[FieldInput | None]]:
        inputs = {w.path: w for w in self.query(FieldInput)}
        return [[inputs.get(f"{self.field.key}.{r.key}.{c.key}") for c in self.field.columns] for r in self.field.rows]

    def on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        if not isinstance(focused, FieldInput) or focused.parent is not self:
            return
        cells = self._cells()
        pos = next(((ri, ci) for ri, row in enumerate(cells) for ci, w in enumerate(row) if w is focused), None)
        if pos is None:
            return
        ri, ci = pos
        moves = {"up": (-1, 0), "down": (1, 0)}
        if event.key == "left" and focused.cursor_position == 0:
            moves["left"] = (0, -1)
        if event.key == "right" and focused.cursor_position >= len(focused.value):
            moves["right"] = (0, 1)
        if event.key not in moves:
            return
        dr, dc = moves[event.key]
        r, c = ri + dr, ci + dc
        while 0 <= r < len(cells) and 0 <= c < len(cells[0]):
            if cells[r][c] is not None:
                cells[r][c].focus()
                event.stop()
                event.prevent_default()
                return
            r, c = r + dr, c + dc


def _grid_value(field: Grid, raw: dict, row: str, col: str) -> str:
    """A computed cell from what is stored; '—' while a cell it adds up is empty or wrong."""
    def cell(r: str, c: str) -> Any:
        rr = next(x for x in field.rows if x.key == r)
        cc = next(x for x in field.columns if x.key == c)
        if rr.sum_of:
            parts = [cell(k, c) for k in rr.sum_of]
        elif cc.sum_of:
            parts = [cell(r, k) for k in cc.sum_of]
        else:
            try:
                return field.cell.load((raw.get(r) or {}).get(c))
            except Exception:  # noqa: BLE001
                return None
        return None if any(p is None for p in parts) else sum(parts)

    value = cell(row, col)
    return "—" if value is None else str(value)


class RecordsBox(Vertical):
    """A repeating list: one block per record, each column an editor."""

    def __init__(self, page_id: str, field: Records, session: Session, t, **kw: Any):
        super().__init__(classes="records", **kw)
        self.page_id, self.field, self.session, self.t = page_id, field, session, t

    def compose(self):
        rows = self.session.records(self.page_id, self.field.key)
        if not rows:
            yield Label(self.t("no_records"), classes="hint")
        for i, row in enumerate(rows):
            with Vertical(classes="record"):
                yield Label(self.t("record_n", n=i + 1), classes="record-title")
                for col in self.field.columns:
                    path = f"{self.field.key}[{i}].{col.key}"
                    text = self.session.display(self.page_id, col, row.get(col.key) if isinstance(row, dict) else None)
                    with Horizontal(classes="record-field"):
                        yield Label(RichText(col.label), classes="record-label")
                        if col.kind == "text":
                            yield FieldText(self.page_id, path, text, classes="record-text")
                        else:
                            yield FieldInput(self.page_id, path, text, numeric=col.kind in ("integer", "decimal"))

    def index_of(self, widget: Any) -> int | None:
        path = getattr(widget, "path", "")
        if path.startswith(self.field.key + "["):
            return int(path[len(self.field.key) + 1: path.index("]")])
        return None


class FieldBox(Vertical):
    """Label, editor and the messages about one declared field."""

    def __init__(self, page_id: str, field: Field, session: Session, t, **kw: Any):
        super().__init__(classes=f"fieldbox kind-{field.kind}", **kw)
        self.page_id, self.field, self.session, self.t = page_id, field, session, t

    def compose(self):
        f = self.field
        label = f.label + (f"（{f.unit}）" if f.unit and f.kind not in ("grid",) else "")
        if f.kind == "computed":
            label += f"  [{self.t('computed')}]"
        yield Label(RichText(label), classes="label")
        raw = self.session.raw(self.page_id, f.key)
        if isinstance(f, Grid):
            yield GridBox(self.page_id, f, self.session)
        elif isinstance(f, Records):
            yield RecordsBox(self.page_id, f, self.session, self.t)
        elif f.kind == "computed":
            yield ComputedValue(self.page_id, f)
        elif f.kind == "text":
            yield FieldText(self.page_id, f.key, self.session.display(self.page_id, f, raw))
        elif f.kind == "choice":
            yield FieldSelect(self.page_id, f.key, [(label, value) for value, label in f.options], raw)
        else:
            yield FieldInput(self.page_id, f.key, self.session.display(self.page_id, f, raw), placeholder=f.help[:40],
                             numeric=f.kind in ("integer", "decimal", "date"))
        if f.help and f.kind not in ("line", "integer", "decimal", "date"):
            yield Static(RichText(f.help), classes="help")
        yield Static("", markup=False, classes="message")
