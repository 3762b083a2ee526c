"""Adding up the units' reports into one county-level report (``nianbao aggregate``).

A county office collects one report file from each of its units (乡镇、街道、部门) and adds
their tables up. This module does that generically, from the field declarations of the
report's format — it never names a section, so a county's own section plugins are added up
like the built-in ones. How each kind of field is treated:

=====================================  ==================================================
declaration                            in the county report
=====================================  ==================================================
``Integer``/``Decimal`` with a ``unit`` a quantity (件, 条, 万元): the sum over the units
``Grid`` of ``Integer``/``Decimal``     every input cell summed; 合计 rows and columns are
                                       never stored, so they recompute from the sums
``Records`` whose columns are labels    one record per distinct label (the label columns,
(``Line``/``Choice``) and quantities   compared without blanks); its quantities summed.
                                       A category breakdown that adds up to each unit's
                                       total therefore adds up to the county's total
``Records`` with prose (``Text``)       not added up: gathered into the reference file
``Integer``/``Decimal`` without unit,   a setting (占比保留小数位): kept when every unit that
``Choice``                             gave one gave the same value, else left empty
``Line``, ``Text``                     left for the county office to write; each unit's
                                       text is gathered into ``OUT.reference.md``
``Date``, ``Computed``                 not stored (computed fields recompute)
=====================================  ==================================================

The county report's metadata is new: its unit (``--unit``, else ``[site] unit``), level
``government``, region, year, format and 汇总范围 (how many units of each level); a format's
own metadata (``ReportFormat.meta_fields``, e.g. 行政层级) is kept when the units agree.

Files are streamed: each is loaded, checked, reduced to its figures and dropped, so memory
does not grow with the number of files (only a short note per file with a problem, and the
set of unit names for spotting duplicates, are kept). The units' prose goes straight to
temporary files, one per section, joined into the reference file at the end. With
``jobs > 1`` the files are read in worker processes (``fork``), results consumed in order.

A file is refused (not added) when it cannot be read, is of another format or year than the
county report, or comes from a unit already added (the first file in name order counts).
Files with check errors are added — the totals are what the units handed in — and listed,
so the office can have them corrected and run the command again.

Running again over the same output keeps everything the office wrote there (metadata,
prose, settings) and replaces only the added-up figures; the previous file is kept as
``OUT.bak``.
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import os
import re
import shutil
import tempfile
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from ..host import guard
from ..engine.checks import check_report, describe_field, meta_fields
from ..engine.config import UNIT_LEVELS, Config
from ..engine.errors import InputFileError, NianbaoError
from ..fields import Field, FieldError, Grid, Records, clean_text
from ..host.manager import PluginHost
from ..engine.report import META, Report
from ..importers import FOLDER_SUFFIXES, load_any
from ..engine.store import ReportLock, load_report, save_report, write_atomic

__all__ = [
    "AggregateError",
    "AggregateResult",
    "FileNote",
    "UnitFigures",
    "aggregate",
    "collect_files",
    "field_role",
    "read_unit",
    "reference_path",
]

_NUMBER_KINDS = ("integer", "decimal")
_LABEL_KINDS = ("line", "choice")
#: Unit files read per task by a worker process, and tasks kept in flight per worker.
_CHUNK = 16
_IN_FLIGHT = 4
#: Below this many files the work is done in this process (forking costs more than it saves).
PARALLEL_FROM = 64


class AggregateError(NianbaoError):
    """The aggregation cannot be done at all (no file to add, an output of another year)."""


# -- how a declaration is added up -------------------------------------------------------------
def field_role(f: Field) -> str:
    """``"sum"``, ``"grid"``, ``"records"`` (summed per label), ``"setting"``, ``"prose"``
    (gathered, left for the office) or ``"skip"`` — see the module's table."""
    if f.kind == "computed":
        return "skip"
    if isinstance(f, Grid):
        return "grid" if f.cell.kind in _NUMBER_KINDS else "skip"
    if isinstance(f, Records):
        quantities = [c for c in f.columns if c.kind in _NUMBER_KINDS and c.unit]
        labels_only = all(c in quantities or c.kind in _LABEL_KINDS for c in f.columns)
        return "records" if quantities and labels_only else "prose"
    if f.kind in _NUMBER_KINDS:
        return "sum" if f.unit else "setting"
    if f.kind == "choice":
        return "setting"
    if f.kind in ("line", "text"):
        return "prose"
    return "skip"


