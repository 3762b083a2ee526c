"""The built-in exporters, registered through the same hook a county's exporter would use.
Each turns the rendered blocks into a file; none re-renders.

This module is the plain-text and Markdown exporter (built-in plugin ``plugins.exporters``);
:mod:`.office` is Word, HTML and Excel (``plugins.exporters.office``)."""

from __future__ import annotations

import html
import re

from .. import hookimpl
from ..document import Block, Cell, Table
from ..section import Exporter
from ..text import cell_width

INDENT = "\u3000\u3000"  # first-line indent of two characters
LINE_CELLS = 56  # 28 characters of two cells: the width of a line of an official document


def _pad(text: str, width: int, align: str) -> str:
    gap = max(width - cell_width(text), 0)
    if align == "right":
        return " " * gap + text
    if align == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def _center(text: str) -> str:
    return _pad(text, LINE_CELLS, "center").rstrip()


def column_widths(grid: list[list[Cell | None]], measure=cell_width) -> list[int]:
    """Each column's width: its widest one-column cell (spanning cells are placed later)."""
    widths = [0] * (len(grid[0]) if grid else 0)
    for row in grid:
        for c, cell in enumerate(row):
            if cell is not None and cell.colspan == 1:
                widths[c] = max(widths[c], measure(cell.text))
    return widths


def _text_table(table: Table) -> list[str]:
    grid = table.grid()
    if not grid:
        return []
    ncols = len(grid[0])
    widths = column_widths(grid)
    for row in grid:  # widen the last spanned column when a spanning label is wider
        for c, cell in enumerate(row):
            if cell is not None and cell.colspan > 1:
                span = sum(widths[c:c + cell.colspan]) + 3 * (cell.colspan - 1)
                if cell_width(cell.text) > span:
                    widths[c + cell.colspan - 1] += cell_width(cell.text) - span
    rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    lines = [rule]
    for r, row in enumerate(grid):
        out = "|"
        c = 0
        while c < ncols:
            cell = row[c]
            span = cell.colspan if cell is not None else 1
            width = sum(widths[c:c + span]) + 3 * (span - 1)
            text = cell.text if cell is not None else ""
            align = "right" if cell is not None and cell.numeric else "left"
            out += " " + _pad(text, width, align) + " |"
            c += span
        lines.append(out)
        if r == len(table.head) - 1 or r == len(grid) - 1:
            lines.append(rule)
    return lines


def to_text(document) -> str:
    """Plain text: one paragraph per line, two-character indents, tables drawn in ASCII."""
    out: list[str] = []
    for b in document.blocks:
        out.extend(text_lines(b))
    return "\n".join(out).rstrip() + "\n"


def text_lines(b: Block) -> list[str]:
    """The plain-text lines of one block, as the text export writes them (the interface's
    preview shows blocks through this too)."""
    if b.kind == "title":
        return [_center(line) for line in b.text.split("\n")] + [""]
    if b.kind == "docno":
        return [_center(b.text), ""]
    if b.kind == "addressee":
        return [b.text]
    if b.kind == "heading":
        return [INDENT + b.text]
    if b.kind == "paragraph":
        return [INDENT + b.lead + b.text]
    if b.kind == "table":
        lines = [_center(b.table.caption)] if b.table and b.table.caption else []
        return lines + (_text_table(b.table) if b.table else [])
    if b.kind == "signature":
        return ["", _pad(b.text, LINE_CELLS - 8, "right")]
    if b.kind == "date":
        return [_pad(b.text, LINE_CELLS - 8, "right"), ""]
    if b.kind == "note":
        return [INDENT + b.text]
    if b.kind == "imprint":
        left, _, right = b.text.partition("|")
        left, right = left.strip(), right.strip()
        gap = max(LINE_CELLS - cell_width(left) - cell_width(right), 2)
        return ["", left + " " * gap + right]
    if b.kind == "broken":
        return [f"【{b.text}】"]
    return [b.text]


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def _md(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # Nothing typed may start a list or a rule: escape the punctuation of "1." "1)" and a
    # leading "-" "+" (a backslash before a digit would be printed as it is).
    text = re.sub(r"^(\s*\d+)([.)])(?=\s|$)", r"\1\\\2", text)
    return re.sub(r"^(\s*)([-+])", r"\1\\\2", text)


def _md_table(table: Table) -> list[str]:
    grid = table.grid()
    if not grid:
        return []
    rows = [[_md(c.text) if c is not None else "" for c in row] for row in grid]
    nhead = max(len(table.head), 1)
    header = [" ".join(filter(None, col)) for col in zip(*rows[:nhead])] if table.head else rows[0]
    body = rows[nhead:] if table.head else rows[1:]
    align = ["---:" if body and all(cell is None or cell.numeric for cell in (row[c] for row in grid[nhead:])) else "---"
             for c in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return lines


def _has_spans(table: Table) -> bool:
    return any(c.colspan > 1 or c.rowspan > 1 for row in table.head + table.body for c in row)


def to_markdown(document) -> str:
    out: list[str] = []
    for b in document.blocks:
        if b.kind == "title":
            out += ["# " + _md(b.text.replace("\n", "")), ""]
        elif b.kind == "docno":
            out += [_md(b.text), ""]
        elif b.kind == "heading":
            out += ["#" * (b.level + 1) + " " + _md(b.text), ""]
        elif b.kind == "paragraph":
            # <strong>, not **: CommonMark does not close ** between "。" and a letter
            out += [(f"<strong>{_md(b.lead)}</strong>" if b.lead else "") + _md(b.text), ""]
        elif b.kind == "table" and b.table is not None and _has_spans(b.table):
            # Pipe tables cannot span rows or columns; an HTML table (allowed in Markdown)
            # keeps the official layout of tables such as the national 三 and 四.
            from .office import html_table

            out += ["\n".join(html_table(b.table)), ""]
        elif b.kind == "table" and b.table is not None:
            if b.table.caption:
                out += [f"**{_md(b.table.caption)}**", ""]
            out += _md_table(b.table) + [""]
        elif b.kind == "imprint":
            left, _, right = b.text.partition("|")
            out += ["---", "", f"{_md(left.strip())}　{_md(right.strip())}", ""]
        elif b.kind == "broken":
            out += [f"> **{_md(b.text)}**", ""]
        elif b.kind in ("signature", "date"):
            out += [f'<div align="right">{html.escape(b.text)}</div>', ""]  # raw HTML: no Markdown inside
        else:
            out += [_md(b.text), ""]
    return "\n".join(out).rstrip() + "\n"


@hookimpl
def nianbao_register_exporters():
    return [
        Exporter(id="txt", name="纯文本", suffix=".txt", export=to_text, description="每段一行，表格用 ASCII 线框"),
        Exporter(id="md", name="Markdown", suffix=".md", export=to_markdown, description="标题、段落与表格"),
    ]
