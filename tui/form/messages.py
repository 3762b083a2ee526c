"""The messages about a field as lines under it: errors and warnings, the office's remarks,
and what is not filled in yet."""

from __future__ import annotations

from typing import Iterable

from rich.text import Text as RichText

from plugins.fields import clean_text
from plugins.results import Issue

from ..text_layout import TextLine


MISSING = "V-REQUIRED"


def issue_lines(issues: Iterable[Issue], where, t) -> list[TextLine]:
    """Errors and warnings as lines (✗ red, ! yellow, wrapped under their text); fields
    not filled in yet as one dim line, so an empty form is not a wall of messages."""
    out: list[TextLine] = []
    missing: list[str] = []
    for issue in issues:
        place = where(issue)
        if issue.rule == MISSING:
            missing.append(place)
            continue
        if issue.severity == "remark":  # the office's remark (tui.review): its own kind
            from ..review import remark_line

            out.append((remark_line(issue, place), 2, True))
            continue
        error = issue.severity == "error"
        line = RichText()
        line.append("✗ " if error else "! ", style="bold red" if error else "bold yellow")
        line.append(clean_text((f"{place}：" if place else "") + issue.message), style="red" if error else "yellow")
        out.append((line, 2, True))
    if missing:
        shown = [m for m in dict.fromkeys(missing) if m]
        text = f"◦ {t('missing')}" + ("：" + "、".join(shown) if shown else "")
        out.append((RichText(text, style="dim"), 2, True))
    return out
