"""Pieces shared by the six sections of this format."""

from __future__ import annotations

from pathlib import Path

from nianbao import API_VERSION, Section
from nianbao.fields import GridColumn

TEMPLATES = Path(__file__).parent / "templates"
FORMAT_ID = "fujian-2018"

# The two columns of the 附表: this year and the running total since records began.
YEAR_COLUMNS = (GridColumn("year", "本年度"), GridColumn("cumulative", "历年累计"))


class FujianSection(Section):
    api_version = API_VERSION
    formats = (FORMAT_ID,)
    template_folder = TEMPLATES


def cumulative_issues(section_id, grid, values, unit):
    """OR5: 历年累计 ≥ 本年度 for every row of a grid with YEAR_COLUMNS."""
    from nianbao import error

    out = []
    full = grid.full(values)
    for row in grid.rows:
        year, cum = full[row.key]["year"], full[row.key]["cumulative"]
        if year is not None and cum is not None and cum < year:
            out.append(error(section_id, f"{grid.key}.{row.key}.cumulative",
                             f"「{row.label}」历年累计{cum}{unit}小于本年度{year}{unit}：历年累计应包含本年度", "OR5"))
    return out


# -- cross-year rules (report.previous is last year's report, or None) ----------------------

def _full_grid(report, section_id, grid):
    """``grid.full`` of a section's stored table, once per report view (ReportView.memo):
    the cross-year rules read last year's tables more than once. Shared: do not modify it."""
    def compute():
        return grid.full(report.values(section_id).get(grid.key) or {})
    memo = getattr(report, "memo", None)
    return memo(("full_grid", section_id, grid.key), compute) if memo is not None else compute()


def of_this_format(view):
    """Whether a report view is of this format (declared, or by its year when undeclared)."""
    if view is None:
        return False
    return (view.format or (FORMAT_ID if view.year is not None and view.year <= 2018 else None)) == FORMAT_ID


def previous(report):
    """Last year's report if it is one of this format (else ``None``: rules stay silent)."""
    prev = getattr(report, "previous", None)
    return prev if of_this_format(prev) else None


def cross_year_cumulative(section_id, grid, values, report, unit):
    """OR6: 历年累计(Y) = 历年累计(Y−1) + 本年度(Y) for every typed row of a grid with
    YEAR_COLUMNS (computed 合计 rows follow from their parts). Error when last year's report
    is present; when 历年累计 is still empty, a warning gives the value to enter."""
    from nianbao import error, warning

    prev = previous(report)
    if prev is None:
        return []
    last = _full_grid(prev, section_id, grid)
    now = grid.full(values)
    when = f"{prev.year}年" if prev.year else "上年"
    out = []
    for row in grid.rows:
        if row.sum_of:
            continue
        year, cum, before = now[row.key]["year"], now[row.key]["cumulative"], last[row.key]["cumulative"]
        if year is None or before is None:
            continue
        want = before + year
        label = row.label.removeprefix("其中：")
        path = f"{grid.key}.{row.key}.cumulative"
        if cum is None:
            out.append(warning(section_id, path, f"「{label}」历年累计未填写：{when}历年累计{before}{unit}加本年度{year}{unit}，"
                                                 f"应填{want}{unit}", "OR6"))
        elif cum != want:
            out.append(error(section_id, path, f"「{label}」历年累计{cum}{unit}，不等于{when}报告的历年累计{before}{unit}"
                                               f"加本年度{year}{unit}（应为{want}{unit}）", "OR6"))
    return out


def cross_year_jumps(section_id, grid, values, report, rows, unit):
    """V-XYEAR 同比突变 on the 本年度 column of the given rows (totals)."""
    from nianbao import rules

    prev = previous(report)
    if prev is None:
        return []
    last = _full_grid(prev, section_id, grid)
    now = grid.full(values)
    out = []
    for key in rows:
        label = next(r.label for r in grid.rows if r.key == key).removeprefix("其中：")
        out += rules.year_on_year(section_id, f"{grid.key}.{key}.year", label, now[key]["year"], last[key]["year"],
                                  unit, prev.year)
    return out


def repeated_prose(section, report):
    """V-DUP: this section's prose against the same section of last year's report."""
    from nianbao import rules

    prev = previous(report)
    if prev is None:
        return []
    return rules.duplicate_prose(section.id, section.fields, report.values(section.id), prev.values(section.id), prev.year)
