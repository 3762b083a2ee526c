"""An editing session: the report, its lock, its pages and what was last checked.

Textual-free, so the interface stays thin and the rules of editing (what is stored when an
operator types, what a page's state is, when to save) are tested without a screen.

What an operator types is never dropped: a value a field cannot accept (``12.5`` for a
count) is stored as typed, and ``check`` reports it, until it is corrected. Only control
characters and terminal escape sequences are removed, everywhere.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from plugins.host import guard
from plugins.engine.checks import CheckResult, check_report, meta_fields
from plugins.engine.errors import CannotWrite, NianbaoError, ReportChanged, ReportFrozen, ReportLocked
from plugins.fields import Field, FieldError, Grid, Records, clean_text
from plugins.host.manager import PluginHost
from plugins.engine.history import attach_previous, view_with_previous
from plugins.engine.report import META, Report, ReportView
from plugins.engine.store import ReportLock, save_report, write_problem

__all__ = ["Page", "Session", "check_frozen", "parse_path", "STATES", "BACKGROUND_SAVE_BYTES"]

#: A report at least this large is autosaved in a thread (Session.save_in_background): a
#: 1 MB report's save (rewriting its text, the journal's field diff, fsync) takes 0.05-0.6 s,
#: too long for the event loop while the operator types. Smaller ones (the examples, 7-25 KB,
#: 10-30 ms, mostly fsync) keep the plain synchronous save: its outcome is on screen at once
#: and there is no thread to wait for.
BACKGROUND_SAVE_BYTES = 200_000

#: Every state a page can be in, from nothing typed to nothing left to do.
STATES = ("empty", "progress", "warnings", "errors", "complete", "broken")


@dataclass
class Page:
    """One screen of the form: the metadata, or one section."""

    id: str  # "report" or a section id
    title: str  # shown in the navigation: 一、概述
    heading: str
    fields: tuple[Field, ...]
    numeral: str = ""  # 一, 二 ... ("" for the metadata page)


_PATH = re.compile(r"^(\w+)(?:\[(\d+)\])?(?:\.(\w+))?(?:\.(\w+))?$")


def check_snapshot(host: PluginHost, view: ReportView, previous_problem: str = "") -> CheckResult:
    """Check a frozen view (any thread), and compute every computed field on it, so that
    the interface shows them from this view without running plugin code itself."""
    result = check_report(host, view, view, previous_problem)
    fmt = host.format_for(view)
    for section in host.sections_for(fmt.id) if fmt is not None else ():
        for f in section.fields:
            if f.kind == "computed":
                try:
                    guard.call(view.computed, section.id, f.key)
                except guard.PluginError:
                    pass  # kept in the view: the field shows why
    return result


def check_frozen(host: PluginHost, view: ReportView) -> CheckResult:
    """:func:`check_snapshot` of a view frozen without last year's report, which is found
    here (``[report] previous`` or the folder scan: files read in the checking thread)."""
    return check_snapshot(host, view, attach_previous(host, view).problem)


def parse_path(path: str) -> tuple[str, int | None, str | None, str | None]:
    """``key``, ``key[i].col`` or ``key.row.col`` -> (key, index, first, second)."""
    m = _PATH.match(path)
    if not m:
        return path, None, None, None
    key, index, a, b = m.groups()
    return key, (int(index) if index is not None else None), a, b


class Session:
    """One report being edited by one operator.

    ``clock`` gives the time shown as "saved at" (tests pass a fixed one)."""

    def __init__(self, host: PluginHost, report: Report, *, read_only: bool = False,
                 clock: Callable[[], _dt.datetime] = _dt.datetime.now, meta_title: str = "报告信息",
                 first_check_wait: float | None = None):
        self.host = host
        self.report = report
        self.lock = ReportLock(report.path) if report.path else None
        self.read_only = read_only
        self.holder = ""  # who holds the lock, when that is why the session is read-only
        #: why the session is read-only, for the status line ("" when it is not, or not said)
        self.why_read_only = ""
        #: why the last save failed ("" after a save that worked): the text is still here
        self.save_error = ""
        #: the change someone else made to the file while it was open, once noticed
        self.conflict: ReportChanged | None = None
        # ``dirty`` is set on the event loop and cleared by a save, maybe in the saving
        # thread: a change made while that save was writing must stay dirty (``_edits``).
        self._dirty_lock = threading.Lock()
        self._edits = 0
        self._dirty = False
        #: the save running in its thread (save_in_background), if any; one at a time
        self._saving: Future | None = None
        self._save_lock = threading.Lock()
        #: bytes of the report's file when last read or written (which way to autosave)
        self.file_bytes = 0
        if report.path is not None:
            try:
                self.file_bytes = report.path.stat().st_size
            except OSError:
                pass
        self.clock = clock
        self.meta_title = meta_title
        self.last_saved: _dt.datetime | None = None
        self.result = CheckResult()
        #: the view ``result`` was found on; its computed fields are computed (check_snapshot)
        self.checked_view: ReportView | None = None
        #: section id -> message, for sections whose template failed to render
        self.render_errors: dict[str, str] = {}
        self.pages: list[Page] = []
        self.rebuild_pages()
        if first_check_wait is None:
            self.check()
        else:
            self.check_within(first_check_wait)

    # -- lifecycle -----------------------------------------------------------------------
    def acquire(self) -> bool:
        """Take the write lock; when the file cannot be written (someone else holds it, it
        is read-only, its folder is not writable, a link planted by someone else) the
        session becomes read-only (returns False); ``why_read_only`` says why (``holder``:
        who holds the file and where)."""
        if self.lock is None or self.read_only:
            return not self.read_only
        problem = write_problem(self.lock.path)
        if problem is not None:
            self.read_only, self.why_read_only = True, problem
            return False
        from plugins.engine.review import frozen_reason

        frozen = frozen_reason(self.lock.path)
        if frozen:  # submitted or approved (plugins.engine.review): nobody changes it through nianbao
            self.read_only, self.why_read_only = True, frozen
            return False
        try:
            self.lock.acquire()
        except ReportLocked as e:
            self.read_only, self.holder, self.why_read_only = True, e.holder, e.holder
            return False
        except CannotWrite as e:
            self.read_only, self.why_read_only = True, str(e)
            return False
        return True

    @property
    def dirty(self) -> bool:
        """Something typed is not on disk yet."""
        return self._dirty

    @dirty.setter
    def dirty(self, value: bool) -> None:
        with self._dirty_lock:
            self._dirty = value
            if value:
                self._edits += 1

    def close(self) -> None:
        self.wait_for_save()
        if self.lock is not None:
            self.lock.release()

    def rebuild_pages(self) -> None:
        from plugins.formatting import cn_numeral

        fmt = self.host.format_for(self.report)
        pages = [Page(META, self.meta_title, self.meta_title, meta_fields(self.host, self.report))]
        if fmt is not None:
            for i, s in enumerate(self.host.sections_for(fmt.id), start=1):
                title = f"{cn_numeral(i)}、{s.heading}"
                pages.append(Page(s.id, title, title, tuple(s.fields), cn_numeral(i)))
        self.pages = pages

    def page(self, page_id: str) -> Page:
        for p in self.pages:
            if p.id == page_id:
                return p
        raise KeyError(page_id)

    def first_section(self) -> str:
        """Where the cursor goes on opening: the first section (the metadata if none)."""
        return self.pages[1].id if len(self.pages) > 1 else self.pages[0].id

    # -- values --------------------------------------------------------------------------
    def field_at(self, page_id: str, path: str) -> tuple[Field, Field]:
        """(top-level field, the field of the value at ``path``: a column or a grid cell)."""
        key, index, a, b = parse_path(path)
        top = next((f for f in self.page(page_id).fields if f.key == key), None)
        if top is None:
            raise KeyError(f"{page_id}: no field {path!r}")
        if isinstance(top, Records):
            col = next((c for c in top.columns if c.key == a), None)
            if index is None or col is None:
                raise KeyError(f"{page_id}: {path!r} is not a cell of the list {key}")
            return top, col
        if isinstance(top, Grid):
            if a is None or b is None or not any(r.key == a for r in top.rows) or not any(c.key == b for c in top.columns):
                raise KeyError(f"{page_id}: {path!r} is not a cell of the table {key}")
            return top, top.cell
        return top, top

    def raw(self, page_id: str, key: str) -> Any:
        return self.report.section_data(page_id).get(key)

    def raw_at(self, page_id: str, path: str) -> Any:
        """What the file holds at ``path`` (``None`` when nothing)."""
        key, index, a, b = parse_path(path)
        raw = self.raw(page_id, key)
        if index is not None:
            rows = raw if isinstance(raw, list) else []
            row = rows[index] if index < len(rows) else None
            return row.get(a) if isinstance(row, dict) else None
        if a is not None and b is not None:
            row = raw.get(a) if isinstance(raw, dict) else None
            return row.get(b) if isinstance(row, dict) else None
        return raw

    def display(self, page_id: str, field: Field, raw: Any) -> str:
        """Text for an input: a stored value formatted by its field, or text stored as typed.
        Never contains control characters or escape sequences, whatever the file holds."""
        if raw is None:
            return ""
        multiline = field.kind == "text"
        if isinstance(raw, str) and field.kind in ("integer", "decimal", "date"):
            return clean_text(raw, multiline)
        try:
            value = field.load(raw)
        except FieldError:
            return clean_text(str(raw), multiline)
        return clean_text(field.format(value), multiline)

    def text_at(self, page_id: str, path: str) -> str:
        """What an input at ``path`` shows for the stored value."""
        _, field = self.field_at(page_id, path)
        return self.display(page_id, field, self.raw_at(page_id, path))

    def set_text(self, page_id: str, path: str, text: str) -> str | None:
        """Store what was typed at ``path``; returns the field's message if it is not
        acceptable (the text is kept all the same, without control characters)."""
        if self.read_only:
            return None
        text = text.replace("\ufffd", "")  # never stored: what a terminal sent that could not be decoded
        key, index, a, b = parse_path(path)
        top, field = self.field_at(page_id, path)
        message = None
        try:
            value = field.parse(text)
            stored = field.dump(value) if value is not None else None
        except FieldError as e:
            message = str(e)
            kept = clean_text(text, multiline=field.kind == "text")
            # kept as typed; `check` reports it until it is corrected
            stored = kept if kept.strip() else None
        table = self.report.section_data(page_id, create=True)
        if isinstance(top, Records):
            assert index is not None  # field_at refused a list's path without its row
            rows = self._writable_records(page_id, key)
            while len(rows) <= index:
                rows.append({})
            if not isinstance(rows[index], dict):
                rows[index] = {}
            if stored is None:
                rows[index].pop(a, None)
            else:
                rows[index][a] = stored
        elif isinstance(top, Grid):
            if not isinstance(table.get(key), dict):
                table[key] = {}
            if not isinstance(table[key].get(a), dict):
                table[key][a] = {}
            row = table[key][a]
            if stored is None:
                row.pop(b, None)
                if not row:
                    table[key].pop(a, None)
                if not table[key]:
                    table.pop(key, None)
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
        """Insert an empty record after ``after`` (at the end when ``None``); its index."""
        if self.read_only:
            return -1
        rows = self._writable_records(page_id, key)
        at = len(rows) if after is None else min(after + 1, len(rows))
        rows.insert(at, {})
        self.dirty = True
        return at

    def remove_record(self, page_id: str, key: str, index: int) -> None:
        if self.read_only:
            return
        rows = self._writable_records(page_id, key)
        if 0 <= index < len(rows):
            del rows[index]
            self.dirty = True
        if not rows:
            self.report.section_data(page_id).pop(key, None)

    def move_record(self, page_id: str, key: str, index: int, delta: int) -> int:
        """Move a record up (``delta`` -1) or down (+1); its new index."""
        if self.read_only:
            return index
        rows = self._writable_records(page_id, key)
        to = index + delta
        if 0 <= index < len(rows) and 0 <= to < len(rows):
            rows[index], rows[to] = rows[to], rows[index]
            self.dirty = True
            return to
        if not rows:
            self.report.section_data(page_id).pop(key, None)
        return index

    # -- checking and saving --------------------------------------------------------------
    def rescue(self) -> str:
        """The last resort when the report cannot be saved and the operator leaves anyway: its
        text written to the temporary folder (readable by the operator only). Returns what to
        tell the operator."""
        import tempfile

        from plugins.engine.store import dump_report, write_atomic

        name = self.report.path.name if self.report.path else "report.toml"
        where = Path(tempfile.gettempdir()) / f"{name}.unsaved-{self.clock().strftime('%Y%m%d-%H%M%S')}"
        try:
            text = dump_report(self.report)
            written = write_atomic(where, text, new=True, private=True)
        except (OSError, NianbaoError) as e:
            return f"未保存的内容无法另存（{e}），已丢失"
        return f"未保存的内容已另存为 {written}（只有您能读）"

    def snapshot(self) -> tuple[ReportView, str]:
        """The report as it is now, frozen (safe to check in another thread while typing goes
        on), with last year's report set, and the problem finding it ("" if none)."""
        view, lookup = view_with_previous(self.host, self.report)
        return view, lookup.problem

    def check(self) -> CheckResult:
        """Check the report as it is now, here (the interface checks in a thread:
        ``snapshot`` + :func:`check_snapshot`, then ``checked``)."""
        view, problem = self.snapshot()
        return self.checked(check_snapshot(self.host, view, problem), view)

    def check_within(self, seconds: float) -> bool:
        """Check now in a thread, waiting at most ``seconds`` for it (the interface opens even
        if a plugin's check hangs); False if it has not finished: the result stays as it was,
        ``checked_view`` None, and the thread's result is dropped."""
        import threading

        view, problem = self.snapshot()
        done: list[CheckResult] = []
        worker = threading.Thread(target=lambda: done.append(check_snapshot(self.host, view, problem)),
                                  name="nianbao-first-check", daemon=True)
        worker.start()
        worker.join(seconds)
        if done:
            self.checked(done[0], view)
        return bool(done)

    def checked(self, result: CheckResult, view: ReportView) -> CheckResult:
        """Take the result of checking ``view`` as the current one."""
        self.result, self.checked_view = result, view
        return result

    def broken(self, page_id: str) -> str:
        """Why a page's plugin failed ("" when it works)."""
        return self.result.broken.get(page_id) or self.render_errors.get(page_id, "")

    def state(self, page_id: str) -> str:
        """empty | progress | errors | warnings | complete | broken"""
        if self.broken(page_id):
            return "broken"
        issues = self.result.for_section(page_id)
        if any(i.severity == "error" and i.rule != "V-REQUIRED" for i in issues):
            return "errors"
        if not self.report.section_data(page_id):
            return "empty"
        if any(i.rule == "V-REQUIRED" for i in issues):
            return "progress"
        if issues:
            return "warnings"
        return "complete"

    def save(self) -> bool:
        """Write the report atomically (through the store) if anything changed; False when
        read-only or unchanged. Takes the lock first if the session does not hold it yet:
        if someone else does, the session turns read-only and nothing is written. Waits for
        a save still running in its thread first (saves never overlap and stay in order)."""
        self.wait_for_save()
        with self._save_lock:
            if self.read_only or not self.dirty or self.report.path is None:
                return False
            if self.lock is not None and not self.lock.held and not self.acquire():
                return False
            return self._save(self.report, self._edits)

    @property
    def background_save(self) -> bool:
        """Whether autosave should use :meth:`save_in_background` (a large report)."""
        return self.file_bytes >= BACKGROUND_SAVE_BYTES

    @property
    def saving(self) -> bool:
        return self._saving is not None and not self._saving.done()

    def save_in_background(self) -> Future | None:
        """Start saving a copy of the report as it is now in a thread; its Future gives what
        :meth:`save` would return, or raises what it would raise (the session's state is
        updated the same way). Call it on the thread that changes the report (the event
        loop): the copy is taken here, so later typing never races the save. ``None`` when
        there is nothing to save or a save is still running (the caller tries again later)."""
        if self.saving or self.read_only or not self.dirty or self.report.path is None:
            return None
        if self.lock is not None and not self.lock.held and not self.acquire():
            return None
        snapshot = Report(copy.deepcopy(self.report.data), self.report.path)
        snapshot.stored, snapshot.digest = self.report.stored, self.report.digest
        edits = self._edits
        future: Future = Future()

        def run() -> None:
            with self._save_lock:
                try:
                    outcome = self._save(snapshot, edits)
                    # what the store keeps between saves (the text it rewrites, the file's hash)
                    self.report.stored, self.report.digest = snapshot.stored, snapshot.digest
                except BaseException as e:  # noqa: BLE001 - handed to the caller through the Future
                    future.set_exception(e)
                    return
            future.set_result(outcome)

        self._saving = future
        threading.Thread(target=run, name="nianbao-save", daemon=False).start()
        return future

    def wait_for_save(self) -> None:
        """Wait for the save running in its thread, if any (its failure is already in the
        session's state: ``dirty``, ``save_error``, ``read_only``)."""
        future = self._saving
        if future is not None:
            try:
                future.result()
            except BaseException:  # noqa: BLE001 - reported by whoever started it
                pass

    def _save(self, report: Report, edits: int) -> bool:
        """One save of ``report`` (the session's, or a copy of it taken when ``_edits`` was
        ``edits``); the caller holds ``_save_lock``."""
        try:
            save_report(report)
        except ReportChanged as e:
            # Someone else's change is kept; this session's text went to the side copy (if
            # that could be written: otherwise it is only here, and stays "unsaved").
            self.conflict, self.read_only = e, True
            self.why_read_only = f"文件已被他人改动，已另存为 {e.side_copy.name}" if e.side_copy else "文件已被他人改动，未保存"
            if e.side_copy is not None:
                self._saved(edits)
            raise
        except CannotWrite as e:
            self.save_error = e.reason
            raise
        except ReportFrozen as e:
            # submitted or approved meanwhile (another terminal, the office): the text stays
            # here, unsaved, and is written to a rescue copy on leaving
            self.read_only, self.why_read_only = True, str(e).split(": ", 1)[-1]
            raise
        except NianbaoError as e:  # the journal: the status line says it too
            self.save_error = str(e)
            raise
        self.save_error = ""
        self._saved(edits)
        self.last_saved = self.clock()
        try:
            self.file_bytes = report.path.stat().st_size if report.path else self.file_bytes
        except OSError:
            pass
        return True

    def _saved(self, edits: int) -> None:
        """Clean again, unless something was typed after the saved copy was taken."""
        with self._dirty_lock:
            if self._edits == edits:
                self._dirty = False
