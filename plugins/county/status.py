"""The county office's view of its units (``nianbao status``): who has handed in a readable
report, who has not, how many errors and warnings each report has, and how many days are
left before each unit's deadline — sorted by urgency.

:func:`unit_status` returns plain rows (:class:`UnitStatus`), so any front end (the command
line, a TUI screen) shows the same data; :func:`status_lines` is the command line's text.

Where a unit's report is looked for (``config.toml``):

1. ``file`` of its ``[[units]]`` entry, when given;
2. otherwise ``<[county] folder>/<name>.toml``;
3. otherwise any ``*.toml`` in ``[county] folder`` whose ``[report] unit`` is the unit's name
   (so files may be named as the units send them).

Two files found for one unit are reported (``duplicates``); the first is the one shown.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .aggregate import COMMON_SHOWN, COMMON_SUMMARY_FROM, error_kinds, shared_errors
from ..engine.checks import check_report
from ..engine.config import UNIT_LEVELS, Config
from ..engine.errors import InputFileError, NianbaoError
from ..host.manager import PluginHost
from ..engine.report import Report
from ..engine.store import load_report
from ..text import cell_width

__all__ = ["UnitStatus", "STATES", "common_errors", "locate_units", "unit_status", "status_lines", "status_year"]

#: Row states, most urgent first, with the word shown for each.
STATES = {
    "missing": "未交",
    "unreadable": "无法读取",
    "wrong_year": "年度不符",
    "errors": "有错误",
    "ok": "已交",
}


@dataclass
class UnitStatus:
    """One unit's row. ``errors``/``warnings`` are ``None`` when there is no readable file;
    ``days_left`` is negative once the deadline has passed."""

    name: str
    level: str
    state: str
    file: Path | None
    deadline: _dt.date
    days_left: int
    errors: int | None = None
    warnings: int | None = None
    message: str = ""
    duplicates: list[Path] = field(default_factory=list)
    #: review state (plugins.engine.review): "missing" (未交) or a key of REVIEW_STATES; since when
    #: (ISO time, "" when never reviewed) and the remarks not yet resolved
    review: str = "missing"
    review_since: str = ""
    open_remarks: int = 0
    #: its distinct errors, described (to find the errors many units share)
    error_kinds: list[str] = field(default_factory=list)

    @property
    def review_label(self) -> str:
        """未交 / 填报中 / 已提交 / 退回（n 条意见）/ 已通过."""
        from ..engine.journal import REVIEW_STATES

        if self.review == "missing":
            return "未交"
        if self.review == "unknown":
            return "无法读取"
        label = REVIEW_STATES[self.review]
        return f"{label}（{self.open_remarks} 条意见）" if self.review == "returned" else label

    @property
    def handed_in(self) -> bool:
        """A file is there and can be read (it may still have errors or the wrong year)."""
        return self.state in ("wrong_year", "errors", "ok")

    @property
    def owes_report(self) -> bool:
        """No usable report for the year yet (missing, unreadable, another year's): only
        then do the days left or overdue mean anything."""
        return self.state in ("missing", "unreadable", "wrong_year")

    @property
    def needs_action(self) -> bool:
        return self.state != "ok" or bool(self.duplicates)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level,
            "state": self.state,
            "state_label": STATES[self.state],
            "handed_in": self.handed_in,
            "file": str(self.file) if self.file else None,
            "errors": self.errors,
            "warnings": self.warnings,
            "deadline": self.deadline.isoformat(),
            "days_left": self.days_left,
            "message": self.message,
            "duplicates": [str(p) for p in self.duplicates],
            "review": self.review,
            "review_label": self.review_label,
            "review_since": self.review_since,
            "open_remarks": self.open_remarks,
        }


def locate_units(config: Config) -> dict[str, list[Path]]:
    """Every configured unit's report files (see the module's rules), in that order."""
    by_name: dict[str, list[Path]] = {}
    folder = config.county_folder
    if folder is not None and folder.is_dir() and any(u.file is None for u in config.units):
        for p in sorted(folder.glob("*.toml")):
            if p.name.startswith(".") or not p.is_file():
                continue
            try:
                unit = load_report(p).meta.get("unit")
            except NianbaoError:
                continue
            if isinstance(unit, str) and unit.strip():
                by_name.setdefault(unit.strip(), []).append(p)
    out: dict[str, list[Path]] = {}
    for u in config.units:
        if u.file is not None:
            out[u.name] = [u.file] if u.file.exists() else []
            continue
        found = []
        if folder is not None:
            named = folder / f"{u.name}.toml"
            if named.is_file():
                found.append(named)
        for p in by_name.get(u.name, []):
            if p not in found:
                found.append(p)
        out[u.name] = found
    return out


def status_year(config: Config, year: int | None = None, today: _dt.date | None = None) -> int:
    """The report year: ``year``, else ``[site] year``, else last year."""
    return year or config.year or ((today or _dt.date.today()).year - 1)


def unit_status(config: Config, host: PluginHost, year: int | None = None,
                today: _dt.date | None = None) -> list[UnitStatus]:
    """One row per ``[[units]]`` entry, most urgent first: units that need something done
    (missing, unreadable, wrong year, errors, a second file) before those that are done;
    within each group the nearest deadline first."""
    today = today or _dt.date.today()
    year = status_year(config, year, today)
    located = locate_units(config)
    rows = []
    for u in config.units:
        due = config.deadline(year, u.level)
        row = UnitStatus(u.name, u.level, "missing", None, due, (due - today).days)
        files = located.get(u.name, [])
        if not files:
            where = u.file if u.file is not None else (config.county_folder or Path("."))
            row.message = f"没有找到报告文件（{where}）"
            rows.append(row)
            continue
        row.file, row.duplicates = files[0], files[1:]
        _review(row, files[0])
        try:
            report = load_report(files[0])
        except InputFileError as e:
            row.state = "unreadable"
            row.message = e.message + (f"（第{e.line}行）" if e.line is not None else "")
            rows.append(row)
            continue
        result = check_report(host, report)
        row.errors, row.warnings = len(result.errors), len(result.warnings)
        row.error_kinds = error_kinds(host, report, result.errors)
        if report.year != year:
            row.state = "wrong_year"
            row.message = (f"文件是{report.year}年度的报告，应为{year}年度" if report.year is not None
                           else f"文件没有填写报告年度（应为{year}年度）")
        else:
            row.state = "errors" if row.errors else "ok"
        _name_mismatch(row, report)
        if row.duplicates:
            row.message = "；".join(x for x in (row.message, "另有文件：" + "、".join(p.name for p in row.duplicates)) if x)
        rows.append(row)
    rank = {s: i for i, s in enumerate(STATES)}
    declared = {u.name: i for i, u in enumerate(config.units)}
    # Units that owe a report first, nearest deadline first; then by state; the order of
    # [[units]] last (a unit handed in is not urgent however late it is).
    rows.sort(key=lambda r: (not r.needs_action, not r.owes_report, r.days_left if r.owes_report else 0,
                             rank[r.state], declared[r.name]))
    return rows


def _review(row: UnitStatus, file: Path) -> None:
    """The row's review state from its report's journal (填报中 when it has none)."""
    from ..engine.journal import JournalError
    from ..engine.review import read_review

    try:
        rv = read_review(file)
    except (JournalError, OSError):
        row.review = "unknown"  # the journal exists but this user may not read it
        return
    row.review, row.review_since, row.open_remarks = rv.state, rv.since, len(rv.open_remarks)


def _name_mismatch(row: UnitStatus, report: Report) -> None:
    unit = report.meta.get("unit")
    if isinstance(unit, str) and unit.strip() and unit.strip() != row.name:
        row.message = f"文件中的单位名称是“{unit.strip()}”"


# -- text for the command line ----------------------------------------------------------------
def _pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_width(text), 0)


def days_text(days: int) -> str:
    if days > 0:
        return f"还有{days}天"
    if days == 0:
        return "今天截止"
    return f"逾期{-days}天"


def common_errors(rows: list[UnitStatus]) -> list[tuple[int, str]]:
    """The errors several units share, most units first (see :func:`plugins.county.aggregate.shared_errors`)."""
    return shared_errors(r.error_kinds for r in rows)


def common_error_lines(units_with_errors: int, common: list[tuple[int, str]]) -> list[str]:
    """``最常见的错误：`` with the errors units share, when enough units have errors that a
    list of them unit by unit would drown them; else nothing."""
    if units_with_errors < COMMON_SUMMARY_FROM or not common:
        return []
    out = ["  最常见的错误："] + [f"    {n}个单位  {kind}" for n, kind in common[:COMMON_SHOWN]]
    if len(common) > COMMON_SHOWN:
        out.append(f"    ……另有{len(common) - COMMON_SHOWN}种错误出现在不止一个单位（--json 列出全部）")
    return out


#: Up to this many reports not yet approved are named in one line; more are counted by
#: review state, each state naming its first ones.
WAITING_NAMED = 10


def waiting_lines(waiting: list[dict[str, Any]]) -> list[str]:
    """The reports the office has not approved (:func:`plugins.engine.review.not_approved`), as
    ``aggregate`` prints them: each named when there are few; else counted by review state
    (已提交 first: those wait for the office), the first names of each state, the rest
    counted (``--json`` lists them all)."""
    if not waiting:
        return []
    head = f"县政府办还没有审核通过的报告（{len(waiting)}个，已计入）："
    name = lambda w: w["unit"] or Path(w["file"]).name  # noqa: E731
    if len(waiting) <= WAITING_NAMED:
        return [head + "、".join(f"{name(w)}（{w['review_label']}）" for w in waiting)]
    from ..engine.journal import REVIEW_STATES

    order = ["submitted", "returned", "drafting", "unknown"]
    by_state: dict[str, list[dict[str, Any]]] = {}
    for w in waiting:
        by_state.setdefault(w["review"], []).append(w)
    states = sorted(by_state, key=lambda s: order.index(s) if s in order else len(order))
    label = lambda s: {**REVIEW_STATES, "unknown": "审核状态无法读取"}.get(s, s)  # noqa: E731
    out = [head + "、".join(f"{label(s)} {len(by_state[s])}个" for s in states)]
    for s in states:
        ws = by_state[s]
        more = f"……等{len(ws)}个（--json 列出全部）" if len(ws) > WAITING_NAMED else ""
        out.append(f"  {label(s)}：" + "、".join(name(w) for w in ws[:WAITING_NAMED]) + more)
    return out


def status_lines(rows: list[UnitStatus], year: int, today: _dt.date) -> list[str]:
    levels = {"government": "本级政府", "department": "部门", "township": "乡镇街道"}
    handed = sum(r.handed_in for r in rows)
    errors = sum(1 for r in rows if r.state == "errors")
    approved = sum(1 for r in rows if r.review == "approved")
    out = [f"{year}年度报告 · {today.isoformat()} · 已交 {handed}/{len(rows)}，未交 {len(rows) - handed}，"
           f"有错误 {errors}，已通过 {approved}"]
    out += common_error_lines(errors, common_errors(rows))
    table = [("单位", "层级", "状态", "审核", "错误", "警告", "期限", "剩余", "说明")]
    for r in rows:
        table.append((r.name, levels.get(r.level, dict(UNIT_LEVELS).get(r.level, r.level)), STATES[r.state],
                      r.review_label + (f" {r.review_since[5:10]}" if r.review_since else ""),
                      "" if r.errors is None else str(r.errors), "" if r.warnings is None else str(r.warnings),
                      r.deadline.strftime("%m-%d"), days_text(r.days_left) if r.owes_report else "",
                      (str(r.file.name) + (f"：{r.message}" if r.message else "")) if r.file else r.message))
    widths = [max(cell_width(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    for line in table:
        out.append("  ".join(_pad(cell, w) for cell, w in zip(line, widths)) + "  " + line[-1])
    return [line.rstrip() for line in out]
