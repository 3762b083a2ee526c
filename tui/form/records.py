"""A list of records (``Records`` fields): each record a row of editors, or, for lists
of short columns, a table (:func:`is_tabular`). Ctrl+N adds a record, Ctrl+R removes one
(the actions are in ``tui/actions.py``)."""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText
from textual.containers import Grid as GridLayout, Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label

from plugins.fields import Field, Records
from plugins.results import Issue

from ..session import Session, parse_path
from ..text_layout import WrappedText
from .editors import INLINE, NUMERIC, Editor, FieldInput, FieldSelect, FieldText
from .grid import CellNavigation
from .messages import issue_lines


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
