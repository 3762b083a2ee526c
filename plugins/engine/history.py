"""Last year's report: finding it, giving sections a read-only view of it, and carrying its
figures into next year's report (``nianbao new --from``).

Cross-year rules (历年累计 OR6, 上年结转 N3-6, 现行有效 N2-2, 同比突变 and 与上年重复 V-XYEAR /
V-DUP) compare a report with the same unit's report for the year before. That report is

1. the file named by ``[report] previous`` (a path relative to the report's folder), if set;
2. else a ``*.toml`` file in the same folder whose ``[report]`` has the same ``unit`` and
   ``year`` − 1 (the first by file name if there are several).

The folder scan is cheap: each candidate's ``[report]`` table is read on its own (the whole
file is parsed only when that fails) and remembered by file size and modification time, so
the TUI can re-check a report on every edit. Unreadable, damaged or foreign ``*.toml`` files
are skipped silently. A report without a path (built in memory) has no previous report.

:func:`view_with_previous` is what :func:`plugins.engine.checks.check_report` and
:meth:`plugins.engine.render.Renderer.render` use: the report's :class:`~plugins.engine.report.ReportView`
with ``previous`` set to a view of last year's report (or ``None``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..host import guard
from .errors import NianbaoError
from .report import META, Report, ReportView
from .store import load_report
from .tomlread import READING_ERRORS, loads as toml_loads

__all__ = ["PREVIOUS_KEY", "NOT_CARRIED", "Carried", "Lookup", "attach_previous", "carry_forward", "find_previous", "load_previous",
           "lookup_previous", "read_header", "scan_folder", "view_with_previous"]

#: The ``[report]`` key naming last year's file explicitly (relative to the report's folder).
PREVIOUS_KEY = "previous"

#: Files larger than this are not report files; the scan does not read them.
MAX_SCAN_BYTES = 4 * 1024 * 1024

_REPORT_TABLE = re.compile(r"^\[\s*" + META + r"\s*\][ \t]*(?:#[^\n]*)?\n(.*?)(?=^\s*\[|\Z)", re.S | re.M)

# path -> ((size, mtime_ns), header or None); path -> ((size, mtime_ns), report data)
_headers: dict[str, tuple[tuple[int, int], dict[str, Any] | None]] = {}
_reports: dict[str, tuple[tuple[int, int], dict]] = {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def read_header(path: Path) -> dict[str, Any] | None:
    """The ``[report]`` table of a TOML file, or ``None`` if the file cannot be read or has
    none. Cached by size and modification time."""
    key = str(path)
    stamp = _stamp(path)
    if stamp is None:
        _headers.pop(key, None)
        return None
    cached = _headers.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    header: dict[str, Any] | None = None
    if stamp[0] <= MAX_SCAN_BYTES:
        try:
            text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        except (OSError, UnicodeDecodeError):
            text = None
        if text is not None:
            m = _REPORT_TABLE.search(text)
            try:
                header = toml_loads(m.group(1)) if m else None
            except READING_ERRORS:
                header = None
            if header is None:  # e.g. a multi-line string holding a "[" line, or dotted keys
                try:
                    doc = toml_loads(text)
                except READING_ERRORS:
                    doc = {}
                header = doc.get(META) if isinstance(doc.get(META), dict) else None
    _headers[key] = (stamp, header)
    return header


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte typed into [report] previous
        return False


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unit(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def scan_folder(folder: Path, unit: str, year: int, exclude: Path | None = None) -> Path | None:
    """The first ``*.toml`` in ``folder`` (by name) whose ``[report]`` has ``unit`` and ``year``."""
    try:
        names = sorted(p for p in folder.iterdir() if p.suffix == ".toml" and not p.name.startswith("."))
    except OSError:
        return None
    skip = exclude.resolve() if exclude is not None else None
    for path in names:
        if skip is not None and path.resolve() == skip:
            continue
        header = read_header(path)
        if header is not None and _unit(header.get("unit")) == unit and _int(header.get("year")) == year:
            return path
    return None


@dataclass
class Lookup:
    """Where last year's report is (``path``), and what is wrong with an explicit
    ``[report] previous`` (``problem``, a message for the operator, or ``""``)."""

    path: Path | None = None
    problem: str = ""
    explicit: bool = False  # named by [report] previous (else found by the folder scan)


def lookup_previous(report: Report | ReportView) -> Lookup:
    """Find last year's file for ``report`` (see the module docstring)."""
    if report.path is None:
        return Lookup()
    here = Path(report.path)
    folder = here.parent
    meta = report.meta
    year = _int(meta.get("year"))
    explicit = meta.get(PREVIOUS_KEY)
    problem = ""
    if isinstance(explicit, str) and explicit.strip():
        target = folder / explicit.strip()
        exists = _is_file(target)
        from ..importers import is_document

        if exists and is_document(target):  # last year's published document: imported when loaded
            return Lookup(target, explicit=True)
        header = read_header(target) if exists else None
        if not exists:
            problem = f"上年报告文件 {explicit} 不存在（[report] previous，相对于本报告所在的文件夹）"
        elif header is None:
            problem = f"上年报告文件 {explicit} 无法读取，或不是报告文件"
        elif year is not None and _int(header.get("year")) != year - 1:
            problem = f"上年报告文件 {explicit} 是{header.get('year')}年度的报告，不是{year - 1}年度的"
        else:
            return Lookup(target, explicit=True)
    elif explicit is not None and not isinstance(explicit, str):
        problem = "[report] previous 应为文件路径（文字）"
    unit = _unit(meta.get("unit"))
    if unit is None or year is None:
        return Lookup(None, problem)
    found = scan_folder(folder, unit, year - 1, exclude=here)
    if found is not None and problem:
        problem += f"；改用同一文件夹中的 {found.name}"
    return Lookup(found, problem)


