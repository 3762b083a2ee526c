"""One declared field as the operator sees it: its label, the widget that edits it (chosen
by the field's kind in :meth:`FieldBox._editor`) and the messages about it."""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from plugins.host import guard
from plugins.document import Table
from plugins.fields import Field, FieldError, Grid, Records, clean_text
from plugins.engine.report import ReportView
from plugins.results import Issue

from ..session import Session, parse_path
from ..text_layout import TextLine, WrappedText
from .editors import INLINE, NUMERIC, ComputedValue, Editor, FieldInput, FieldSelect, FieldText
from .grid import GridBox
from .messages import MISSING, issue_lines
from .records import RecordsBox


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
