"""Text laid out for the terminal: cut to a width (:func:`fit`), wrapped as Chinese is
(:func:`line_starts`, :func:`wrap_text`; no line starts with a closing mark), tables as lines
of text (:func:`table_lines`), and :class:`WrappedText`, the widget that shows such lines
(messages, help, the preview). CJK characters count two cells."""

from __future__ import annotations

import re
from typing import Any, Iterable

from rich.cells import cell_len
from rich.text import Text as RichText
from textual.widget import Widget

from plugins.document import Cell, Table
from plugins.exporters import column_widths
from plugins.fields import clean_text


# An enumerator at the start of a heading: （三）, 三、, 3.
ENUMERATOR = re.compile(r"^(?:[（(][一二三四五六七八九十百\d]{1,4}[）)]|[一二三四五六七八九十百]{1,4}、|\d{1,3}[.．、])")


def fit(text: str, cells: int) -> str:
    """Cut ``text`` to ``cells`` display cells (CJK counts two), ending in … when cut."""
    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > cells - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


_NO_LINE_START = set("，。、；：？！）》」』〕】”’…%,.;:?!)]}")
_NO_LINE_END = set("（《「『〔【“‘([{")
TextLine = tuple  # (RichText, hang: int, wrap: bool)


def _wordish(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "-_./:@%#+=&?~")


def line_starts(plain: str, width: int, hang: int = 0) -> list[int]:
    """Where each line after the first begins when ``plain`` (one paragraph) is broken into
    lines of at most ``width`` cells: anywhere between Chinese characters, never inside an
    ASCII word that fits on a line, never before closing punctuation nor after opening
    punctuation (避头尾); continuation lines are ``hang`` cells narrower; spaces at a break
    stay at the end of the line before. The one rule for wrapping text on screen: the
    display (:func:`wrap_text`) and the text areas (``_wrap_offsets``) both use it.
    (Textual breaks only at spaces, so a space before a long Chinese run would leave a
    lone word on a line, and puts ，。 at the start of a line.)"""
    starts: list[int] = []
    width = max(width, 2)
    start, first = 0, True
    while start < len(plain):
        avail = width - (0 if first else hang)
        used, i = 0, start
        while i < len(plain):
            w = cell_len(plain[i])
            if used + w > avail:
                break
            used, i = used + w, i + 1
        if i < len(plain):
            # no closing punctuation at the start of a line, no opening one at its end
            j = i
            while j - start > 2 and j > i - 3 and (plain[j] in _NO_LINE_START or plain[j - 1] in _NO_LINE_END):
                j -= 1
            if plain[j] not in _NO_LINE_START and plain[j - 1] not in _NO_LINE_END:
                i = j
            # an ASCII word or number that fits on a line is not split
            if _wordish(plain[i]) and _wordish(plain[i - 1]):
                j = i
                while j > start and _wordish(plain[j - 1]):
                    j -= 1
                if j > start:
                    i = j
        i = max(i, start + 1)
        while i < len(plain) and plain[i] == " ":
            i += 1
        if i < len(plain):
            starts.append(i)
        start, first = i, False
    return starts


def wrap_text(text: RichText, width: int, hang: int = 0) -> list[RichText]:
    """``text`` broken into lines of at most ``width`` cells (:func:`line_starts`),
    continuation lines indented by ``hang``."""
    out: list[RichText] = []
    for para in text.split("\n", allow_blank=True):
        plain = para.plain
        if not plain:
            out.append(RichText())
            continue
        bounds = [0, *line_starts(plain, width, hang), len(plain)]
        for n, (start, end) in enumerate(zip(bounds, bounds[1:])):
            piece = para[start:end]
            piece.rstrip()
            if n and hang:
                piece = RichText(" " * hang) + piece
            out.append(piece)
    return out


def hanging_lines(lines: Iterable[str]) -> list[TextLine]:
    """Plain lines for :class:`WrappedText`, where an indented line (a plugin and why it
    does not run, one deviation of an import) keeps its indent, and two more, when it wraps."""
    return [(RichText(line), len(line) - len(line.lstrip(" ")) + 2 if line.startswith(" ") else 0, True)
            for line in lines]


class WrappedText(Widget):
    """Lines of text (each a Rich ``Text``, so nothing typed is read as markup), wrapped
    by :func:`wrap_text` at the widget's width; lines marked ``wrap=False`` (tables) are
    cut at the edge instead."""

    DEFAULT_CSS = """
    WrappedText {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(self, lines: Iterable[TextLine] = (), **kw: Any):
        super().__init__(**kw)
        self._lines: list[TextLine] = list(lines)
        self._cache: tuple[int, list[RichText]] | None = None

    def set_lines(self, lines: Iterable[TextLine]) -> None:
        lines = list(lines)
        if [(t.plain, t.spans, h, w) for t, h, w in lines] == [(t.plain, t.spans, h, w) for t, h, w in self._lines]:
            return
        self._lines, self._cache = lines, None
        self.refresh(layout=True)

    def set_text(self, text: str, style: str = "") -> None:
        self.set_lines([(RichText(line, style=style), 0, True) for line in text.split("\n")] if text else [])

    @property
    def plain(self) -> str:
        return "\n".join(line.plain for line, _, _ in self._lines)

    def _wrapped(self, width: int) -> list[RichText]:
        if self._cache is None or self._cache[0] != width:
            self._cache = (width, wrap_lines(self._lines, width))
        return self._cache[1]

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._wrapped(width))

    def render(self) -> RichText:
        return RichText("\n").join(self._wrapped(self.content_size.width or self.size.width))


def wrap_lines(lines: Iterable[TextLine], width: int, most: int | None = None) -> list[RichText]:
    """What :class:`WrappedText` shows of ``lines`` at ``width`` cells (the first ``most``
    lines of it, if given)."""
    out: list[RichText] = []
    for line, hang, wrap in lines:
        if isinstance(line, TableText):  # laid out for the width
            out += [RichText(x) for x in table_lines(line.table, width)]
        else:
            out += wrap_text(line, width, hang) if wrap else [line]
        if most is not None and len(out) >= most:
            return out[:most]
    return out


class TableText(RichText):
    """A table among the lines of a :class:`WrappedText`: laid out for the width it is
    drawn at (:func:`table_lines`); its text is the table at its natural width."""

    def __init__(self, table: Table):
        super().__init__("\n".join(table_lines(table)))
        self.table = table


def table_lines(table: Table, width: int | None = None) -> list[str]:
    """A table for the screen, in at most ``width`` cells if given: at its natural width
    when it fits (:func:`_natural_lines`), else with its figures first (:func:`_figure_lines`):
    a wide table's figures must never be what is cut off."""
    natural = _natural_lines(table)
    if width is None or all(cell_len(line) <= width for line in natural):
        return natural
    return _figure_lines(table, width) or [fit(line, width) for line in natural]


