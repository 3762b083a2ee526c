"""Pieces shared by the six sections of the national format, including the helpers that
read figures quoted in prose (rules N3-8, N4-3, N4-4, N2-5)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from nianbao import API_VERSION, Section

TEMPLATES = Path(__file__).parent / "templates"
FORMAT_ID = "national-2021"

ADMIN_LEVELS = (
    ("county", "县级（县、县级市、区及其部门、乡镇、街道）"),
    ("city", "设区的市、自治州（及其部门）"),
    ("province", "省级（及其部门）"),
)


class NationalSection(Section):
    api_version = API_VERSION
    formats = (FORMAT_ID,)
    template_folder = TEMPLATES


def admin_level(report) -> str:
    """``county`` unless ``[report] admin_level`` says ``city`` or ``province``."""
    level = report.meta.get("admin_level")
    return level if level in ("city", "province") else "county"


_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_BLANKS = re.compile(r"[ \t\u3000]+")


def sentences(text: str | None) -> list[str]:
    """Sentences of ``text`` (split at 。；！？ and line ends)."""
    if not text:
        return []
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def compact(text: str | None) -> str:
    """The text without blanks, so that “3119 件” reads like “3119件”."""
    return _BLANKS.sub("", text or "")


@functools.lru_cache(maxsize=64)
def compact_sentences(text: str | None) -> tuple[str, ...]:
    """``sentences(compact(text))``, remembered: each paragraph is read by the figure rules of
    three sections (N2-5, N3-8, N4-3), and a county adds up hundreds of reports."""
    return tuple(sentences(compact(text)))


def full_grid(report, section_id, grid):
    """``grid.full`` of the section's stored table, computed once per report view
    (:meth:`~plugins.engine.report.ReportView.memo`); shared, so callers must not modify it."""
    def compute():
        return grid.full(report.values(section_id)[grid.key])
    memo = getattr(report, "memo", None)
    return memo(("full_grid", section_id, grid.key), compute) if memo is not None else compute()


# Characters that may stand between a keyword and its number: no digit, no clause break.
GAP = r"[^\d，,。；;、（）()\n]{0,12}?"


# -- cross-year rules (report.previous is last year's report, or None) ----------------------

def of_this_format(view):
    """Whether a report view is of this format (declared, or by its year when undeclared)."""
    if view is None:
        return False
    return (view.format or (FORMAT_ID if view.year is not None and view.year >= 2021 else None)) == FORMAT_ID


def previous(report):
    """Last year's report if it is one of this format (else ``None``: rules stay silent)."""
    prev = getattr(report, "previous", None)
    return prev if of_this_format(prev) else None


def repeated_prose(section, report):
    """V-DUP: this section's prose against the same section of last year's report."""
    from nianbao import rules

    prev = previous(report)
    if prev is None:
        return []
    return rules.duplicate_prose(section.id, section.fields, report.values(section.id), prev.values(section.id), prev.year)
