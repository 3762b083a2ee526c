"""nianbao's plugin host and the public contract for section plugins.

A plugin imports only from this package::

    from plugins import hookimpl, Section, Issue, error, warning, fields, rules, API_VERSION
    from plugins import Table, Cell, percent, cn_numeral, cn_date, META_FIELDS

Plugin authors write the same through :mod:`nianbao` (``from nianbao import hookimpl, …``),
which re-exports this contract under the project's own name.

Nothing here imports Textual: checking and exporting run headless, and a test enforces it.
"""

from __future__ import annotations

import pluggy

from . import fields, rules
from .document import Cell, Table
from .engine.meta import META_FIELDS
from .formatting import cn_date, cn_numeral, percent
from .results import Issue, error, warning
from .section import Check, Exporter, ReportFormat, Section

PROJECT = "nianbao"
ENTRY_POINT_GROUP = "nianbao"

#: Version of the plugin contract. A section declares the version it was written for in
#: ``api_version``; the host refuses sections written for another version, with a message.
API_VERSION = 1

hookimpl = pluggy.HookimplMarker(PROJECT)

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
