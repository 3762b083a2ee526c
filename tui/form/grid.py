"""Tables of figures (``Grid`` fields): :class:`GridBox`, cells the arrow keys move between
(:class:`CellNavigation`, also used by lists of records shown as tables), with the row and
column headings kept in view on a big table."""

from __future__ import annotations

import time
from typing import Any

from rich.cells import cell_len
from rich.text import Text as RichText
from textual import events
from textual.containers import Container, Grid as GridLayout, Horizontal, ScrollableContainer, Vertical
from textual.geometry import Offset, Region, Spacing
from textual.widget import Widget
from textual.widgets import Static

from plugins.fields import Grid, GridRow, clean_text

from ..session import Session, parse_path
from plugins.results import Issue

from ..text_layout import ENUMERATOR, TextLine, WrappedText, fit, wrap_text
from .editors import NUMERIC, FieldInput
from .messages import MISSING

class CellNavigation:
    """A container whose editors are laid out as rows and columns (a grid, a list shown as
    a table): the app moves between them with the arrow keys and PageUp/PageDown (see
    ``Actions.action_cell`` in tui/actions.py)."""

    def matrix(self) -> list[list[Widget | None]]:  # pragma: no cover - overridden
        return []

    def page_rows(self) -> int | None:
        """How many rows PageUp/PageDown move (None: the keys scroll the page instead)."""
        return None

    def neighbour(self, widget: Widget, key: str) -> Widget | None:
        """The editor a key leads to from ``widget``, or None to let the key do what it does
        in the editor. Left/right leave a cell only at its edge, or when its whole content
        is selected (just arrived there); cells that cannot be typed in are passed over."""
        cells = self.matrix()
        pos = next(((ri, ci) for ri, row in enumerate(cells) for ci, w in enumerate(row) if w is widget), None)
        if pos is None or not isinstance(widget, (FieldInput, GridCell)):
            return None
        if key in ("pageup", "pagedown"):
            return self._page(cells, pos, -1 if key == "pageup" else 1)
        moves = {"up": (-1, 0), "down": (1, 0)}
        if isinstance(widget, GridCell):  # nothing to move in: left and right leave it
            moves.update(left=(0, -1), right=(0, 1))
        else:
            sel = widget.selection
            whole = not sel.is_empty and abs(sel.end - sel.start) == len(widget.value)
            if key == "left" and (whole or widget.cursor_position == 0):
                moves["left"] = (0, -1)
            if key == "right" and (whole or widget.cursor_position >= len(widget.value)):
                moves["right"] = (0, 1)
        if key not in moves:
            return None
        dr, dc = moves[key]
        r, c = pos[0] + dr, pos[1] + dc
        while 0 <= r < len(cells) and 0 <= c < len(cells[r]):
            target = cells[r][c]
            if target is not None and not target.disabled:
                if isinstance(target, GridCell):
                    target.reachable = True
                return target
            r, c = r + dr, c + dc
        return None

    def _page(self, cells: list[list[Widget | None]], pos: tuple[int, int], direction: int) -> Widget | None:
        """A screenful up or down in the same column: the cell that many rows away, or the
        nearest one before it that can be typed in (the first or last row at the ends;
        there the cursor stays, rather than the page scrolling the table away)."""
        step = self.page_rows()
        if not step:
            return None
        r0, c = pos
        r = min(max(r0 + direction * step, 0), len(cells) - 1)
        while r != r0:
            target = cells[r][c] if c < len(cells[r]) else None
            if target is not None and not target.disabled and not isinstance(target, GridCell):
                return target
            r -= direction
        return cells[r0][c]


class GridCell(Static, can_focus=True):
    """A computed cell of a grid (a 合计 row or column): read-only. The arrows reach it
    (to read a total with its row and column named under the table); Tab and Enter pass
    over it, so that typing row after row never stops on a total."""

    def __init__(self, grid: Grid, row: str, col: str, **kw: Any):
        super().__init__("—", markup=False, classes="cell computed", **kw)
        self.grid_field, self.row, self.col = grid, row, col
        self.path = f"{grid.key}.{row}.{col}"  # its address, as an editor's (never edited)
        self.shown = "—"
        self.reachable = False  # set by the arrows, just before they move here

    def allow_focus(self) -> bool:
        # In the focus chain only while it has the focus (Tab then goes on from here).
        return self.reachable or self.has_focus

    def _on_blur(self, event: events.Blur) -> None:
        self.reachable = False