FIGURE_LABEL_MIN = 14  # the narrowest row label beside the figures; below it, figures go under the label


def _figure_lines(table: Table, width: int) -> list[str]:
    """A table too wide for ``width``: the figure columns numbered 1, 2, 3… with a legend
    above (``列：1 自然人  2 商业企业 …``), each row's label cut to what is left beside its
    figures, or, when too little is left, on its own line(s) with the figures under it.
    [] when the table has no figures."""
    grid = table.grid()
    nhead = len(table.head)
    body = grid[nhead:]
    if not body:
        return []
    ncols = len(grid[0])
    if not any(cell is not None and cell.numeric for row in body for cell in row):
        return []
    # a figure column holds figures or blanks (a half-filled table keeps its empty columns and
    # its row labels); a label column holds words
    def text_at(row: list[Cell | None], c: int) -> str:
        cell = row[c]
        return clean_text(cell.text) if cell is not None else ""

    def words_at(row: list[Cell | None], c: int) -> bool:
        cell = row[c]
        return cell is not None and not cell.numeric and bool(clean_text(cell.text))

    figures = [c for c in range(ncols) if not any(words_at(row, c) for row in body)]

    def heading(c: int) -> str:
        """The lowest heading over column ``c`` (spans followed)."""
        for r in range(nhead - 1, -1, -1):
            for c0 in range(c, -1, -1):
                cell = grid[r][c0]
                if cell is not None:
                    if c0 + cell.colspan > c:
                        return clean_text(cell.text)
                    break
        return ""

    keys = [str(n + 1) for n in range(len(figures))]
    widths = [max([len(k)] + [cell_len(text_at(row, c)) for row in body])
              for k, c in zip(keys, figures)]
    figures_w = sum(widths) + len(widths) - 1

    def figure_row(cells: list[str]) -> str:
        return " ".join(" " * (w - cell_len(t)) + t for t, w in zip(cells, widths))

    lines = [clean_text(table.caption)] if table.caption else []
    legend = RichText("列：" + "  ".join(f"{k} {heading(c)}" for k, c in zip(keys, figures)))
    lines += [line.plain for line in wrap_text(legend, width, hang=2)]
    label_w = width - figures_w - 1
    beside = label_w >= FIGURE_LABEL_MIN
    indent = "" if beside else " " * min(2, max(width - figures_w, 0))
    lines.append((" " * (label_w + 1) if beside else indent) + figure_row(keys))
    above: dict[int, tuple[Cell, int]] = {}  # label column -> its last cell and the row it starts on
    for r, row in enumerate(body):
        parts = []
        for c in range(ncols):
            if c in figures:
                continue
            cell = row[c]
            if cell is not None:
                above[c] = (cell, r)
            elif c in above and above[c][1] + above[c][0].rowspan > r:
                cell = above[c][0]  # a heading spanning this row (（三）不予公开 over its 8 rows)
            if cell is not None and clean_text(cell.text) not in parts:
                parts.append(clean_text(cell.text))
        label = " ".join(parts)
        if beside and parts and cell_len(label) > label_w:
            # the row's own words after the numeral of the heading over it: （三）1.属于国家秘密
            m = ENUMERATOR.match(parts[-2]) if len(parts) > 1 else None
            label = (m.group(0) if m else "") + parts[-1]
        values = figure_row([text_at(row, c) for c in figures])
        if beside:
            cut = fit(label, label_w)
            lines.append(cut + " " * (label_w - cell_len(cut) + 1) + values)
        else:
            lines += [line.plain for line in wrap_text(RichText(label), width)] if label else []
            lines.append(indent + values)
    return lines


def _natural_lines(table: Table) -> list[str]:
    """A table for the screen: columns aligned by display width, two spaces apart, no
    rules (narrower than the printed form, same content)."""
    grid = table.grid()
    if not grid:
        return []
    widths = column_widths(grid, lambda text: cell_len(clean_text(text)))
    lines = [clean_text(table.caption)] if table.caption else []
    for row in grid:
        parts = []
        for c, cell in enumerate(row):
            text = clean_text(cell.text) if cell is not None else ""
            gap = " " * max(widths[c] - cell_len(text), 0)
            parts.append(gap + text if cell is not None and cell.numeric else text + gap)
        lines.append("  ".join(parts).rstrip())
    return lines