def find_previous(report: Report | ReportView) -> Path | None:
    """The path of last year's report, or ``None``."""
    return lookup_previous(report).path


def load_previous(path: Path, host: Any = None) -> Report | None:
    """Last year's report, read once per file version; ``None`` if it cannot be read. With
    ``host``, last year's published document (``previous = "2024.docx"``, written by
    ``nianbao new --from 2024.docx``) is imported in memory."""
    key = str(path)
    stamp = _stamp(path)
    if stamp is None:
        return None
    cached = _reports.get(key)
    if cached is None or cached[0] != stamp:
        try:
            if host is not None:
                from ..importers import load_any

                data = load_any(host, path).data
            else:
                data = load_report(path).data
        except NianbaoError:
            return None
        cached = (stamp, data)
        _reports[key] = cached
    # a view freezes a copy, so sharing the cached data between views is safe
    return Report(cached[1], path)


def view_with_previous(host: Any, report: Report) -> tuple[ReportView, Lookup]:
    """The report's view with ``previous`` set (``None`` when there is no last year's report),
    and the lookup (its ``problem`` goes into the check results)."""
    view = report.view(host.sections)
    return view, attach_previous(host, view)


def attach_previous(host: Any, view: ReportView) -> Lookup:
    """Set ``view.previous`` to last year's report (``None`` when there is none) and return
    the lookup. Reads only the frozen view and files, so it may run in another thread (the
    interface's check: the folder scan is no work for the keystroke), before the view is used."""
    lookup = lookup_previous(view)
    previous = None
    if lookup.path is not None:
        last = load_previous(lookup.path, host)
        if last is not None:
            previous = last.view(host.sections)
        elif lookup.explicit:
            lookup = Lookup(None, f"上年报告文件 {view.meta.get(PREVIOUS_KEY)} 无法读取（nianbao check 该文件查看原因）")
        else:  # found by the scan: an unreadable file is ignored, like any other
            lookup = Lookup(None, lookup.problem)
    view.previous = previous
    return lookup


# -- nianbao new --from: what carries over into next year's report --------------------------

#: Metadata that belongs to one year's document and is never carried into the next.
NOT_CARRIED = ("year", "format", "doc_number", "signed", "published", PREVIOUS_KEY)


