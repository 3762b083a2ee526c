"""An editing session: the report, its lock, its pages and what was last checked.

Textual-free, so the interface stays thin and the rules of editing (what is stored when an
operator types, what a page's state is, when to save) are tested without a screen.

What an operator types is never dropped: a value a field cannot accept (``12.5`` for a
count) is stored as typed, and ``check`` reports it, until it is corrected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from plugins.checks import CheckResult, check_report, meta_fields
from plugins.errors import ReportLocked
from plugins.fields import Field, FieldError, Grid, Records
from plugins.manager import PluginHost
from plugins.report import META, Report
from plugins.store import ReportLock, save_report

__all__ = ["Page", "Session", "parse_path"]


@dataclass
class Page:
    """One screen of the form: the metadata, or one section."""

    id: str  # "report" or a section id
    title: str  # shown in the navigation
    heading: str
    fields: tuple[Field, ...]


_PATH = re.compile(r"^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?(?:\.(\w+))?$")


def parse_path(path: str) -> tuple[str, int | None, str | None, str | None]:
    """``key``, ``key[i].col`` or ``key.row.col`` -> (key, index, first, second)."""
    m = _PATH.match(path)
    if not m:
        return path, None, None, None
    key, index, a, b = m.groups()
    return key, (int(index) if index is not None else None), a, b


class Session:
    def __init__(self, host: PluginHost, report: Report, *, read_only: bool = False):
        self.host = host
        self.report = report
        self.lock = ReportLock(report.path) if report.path else None
        self.read_only = read_only
        self.holder = ""
        self.dirty = False
        self.last_saved = None
        self.result = CheckResult()
        self.pages: list[Page] = []
        self.rebuild_pages()
        self.check()

    # -- lifecycle -----------------------------------------------------------------------
    def acquire(self) -> bool:
        """Take the write lock; on failure the session becomes read-only (returns False)."""
        if self.lock is None or self.read_only:
            return not self.read_only
        try:
            self.lock.acquire()
        except ReportLocked as e:
            self.read_only, self.holder = True, e.holder
            return False
        return True

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()

    def rebuild_pages(self) -> None:
        fmt = self.host.format_for(self.report)
        pages = [Page(META, "报告信息", "报告信息", meta_fields(self.host, self.report))]
        if fmt is not None:
            for i, s in enumerate(self.host.sections_for(fmt.id), start=1):
                from plugins.render import cn_numeral

                pages.append(Page(s.id, f"{cn_numeral(i)}、{s.heading}", f"{cn_numeral(i)}、{s.heading}", tuple(s.fields)))
        self.pages = pages

    def page(self, page_id: str) -> Page:
        return next(p for p in self.pages if p.id == page_id)

    # -- values --------------------------------------------------------------------------
    def raw(self, page_id: str, key: str) -> Any:
        return self.report.section_data(page_id).get(key)

    def display(self, page_id: str, field: Field, raw: Any) -> str:
        """Text for an input: a stored value formatted by its field, or text stored as typed."""
        if raw is None:
            return ""
        if isinstance(raw, str) and field.kind in ("integer", "decimal", "date"):
            return raw
        try:
            return field.format(field.load(raw))
        except FieldError:
            return str(raw)

    def set_text(self, page_id: str, path: str, text: str) -> str | None:
        """Store what was typed at ``path``; returns the field's message if it is not
        acceptable (the text is kept all the same)."""
        if self.read_only:
            return None
        page = self.page(page_id)
        key, index, a, b = parse_path(path)
        top = next(f for f in page.fields if f.key == key)
        if isinstance(top, Records):
            field = next(c for c in top.columns if c.key == a)
        elif isinstance(top, Grid):
            field = top.cell
        else:
            field = top
        message = None
        try:
            value = field.parse(text)
            stored = field.dump(value) if value is not None else None
        except FieldError as e:
            message = str(e)
            stored = text  # kept as typed; `check` reports it until it is corrected
        table = self.report.section_data(page_id, create=True)
        if isinstance(top, Records):
            rows = self._writable_records(page_id, key)
            while len(rows) <= index:
                rows.append({})
            if stored is None:
                rows[index].pop(a, None)
            else:
                rows[index][a] = stored
        elif isinstance(top, Grid):
            row = table.setdefault(key, {}).setdefault(a, {})
            if stored is None:
                row.pop(b, None)
            else:
                row[b] = stored
        else:
            self.report.set_value(page_id, key, stored)
        self.dirty = True
        if key in ("year", "format") and page_id == META:
            self.rebuild_pages()
        return message

    def records(self, page_id: str, key: str) -> list[dict]:
        """The stored records of a list field (read only: nothing is created)."""
        rows = self.report.section_data(page_id).get(key)
        return rows if isinstance(rows, list) else []

    def _writable_records(self, page_id: str, key: str) -> list[dict]:
        table = self.report.section_data(page_id, create=True)
        if not isinstance(table.get(key), list):
            table[key] = []
        return table[key]

    def add_record(self, page_id: str, key: str, after: int | None = None) -> int:
        rows = self._writable_records(page_id, key)
        at = len(rows) if after is None else after + 1
        rows.insert(at, {})
        self.dirty = True
        return at

    def remove_record(self, page_id: str, key: str, index: int) -> None:
        rows = self._writable_records(page_id, key)
        if 0 <= index < len(rows):
            del rows[index]
            if not rows:
                self.report.section_data(page_id).pop(key, None)
            self.dirty = True

    def move_record(self, page_id: str, key: str, index: int, delta: int) -> int:
        rows = self._writable_records(page_id, key)
        to = index + delta
        if 0 <= index < len(rows) and 0 <= to < len(rows):
            rows[index], rows[to] = rows[to], rows[index]
            self.dirty = True
            return to
        return index

    # -- checking and saving --------------------------------------------------------------
    def check(self) -> CheckResult:
        self.result = check_report(self.host, self.report)
        return self.result

    def state(self, page_id: str) -> str:
        """empty | progress | errors | warnings | complete | broken"""
        if page_id in self.result.broken:
            return "broken"
        table = self.report.section_data(page_id)
        if not table:
            return "empty"
        issues = self.result.for_section(page_id)
        if any(i.severity == "error" and i.rule != "V-REQUIRED" for i in issues):
            return "errors"
        if any(i.rule == "V-REQUIRED" for i in issues):
            return "progress"
        if issues:
            return "warnings"
        return "complete"

    def save(self) -> bool:
        """Write the report if anything changed; False when read-only or unchanged."""
        if self.read_only or not self.dirty or self.report.path is None:
            return False
        save_report(self.report)
        self.dirty = False
        import datetime as _dt

        self.last_saved = _dt.datetime.now()
        return True
