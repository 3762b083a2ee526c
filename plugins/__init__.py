"""nianbao's plugin host and the public contract for section plugins.

A plugin imports only from this package::

    from plugins import hookimpl, Section, Issue, error, warning, fields, rules, API_VERSION

Plugin authors write the same through :mod:`nianbao` (``from nianbao import hookimpl, …``),
which re-exports this contract under the project's own name.

Nothing here imports Textual: checking and exporting run headless, and a test enforces it.
"""

from __future__ import annotations

import pluggy

from . import fields, rules
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
    "PROJECT",
    "Check",
    "Exporter",
    "Issue",
    "ReportFormat",
    "Section",
    "error",
    "fields",
    "hookimpl",
    "rules",
    "warning",
]