@dataclass
class Carried:
    """What :func:`carry_forward` copied: metadata keys (with labels), one line per carried
    figure (for the operator), and problems (a section's ``carry_forward`` that failed)."""

    meta: list[tuple[str, str]]
    values: list[str]
    problems: list[str]
    previous_key: str = ""  # the [report] previous written, if the scan would not find it


def _describe(section: Any, f: Any, value: Any) -> list[str]:
    where = section.heading if f.label == section.heading else f"{section.heading} › {f.label}"
    unit = getattr(f, "unit", "") or ""
    if f.kind == "grid":
        out = []
        for row in f.rows:
            cells = (value or {}).get(row.key) or {}
            shown = [f"{c.label} {f.cell.format(cells[c.key])}{unit}" for c in f.columns if cells.get(c.key) is not None]
            if shown:
                out.append(f"{where} › {row.label.removeprefix('其中：')}：{'、'.join(shown)}")
        return out
    if f.kind == "records":
        return [f"{where}：{len(value or [])}条"]
    return [f"{where}：{f.format(value)}{unit}"]


def carry_forward(host: Any, previous: Report, report: Report, format_id: str) -> Carried:
    """Copy into the new ``report`` (of ``format_id``) what carries from last year's:

    * the metadata of the unit (every declared ``[report]`` field except the year's own:
      year, format, 文号, dates), unless ``report.meta`` already has a value for it;
    * what each section's ``carry_forward(previous)`` returns (dumped through its fields;
      keys that are not input fields, values that do not load, and sections that raise
      are skipped and reported in ``problems``).

    Prose is never carried. ``[report] previous`` is written only when the folder scan would
    not find last year's file from the new one (another folder, another unit name)."""
    from ..fields import FieldError
    from .meta import META_FIELDS

    carried = Carried([], [], [])
    prev_view = previous.view(host.sections)
    fields: dict[str, Any] = {}
    for fmt in (host.format_for(previous), host.formats.get(format_id)):
        for f in META_FIELDS + (fmt.meta_fields if fmt else ()):
            fields.setdefault(f.key, f)
    for key, f in fields.items():
        raw = previous.meta.get(key)
        if key in NOT_CARRIED or raw is None or report.meta.get(key) not in (None, ""):
            continue
        try:
            value = f.load(raw)
        except FieldError:
            continue  # last year's value was wrong: let the operator type it
        if value in (None, "", [], {}):
            continue
        report.meta[key] = f.dump(value)
        carried.meta.append((key, f.label))
    for s in host.sections_for(format_id):
        plugin = host.plugin_of(s)
        try:
            got = guard.call(s.carry_forward, prev_view)
            if got is None:
                got = {}
            if not isinstance(got, Mapping):
                raise guard.PluginError(f"应返回字典，返回了 {type(got).__name__}")
            got = guard.call(dict, got)  # (a mapping of the plugin's own runs its code)
        except guard.PluginError as exc:
            carried.problems.append(f"插件 {plugin} 的部分 {s.id} 结转上年数据时出错，已跳过：{exc}")
            continue
        for key, value in got.items():
            f = s.field(key) if isinstance(key, str) else None
            if f is None or f.kind == "computed":
                carried.problems.append(f"插件 {plugin} 的部分 {s.id} 结转了未声明的字段 {key!r}，已跳过")
                continue
            try:
                raw = f.dump(value)
                f.load(raw)
            except Exception as exc:  # noqa: BLE001
                carried.problems.append(f"插件 {plugin} 的部分 {s.id} 结转的「{f.label}」无效，已跳过：{exc}")
                continue
            report.set_value(s.id, key, raw)
            carried.values += _describe(s, f, value)
    if previous.path is not None and report.path is not None:
        found = lookup_previous(report).path
        if found is None or found.resolve() != Path(previous.path).resolve():
            rel = os.path.relpath(Path(previous.path).resolve(), Path(report.path).resolve().parent)
            report.meta[PREVIOUS_KEY] = Path(rel).as_posix()
            carried.previous_key = report.meta[PREVIOUS_KEY]
    return carried
