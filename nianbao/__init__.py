"""The public API of nianbao for plugin authors: what a county's plugin imports.

::

    from nianbao import API_VERSION, Section, Check, error, warning, hookimpl, rules
    from nianbao.fields import Integer, Text, Records

It re-exports the contract defined by the plugin host (:mod:`plugins`), as ``pytest`` does
over ``_pytest``: the objects are the same, so a plugin written against ``from plugins import
…`` keeps working and the two can be mixed. ``nianbao.testing`` helps plugin tests.
Nothing here imports Textual.
"""

from __future__ import annotations

from plugins import (
    API_VERSION,
    ENTRY_POINT_GROUP,
    META_FIELDS,
    PROJECT,
    Cell,
    Check,
    Exporter,
    Issue,
    ReportFormat,
    Section,
    Table,
    cn_date,
    cn_numeral,
    error,
    hookimpl,
    percent,
    rules,
    warning,
)

from . import fields

__all__ = [
    "API_VERSION",
    "ENTRY_POINT_GROUP",
    "META_FIELDS",
    "PROJECT",
    "Cell",
    "Check",
    "Exporter",
    "Issue",
    "ReportFormat",
    "Section",
    "Table",
    "cn_date",
    "cn_numeral",
    "error",
    "fields",
    "hookimpl",
    "percent",
    "rules",
    "warning",
]