def row_names(row: GridRow) -> tuple[str, str]:
    """(full name, short name) of a grid row. The full name puts the headings the row sits
    under before its own words (``三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密``); the
    short one, for a narrow label column, keeps only the numeral of its innermost heading
    (``（三）1.属于国家秘密``)."""
    label = clean_text(row.label)
    groups = tuple(clean_text(g) for g in row.groups if g)
    if not groups:
        return label, label.removeprefix("其中：") if row.indent else label
    last = groups[-1]
    if label.startswith(last) and len(label) > len(last):
        own = label[len(last):]
        m = ENUMERATOR.match(last)
        return " › ".join(groups + (own,)), (m.group(0) if m else "") + own
    return " › ".join(groups + (label,)), label


WIDE_CELL = 12  # a cell of a table shown as a plain form
NARROW_CELL = 8  # a cell of a table too big for that
MAX_CELL = 20  # the widest cell, for a long column heading
LABEL_MIN = 10  # the narrowest row-label column of a big table
MIN_ROWS = 3  # the fewest rows of a big table shown at once
HEAD_LINES = 2  # at most, for a column heading


class GridBody(ScrollableContainer, can_focus=False, inherit_bindings=False):
    """The cells of a table. When they do not fit they scroll here, both ways, and the
    column headings and row labels outside follow (see :class:`GridBox`). No keys of its
    own: the arrows move from cell to cell."""

    def __init__(self, box: "GridBox", *children: Widget):
        super().__init__(*children, classes="grid-body")
        self.box = box

    def on_resize(self) -> None:
        # Laid out anew (its size or that of the cells changed): the cell with the cursor back
        # in view, once the cells have their new places. (GridBox.fit asks for it too, but a
        # layout can follow that, as the page's scroll bar comes or goes.)
        if self.box.current is not None:
            self.call_after_refresh(self.box._keep_cursor_in_view)

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)
        self.box.follow_scroll()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.box.follow_scroll()

    def scroll_to_region(self, region: Region, *, spacing: Spacing | None = None, animate: bool = True,
                         center: bool = False, top: bool = False, **kw: Any) -> Offset:
        """Bring a cell into view: the least scrolling that shows it with a neighbouring
        row and column, at once (Textual would centre a newly focused cell with an
        animation, in here and again in the page); then the page shows the whole table,
        headings included. A table laid out as a form is left to Textual."""
        if not self.box.scrolls:
            return super().scroll_to_region(region, spacing=spacing, animate=animate, center=center, top=top, **kw)
        window = self.scrollable_content_region
        mx = min(self.box.cell_w + 1, max((window.width - region.width) // 2, 0))
        my = min(1, max((window.height - region.height) // 2, 0))
        wanted = region.grow(Spacing(my, mx, my, mx))
        delta = super().scroll_to_region(wanted, animate=False, immediate=True,
                                         force=kw.get("force", False), on_complete=kw.get("on_complete"))
        self.box.show_in_page()
        if center:
            # Textual's focus centring walks on to every container above with the cell's
            # region; an offset that moves the region out of this container ends the walk,
            # so the page is not centred on the cell (the table just placed it).
            return Offset(-(self.virtual_size.width + region.right + 1), 0)
        return delta


class GridBox(CellNavigation, Vertical):
    """A fixed table of cells. Arrows, Tab and Enter move from cell to cell, PageUp and
    PageDown a screenful; computed cells (合计) are read-only and follow every keystroke.

    A table that fits is laid out like a form: row labels in full, wide cells. A table
    that does not (many columns, long row names, more rows than the screen) keeps its
    column headings and row labels in place while the cells scroll both ways under them;
    the labels are shortened and the line under the table names the cell with the cursor
    in full (row and column), with its problem, if any. Only what the field declares is
    used: any plugin's grid gets the same treatment."""

    def __init__(self, page_id: str, field: Grid, session: Session, t=None, **kw: Any):
        super().__init__(classes="grid", **kw)
        self.page_id, self.field, self.session = page_id, field, session
        self.t = t or (lambda key, **_: "")
        names = [row_names(r) for r in field.rows]
        self.full_names = [full for full, _ in names]
        self.short_names = [(" " * min(r.indent, 2)) + short for r, (_, short) in zip(field.rows, names)]
        # as a plain form: the 其中 rows indented, "其中：" left out
        self.form_names = [(("\u3000" * r.indent) + r.label.removeprefix("其中：") if r.indent else r.label)
                           for r in field.rows]
        self.compact = False
        self.cell_w = WIDE_CELL
        self.label_w = 0
        self.rows_shown = len(field.rows)
        self.current: tuple[int, int] | None = None
        self._geometry: tuple | None = None  # (width, page height) laid out for
        self._tried: list[tuple[tuple, float]] = []
        self._issues: list[Issue] = []
        self._matrix: list[list[Widget | None]] | None = None
        self._where_key: tuple | None = None
        self._positions: dict[int, tuple[int, int]] | None = None
        self._head_texts = [[fit(clean_text(c.label), WIDE_CELL)] for c in field.columns]

    def compose(self):
        f = self.field
        cells: list[Widget] = []
        for r in f.rows:
            for c in f.columns:
                if r.sum_of or c.sum_of:
                    cells.append(GridCell(f, r.key, c.key))
                else:
                    path = f"{f.key}.{r.key}.{c.key}"
                    cells.append(FieldInput(self.page_id, path, self.session.text_at(self.page_id, path), classes="cell",
                                            numeric=f.cell.kind in NUMERIC))
        self._computed = [w for w in cells if isinstance(w, GridCell)]
        self._corner = Static("", classes="grid-corner")
        self._heads = Static("", classes="grid-heads")
        self._labels = Static("", classes="grid-labels")
        self._head_clip = Container(self._heads, classes="grid-clip grid-head-clip")
        self._label_clip = Container(self._labels, classes="grid-clip grid-label-clip")
        self._cells = GridLayout(*cells, classes="grid-cells")
        self._cells.styles.grid_size_columns = len(f.columns)
        self._body = GridBody(self, self._cells)
        self._where = WrappedText(classes="grid-where")
        yield Horizontal(self._corner, self._head_clip, classes="grid-head")
        yield Horizontal(self._label_clip, self._body, classes="grid-main")
        yield self._where

    def on_mount(self) -> None:
        self.refresh_computed()
        self._draw_labels()
        self.screen.screen_layout_refresh_signal.subscribe(self, self._screen_laid_out)

    def on_resize(self) -> None:
        self.fit()

    def _screen_laid_out(self, _screen: Any) -> None:
        self.fit()  # the page may have grown or shrunk (the issue list shown, the terminal resized)

    # -- geometry ------------------------------------------------------------------------------
    def _page_height(self) -> int:
        for node in self.ancestors:
            if isinstance(node, ScrollableContainer):
                return node.scrollable_content_region.height
        return self.screen.size.height

    def fit(self) -> None:
        """Lay the table out for the space it has: as a form when it fits, otherwise with
        the cells scrolling under fixed headings and labels, the table no taller than the
        page (so that its headings are on screen with any of its cells)."""
        width = self.size.width
        if width <= 0 or not self.is_attached:
            return
        height = self._page_height()
        key = (width, height)
        if key == self._geometry:
            return
        # A new layout can make the page's scroll bar appear or go, which changes the width
        # by one and may undo it: on coming back to a size tried a moment ago, keep the
        # narrower of the two rather than laying out for ever.
        now = time.monotonic()
        recent = [k for k, at in self._tried if now - at < 1.0]
        self._tried = [(k, at) for k, at in self._tried if now - at < 1.0] + [(key, now)]
        if key in recent:
            narrower = min((k for k in recent if k[1] == height), default=key)
            if narrower == self._geometry:
                return
            key = narrower
            width = key[0]
        self._geometry = key
        f = self.field
        n, nrows = len(f.columns), len(f.rows)
        room = max(height - 1, 1)  # a line for the field's label above the table

        # As a form, if the labels and headings can be shown (nearly) in full: wide cells
        # if the labels lose at most a quarter, otherwise narrow cells if they lose nothing
        # (the cells may still scroll up and down).
        natural = max((cell_len(x) for x in self.form_names), default=0)
        tolerated = max(natural * 3 // 4, min(natural, LABEL_MIN))
        widest_head = max((cell_len(clean_text(c.label)) for c in f.columns), default=0)
        tries = [(WIDE_CELL, tolerated), (NARROW_CELL, natural)]
        if WIDE_CELL < widest_head <= MAX_CELL:
            tries.insert(0, (widest_head, tolerated))  # headings on one line, if there is room
        for cw, enough in tries:
            heads = [self._head_lines(clean_text(c.label), cw) for c in f.columns]
            head_h = max((len(h) for h in heads), default=1)
            cut = any(cell_len("".join(h)) < cell_len(clean_text(c.label)) for h, c in zip(heads, f.columns))
            shown = min(nrows, max(room - head_h, MIN_ROWS))
            vbar = int(shown < nrows)
            label_w = width - n * (cw + 1) - vbar
            if label_w >= enough and not cut:
                self.compact, self.cell_w, self.label_w = False, cw, label_w
                where_h = hbar = 0
                break
        else:
            # Too big: narrow cells scrolling both ways under fixed headings and shortened
            # row labels, and the line under the table naming the current cell in full.
            self.compact, self.cell_w = True, NARROW_CELL
            cw = NARROW_CELL
            # the line under the table: the cell's name (two lines kept for it: the few
            # longer names push the table down a line) and its problem
            where_h = min(self._where_lines(width), 2) + 1
            if any(r.sum_of for r in f.rows) or any(c.sum_of for c in f.columns):
                where_h += 1  # the totals of the cell's row and column
            # Row labels: all the columns beside them if the labels keep a quarter of the
            # width; otherwise the labels keep two fifths and the cells scroll sideways.
            natural = max((cell_len(x) for x in self.short_names), default=0)
            enough = min(natural, max(LABEL_MIN, width // 4))
            wanted = min(natural, max(LABEL_MIN, width * 2 // 5))
            cells_w = n * cw + n - 1
            hbar = 0
            for _ in range(3):  # the scroll bars take room from each other: settle them
                shown = min(nrows, max(room - head_h - where_h - hbar, MIN_ROWS))
                vbar = int(shown < nrows)
                free = width - 1 - cells_w - vbar
                label_w = min(natural, free) if free >= enough else wanted
                new_hbar = int(width - 1 - label_w - vbar < cells_w)
                if new_hbar == hbar:
                    break
                hbar = new_hbar
            self.label_w = max(label_w, 1)
        cw = self.cell_w
        cells_w = n * cw + n - 1
        self.rows_shown = shown
        body_w = min(width - 1 - self.label_w, cells_w + vbar)
        self._corner.styles.width = self.label_w
        self._corner.styles.height = head_h
        self._head_clip.styles.width = max(body_w - vbar, 1)
        self._head_clip.styles.height = head_h
        self._heads.styles.width = cells_w + cw  # room to scroll as far as the cells
        self._heads.styles.height = head_h
        self._label_clip.styles.width = self.label_w
        self._label_clip.styles.height = shown
        self._labels.styles.width = self.label_w
        self._labels.styles.height = nrows + 1
        self._body.styles.width = body_w
        self._body.styles.height = shown + hbar
        self._body.styles.overflow_x = "scroll" if hbar else "hidden"
        self._body.styles.overflow_y = "scroll" if vbar else "hidden"
        self._cells.styles.grid_columns = " ".join([str(cw)] * n)
        self._cells.styles.width = cells_w
        self._cells.styles.height = nrows
        self._where.display = self.compact
        self._where.styles.min_height = where_h
        self._head_texts = heads
        self._draw_labels()
        self._draw_where()
        self.follow_scroll()
        if self.current is not None:
            self.call_after_refresh(self._keep_cursor_in_view)

    def _keep_cursor_in_view(self) -> None:
        """After a new layout (the terminal resized, the preview shown), the cell with the
        cursor is scrolled back into view."""
        focused = self.screen.focused if self.is_attached else None
        if focused is not None and self._position(focused) is not None:
            self._body.scroll_to_widget(focused, animate=False)

    @staticmethod
    def _head_lines(label: str, width: int) -> list[str]:
        """A column heading in lines of ``width`` (one for wide cells, at most two for
        narrow ones), cut with … if longer."""
        if width >= WIDE_CELL:
            return [fit(label, width)]  # as a form: one line
        lines = [line.plain for line in wrap_text(RichText(label), width)] or [""]
        if len(lines) > HEAD_LINES:
            lines = lines[: HEAD_LINES - 1] + [fit("".join(lines[HEAD_LINES - 1:]), width)]
        return lines

    def _where_lines(self, width: int) -> int:
        """Lines the longest full name of a cell takes (the line under the table is given
        that many, so that it does not jump as the cursor moves)."""
        longest_col = max((clean_text(c.label) for c in self.field.columns), key=cell_len, default="")
        return max((len(wrap_text(RichText(f"{name}（{longest_col}）"), width, hang=2)) for name in self.full_names),
                   default=1)

    def follow_scroll(self) -> None:
        """Keep the headings over their columns and the labels beside their rows."""
        x, y = round(self._body.scroll_x), round(self._body.scroll_y)
        self._heads.styles.offset = (-x, 0)
        self._labels.styles.offset = (0, -y)

    @property
    def scrolls(self) -> bool:
        """Whether the cells scroll (the table is bigger than its space)."""
        return self.compact or self.rows_shown < len(self.field.rows)

    def page_rows(self) -> int | None:
        return max(self.rows_shown - 1, 1)

    def show_in_page(self) -> None:
        """Scroll the page so that the whole table is on screen (it is never taller)."""
        for node in self.ancestors:
            if isinstance(node, ScrollableContainer):
                node.scroll_to_widget(self, animate=False, immediate=True)
                return

    # -- drawing -------------------------------------------------------------------------------
    def _draw_labels(self) -> None:
        if not hasattr(self, "_labels"):
            return
        width = self.label_w or max((cell_len(x) for x in self.form_names), default=0)
        names = self.short_names if self.compact else self.form_names
        row_now = self.current[0] if self.current and self.compact else None
        col_now = self.current[1] if self.current and self.compact else None
        labels = RichText()
        for i, name in enumerate(names):
            if i:
                labels.append("\n")
            text = fit(name, width)
            if i == row_now:
                labels.append(text + " " * max(width - cell_len(text), 0), style="reverse")
            else:
                labels.append(text)
        self._labels.update(labels)
        heads = self._head_texts
        cw = self.cell_w
        lines = []
        for k in range(max(len(h) for h in heads) if heads else 1):
            line = RichText()
            for ci, h in enumerate(heads):
                part = h[k] if k < len(h) else ""
                pad = " " * max(cw - cell_len(part), 0)
                line.append(part + pad, style="reverse" if ci == col_now else "")
                line.append(" ")
            lines.append(line)
        self._heads.update(RichText("\n").join(lines))

    def _totals(self, r: int, c: int) -> RichText | None:
        """The totals the cell at (r, c) counts in, so that they are in view wherever the
        table is scrolled: the row's computed columns (``本行总计 3119``) and the column's
        computed rows (``本列（七）总计 2932``). None for a table with no totals."""
        f = self.field
        sum_cols = [col for col in f.columns if col.sum_of]
        sum_rows = [row for row in f.rows if row.sum_of]
        if not sum_cols and not sum_rows:
            return None
        raw = self.session.raw(self.page_id, f.key)
        values = grid_values(f, raw if isinstance(raw, dict) else {})
        row, col = f.rows[r], f.columns[c]
        parts = [(self.t("row_total", label=clean_text(sc.label)), values[row.key][sc.key]) for sc in sum_cols]
        parts += [(self.t("column_total", label=clean_text(sr.label).removeprefix("其中：")), values[sr.key][col.key])
                  for sr in sum_rows]
        text = RichText()
        for n, (label, value) in enumerate(parts):
            if n:
                text.append(" ｜ ", style="dim")
            text.append(label + " ")
            text.append("—" if value is None else str(value), style="bold")
        return text

    def _draw_where(self) -> None:
        """The lines under a big table: the full name of the cell with the cursor, the
        totals it counts in, then its own problem (or, on one line, where the table's other
        problems are, or the keys)."""
        if not hasattr(self, "_where") or not self.compact:
            return
        width = self.size.width
        totals = self._totals(*self.current) if self.current is not None else None
        key = (self.current, width, totals.plain if totals is not None else None,
               tuple((i.field, i.message, i.severity) for i in self._issues))
        if key == self._where_key:
            return
        self._where_key = key
        lines: list[TextLine] = []
        own: list[Issue] = []
        if self.current is not None:
            r, c = self.current
            row, col = self.field.rows[r], self.field.columns[c]
            name = RichText(self.full_names[r])
            name.append("（")
            name.append(clean_text(col.label), style="bold")
            name.append("）")
            if row.sum_of or col.sum_of:
                name.append(self.t("computed_cell"), style="dim")
            lines.append((name, 2, True))
            if totals is not None:
                lines.append((totals, 2, True))
            path = f"{self.field.key}.{row.key}.{col.key}"
            own = [i for i in self._issues if i.field == path]
        mine = next(iter(sorted(own, key=lambda i: (i.rule == MISSING, i.severity != "error"))), None)
        if mine is not None and mine.rule != MISSING:
            # the cell's own problem, in full
            error = mine.severity == "error"
            text = ("✗ " if error else "! ") + clean_text(mine.message)
            lines.append((RichText(text, style="red" if error else "yellow"), 2, True))
        elif mine is not None:
            lines.append((RichText(fit("◦ " + clean_text(mine.message), width), style="dim"), 0, False))
        else:
            # Another cell's problem is never shown as if it were this one's: where the
            # others are, on one line, named by their cells (F4 goes to each).
            others = sorted((i for i in self._issues if i.rule != MISSING),
                            key=lambda i: (i.severity != "error", self._sort_key(i.field)))
            if others:
                first = others[0]
                error = first.severity == "error"
                text = self.t("other_problems", n=len(others), where=self._cell_name(first.field),
                              message=clean_text(first.message))
                lines.append((RichText(fit(("✗ " if error else "! ") + text, width), style="red" if error else "yellow"),
                              0, False))
            else:
                lines.append((RichText(fit(self.t("grid_keys"), width), style="dim"), 0, False))
        self._where.set_lines(lines)

    def _sort_key(self, path: str | None) -> tuple[int, int]:
        _, _, a, b = parse_path(path or "")
        rows = [r.key for r in self.field.rows]
        cols = [c.key for c in self.field.columns]
        return (rows.index(a) if a in rows else len(rows), cols.index(b) if b in cols else len(cols))

    def _cell_name(self, path: str | None) -> str:
        """A cell's short name: ``（三）8.属于行政查询事项（自然人）``."""
        r, c = self._sort_key(path)
        if r >= len(self.field.rows):
            return clean_text(self.field.label)
        name = self.short_names[r].strip()
        return name + (f"（{clean_text(self.field.columns[c].label)}）" if c < len(self.field.columns) else "")

    def on_descendant_focus(self, event: Any) -> None:
        pos = self._position(event.widget)
        if pos != self.current:
            self.current = pos
            if self.compact:
                self._draw_labels()
            self._draw_where()
        if self.scrolls and pos is not None:
            # The cell with a neighbouring row and column in view, whatever moved the cursor
            # (Textual scrolls to a focused widget only when it is not wholly in view by
            # its last drawing: on a busy machine, after a move, sometimes not).
            self._body.scroll_to_widget(event.widget, animate=False, immediate=True)
            self.show_in_page()  # arriving from the field above or below: the whole table

    def on_descendant_blur(self, event: Any) -> None:
        if self.current is not None and self._position(self.screen.focused) is None:
            self.current = None
            if self.compact:
                self._draw_labels()
            self._draw_where()

    def _position(self, widget: Any) -> tuple[int, int] | None:
        if self._positions is None:
            self._positions = {id(w): (ri, ci) for ri, row in enumerate(self.matrix())
                               for ci, w in enumerate(row) if w is not None}
        return self._positions.get(id(widget)) if widget is not None else None

    # -- values and problems -------------------------------------------------------------------
    def refresh_computed(self) -> None:
        raw = self.session.raw(self.page_id, self.field.key)
        values = grid_values(self.field, raw if isinstance(raw, dict) else {})
        for cell in self._computed:
            value = values[cell.row][cell.col]
            text = "—" if value is None else str(value)
            if text != cell.shown:
                cell.shown = text
                cell.update(text)

    def show_issues(self, issues: list[Issue]) -> None:
        self._issues = list(issues)
        self._draw_where()

    def matrix(self) -> list[list[Widget | None]]:
        if self._matrix is None:
            cells: dict[str, Widget] = {w.path: w for w in self.query(FieldInput)}
            cells.update((f"{self.field.key}.{w.row}.{w.col}", w) for w in self._computed)
            self._matrix = [[cells.get(f"{self.field.key}.{r.key}.{c.key}") for c in self.field.columns]
                            for r in self.field.rows]
        return self._matrix


def grid_values(field: Grid, raw: dict) -> dict[str, dict[str, Any]]:
    """Every cell from what is stored, computed ones included; a computed cell is None
    while a cell it adds up is empty or wrong."""
    clean: dict[str, dict[str, Any]] = {}
    for r in field.rows:
        if r.sum_of:
            continue
        stored = raw.get(r.key)
        stored = stored if isinstance(stored, dict) else {}
        row: dict[str, Any] = {}
        for c in field.columns:
            if c.sum_of:
                continue
            try:
                row[c.key] = field.cell.load(stored.get(c.key))
            except Exception:  # noqa: BLE001 - a value typed wrong: the total is unknown
                row[c.key] = None
        clean[r.key] = row
    return field.full(clean)
