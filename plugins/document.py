"""The rendered document as blocks, and the small line markup templates write.

Every section template (and the document template) renders *document markup*, one block
per line, which :func:`parse_markup` turns into :class:`Block` objects; every exporter
(text, Markdown, and later Word/HTML) turns the same blocks into its own format. A county
that overrides a template therefore changes every export at once.

Markup, one directive per line (anything else is a body paragraph; blank lines are ignored)::

    ::title 建瓯市人民政府办公室关于        (consecutive ::title lines form one title)
    ::docno 瓯政办〔2019〕2号
    ::addressee 南平市人民政府办公室：
    ::h1 一、概述                          heading levels 1-4 (一、 （一） 1. （1）)
    ::h2+ （四）开展政策解读工作情况。       run-in heading: starts the next paragraph
    ::table 附表                           a table with an optional caption ...
    ::head 指标名称 | 单位 | 2018年度        ... header rows
    ::row {c=2}其中：1.政府网站公开数 | 2589  ... body rows; {c=N,r=M} sets col/row span,
    ::row 合计 | {sum}2594                     {sum} marks a computed total (also {c=2,sum})
    ::end
    ::signature 建瓯市人民政府办公室
    ::date 2019年1月8日
    ::note （此件主动公开）
    ::imprint 建瓯市人民政府办公室 | 2019年1月8日印发
    ::broken 第三部分无法生成：...         a section whose plugin failed

Values printed with ``{{ }}`` are escaped by the template environment (``\\`` before
``\\ | { :``) and stripped of control characters, so nothing an operator types can start a
directive, split a cell or inject a terminal escape sequence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .fields import clean_text

__all__ = ["Block", "Cell", "Table", "escape_markup", "parse_markup"]


@dataclass
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    header: bool = False
    computed: bool = False  # a total the report computes (never typed): marked in spreadsheets

    @property
    def numeric(self) -> bool:
        return bool(re.fullmatch(r"-?[\d,]+(\.\d+)?%?", self.text))


@dataclass
class Table:
    """A table with header rows and body rows of cells (spans as in HTML)."""

    caption: str = ""
    head: list[list[Cell]] = field(default_factory=list)
    body: list[list[Cell]] = field(default_factory=list)

    def grid(self) -> list[list[Cell | None]]:
        """All rows (head then body) laid out on a rectangular grid; a spanned position
        holds ``None``. Used by exporters that cannot express spans natively."""
        rows = self.head + self.body
        width = 0
        occupied: dict[tuple[int, int], bool] = {}
        placed: list[list[tuple[int, Cell]]] = []
        for r, row in enumerate(rows):
            col = 0
            line = []
            for cell in row:
                while occupied.get((r, col)):
                    col += 1
                line.append((col, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        occupied[(r + dr, col + dc)] = True
                col += cell.colspan
                width = max(width, col)
            placed.append(line)
        out: list[list[Cell | None]] = [[None] * width for _ in rows]
        for r, line in enumerate(placed):
            for col, cell in line:
                out[r][col] = cell
        return out


@dataclass
class Block:
    """One block of the document.

    ``kind``: ``title``, ``docno``, ``addressee``, ``heading``, ``paragraph``, ``table``,
    ``signature``, ``date``, ``note``, ``imprint`` or ``broken``. ``level`` is set for
    headings (1-4) and for run-in leads; ``lead`` is a run-in heading that starts a
    paragraph; ``table`` holds a :class:`Table`.
    """

    kind: str
    text: str = ""
    level: int = 0
    lead: str = ""
    table: Table | None = None


_ESCAPE = re.compile(r"([\\|{:])")


def escape_markup(value: str) -> str:
    """Make a value safe to place anywhere in document markup."""
    return _ESCAPE.sub(r"\\\1", clean_text(value, multiline=True))


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# Only ASCII blanks separate a directive from its text: full-width spaces are text (the
# 附表 indents its 其中 rows with them).
_DIRECTIVE = re.compile(r"::(title|docno|addressee|h[1-4]\+?|table|head|row|end|signature|date|note|imprint|broken)(?:[ \t]+|$)(.*)$")
_SPAN = re.compile(r"\{(?:c=(\d+))?,?(?:r=(\d+))?,?(sum)?\}")


def _cells(text: str, header: bool) -> list[Cell]:
    parts = re.split(r"(?<!\\)\|", text)
    cells = []
    for part in parts:
        part = part.strip(" ")
        colspan = rowspan = 1
        computed = False
        m = _SPAN.match(part)
        if m and (m.group(1) or m.group(2) or m.group(3)):
            colspan = max(int(m.group(1) or 1), 1)  # a zero span would overlap cells
            rowspan = max(int(m.group(2) or 1), 1)
            computed = bool(m.group(3))
            part = part[m.end():].strip(" ")
        cells.append(Cell(_unescape(part), colspan, rowspan, header, computed))
    return cells


def parse_markup(markup: str) -> list[Block]:
    blocks: list[Block] = []
    table: Table | None = None
    lead: tuple[str, int] | None = None
    for raw in markup.split("\n"):
        line = raw.strip(" \t\u3000")
        if not line:
            continue
        m = _DIRECTIVE.match(line)
        if not m:
            if table is not None:
                continue  # stray text inside a table is ignored rather than misplaced
            text = _unescape(line)
            if lead:
                blocks.append(Block("paragraph", text, level=lead[1], lead=lead[0]))
                lead = None
            else:
                blocks.append(Block("paragraph", text))
            continue
        kind, rest = m.group(1), m.group(2).strip(" \t")
        if kind in ("head", "row"):
            if table is not None:
                (table.head if kind == "head" else table.body).append(_cells(rest, kind == "head"))
            continue
        if kind == "end":
            if table is not None:
                blocks.append(Block("table", table.caption, table=table))
                table = None
            continue
        if lead:  # a run-in heading with no paragraph after it stands on its own
            blocks.append(Block("heading", lead[0], level=lead[1]))
            lead = None
        text = _unescape(rest)
        if kind == "table":
            table = Table(caption=text)
        elif kind.startswith("h"):
            level = int(kind[1])
            if kind.endswith("+"):
                lead = (text, level)
            else:
                blocks.append(Block("heading", text, level=level))
        elif kind == "title" and blocks and blocks[-1].kind == "title":
            blocks[-1].text += "\n" + text
        else:
            blocks.append(Block(kind, text))
    if lead:
        blocks.append(Block("heading", lead[0], level=lead[1]))
    if table is not None:
        blocks.append(Block("table", table.caption, table=table))
    return blocks
