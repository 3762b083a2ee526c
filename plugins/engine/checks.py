"""Checking a report: field types, each section's own rules, and the rules other plugins add.

Every plugin call is guarded: a section whose ``validate`` raises (or returns something that
is not a list of issues) is reported as broken with the plugin's name and the cause, and the
other sections are still checked.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping
from typing import Any

from ..host import guard
from .errors import closest_hint
from ..fields import Field, FieldError, Grid, Records, field_path
from .history import PREVIOUS_KEY, view_with_previous
from ..host.manager import PluginHost
from .meta import META_FIELDS
from .report import META, Report, ReportView
from .prose import full_width_in_addresses, prose_problems
from ..results import Issue

MISSING_RULE = "V-REQUIRED"  # the rule of a value not filled in

__all__ = ["BlankGroup", "CheckResult", "blank_groups", "check_report", "describe_field", "field_problems", "meta_fields"]


@dataclass
class CheckResult:
    issues: list[Issue] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)  # section id -> message

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def missing(self) -> list[Issue]:
        """The errors that say only that something is not filled in yet (counted among the
        errors: a report with a blank is not ready; front ends name them apart)."""
        return [i for i in self.issues if i.rule == MISSING_RULE]

    def summary(self) -> str:
        """The counts in the words every front end uses (``nianbao check``, the TUI's
        header, the export question): ``14 个错误（其中 14 处未填），0 个警告``."""
        missing = len(self.missing)
        return (f"{len(self.errors)} 个错误" + (f"（其中 {missing} 处未填）" if missing else "")
                + f"，{len(self.warnings)} 个警告")

    def for_section(self, section_id: str) -> list[Issue]:
        return [i for i in self.issues if i.section == section_id]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


_NO_ROW: Mapping[str, Any] = {}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _scalar(section_id: str, f: Field, raw: Any, path: tuple[str | int, ...], required: bool,
            year: int | None = None) -> Issue | None:
    # ``path`` is the parts of the field's address, joined only for an issue: a national
    # report has some 200 cells, nearly all of them fine.
    try:
        value = f.load(raw)
    except FieldError as e:
        return Issue("error", section_id, field_path(*path), str(e), "V-NUMFMT" if f.kind in ("integer", "decimal") else "V-FIELD")
    if year is not None and isinstance(value, _dt.date) and getattr(f, "within_year", False) and value.year != year:
        return Issue("error", section_id, field_path(*path),
                     f"应在报告年度{year}年内（{year}年1月1日至12月31日），现在是{value.year}年{value.month}月{value.day}日", "V-FIELD")
    if (required or f.expected) and _empty(value):
        if not required:  # V-EXPECTED: the format does not demand it; a report usually has it
            return Issue("warning", section_id, field_path(*path), "未填写（格式不强制要求，一般应写明）", "V-EXPECTED")
        hint = "（没有就填 0）" if f.kind in ("integer", "decimal") else ""
        return Issue("error", section_id, field_path(*path), f"未填写{hint}", MISSING_RULE)
    return None


def field_problems(section_id: str, fields: Iterable[Field], raw: Mapping[str, Any], year: int | None = None) -> list[Issue]:
    """Type and completeness problems of every declared field, cell by cell; with the report's
    ``year``, dates declared ``within_year`` outside it."""
    out: list[Issue] = []
    for f in fields:
        if f.kind == "computed":
            continue
        value = raw.get(f.key)
        if isinstance(f, Records):
            if value is None:
                value = []
            if not isinstance(value, (list, tuple)):
                out.append(Issue("error", section_id, f.key, f"「{f.label}」应为记录列表，文件中是 {type(value).__name__}", "V-FIELD"))
                continue
            if f.required and len(value) < max(f.min_rows, 1):
                out.append(Issue("error", section_id, f.key, f"至少要有{max(f.min_rows, 1)}条", MISSING_RULE))
            if f.max_rows is not None and len(value) > f.max_rows:
                out.append(Issue("error", section_id, f.key, f"最多{f.max_rows}条", "V-FIELD"))
            for i, row in enumerate(value):
                if not isinstance(row, Mapping):
                    out.append(Issue("error", section_id, field_path(f.key, i), f"「{f.label}」第{i + 1}条应为表", "V-FIELD"))
                    continue
                for col in f.columns:
                    issue = _scalar(section_id, col, row.get(col.key), (f.key, i, col.key), col.required, year)
                    if issue:
                        out.append(issue)
        elif isinstance(f, Grid):
            if value is None:
                value = {}
            if not isinstance(value, Mapping):
                out.append(Issue("error", section_id, f.key, f"「{f.label}」应为表，文件中是 {type(value).__name__}", "V-FIELD"))
                continue
            cell_field, required = f.cell, f.required
            for r, columns in f.input_rows:
                row = value.get(r.key)
                if not isinstance(row, Mapping):
                    row = _NO_ROW
                for c in columns:
                    issue = _scalar(section_id, cell_field, row.get(c.key), (f.key, r.key, c.key), required)
                    if issue:
                        out.append(issue)
        else:
            issue = _scalar(section_id, f, value, (f.key,), f.required, year)
            if issue:
                out.append(issue)
    return out


#: Metadata that is one address or number: full-width letters or digits in it are typos.
_ADDRESS_FIELDS = ("website_url", "email", "phone", "fax", "postcode")


def meta_prose_problems(view: ReportView) -> list[Issue]:
    """V-TYPO on the front matter: full-width characters in the addresses and numbers
    (the ＠ of an e-mail is also refused by its field: V-FIELD)."""
    out: list[Issue] = []
    for key in _ADDRESS_FIELDS:
        value = view.meta.get(key)
        if isinstance(value, str) and value:
            out += full_width_in_addresses(META, key, value, whole=True)
    return out


#: Keys of ``[report]`` the host itself writes besides the metadata fields.
_HOST_META_KEYS = (PREVIOUS_KEY,)


def _unknown(section_id: str, path: str, key: str, known: Mapping[str, str], what: str = "字段") -> Issue:
    return Issue("warning", section_id, path, f"未知{what} {key}{closest_hint(key, known)}"
                 "（文件中保留，但不会被读取：键名写错了吗？）", "V-UNKNOWN")


def _unknown_in_field(section_id: str, f: Field, raw: Any) -> list[Issue]:
    """Row, column and record keys inside a table or list of records that it does not have."""
    out: list[Issue] = []
    if isinstance(f, Grid) and isinstance(raw, Mapping):
        rows = {r.key: r.label for r in f.rows}
        columns = {c.key: c.label for c in f.columns}
        computed = {r.key for r in f.rows if r.sum_of} | {c.key for c in f.columns if c.sum_of}
        for rk, row in raw.items():
            if rk not in rows:
                out.append(_unknown(section_id, field_path(f.key, rk), rk, rows, "行"))
            elif rk in computed:
                out.append(Issue("warning", section_id, field_path(f.key, rk), f"「{rows[rk]}」是自动计算的，文件中的值不会被读取", "V-UNKNOWN"))
            elif isinstance(row, Mapping):
                for ck in row:
                    if ck not in columns:
                        out.append(_unknown(section_id, field_path(f.key, rk, ck), ck, columns, "列"))
                    elif ck in computed:
                        out.append(Issue("warning", section_id, field_path(f.key, rk, ck),
                                         f"「{columns[ck]}」列是自动计算的，文件中的值不会被读取", "V-UNKNOWN"))
    elif isinstance(f, Records) and isinstance(raw, (list, tuple)):
        columns = {c.key: c.label for c in f.columns}
        for i, row in enumerate(raw):
            if isinstance(row, Mapping):
                for ck in row:
                    if ck not in columns:
                        out.append(_unknown(section_id, field_path(f.key, i, ck), ck, columns))
    return out


def _builtin(host: PluginHost, obj: Any) -> bool:
    record = host.records.get(host.plugin_of(obj))
    return record is not None and record.source == "builtin"


def unknown_keys(host: PluginHost, view: ReportView, meta: Iterable[Field], sections: Iterable[Any]) -> list[Issue]:
    """V-UNKNOWN: keys nianbao does not know inside its own tables — ``[report]``, each
    section of the report's format (and the rows, columns and records inside them), and
    tables under the sections' namespaces (``[nat.problem]`` for ``[nat.problems]``) — each
    named with the closest known key. Other tables (a plugin's own) are not looked at; all
    of them are kept on save."""
    out: list[Issue] = []
    known_meta = {f.key: f.label for f in meta}
    for key in _HOST_META_KEYS:
        known_meta.setdefault(key, "")
    for key in view.meta:
        if key not in known_meta:
            out.append(_unknown(META, key, key, known_meta))
    # nianbao's own sections only: a county's plugin may keep what it likes in its tables.
    sections = tuple(s for s in sections if _builtin(host, s))
    for s in sections:
        raw = view.section(s.id)
        fields = {f.key: f for f in s.fields if f.kind != "computed"}
        labels = {f.key: f.label for f in s.fields}
        for key, value in raw.items():
            f = fields.get(key)
            if f is None:
                out.append(_unknown(s.id, key, key, labels))
            else:
                out += _unknown_in_field(s.id, f, value)
    # Tables under the namespaces of the format's sections (nat., fj.) that are no section.
    ids = {s.id: s.heading for s in host.sections.values()}
    # a section replaced by a county's or switched off in config.toml keeps its table
    ids.update({s.replaces: "" for s in host.sections.values() if s.replaces})
    ids.update({sid: "" for sid in host.config.disabled_sections})
    own = {s.id: s.heading for s in sections}
    for prefix in sorted({s.id.split(".")[0] for s in sections if "." in s.id}):
        table = view.raw.get(prefix)
        if not isinstance(table, Mapping):
            continue
        for key in table:
            full = f"{prefix}.{key}"
            if full not in ids and not any(i.startswith(full + ".") for i in ids):
                out.append(_unknown(META, f"[{full}]", f"[{full}]", {f"[{k}]": v for k, v in own.items()}, "的表"))
    return out


def meta_fields(host: PluginHost, report: Report | ReportView) -> tuple[Field, ...]:
    fmt = host.format_for(report)
    return META_FIELDS + (fmt.meta_fields if fmt else ())


def _as_issues(returned: Any, callee: str) -> list[Issue]:
    """What ``validate()`` or a check's ``run()`` returned, as a list of issues. Anything
    else is a :class:`~plugins.host.guard.PluginError` saying what came back and what is expected
    (``list(None)`` would only say ``TypeError: 'NoneType' object is not iterable``, and a
    string would be taken apart into characters). Called inside the guarded call: iterating
    a generator runs the plugin's code."""
    expected = "应返回 Issue 的列表（没有问题时返回 []），每个问题用 error() 或 warning() 生成"
    if returned is None:
        raise guard.PluginError(f"{callee} 返回了 None：{expected}")
    if isinstance(returned, (str, bytes)):
        shown = repr(returned) if len(returned) <= 40 else repr(returned[:40]) + "…"
        raise guard.PluginError(f"{callee} 返回了文字 {shown}：{expected}")
    if isinstance(returned, Issue):
        raise guard.PluginError(f"{callee} 返回了一个 Issue 而不是列表：写 return [error(…)]")
    if isinstance(returned, Mapping) or not isinstance(returned, Iterable):
        raise guard.PluginError(f"{callee} 返回了 {type(returned).__name__}：{expected}")
    issues = list(returned)
    bad = [i for i in issues if not isinstance(i, Issue)]
    if bad:
        raise guard.PluginError(f"{callee} 返回的列表中有不是 Issue 的对象 {bad[0]!r}：{expected}")
    return issues


def _guarded(host: PluginHost, result: CheckResult, section_id: str, who: Any, what: str, run,
             callee: str = "validate()") -> None:
    plugin = host.plugin_of(who)
    try:
        issues = guard.call(lambda: _as_issues(run(), callee))
    except guard.PluginError as exc:
        message = f"插件 {plugin} 在{what}时出错：{exc}"
        result.broken.setdefault(section_id, message)
        result.issues.append(Issue("error", section_id, None, message, "PLUGIN", plugin))
        if host.config.raw.get("debug") and exc.detail:
            import sys

            sys.stderr.write(exc.detail)
        return
    for i in issues:
        result.issues.append(Issue(i.severity, i.section or section_id, i.field, i.message, i.rule, i.plugin or plugin))


def check_report(host: PluginHost, report: Report | ReportView, view: ReportView | None = None,
                 previous_problem: str = "") -> CheckResult:
    """All findings for one report, in report order (metadata first, then each section).

    Without ``view``, the view has ``previous`` set to last year's report when one is found
    (:mod:`plugins.engine.history`), so the sections' cross-year rules run. With a view, ``report``
    may be that view (nothing then reads the live report: a check in another thread while
    the operator types), and ``previous_problem`` is what finding last year's report gave."""
    result = CheckResult()
    problem = previous_problem
    if isinstance(report, ReportView):  # a view carries its previous (or none) already
        view = view or report
    elif view is None:
        view, lookup = view_with_previous(host, report)
        problem = lookup.problem
    fmt = host.format_for(report)
    result.issues += field_problems(META, meta_fields(host, report), view.meta, view.year)
    if problem:
        result.issues.append(Issue("warning", META, PREVIOUS_KEY, problem, "V-XYEAR"))
    if fmt is None:
        declared = report.format or host.config.format
        known = "、".join(sorted(host.formats)) or "无"
        msg = (f"报告格式 {declared} 未知（已加载的格式：{known}）" if declared
               else f"无法确定报告格式：请填写年度或格式（已加载的格式：{known}）")
        result.issues.append(Issue("error", META, "format", msg, "V-TEMPLATE"))
        return result
    if view.year is not None and not fmt.covers(view.year):
        span = f"{fmt.first_year}–{fmt.last_year or ''}"
        better = host.default_format(view.year)
        hint = (f"，{view.year}年应使用 {better.id}（{better.name}）" if better
                else f"；已加载的格式中没有适用于{view.year}年度的，按本格式检查的结果仅供参考")
        result.issues.append(Issue("error", META, "format", f"格式 {fmt.id} 适用于{span}年度的报告{hint}", "V-TEMPLATE"))
    sections = host.sections_for(fmt.id)
    for check in host.checks:
        if check.section == META:
            _guarded(host, result, META, check, f"检查「{check.id}」", lambda c=check: c.run(view), "run()")
    result.issues += meta_prose_problems(view)
    result.issues += unknown_keys(host, view, meta_fields(host, report), sections)
    for s in sections:
        result.issues += field_problems(s.id, s.fields, view.section(s.id), view.year)
        _guarded(host, result, s.id, s, "检查本部分", lambda s=s: s.validate(view))
        result.issues += prose_problems(s.id, s.fields, view.values(s.id))
        for check in host.checks:
            if check.section == s.id:
                _guarded(host, result, s.id, check, f"检查「{check.id}」", lambda c=check: c.run(view), "run()")
    return result


def describe_field(fields: Iterable[Field], path: str | None) -> str:
    """A field address in words: ``items[2].title`` -> ``工作要点 第3条 小标题``."""
    if not path:
        return ""
    import re

    m = re.match(r"([A-Za-z0-9_]+)(.*)$", path)
    if not m:
        return path
    key, rest = m.groups()
    f = next((x for x in fields if x.key == key), None)
    if f is None:
        return path
    words = [f.label]
    if isinstance(f, Records):
        rm = re.match(r"\[(\d+)\](?:\.(\w+))?", rest)
        if rm:
            words.append(f"第{int(rm.group(1)) + 1}条")
            col = next((c for c in f.columns if c.key == rm.group(2)), None)
            if col is not None:
                words.append(col.label)
    elif isinstance(f, Grid):
        parts = rest.strip(".").split(".")
        row = next((r for r in f.rows if r.key == parts[0]), None) if parts and parts[0] else None
        grid_col = next((c for c in f.columns if len(parts) > 1 and c.key == parts[1]), None)
        if row is not None:
            words.append(row.label.removeprefix("其中："))
        if grid_col is not None:
            words.append(grid_col.label)
    return " · ".join(words)


@dataclass
class BlankGroup:
    """Blank cells of one table that belong together — a whole column, a whole row, or the
    whole table — said once instead of cell by cell. ``indices`` are the positions of their
    V-REQUIRED issues in ``CheckResult.issues``."""

    section: str
    field: str  # the table's key
    kind: str  # "column", "row" or "table"
    label: str  # the column's or row's label ("" for the table)
    indices: list[int]

    @property
    def message(self) -> str:
        where = {"column": "整列", "row": "整行", "table": "整表"}[self.kind]
        return f"{where}{len(self.indices)}格未填（没有就填0）"

    def as_dict(self) -> dict:
        return {"section": self.section, "field": self.field, "kind": self.kind, "label": self.label,
                "cells": len(self.indices), "message": self.message}


def blank_groups(host: PluginHost, result: CheckResult) -> list[BlankGroup]:
    """The blank cells of each table (V-REQUIRED) grouped: a table with every typed cell
    blank is one group; otherwise each column whose typed cells are all blank, then each row
    whose remaining cells are all blank (two cells or more). One blank column of table 三 is
    one line, not 25."""
    by_grid: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
    for n, issue in enumerate(result.issues):
        if issue.rule != MISSING_RULE or not issue.field or issue.field.count(".") != 2:
            continue
        key, row, col = issue.field.split(".")
        by_grid.setdefault((issue.section, key), {})[row, col] = n
    groups: list[BlankGroup] = []
    for (sid, key), blank in by_grid.items():
        section = host.section(sid)
        grid = section.field(key) if section is not None else None
        if not isinstance(grid, Grid):
            continue
        cells = [(r.key, c.key) for r, c in grid.input_cells()]
        if len(blank) < 2:
            continue
        if all(cell in blank for cell in cells):
            groups.append(BlankGroup(sid, key, "table", "", [blank[c] for c in cells]))
            continue
        taken: set[tuple[str, str]] = set()
        columns = [c for c in grid.columns if not c.sum_of]
        rows = [r for r in grid.rows if not r.sum_of]
        for c in columns:
            mine = [(r.key, c.key) for r in rows]
            if len(mine) >= 2 and all(cell in blank for cell in mine):
                groups.append(BlankGroup(sid, key, "column", c.label, [blank[x] for x in mine]))
                taken.update(mine)
        for r in rows:
            mine = [(r.key, c.key) for c in columns if (r.key, c.key) not in taken]
            if len(mine) >= 2 and all(cell in blank for cell in mine):
                groups.append(BlankGroup(sid, key, "row", r.label, [blank[x] for x in mine]))
    return groups