@dataclass(frozen=True)
class _Op:
    section: str
    field: Field
    role: str
    rows: tuple[tuple[str, tuple[str, ...]], ...] = ()  # grid input cells: (row, (col, …))
    labels: tuple[Field, ...] = ()  # records: label columns
    figures: tuple[Field, ...] = ()  # records: quantity columns


_PLANS: dict[tuple[int, str], tuple[_Op, ...]] = {}


def _plan(host: PluginHost, format_id: str) -> tuple[_Op, ...]:
    key = (id(host), format_id)
    if key not in _PLANS:
        ops = []
        fmt = host.formats.get(format_id)
        for f in fmt.meta_fields if fmt is not None else ():
            # a format's own metadata (行政层级): kept when the units agree, like a setting
            if field_role(f) == "setting":
                ops.append(_Op(META, f, "setting"))
        for s in host.sections_for(format_id):
            for f in s.fields:
                role = field_role(f)
                if role == "grid" and isinstance(f, Grid):
                    ops.append(_Op(s.id, f, role, rows=tuple((r.key, tuple(c.key for c in cols)) for r, cols in f.input_rows)))
                elif role == "records" and isinstance(f, Records):
                    figures = tuple(c for c in f.columns if c.kind in _NUMBER_KINDS)
                    ops.append(_Op(s.id, f, role, labels=tuple(c for c in f.columns if c not in figures), figures=figures))
                elif role != "skip":
                    ops.append(_Op(s.id, f, role))
        _PLANS[key] = tuple(ops)
    return _PLANS[key]


