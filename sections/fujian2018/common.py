"""Pieces shared by the six sections of this format."""

from __future__ import annotations

from pathlib import Path

from plugins import API_VERSION, Section
from plugins.fields import GridColumn

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
    from plugins import error

    out = []
    full = grid.full(values)
    for row in grid.rows:
        year, cum = full[row.key]["year"], full[row.key]["cumulative"]
        if year is not None and cum is not None and cum < year:
            out.append(error(section_id, f"{grid.key}.{row.key}.cumulative",
                             f"「{row.label}」历年累计{cum}{unit}小于本年度{year}{unit}：历年累计应包含本年度", "OR5"))
    return out
