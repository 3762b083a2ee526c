"""The ``[import]`` table of an imported report, checked: every deviation the importer kept
(a heading worded differently, a label of an older template, a blank cell, an extra
sub-heading, a printed total that does not add up) is reported by ``nianbao check`` under the
rule it breaks (domain §3: V-STRUCT, V-TEMPLATE, V-NUMFMT, V-ARITH), and text that mapped
nowhere is listed, so nothing of the document is silently dropped.

Registered like any county's rule (``nianbao_register_checks``); a report that was typed in
nianbao has no ``[import]`` table and gets nothing from here.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import Check, hookimpl
from ..results import Issue, Severity

__version__ = "1.0"

IMPORT_KEY = "import"
#: The why-note of a sub-heading of 五 that divided the section's text into its fields.
SUBHEADING_KEPT = "小标题（据此把这一部分分开，标题本身不写入字段）"
#: The why-note of a sentence the format writes itself, found worded otherwise (said by its own finding).
REWORDED = "格式自动写出的句子（原文措辞不同）"
#: Why-notes of kept text that belongs to the structure (table captions and headers, the
#: sub-headings that divided a section, a reworded sentence of the format's): kept, not a
#: finding of its own.
TABLE_TEXT = ("表格标题或表头", "格式中的小标题（其下的内容由表格生成）", SUBHEADING_KEPT, REWORDED)
_SEVERITY: dict[str, Severity] = {"error": "error", "warning": "warning", "info": "warning"}


def body_unmapped(record: Mapping) -> list[Mapping]:
    """Text of the report's body that mapped nowhere. The opening paragraph, the closing
    lines and a table's own captions are kept too, but are no finding."""
    return [u for u in record.get("unmapped") or ()
            if isinstance(u, Mapping) and not str(u.get("where", "")).startswith(("正文前", "正文后"))
            and u.get("why") not in TABLE_TEXT]


def import_findings(report) -> list[Issue]:
    record = report.raw.get(IMPORT_KEY) if hasattr(report, "raw") else None
    if not isinstance(record, Mapping):
        return []
    source = record.get("source") or "原文"
    out = []
    for d in record.get("deviations") or ():
        if not isinstance(d, Mapping) or d.get("severity") == "info":
            continue  # info: kept as found, nothing to correct (a reworded sub-heading kept as typed)
        where = f"（{source}：{d.get('where')}）" if d.get("where") else ""
        out.append(Issue(_SEVERITY.get(str(d.get("severity")), "warning"), str(d.get("section") or "report"),
                         d.get("field") or None, f"导入时发现：{d.get('message', '')}{where}", str(d.get("rule") or "V-STRUCT")))
    unmapped = body_unmapped(record)
    if unmapped:
        first = "；".join(f"{u.get('where')}“{str(u.get('text', ''))[:20]}…”" for u in unmapped[:3])
        out.append(Issue("warning", "report", None, f"导入时有{len(unmapped)}段原文没有对应的位置，保留在 [import] unmapped 中"
                                                 f"（{first}）：请核对是否需要写入报告", "V-STRUCT"))
    return out


@hookimpl
def nianbao_register_checks(config):
    return [Check(id="import-record", section="report", run=import_findings,
                  description="导入时保留的原文差异（标题、旧模板表格名、空格、合计不符、未对应的文字）")]