def _load(f: Field, raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return f.load(raw)
    except FieldError:
        return None  # the check reports it; the cell simply does not count


def _norm(value: Any) -> str:
    return re.sub(r"\s+", "", clean_text(str(value))) if value is not None else ""


# -- one unit's file, reduced to what is added up ---------------------------------------------
@dataclass
class UnitFigures:
    """What one unit's file contributes (small: made in a worker, sent back, dropped)."""

    path: str
    problem: str = ""  # why the file cannot be read at all
    unit: str = ""
    level: str = ""
    year: int | None = None
    format: str | None = None
    errors: int = 0
    warnings: int = 0
    first_errors: list[str] = field(default_factory=list)
    error_kinds: list[str] = field(default_factory=list)  # its distinct errors, described (see COMMON_KINDS)
    sums: dict[tuple, Any] = field(default_factory=dict)  # (section, key[, row, col]) -> number
    settings: dict[tuple, Any] = field(default_factory=dict)  # (section, key) -> dumped value
    records: dict[tuple, list] = field(default_factory=dict)  # (section, key) -> [(labels, shown, {col: n})]
    prose: list[tuple[str, str, str]] = field(default_factory=list)  # (section, label, text)
    reference: dict[str, bytes] | None = None  # the prose as reference text (UTF-8), per section (workers)


def read_unit(host: PluginHost, path: str | os.PathLike, check: bool = True) -> UnitFigures:
    """Load one unit's report, check it (``check``) and reduce it to its figures and prose."""
    out = UnitFigures(str(path))
    try:
        report = load_any(host, path)  # a unit's Word file or web page is imported in memory
    except NianbaoError as e:
        out.problem = _where(e) if isinstance(e, InputFileError) else str(e)
        return out
    meta = report.meta
    unit = meta.get("unit")
    out.unit = clean_text(unit).strip() if isinstance(unit, str) else ""
    level = meta.get("unit_level")
    out.level = level if isinstance(level, str) else ""
    out.year = report.year
    fmt = host.format_for(report)
    out.format = fmt.id if fmt is not None else report.format
    if check:
        # Each report is checked on its own: with the view given, check_report does not look
        # around the report's folder for other years' reports (done for every file of a
        # folder of N files, that costs N²; `nianbao check FILE` does it).
        result = check_report(host, report, host.view(report))
        out.errors, out.warnings = len(result.errors), len(result.warnings)
        out.first_errors = [describe_issue(host, report, i) for i in result.errors[:3]]
        out.error_kinds = error_kinds(host, report, result.errors)
    if fmt is None:
        return out
    try:
        guard.call(_extract, host, report, fmt.id, out)
    except guard.PluginError as exc:  # a plugin's declaration may misbehave; one file must not stop the run
        out.problem = f"无法读出数字：{exc}"
    return out


def _where(e: InputFileError) -> str:
    """The message without the file name (it is printed beside it), with line and column."""
    if e.line is None:
        return e.message
    return f"第{e.line}行" + (f"第{e.column}列" if e.column is not None else "") + "：" + e.message


#: How many distinct errors of a unit are kept to find the errors many units share.
COMMON_KINDS = 20
#: From how many units with errors a list of units begins with the errors they share, and
#: how many of those are shown (``aggregate``, ``status``).
COMMON_SUMMARY_FROM = 5
COMMON_SHOWN = 10


def error_kinds(host: PluginHost, report: Report, errors) -> list[str]:
    """A unit's distinct errors, described (the first COMMON_KINDS)."""
    return list(dict.fromkeys(describe_issue(host, report, i) for i in errors))[:COMMON_KINDS]


def shared_errors(kinds_per_unit: Iterable[Iterable[str]], least: int = 2) -> list[tuple[int, str]]:
    """The errors several units share, most units first: ``[(300, "文档信息 › 成文日期：未填写")]``
    (each unit counted once per error; an error said with a unit's own figures is its own)."""
    counts = Counter(kind for kinds in kinds_per_unit for kind in dict.fromkeys(kinds))
    return sorted(((n, kind) for kind, n in counts.items() if n >= least), key=lambda x: (-x[0], x[1]))


def describe_issue(host: PluginHost, report: Report, issue) -> str:
    """``文档信息 › 成文日期：未填写``: an issue said with its section heading and field label."""
    if issue.section == META:
        heading, fields = "文档信息", meta_fields(host, report)
    else:
        s = host.section(issue.section)
        heading, fields = (s.heading, s.fields) if s is not None else (issue.section, ())
    where = describe_field(fields, issue.field)
    return f"{heading}{' › ' + where if where else ''}：{issue.message}"


def _extract(host: PluginHost, report: Report, format_id: str, out: UnitFigures) -> None:
    for op in _plan(host, format_id):
        table = report.section_data(op.section)
        f = op.field
        value = table.get(f.key)
        if value is None:
            continue
        if op.role == "grid":
            if not isinstance(value, dict):
                continue
            cell, sums = f.cell, out.sums  # type: ignore[attr-defined]
            for r, cols in op.rows:
                row = value.get(r)
                if isinstance(row, dict):
                    for c in cols:
                        n = _load(cell, row.get(c))
                        if n is not None:
                            sums[(op.section, f.key, r, c)] = n
        elif op.role == "records":
            if not isinstance(value, list):
                continue
            rows = []
            for item in value:
                if not isinstance(item, dict):
                    continue
                shown = tuple(_load(c, item.get(c.key)) for c in op.labels)
                figures = {c.key: n for c in op.figures if (n := _load(c, item.get(c.key))) is not None}
                if any(x is not None for x in shown) or figures:
                    rows.append((tuple(_norm(x) for x in shown), shown, figures))
            if rows:
                out.records[(op.section, f.key)] = rows
        elif op.role == "sum":
            n = _load(f, value)
            if n is not None:
                out.sums[(op.section, f.key)] = n
        elif op.role == "setting":
            v = _load(f, value)
            if v is not None:
                out.settings[(op.section, f.key)] = f.dump(v)
        elif op.role == "prose":
            if isinstance(f, Records):
                if isinstance(value, list):
                    for i, item in enumerate(value, start=1):
                        if isinstance(item, dict):
                            parts = [(c.label, _load(c, item.get(c.key))) for c in f.columns]
                            text = "\n".join(f"{label}：{v}" if c.kind != "text" else str(v)
                                             for c, (label, v) in zip(f.columns, parts) if v not in (None, ""))
                            if text:
                                out.prose.append((op.section, f"{f.label} 第{i}条", text))
            else:
                text = _load(f, value)
                if text:
                    out.prose.append((op.section, f.label, str(text)))


# -- the running totals -----------------------------------------------------------------------
class _Totals:
    def __init__(self, plan: tuple[_Op, ...]):
        self.plan = plan
        self.sums: dict[tuple, Any] = {}
        self.settings: dict[tuple, Any] = {}
        self.conflicts: set[tuple] = set()
        self.records: dict[tuple, dict[tuple, tuple[tuple, dict]]] = {}

    def add(self, uf: UnitFigures) -> None:
        sums = self.sums
        for k, n in uf.sums.items():
            sums[k] = sums.get(k, 0) + n
        for k, v in uf.settings.items():
            if k in self.conflicts:
                continue
            if k not in self.settings:
                self.settings[k] = v
            elif self.settings[k] != v:
                del self.settings[k]
                self.conflicts.add(k)
        for k, rows in uf.records.items():
            acc = self.records.setdefault(k, {})
            for key, shown, figures in rows:
                if key not in acc:
                    acc[key] = (shown, {})
                got = acc[key][1]
                for col, n in figures.items():
                    got[col] = got.get(col, 0) + n

    def write(self, report: Report) -> None:
        """Put the totals into ``report``, replacing earlier totals and nothing else."""
        for op in self.plan:
            f, sid = op.field, op.section
            report.section_data(sid, create=True)
            if op.role == "sum":
                report.set_value(sid, f.key, f.dump(self.sums.get((sid, f.key))))
            elif op.role == "grid":
                value: dict[str, dict[str, Any]] = {}
                for r, cols in op.rows:
                    for c in cols:
                        n = self.sums.get((sid, f.key, r, c))
                        if n is not None:
                            value.setdefault(r, {})[c] = n
                report.set_value(sid, f.key, f.dump(value))
            elif op.role == "records":
                rows = []
                for shown, figures in self.records.get((sid, f.key), {}).values():
                    row = {c.key: v for c, v in zip(op.labels, shown)}
                    row.update(figures)
                    rows.append(row)
                report.set_value(sid, f.key, f.dump(rows))
            elif op.role == "setting":
                table = report.section_data(sid)
                if f.key not in table and (sid, f.key) in self.settings:
                    report.set_value(sid, f.key, self.settings[(sid, f.key)])


# -- the reference file: each unit's prose, section by section --------------------------------
def reference_path(out: str | os.PathLike) -> Path:
    """``county.toml`` -> ``county.toml.reference.md`` (never matched by ``*.toml``)."""
    out = Path(out)
    return out.with_name(out.name + ".reference.md")


class _Reference:
    """Streams the units' prose into one temporary file per section (and one for the list of
    units), joined in report order by :meth:`finish`."""

    def __init__(self, host: PluginHost, format_id: str):
        self.sections = host.sections_for(format_id)
        # binary: the text arrives encoded from the worker processes (half the pickling, and
        # this process, which also adds everything up, does not encode it again)
        self.parts = {s.id: tempfile.TemporaryFile("w+b") for s in self.sections}
        self.units = tempfile.TemporaryFile("w+b")
        self.count = 0

    def add(self, uf: UnitFigures) -> None:
        self.count += 1
        name = _md(uf.unit or "（未填单位名称）")
        level = dict(UNIT_LEVELS).get(uf.level, uf.level or "未填层级")
        self.units.write(f"| {self.count} | {name} | {_md(level)} | {_md(os.path.basename(uf.path))} | "
                         f"{uf.errors} | {uf.warnings} |\n".encode())
        for sid, text in (uf.reference if uf.reference is not None else reference_text(uf)).items():
            part = self.parts.get(sid)
            if part is not None:
                part.write(text)

    def finish(self, path: Path, title: str, summary: str) -> None:
        write_atomic(path, lambda f: self._write(f, title, summary))

    def _write(self, f: BinaryIO, title: str, summary: str) -> None:
        numerals = "一二三四五六七八九十"
        f.write(f"# {_md(title)}\n\n{summary}\n\n".encode())
        for i, s in enumerate(self.sections):
            part = self.parts[s.id]
            numeral = numerals[i] if i < len(numerals) else str(i + 1)
            f.write(f"## {numeral}、{_md(s.heading)}\n\n".encode())
            if part.tell() == 0:
                f.write("（各单位本部分没有文字。）\n\n".encode())
            part.seek(0)
            shutil.copyfileobj(part, f)
        f.write("## 附：已汇总的单位\n\n| 序号 | 单位 | 层级 | 文件 | 错误 | 警告 |\n|---|---|---|---|---|---|\n".encode())
        self.units.seek(0)
        shutil.copyfileobj(self.units, f)

    def close(self) -> None:
        for part in self.parts.values():
            part.close()
        self.units.close()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_MD_LEADING = re.compile(r"^(\s*)([-+=]|\d+\.)")


def _md(text: str) -> str:
    """One line of unit text shown literally in Markdown (no headings, tables or markup of
    its own). Values loaded through their fields have no control characters left."""
    text = str(text).replace("\n", " ")
    if _MD_SPECIAL.search(text):  # most paragraphs have nothing to escape: spare them the rewrite
        text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LEADING.sub(r"\1\\\2", text) if _MD_LEADING.match(text) else text


def reference_text(uf: UnitFigures) -> dict[str, bytes]:
    """The unit's part of the reference file, per section: a heading naming the unit and its
    file, then each field's label and paragraphs (made where the file is read)."""
    name = _md(uf.unit or "（未填单位名称）")
    flag = f"，{uf.errors}个错误" if uf.errors else ""
    heading = f"### {name}（{_md(os.path.basename(uf.path))}{flag}）\n\n"
    out: dict[str, list[str]] = {}
    for sid, label, text in uf.prose:
        lines = out.setdefault(sid, [heading])
        lines.append(f"**{_md(label)}**\n\n")
        lines += [f"{_md(para)}\n\n" for para in text.split("\n") if para.strip()]
    return {sid: "".join(lines).encode() for sid, lines in out.items()}


# -- collecting files -------------------------------------------------------------------------
def natural_key(name: str) -> tuple:
    """Sort key that reads the numbers in a name as numbers: 第2单位 before 第10单位."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name) if part)


def collect_files(inputs: Iterable[str | os.PathLike], exclude: Iterable[Path] = ()) -> tuple[list[Path], list[str]]:
    """Report files named on the command line: files as given, folders as their ``*.toml``
    and published documents (:data:`~plugins.importers.FOLDER_SUFFIXES`; not hidden ones), in natural name
    order (:func:`natural_key`); each file once. Returns the files and problems."""
    skip = {p.resolve() for p in exclude}
    files: list[Path] = []
    seen: set[Path] = set()
    problems: list[str] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted((x for x in p.iterdir() if (x.suffix == ".toml" or x.suffix.lower() in FOLDER_SUFFIXES)
                            and not x.name.startswith(".") and x.is_file()), key=lambda x: natural_key(x.name))
            if not found:
                problems.append(f"{p}: 文件夹中没有 .toml 报告文件（或 Word、网页、PDF 报告）")
        elif p.exists():
            found = [p]
        else:
            problems.append(f"{p}: 文件不存在")
            continue
        for x in found:
            key = x.resolve()
            if key in skip or key in seen:
                continue
            seen.add(key)
            files.append(x)
    return files, problems


# -- reading many files, in order, possibly in parallel ----------------------------------------
_WORKER: tuple[PluginHost, bool] | None = None


def _read_chunk(paths: list[str]) -> list[UnitFigures]:
    host, check = _WORKER  # type: ignore[misc]  # inherited through fork
    out = []
    for p in paths:
        uf = read_unit(host, p, check)
        uf.reference, uf.prose = reference_text(uf), []  # formatted here, in parallel
        out.append(uf)
    return out


def _read_all(host: PluginHost, paths: list[str], jobs: int, check: bool) -> Iterator[UnitFigures]:
    if jobs <= 1 or len(paths) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        for p in paths:
            yield read_unit(host, p, check)
        return
    global _WORKER
    _WORKER = (host, check)
    chunks = (paths[i:i + _CHUNK] for i in range(0, len(paths), _CHUNK))
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            pending: deque = deque()
            for chunk in chunks:  # at most jobs × _IN_FLIGHT chunks wait: memory stays flat
                pending.append(pool.submit(_read_chunk, chunk))
                if len(pending) >= jobs * _IN_FLIGHT:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
    finally:
        _WORKER = None


# -- the whole run ----------------------------------------------------------------------------
@dataclass
class FileNote:
    """A file the office should look at: ``kind`` is ``unreadable``, ``refused``,
    ``duplicate`` (not added) or ``errors`` (added, but its check found errors)."""

    path: str
    kind: str
    message: str
    unit: str = ""
    errors: int = 0
    warnings: int = 0
    first_errors: list[str] = field(default_factory=list)
    error_kinds: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "kind": self.kind, "message": self.message, "unit": self.unit,
                "errors": self.errors, "warnings": self.warnings, "first_errors": self.first_errors}


@dataclass
class AggregateResult:
    out: Path
    reference: Path
    format_id: str
    year: int
    summed: int = 0
    levels: Counter = field(default_factory=Counter)
    notes: list[FileNote] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # units in config.toml without a file
    unlisted: list[str] = field(default_factory=list)  # units added that config.toml does not list
    kept_existing: bool = False  # OUT existed: the office's text was kept

    def of_kind(self, *kinds: str) -> list[FileNote]:
        return [n for n in self.notes if n.kind in kinds]

    def common_errors(self, least: int = 2) -> list[tuple[int, str]]:
        """The errors several units share (:func:`shared_errors`)."""
        return shared_errors((n.error_kinds for n in self.of_kind("errors")), least)

    @property
    def exit_code(self) -> int:
        return 1 if self.notes or self.missing else 0

    def as_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "reference": str(self.reference), "format": self.format_id, "year": self.year,
                "summed": self.summed, "levels": dict(self.levels), "files": [n.as_dict() for n in self.notes],
                "missing": self.missing, "unlisted": self.unlisted, "kept_existing": self.kept_existing,
                "common_errors": [{"units": n, "error": kind} for n, kind in self.common_errors()]}


def scope_text(levels: Counter) -> str:
    """``汇总范围`` for the county report: ``18个乡镇（街道）、25个部门``."""
    words = {"township": "个乡镇（街道）", "department": "个部门", "government": "个人民政府"}
    parts = [f"{levels[k]}{w}" for k, w in words.items() if levels.get(k)]
    other = sum(n for k, n in levels.items() if k not in words)
    if other:
        parts.append(f"{other}个其他单位")
    return "本级" + "、".join(parts) if parts else ""


def aggregate(
    host: PluginHost,
    files: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    year: int | None = None,
    unit: str | None = None,
    config: Config | None = None,
    jobs: int = 1,
    check: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> AggregateResult:
    """Add up ``files`` into the county report ``out`` (and ``OUT.reference.md``).
    ``progress(done, total)`` is called after each file is read (a front end shows it).

    The target year and format are those of ``out`` if it exists, else ``year`` (its format
    as ``nianbao new`` would choose it), else those of the first readable file. Raises
    :class:`AggregateError` when nothing can be added or ``out`` does not fit, and
    :class:`~plugins.engine.errors.ReportLocked` while someone edits ``out`` (the lock is held
    from reading ``out`` to writing it)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with ReportLock(out):
        return _aggregate(host, files, out, year=year, unit=unit, config=config, jobs=jobs, check=check,
                          progress=progress)


def _aggregate(
    host: PluginHost,
    files: Iterable[str | os.PathLike],
    out: Path,
    *,
    year: int | None = None,
    unit: str | None = None,
    config: Config | None = None,
    jobs: int = 1,
    check: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> AggregateResult:
    config = config or host.config
    out = Path(out)
    # plain strings, not Path objects: the list is the one thing kept per file
    target = out.resolve()
    paths = [os.fspath(p) for p in files if Path(p).resolve() != target]
    existing: Report | None = None
    target_fmt: str | None = None
    if out.exists():
        existing = load_report(out)
        fmt = host.format_for(existing)
        if fmt is None or existing.year is None:
            raise AggregateError(f"{out}: 已存在，但不是能确定年度和格式的报告；换一个输出文件名")
        if year is not None and existing.year != year:
            raise AggregateError(f"{out}: 已存在，是{existing.year}年度的汇总，与 --year {year} 不符；换一个输出文件名")
        year, target_fmt = existing.year, fmt.id
    elif year is not None:
        fmt = host.format_for(Report({META: {"year": year}}))
        if fmt is None:
            raise AggregateError(f"没有适用于{year}年的报告格式")
        target_fmt = fmt.id

    result: AggregateResult | None = None
    totals: _Totals | None = None
    reference: _Reference | None = None
    seen: dict[str, int] = {}  # unit name -> index of its file in paths
    pending_notes: list[FileNote] = []
    try:
        for index, uf in enumerate(_read_all(host, paths, jobs, check)):
            if progress is not None:
                progress(index + 1, len(paths))
            if uf.problem:
                pending_notes.append(FileNote(uf.path, "unreadable", uf.problem, uf.unit))
                continue
            if target_fmt is None:
                if uf.year is None or uf.format is None or uf.format not in host.formats:
                    pending_notes.append(FileNote(uf.path, "refused", "无法确定报告年度或格式，未计入", uf.unit))
                    continue
                year, target_fmt = uf.year, uf.format
            if uf.year != year or uf.format != target_fmt:
                what = f"{uf.year}年度" if uf.year is not None else "未填年度"
                pending_notes.append(FileNote(
                    uf.path, "refused",
                    f"是{what}、格式 {uf.format or '未知'} 的报告，本次汇总的是{year}年度、格式 {target_fmt}"
                    "（用 --year 选择年度），未计入", uf.unit))
                continue
            if uf.unit and uf.unit in seen:
                first = paths[seen[uf.unit]]
                pending_notes.append(FileNote(
                    uf.path, "duplicate",
                    f"与 {first} 是同一单位（{uf.unit}），交了两次：只计入了 {Path(first).name}，"
                    "请删去其中一个后重新汇总", uf.unit))
                continue
            if totals is None:
                assert year is not None
                totals = _Totals(_plan(host, target_fmt))
                reference = _Reference(host, target_fmt)
                result = AggregateResult(out, reference_path(out), target_fmt, year)
            if uf.unit:
                seen[uf.unit] = index
            totals.add(uf)
            reference.add(uf)  # type: ignore[union-attr]
            result.summed += 1  # type: ignore[union-attr]
            result.levels[uf.level] += 1  # type: ignore[union-attr]
            if uf.errors:
                pending_notes.append(FileNote(uf.path, "errors", f"{uf.errors}个错误，{uf.warnings}个警告（已计入）",
                                              uf.unit, uf.errors, uf.warnings, uf.first_errors, uf.error_kinds))
        if result is None or totals is None or reference is None:
            why = "；".join(f"{Path(n.path).name}: {n.message}" for n in pending_notes[:5])
            raise AggregateError("没有可以汇总的报告文件" + (f"（{why}）" if why else ""))
        result.notes = pending_notes
        if config.units:
            listed = {u.name for u in config.units}
            result.missing = [u.name for u in config.units if u.name not in seen]
            result.unlisted = [name for name in seen if name not in listed]

        report = existing if existing is not None else _new_county_report(config, result, unit)
        result.kept_existing = existing is not None
        if unit:
            report.meta["unit"] = unit
        totals.write(report)
        save_report(report, out, backup=True)
        title = f"{report.meta.get('unit') or '本级'}{year}年政府信息公开工作年度报告 · 各单位文字材料（参考）"
        summary = (f"由 `nianbao aggregate` 于 {_dt.date.today().isoformat()} 生成：{result.summed}个单位的报告"
                   f"（{year}年度，格式 {target_fmt}）已汇总到 {_md(out.name)}。\n\n"
                   "这里逐部分、逐单位摘录各单位报告中的文字，只供撰写本级报告参考，不是报告的一部分；"
                   "本级报告的文字须另行撰写。标有“N个错误”的单位，其报告未通过检查。")
        reference.finish(result.reference, title, summary)
        return result
    finally:
        if reference is not None:
            reference.close()


def _new_county_report(config: Config, result: AggregateResult, unit: str | None) -> Report:
    meta: dict[str, Any] = {
        "unit": unit or config.unit or "",
        "unit_level": "government",
        "region": config.region,
        "year": result.year,
        "format": result.format_id,
        "scope": scope_text(result.levels),
    }
    return Report({META: {k: v for k, v in meta.items() if v}})

