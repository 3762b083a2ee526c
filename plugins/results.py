"""Validation results: what ``validate`` returns and what every front end shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]

__all__ = ["Issue", "Severity", "error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One finding about a report.

    ``severity``: ``"error"`` (arithmetic or format contradictions: the report must not be
    published like this) or ``"warning"`` (plausibility: worth a second look); what plugins
    return. The interface lists a reviewing office's remarks among them as ``"remark"``.
    ``section``: the section id (``"report"`` for the document metadata).
    ``field``: the address of the value concerned (see :func:`plugins.fields.field_path`),
    or ``None`` for the section as a whole. ``message``: plain Chinese for the operator.
    ``rule``: a short rule id from the rule catalogue (``"OR9"``, ``"V-PERIOD"`` ...).
    ``plugin``: filled in by the host: the plugin that produced the finding.
    """

    severity: Severity | Literal["remark"]
    section: str
    field: str | None
    message: str
    rule: str = ""
    plugin: str = ""

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "section": self.section,
            "field": self.field,
            "message": self.message,
            "rule": self.rule,
            "plugin": self.plugin,
        }


def error(section: str, field: str | None, message: str, rule: str = "") -> Issue:
    return Issue("error", section, field, message, rule)


def warning(section: str, field: str | None, message: str, rule: str = "") -> Issue:
    return Issue("warning", section, field, message, rule)
