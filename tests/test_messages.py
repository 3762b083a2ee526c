"""Messages that must neither drown nor hide what matters (issue 12): overdue days only
for units that owe a report, unknown keys named, TOML errors in Chinese, blank columns
grouped, formats named, progress on a terminal, units in a natural order."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.county import status_lines, unit_status
from test_aggregate import county, host, isolated  # noqa: F401 - fixtures
from test_cli import builtin_host


def test_status_shows_overdue_days_only_for_units_that_owe_a_report(host, tmp_path):  # noqa: F811
    config = county(host, tmp_path)
    late = dt.date(2026, 12, 3)  # years after the 2018 reports' deadline
    rows = unit_status(config, host, today=late)
    lines = status_lines(rows, 2018, late)
    by_unit = {line.split()[0]: line for line in lines[2:]}
    for name in ("建瓯市财政局", "建瓯市民政局", "建瓯市卫健局"):  # missing, unreadable, last year's file
        assert "逾期" in by_unit[name], by_unit[name]
    for name in ("建瓯市水利局", "建瓯市教育局", "东峰镇"):  # handed in (with or without errors)
        assert "逾期" not in by_unit[name] and "还有" not in by_unit[name], by_unit[name]
    assert all(r.days_left < 0 for r in rows)  # --json still has the figure
