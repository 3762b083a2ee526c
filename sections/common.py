"""Rules about the document as a whole (the ``[report]`` metadata), for every format:
dates, deadlines, the format matching the year, the 文号's year. Registered through
``nianbao_register_checks`` like any county rule."""

from __future__ import annotations

import datetime as _dt
import re

from nianbao import Check, error, hookimpl, warning
from nianbao import META_FIELDS

__version__ = "1.0"

_FIELDS = {f.key: f for f in META_FIELDS}


def _meta(report, key):
    try:
        return _FIELDS[key].load(report.meta.get(key))
    except Exception:  # noqa: BLE001 - a wrongly typed value is reported by the host
        return None


def _blankless(text: str) -> str:
    return re.sub(r"\s+", "", text)


def document_rules(config):
    def run(report):
        out = []
        unit, signature = _meta(report, "unit"), _meta(report, "signature")
        if unit and signature and _blankless(signature) != _blankless(unit):
            out.append(warning("report", "signature", f"署名“{signature}”与单位名称“{unit}”不一致", "V-META"))
        year = report.year
        signed, published = _meta(report, "signed"), _meta(report, "published")
        if year is None or not 1 <= year < 9999:  # no calendar date for the deadline exists
            return out
        if signed is not None:
            if signed < _dt.date(year, 12, 31):
                out.append(error("report", "signed", f"成文日期{signed:%Y-%m-%d}早于{year}年12月31日：年度尚未结束", "V-META"))
            if published is not None and published < signed:
                out.append(error("report", "published", "公开日期早于成文日期", "V-META"))
        when = published
        if when is not None:
            due = config.deadline(year, _meta(report, "unit_level"))
            if when > due:
                out.append(error("report", "published",
                                 f"公开日期{when.year}年{when.month}月{when.day}日晚于法定期限{due.year}年{due.month}月{due.day}日", "V-DEADLINE"))
            elif (due - when).days < 5:
                out.append(warning("report", "published", f"在期限（{due.month}月{due.day}日）前最后5天内才公开", "V-DEADLINE"))
        number = _meta(report, "doc_number")
        m = re.search(r"〔(\d{4})〕", number or "")
        if m and signed is not None and int(m.group(1)) != signed.year:
            out.append(warning("report", "doc_number", f"文号年份{m.group(1)}与成文日期的年份{signed.year}不一致", "V-META"))
        return out

    return run


@hookimpl
def nianbao_register_checks(config):
    return [Check(id="document", section="report", run=document_rules(config),
                  description="成文日期、公开期限、文号年份、署名")]
