"""From blocks (any kind of document) to a nianbao report of a format, by the format's own
layout (:mod:`.layout`): sections by their headings, table rows by their printed labels,
figures by their printed positions, prose by sub-headings and by where the format prints
each field. What the document has that the format does not (a heading worded differently,
an older label, a blank cell, a sixth sub-heading, text that maps nowhere) is kept as found
in the ``[import]`` table of the report, and :mod:`.record` reports it when checking.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..document import Block
from ..fields import Grid
from ..engine.report import META, Report
from .digits import splits
from .layout import ENTRY_NUMBER, Layout, PrintedRow, SectionLayout, Sentence, Slot, layout_of, norm, norm_map, original
from .files import ImportFailed
from .readers import read_blocks
from .record import REWORDED, SUBHEADING_KEPT

__all__ = ["Imported", "import_path", "import_blocks", "IMPORT_KEY"]

IMPORT_KEY = "import"  # the table of the report file that records the import

_NUMERALS = "一二三四五六七八九十"
_H1 = re.compile(r"^([一二三四五六七八九十]{1,3})\s*[、.．]\s*(.{2,60})$")
_SUB = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]\s*(.*)$")
_NUMBER = r"[+-]?\d[\d,，]*(?:\.\d+)?"
_BLANK_VALUES = {"", "/", "-", "—", "——", "－", "无", "空", "\\"}
_VALUES_AT_END = re.compile(r"^(.*?)((?:\s*(?:" + _NUMBER + r"|[/—－]))+)\s*$")
_TITLE = re.compile(r"^(?P<unit>.*?)(?:关于)?(?:(?P<year>(?:19|20)\d{2})\s*年度?)(?P<unit_after>[^\d]{0,30}?)(?:的)?\s*政府信息公开(?:工作)?(?:年度)?(?:工作)?报告")


@dataclass
class Imported:
    report: Report
    kind: str
    record: dict[str, Any]

    @property
    def deviations(self) -> list[dict[str, Any]]:
        return self.record.get("deviations", [])

    @property
    def unmapped(self) -> list[dict[str, Any]]:
        return self.record.get("unmapped", [])


_LAYOUTS: dict[tuple[int, str], Layout] = {}


def _layout(host, fmt) -> Layout:
    key = (id(host), fmt.id)
    if key not in _LAYOUTS:
        _LAYOUTS[key] = layout_of(host, fmt)
    return _LAYOUTS[key]


def import_path(host, path, *, format_id: str | None = None, year: int | None = None, unit: str | None = None,
                level: str | None = None, data: bytes | None = None) -> Imported:
    p = Path(path)
    kind, blocks = read_blocks(p, data)
    return import_blocks(host, blocks, p, kind, format_id=format_id, year=year, unit=unit, level=level)


# -- recognising the document -------------------------------------------------------------
def _paragraphs(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks if b.kind != "table"]


def _title_and_year(blocks: list[Block]) -> tuple[str, str | None, int | None, range]:
    """The title (short paragraphs before the body, possibly after a line or two such as a
    source address), the unit and year it names, and the index of the block after it."""
    for start in range(0, 4):
        texts: list[str] = []
        for i in range(start, min(start + 6, len(blocks))):
            b = blocks[i]
            if b.kind == "table" or _H1.match(b.text) or "。" in b.text or len(b.text) > 60:
                break
            if _DOCNO.fullmatch(norm(b.text)) and not texts:
                break  # the 文号 above the title: the title starts after it
            texts.append(b.text)
            m = _TITLE.search(norm("".join(texts)))
            if m:
                # the unit is named on the title's own line or the line before it (not in a
                # site's navigation above: “返回首页”)
                # (a title over three lines or more: the last two alone may not read as one)
                alone = _TITLE.search(norm(b.text))
                last_two = _TITLE.search(norm("".join(texts[-2:]))) if len(texts) > 1 else None
                unit = alone.group("unit") if alone and alone.group("unit") else (last_two or m).group("unit")
                unit = unit or m.group("unit_after") or None
                return "".join(t.strip() for t in texts), unit, int(m.group("year")), range(start, i + 1)
    return "", None, None, range(0)


def _heading_score(text: str, heading: str) -> float:
    a, b = norm(text), norm(heading)
    if a == b:
        return 1.0
    if b in a or a in b:
        return 0.9
    return difflib.SequenceMatcher(None, a, b).ratio()


def _h1(b: Block) -> tuple[int, str] | None:
    if b.kind == "table":
        return None
    m = _H1.match(b.text.strip())
    if not m or _VALUES_AT_END.match(m.group(2)) and re.search(r"\d\s*$", m.group(2)):
        return None
    if "。" in m.group(2)[:-1] or len(m.group(2)) > 40:
        return None
    return _NUMERALS.index(m.group(1)[0]) + 1 if len(m.group(1)) == 1 else 10, m.group(2).strip("。 ")


def _split_sections(blocks: list[Block], layout: Layout) -> tuple[list[Block], dict[int, tuple[Block, list[Block]]], list[Block], list[tuple[Block, list[Block], int]]]:
    """``(front, {section index: (heading block, blocks)}, back, parts of the report's own)``;
    each part of its own with the index of the section it follows."""
    parsed = {k: h for k, b in enumerate(blocks) if (h := _h1(b)) is not None}
    heads = [(k, h[1]) for k, h in parsed.items()]
    scores = {k: [_heading_score(text, sl.heading) for sl in layout.sections] for k, text in heads}
    # Headings that name a section outright first (a report may renumber its parts or put
    # parts of its own between them), then the others in order between them.
    chosen: dict[int, int] = {}  # block index -> section index
    for i in range(len(layout.sections)):
        strong = [k for k, _ in heads if scores[k][i] >= 0.85 and k not in chosen and scores[k][i] == max(scores[k])]
        if strong:
            chosen[min(strong, key=lambda k: (-scores[k][i], k))] = i
    for k, _ in heads:
        if k in chosen:
            continue
        before = max((i for kk, i in chosen.items() if kk < k), default=-1)
        after = min((i for kk, i in chosen.items() if kk > k), default=len(layout.sections))
        free = [i for i in range(before + 1, after) if i not in chosen.values()]
        if free:
            # the next section in order is what a numbered heading most likely is
            i = max(free, key=lambda i: (scores[k][i], -i))
            if scores[k][i] >= 0.6:
                chosen[k] = i
    front: list[Block] = []
    found: dict[int, tuple[Block, list[Block]]] = {}
    extra: list[tuple[Block, list[Block], int]] = []
    current: list[Block] = front
    texts = dict(heads)
    numeral = 0  # of the last heading: a part of the report's own follows it in sequence
    last = -1  # the section the blocks are in
    for k, b in enumerate(blocks):
        if k in chosen:
            found[chosen[k]] = (b, [])
            current = found[chosen[k]][1]
            numeral = parsed[k][0]
            last = chosen[k]
            continue
        if (k in texts and found and len(texts[k]) <= 30 and not re.search(r"\d\s*$", texts[k])
                and parsed[k][0] == numeral + 1):
            extra.append((b, [], last))
            current = extra[-1][1]
            numeral += 1
            continue
        current.append(b)
    back: list[Block] = []
    if found:  # the closing (署名, 日期, 附注) follows the last section's text
        last_blocks = found[max(found)][1]
        cut = len(last_blocks)
        for i in range(len(last_blocks) - 1, max(len(last_blocks) - 7, -1), -1):
            b = last_blocks[i]
            if b.kind == "table" or not _closing_like(b.text):
                break
            cut = i
        back = last_blocks[cut:]
        del last_blocks[cut:]
    return front, found, back, extra


def _parts_without_heading(layout: Layout, found: dict[int, tuple[Block, list[Block]]]) -> set[int]:
    """Parts whose heading the document lacks (a PDF converted to Markdown loses a heading
    that stood right under a table) but whose text is there, run on after the part before:
    from a （一） sub-heading after that part's tables whose wording is this part's (its
    heading, its fields' labels and sub-headings) more than the part before's. The text is
    moved into ``found`` under that sub-heading; the indexes of the parts so placed."""
    placed: set[int] = set()
    for i, sl in enumerate(layout.sections):
        if i in found or i - 1 not in found:
            continue
        _, body = found[i - 1]
        start = 1 + max((k for k, b in enumerate(body) if b.kind == "table"), default=-1)
        for k in range(start, len(body)):
            sub = _split_sub(body[k].text) if body[k].kind != "table" else None
            if sub is None or sub[0] != "一":
                continue
            title = re.sub(r"(?:19|20)\d{2}\s*年度?", "", norm(sub[1]))
            if _wording_score(title, sl) >= 0.6 and _wording_score(title, sl) > _wording_score(title, layout.sections[i - 1]):
                found[i] = (Block("paragraph", body[k].text if not sub[2] else f"（{sub[0]}）{sub[1]}"), body[k:])
                del body[k:]
                placed.add(i)
            break
    return placed


def _wording_score(title: str, sl: SectionLayout) -> float:
    """How much a sub-heading reads like a part of the format: its heading, a field's
    label, a sub-heading it prints."""
    words = [norm(w) for w in [sl.heading, *(f.label for f in sl.section.fields), *(p.title for p in sl.prose)] if w]
    return max((max(difflib.SequenceMatcher(None, title, w).ratio(), len(title) / len(w) if title in w else 0.0)
                for w in words), default=0.0)


def _parts_as_sub_headings(layout: Layout, extra: list[tuple[Block, list[Block], int]], report: Report,
                           record: "_Record") -> list[tuple[Block, list[Block]]]:
    """Parts of the report's own that are sub-headings of the section before them in the
    format (a report that numbers 二、工作机制保障 … 六、政府信息公开平台建设 as parts after
    一、总体情况, where the format prints them as 一's （一）…（五）): each goes to the sub-heading
    of that section its wording names (its own heading kept), and when exactly one part and
    one sub-heading are left, to that one. The heading's move is a finding. Returns the parts
    that stay parts of their own (kept in the record)."""
    left: list[tuple[Block, list[Block]]] = []
    for k in dict.fromkeys(after for _, _, after in extra):
        parts = [(head, body) for head, body, after in extra if after == k]
        sl = layout.sections[k] if k >= 0 else None
        table = report.section_data(sl.section.id, create=True) if sl is not None else {}
        free = [p for p in (sl.prose if sl is not None else []) if p.kind == "titled" and not table.get(p.key)]
        if not free or any(b.kind == "table" for _, body in parts for b in body):
            left.extend(parts)
            continue
        titles = {id(head): re.sub(r"^[一二三四五六七八九十]+\s*[、.．]\s*", "", head.text.strip()) for head, _ in parts}
        pairs = sorted(((_heading_score(titles[id(h)], p.title), n, m) for n, (h, _) in enumerate(parts) for m, p in enumerate(free)),
                       reverse=True)
        chosen: dict[int, int] = {}  # part -> sub-heading
        for score, n, m in pairs:
            if score >= 0.6 and n not in chosen and m not in chosen.values():
                chosen[n] = m
        alone = [n for n in range(len(parts)) if n not in chosen]
        rest = [m for m in range(len(free)) if m not in chosen.values()]
        closest: set[int] = set()
        if len(alone) == len(rest) > 1:
            # as many parts as sub-headings left: a pair each is the closest of the other wins
            closeness = {(n, m): sc for sc, n, m in pairs if n in alone and m in rest}
            for n in alone:
                m = max(rest, key=lambda m: closeness[(n, m)])
                if closeness[(n, m)] > 0 and all(closeness[(n, m)] > closeness[(x, m)] for x in alone if x != n) \
                        and all(closeness[(n, m)] > closeness[(n, y)] for y in rest if y != m):
                    chosen[n] = m
                    closest.add(n)
            alone = [n for n in range(len(parts)) if n not in chosen]
            rest = [m for m in range(len(free)) if m not in chosen.values()]
        by_elimination = len(alone) == 1 and len(rest) == 1
        if by_elimination:
            chosen[alone[0]] = rest[0]
        assert sl is not None
        for n, (head, body) in enumerate(parts):
            if n not in chosen:
                left.append((head, body))
                continue
            slot = free[chosen[n]]
            title = titles[id(head)]
            how = ("措辞不同，按剩下的唯一位置" if by_elimination and n == alone[0] else
                   "按措辞（剩下的小标题中最相近的）" if n in closest else "按措辞")
            record.deviation("V-STRUCT", sl.section.id, slot.title_key or slot.key, head.text,
                             f"“{head.text}”是单独的一部分，格式中是“{_NUMERALS[k]}、{sl.heading}”的小标题“{slot.title}”："
                             f"{how}作为这一小标题导入（小标题保留原文）", found=head.text, mapped_to=slot.title)
            if slot.title_key and norm(title) != norm(slot.title):
                table[slot.title_key] = title
            for b in body:
                _append(table, slot.key, b.text if b.kind != "table" else "")
    return left


# A 成文日期 whose 年/月/日 a web page lost (they stood in styled spans): “201918” for 2019年1月8日.
# Which digits are the month and which the day is not always clear: said, never guessed.
_BARE_DATE = re.compile(r"(?:19|20)\d{2}\d{2,4}")


def _closing_like(text: str) -> bool:
    """署名, 成文日期, 附注 or 印发 line: short, not a sentence, not a table's figures."""
    t = norm(text)
    if _BARE_DATE.fullmatch(t):
        return True
    if _FIGURES_ONLY.match(text) or _VALUES_AT_END.match(text) and not _cn_date(text) and "印发" not in t:
        return False
    return len(t) <= 40 and (not re.search(r"[，,；;。]", t) or bool(re.fullmatch(r"[(（]此件.{1,10}[)）]", t)))


def detect_format(host, blocks: list[Block], year: int | None):
    """The format whose section headings the document has most of (ties: the year's)."""
    best, best_score = None, 0
    for fmt in host.formats.values():
        layout = _layout(host, fmt)
        _, found, _, _ = _split_sections(blocks, layout)
        score = len(found) * 10
        if year is not None and (fmt.first_year or 0) <= year <= (fmt.last_year or 9999):
            score += 5
        if score > best_score:
            best, best_score = fmt, score
    return best, best_score


# -- tables ---------------------------------------------------------------------------------
@dataclass
class FoundRow:
    label: str  # this row's own label text
    context: str  # label text of header rows / lines just before it
    values: list[str]  # figures as printed ("" for a blank cell)
    where: str
    run_together: bool = False
    lines: list[str] = field(default_factory=list)  # the lines of ``context`` (text files)
    headers: list[str] = field(default_factory=list)  # the table's caption and column headers above the row


def _is_value(text: str) -> bool:
    """A figure in a table cell, possibly with its unit written after it (“251000元”: the
    cell is still a figure, which the field then refuses with a message, never a label)."""
    t = norm(text).replace(",", "")
    return bool(re.fullmatch(r"[+-]?\d+(\.\d+)?(元|万元|亿元|件|条|个|项|次|人次|%)?", t))


def _rows_from_table(table, where: str, laid_out: bool = False) -> list[FoundRow]:
    """The rows of figures of a table, each with the labels and headers above it. In a
    table ``laid_out`` as published (a Word or web page table, not one rebuilt from text), a
    row of labels followed by two or more empty cells is a row whose figures were left blank,
    not a header."""
    rows: list[FoundRow] = []
    context: list[str] = []
    headers: list[str] = []  # the rows without figures just above: caption and column headers
    in_headers = False
    grid = table.grid()
    for r, cells in enumerate(grid):
        texts = [c.text.strip() if c is not None else None for c in cells]
        last_label = max((i for i, t in enumerate(texts) if t and not _is_value(t) and norm(t) not in _BLANK_VALUES),
                         default=-1)
        if all(t is None or re.fullmatch(r":?-{3,}:?|", t) for t in texts):
            continue  # a Markdown table's rule
        # A blank cell keeps its place (a figure left out, not a column less); the empty
        # cells a copied table leaves at its right edge are dropped when the row is matched.
        values = [t for t in texts[last_label + 1:] if t is not None]
        labels = [t for t in texts[:last_label + 1] if t]
        blank_row = laid_out and labels and len(values) >= 2 and not any(norm(v) for v in values)
        if any(_is_value(v) for v in values) or blank_row:
            rows.append(FoundRow(" ".join(labels), " ".join(context), [norm(v).replace(",", "") for v in values],
                                 f"{where}第{r + 1}行", headers=list(headers)))
            context = []
            in_headers = False
        else:
            context.extend(labels)
            if not in_headers:
                headers, in_headers = [], True
            headers.extend(labels)
    return rows


def _row_from_line(text: str, where: str) -> FoundRow | None:
    m = _VALUES_AT_END.match(text.strip())
    if not m:
        return None
    label, numbers = m.group(1).strip(), m.group(2).split()
    if label and label[-1] in "年月日第至（(":
        return None  # “2024年”, “第3”: a number inside a sentence
    if label and re.search(r"[。；;，,]$", label):
        return None
    values = [norm(n).replace(",", "").replace("，", "") for n in numbers]
    return FoundRow(label, "", values, where)


class _TableReader:
    """Matches found rows to the rows the format prints, and fills the report's cells."""

    def __init__(self, sl: SectionLayout, report: Report, record: "_Record", sections: dict[str, Any]):
        # a table may print other sections' cells (the Fujian 附表 in 六 shows 二, 三 and 四)
        self.sl, self.report, self.record, self.sections = sl, report, record, sections
        self.filled: set[int] = set()
        self.last = -1
        self.pending: list[tuple[PrintedRow, FoundRow, list[tuple[int, ...]]]] = []
        # every table row in the document's order with the printed row it took (None: its
        # label names no row; :meth:`_place_by_order` may place it between its neighbours)
        self.order: list[tuple[int | None, FoundRow]] = []

    def match(self, row: FoundRow) -> int | None:
        # Labels as printed first (cheap, and what nearly every row has); the slower
        # comparisons only when no row is named outright.
        best, best_score = None, 0.0
        for i, pr in enumerate(self.sl.rows):
            if i in self.filled:
                continue
            score = _label_score(row.context + row.label, row.label, row, pr, cheap=True)
            if score > best_score + 1e-9 or (abs(score - best_score) < 1e-9 and best is not None and best < self.last < i):
                best, best_score = i, score
        if best_score >= 0.94:
            return best
        best, best_score = None, 0.0
        for i, pr in enumerate(self.sl.rows):
            if i in self.filled:
                continue
            score = _label_score(row.context + row.label, row.label, row, pr)
            if score < 0.9 and pr.context and row.lines:
                # a PDF puts pieces of the row-spanning labels (“理结果”, “其他处”) among the
                # row's own: read the label without them
                spans = norm(pr.context)
                kept = [ln for ln in row.lines + [row.label] if norm(ln) and norm(ln) not in spans]
                own = row.label if norm(row.label) not in spans else ""
                score = max(score, _label_score("".join(kept), own, row, pr))
            if score > best_score + 1e-9 or (abs(score - best_score) < 1e-9 and best is not None and best < self.last < i):
                best, best_score = i, score
        if best is None or best_score < 0.6:
            return None
        return best

    def add(self, row: FoundRow, in_table: bool = False) -> bool:
        """Reads ``row`` into the printed row its label names. A row of a table
        (``in_table``) whose label names none is kept in order, for :meth:`finish` to place
        between its neighbours; a line of text is refused (it may be prose)."""
        i = self.match(row)
        if i is not None and self._too_few_digits(row, self.sl.rows[i]):
            i = None  # a lone figure near a label (a page number): not that row's figures
        if i is None:
            if self._group_alone(row):
                return True
            if in_table:
                self.order.append((None, row))
                return True
            return False
        self.order.append((i, row))
        return self._take(i, row)

    @staticmethod
    def _too_few_digits(row: FoundRow, pr: PrintedRow) -> bool:
        """Fewer digits than the row has cells to type: whatever the figures are, they
        cannot be this row's, run together or not."""
        typed = sum(1 for s in pr.slots if not s.computed)
        digits = "".join(row.values)
        return len(row.values) < typed and digits.isdigit() and len(digits) < typed

    def _take(self, i: int, row: FoundRow, by_order: str = "") -> bool:
        pr = self.sl.rows[i]
        values = row.values
        candidates: list[tuple[Any, ...]]  # a cell that is not a whole number stays text
        n = len(pr.slots)
        foreign = _foreign_headers(row.headers, pr.headers)
        if foreign:
            self._foreign(i, pr, row, foreign)
            return True
        values = list(values)
        while len(values) > n and not values[-1]:
            values.pop()  # the empty cells a copied table leaves at its right edge
        while len(values) > n and not values[0]:
            values.pop(0)  # a label column left empty (「（七）总计」 beside no sub-label in a ruled PDF table)
        if len(values) == n:
            candidates = [tuple(int(v) if re.fullmatch(r"\d+", v) else v for v in values)]
        else:
            typed = [k for k, s in enumerate(pr.slots) if not s.computed]
            if len(values) == len(typed) and len(values) < n:
                full: list[Any] = [None] * n
                for k, v in zip(typed, values):
                    full[k] = v
                candidates = [tuple(full)]
            elif len(values) < n and all(re.fullmatch(r"\d+", v) for v in values):
                candidates = splits(values, n, pr.sums)
                row.run_together = True
                if not candidates:
                    self.record.deviation("V-STRUCT", pr.slots[0].section, _row_field(pr), row.where,
                                          f"「{pr.label or '表格'}」一行的数字连在一起（{''.join(values)}），"
                                          f"没有一种拆分能满足本行的合计关系，未导入", found=" ".join(values))
                    self.filled.add(i)
                    return True
            else:
                self.record.deviation("V-STRUCT", pr.slots[0].section, _row_field(pr), row.where,
                                      f"「{pr.label or '表格'}」一行有{len(values)}个数，格式中是{n}个，未导入",
                                      found=" ".join(values))
                self.filled.add(i)
                return True
        self.filled.add(i)
        self.last = i
        found_label = (row.context + " " + row.label).strip()
        own = norm(pr.label.split(" ")[-1]) if pr.label else ""
        # a piece from the middle (or start) of the label is the line a PDF wrapped it on, with the
        # figures; an older label is a shorter one of its own (规范性文件 for 行政规范性文件)
        wrapped = bool(norm(row.label)) and norm(row.label) in own and not own.endswith(norm(row.label))
        if by_order:
            self.record.deviation("V-STRUCT", pr.slots[0].section, _row_field(pr), row.where,
                                  f"这一行数字旁{'只有行名的片段“' + row.label + '”' if row.label else '没有行名'}"
                                  f"（行名与数字在转换中分开了）：按表中的次序{by_order}，作为「{_row_name(pr)}」导入",
                                  found=(row.label + " " + " ".join(row.values)).strip(), mapped_to=pr.label, severity="info")
        elif pr.label and norm(row.label) and not wrapped and not norm(row.context + row.label).endswith(norm(pr.label)) \
                and not norm(row.context + row.label).endswith(own):
            self.record.deviation("V-TEMPLATE", pr.slots[0].section, _row_field(pr), row.where,
                                  f"表格行名“{row.label}”与格式中的“{pr.label.split(' ')[-1]}”不同（按后者导入）",
                                  found=row.label, mapped_to=pr.label)
        self.pending.append((pr, row, candidates))
        self.record.tables.append({"section": self.sl.section.id, "row": pr.slots[0].path.rsplit(".", 1)[0] if pr.slots[0].col else pr.slots[0].path,
                                   "where": row.where, "label": found_label, "figures": " ".join(row.values)})
        return True

    def _group_alone(self, row: FoundRow) -> bool:
        """A row labelled only with a group the format splits into numbered rows (the 2019
        form's （六）其他处理 is one row; the 2021 form has 1.–3. under it): its figures are
        the group's, no single row's, so none is imported and each row is named."""
        label = norm(row.label)
        members = [i for i, pr in enumerate(self.sl.rows) if i not in self.filled and len(cells := pr.label.split(" ")) > 1
                   and norm(cells[-2]) == label and _SUB_ITEM.match(cells[-1])]
        if not label or not members:
            return False
        first = self.sl.rows[members[0]]
        group = [i for i, pr in enumerate(self.sl.rows) if i not in self.filled and label in norm(pr.context + pr.label)
                 and _SUB_ITEM.match(pr.label.split(" ")[-1])]
        rows = list(dict.fromkeys(members + group))
        names = "；".join(self.sl.rows[i].label.split(" ")[-1] for i in rows)
        # Figures are whole numbers of at least 0: a group printed as 0 in every column has
        # one split only, every row under it 0. Any other figure could be split many ways.
        figures = [v for v in row.values if v]
        zeros = bool(figures) and all(v == "0" for v in figures) and all(len(figures) == len(self.sl.rows[i].slots) for i in rows)
        for i in rows:
            self.filled.add(i)
            pr = self.sl.rows[i]
            if zeros:
                self.pending.append((pr, row, [tuple(0 for _ in pr.slots)]))
                self.record.tables.append({"section": self.sl.section.id, "row": pr.slots[0].path.rsplit(".", 1)[0],
                                           "where": row.where, "label": row.label, "figures": " ".join(figures)})
            self.record.deviation("V-TEMPLATE", pr.slots[0].section, _row_field(pr), row.where,
                                  f"「{row.label}」是一行（旧版格式，如2019年试行格式），格式中分为{len(rows)}项（{names}）："
                                  + ("原文这一行全是0，各项也只能都是0，已按0导入" if zeros else "原文的数字无法分到各项，未导入，请按原件填写"),
                                  found=" ".join(row.values), mapped_to=first.label)
        if not zeros:
            self.record.keep(row.where, (row.label + " " + " ".join(row.values)).strip(), "旧版格式的合并行（未导入）")
        return True

    def _foreign(self, i: int, pr: PrintedRow, row: FoundRow, foreign: list[str]) -> None:
        """A row under column headers the format does not print (the 2019 试行 table 二:
        本年新制作数量 / 本年新公开数量 / 对外公开总数量 where the 2021 form has 本年制发件数 /
        本年废止件数 / 现行有效件数): the figures mean something else, so none is imported."""
        self.filled.add(i)
        printed = [h for h in pr.headers if not any(_same_header(norm(h), norm(f)) for f in row.headers)]
        caption = next((h for h in row.headers if re.search(r"第.+条|^表", h)), "")
        name = pr.label.split(" ")[-1] if pr.label else "表格"
        self.record.deviation(
            "V-TEMPLATE", pr.slots[0].section, _row_field(pr), row.where,
            f"表格{('「' + caption + '」') if caption else ''}的列“{'、'.join(foreign)}”不是本格式的列"
            f"（格式中是“{'、'.join(printed) or '、'.join(pr.headers)}”）：这是另一版格式（如2019年试行格式）的表格，"
            f"含义不同，「{name}」一行未导入，原文保留在导入记录中", found=" ".join(row.values), mapped_to=pr.label)
        self.record.keep(row.where, (row.label + " " + " ".join(row.values)).strip(), "另一版格式的表格行（列不同，未导入）")

    def _place_by_order(self) -> None:
        """Rows whose labels were parted from their figures (a PDF converted to Markdown
        puts the label column's text apart, before or after the figures): a run of such rows
        between two rows that were named, with as many printed rows left between those two,
        are those rows in order — when every row has the printed row's count of figures and
        any piece of label it kept is part of that row's label. Otherwise they stay unplaced
        and are kept in the record."""
        runs: list[tuple[int, int, list[FoundRow]]] = []  # (printed row before, after, the rows)
        before, run = -1, []
        for i, row in self.order:
            if i is None:
                run.append(row)
                continue
            if run:
                runs.append((before, i, run))
            before, run = i, []
        if run:
            runs.append((before, len(self.sl.rows), run))
        placed: set[int] = set()
        for start, end, rows in runs:
            free = [i for i in range(start + 1, end) if i not in self.filled]
            if end <= start or len(free) != len(rows):
                continue
            if not all(self._fits(self.sl.rows[i], row) for i, row in zip(free, rows)):
                continue
            after = f"「{_row_name(self.sl.rows[start])}」" if start >= 0 else ""
            until = f"「{_row_name(self.sl.rows[end])}」" if end < len(self.sl.rows) else ""
            between = f"（在{after}与{until}之间）" if after and until else f"（在{after}之后）" if after else \
                f"（在{until}之前）" if until else ""
            for i, row in zip(free, rows):
                self._take(i, row, by_order=between or "（表中唯一的位置）")
                placed.add(id(row))
        for i, row in self.order:
            if i is None and id(row) not in placed:
                self.record.keep(row.where, " ".join(t for t in (row.context, row.label, *row.values) if t), "表格中格式没有的行")

    @staticmethod
    def _fits(pr: PrintedRow, row: FoundRow) -> bool:
        values = list(row.values)
        while len(values) > len(pr.slots) and not values[-1]:
            values.pop()
        typed = sum(1 for s in pr.slots if not s.computed)
        if len(values) not in (len(pr.slots), typed) or not any(_is_value(v) for v in values):
            return False
        own = norm(row.label)
        return not own or own in norm(pr.context + pr.label)

    def finish(self) -> None:
        """Place the rows whose labels were parted from them; choose among the splits of
        rows that ran together (the format's 合计 rows decide where a row alone does not),
        then write every figure into its cell; say which printed rows were not found."""
        self._place_by_order()
        for i, pr in enumerate(self.sl.rows):
            if i not in self.filled and any(not s.computed for s in pr.slots):
                self.record.deviation("V-STRUCT", pr.slots[0].section, _row_field(pr), "表格",
                                      f"表格中没有找到（或读不出）「{_row_name(pr)}」一行的数字，未导入，请按原件填写")
        choice = self._choose()
        for (pr, row, candidates), values in zip(self.pending, choice):
            if values is None:
                if len(candidates) > 1:
                    shown = "；".join(" ".join(str(x) for x in c) for c in candidates[:4])
                    more = "……" if len(candidates) > 4 else ""
                    # figures in cells of their own: a cell may be missing rather than figures run together
                    what = (f"一行只有{len(row.values)}格数字（{' '.join(row.values)}），格式中是{len(pr.slots)}格："
                            "或是转换时少了格，或是格中的数字连在一起，" if len(row.values) > 1 else
                            f"一行的数字连在一起（{''.join(row.values)}），")
                    self.record.deviation("V-STRUCT", pr.slots[0].section, _row_field(pr), row.where,
                                          f"「{pr.label or '表格'}」{what}"
                                          f"有{len(candidates) if len(candidates) < 50 else '50多'}种拆分都满足表中的合计关系"
                                          f"（{shown}{more}），未导入，请按原件填写", found=" ".join(row.values))
                continue
            if row.run_together:
                self.record.deviation("V-NUMFMT", pr.slots[0].section, _row_field(pr), row.where,
                                      f"「{pr.label or '表格'}」一行的数字连在一起（{''.join(row.values)}），"
                                      f"按表中的合计关系拆分为 {' '.join(str(v) for v in values)}（唯一的拆分）",
                                      found="".join(row.values), mapped_to=" ".join(str(v) for v in values), severity="info")
            self._write(pr, row, values)

    def _choose(self) -> list[tuple | None]:
        single = [c[0] if len(c) == 1 else None for _, _, c in self.pending]
        open_rows = [k for k, (_, _, c) in enumerate(self.pending) if len(c) > 1]
        if not open_rows:
            return single
        # Try the combinations of the undecided rows against the grid's 合计 rows.
        import itertools

        combos = 1
        for k in open_rows:
            combos *= len(self.pending[k][2])
        if combos > 20000:
            return single
        good = []
        for pick in itertools.product(*(self.pending[k][2] for k in open_rows)):
            trial = list(single)
            for k, v in zip(open_rows, pick):
                trial[k] = v
            if self._columns_add_up(trial):
                good.append(trial)
                if len(good) > 1:
                    break
        return good[0] if len(good) == 1 else single

    def _columns_add_up(self, trial: list) -> bool:
        cells: dict[tuple[str, str, str], Any] = {}
        for (pr, _, _), values in zip(self.pending, trial):
            if values is None:
                continue
            for s, v in zip(pr.slots, values):
                cells[(s.section + "/" + s.key, s.row, s.col)] = v
        grids = [(sid, f) for sid in {s.section for pr, _, _ in self.pending for s in pr.slots}
                 for f in self.sections[sid].fields if isinstance(f, Grid)]
        for sid, f in grids:
            for r in f.rows:
                if not r.sum_of:
                    continue
                for c in f.columns:
                    total = cells.get((sid + "/" + f.key, r.key, c.key))
                    parts = [cells.get((sid + "/" + f.key, k, c.key)) for k in r.sum_of]
                    figures = [p for p in parts if isinstance(p, int)]
                    if isinstance(total, int) and len(figures) == len(parts) and total != sum(figures):
                        return False
        return True

    def _write(self, pr: PrintedRow, row: FoundRow, values: tuple) -> None:
        blanks: list[tuple[Slot, str]] = []  # said once for the row, not once a cell
        for s, v in zip(pr.slots, values):
            section = self.sections[s.section]
            table = self.report.section_data(section.id, create=True)
            f = next(f for f in section.fields if f.key == s.key)
            shown = "" if v is None else str(v)
            if s.computed:
                self.record.printed[(section.id, s.key, s.row, s.col)] = (shown, row.where)
                continue
            if shown == "":
                if v is None:
                    continue
            cell = f.cell if isinstance(f, Grid) else f
            if shown in _BLANK_VALUES:
                blanks.append((s, shown))
                continue
            try:
                value = cell.parse(shown)
            except Exception as e:  # noqa: BLE001 - FieldError: the message names the problem
                self.record.deviation("V-NUMFMT", section.id, s.path, row.where, f"「{pr.label or f.label}」{_column_label(f, s)}：{e}",
                                      found=shown)
                continue
            raw = cell.dump(value)
            if isinstance(f, Grid):
                table.setdefault(s.key, {}).setdefault(s.row, {})[s.col] = raw
            else:
                table[s.key] = raw
        if blanks:
            f = next(f for f in self.sections[blanks[0][0].section].fields if f.key == blanks[0][0].key)
            several_rows = len({s.row for s in pr.slots}) > 1  # table 四: one printed row, three grid rows
            columns = "".join(_column_label(f, s, with_row=several_rows) for s, _ in blanks)
            shown = "、".join(dict.fromkeys(v for _, v in blanks if v))
            field = blanks[0][0].path if len(blanks) == 1 else _row_field(pr)
            self.record.deviation("V-NUMFMT", blanks[0][0].section, field, row.where,
                                  f"「{pr.label or f.label}」{columns}{'有' + str(len(blanks)) + '格' if len(blanks) > 1 else ''}"
                                  f"是空格{'（' + shown + '）' if shown else ''}，应填数字（没有就填0）；未导入",
                                  found=" ".join(v or "（空）" for _, v in blanks))


def _same_header(a: str, b: str) -> bool:
    # the year a header names (“2018年度”) is the report's, not the form's
    a, b = (re.sub(r"(?:19|20)\d{2}", "〇", x) for x in (a, b))
    if not (a and b):
        return False
    if a == b or a in b or b in a:
        return True
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


def _foreign_headers(found: list[str], printed: list[str]) -> list[str]:
    """The column headers above a found row that are none of the headers the format prints
    above the row it was matched to (a table of another version of the form)."""
    if not found or not printed:
        return []
    return list(_foreign(tuple(found), tuple(printed)))


@functools.lru_cache(maxsize=1024)  # every row under the same headers asks the same question
def _foreign(found: tuple[str, ...], printed: tuple[str, ...]) -> tuple[str, ...]:
    known = [norm(h) for h in printed]
    return tuple(h for h in found if norm(h) and not any(_same_header(norm(h), k) for k in known))


def _row_name(pr: PrintedRow) -> str:
    """A printed row as a message names it: its own label, else its fields' keys."""
    return pr.label.split(" ")[-1] if pr.label else "、".join(dict.fromkeys(s.key for s in pr.slots))


def _row_field(pr: PrintedRow) -> str:
    """The address of a printed row's cells (``table.new``), or of its number field."""
    s = pr.slots[0]
    return f"{s.key}.{s.row}" if s.row else s.key


def _label_score(found: str, own_label: str, row: "FoundRow", pr: PrintedRow, cheap: bool = False) -> float:
    """How well the text before a row's figures (``found``; the row's own cells
    ``own_label``) names the printed row ``pr``: 1 for the label itself, less for an older or
    wrapped or garbled one, 0 for another row."""
    text, own = norm(found), norm(own_label)
    printed = norm(pr.label)
    printed_own = norm(pr.label.split(" ")[-1]) if pr.label else ""
    if not printed:  # a row of figures under headers only (table 四)
        fits = len(row.values) == len(pr.slots) or (len(row.values) < len(pr.slots) and bool(pr.sums))
        return 0.7 if not own and fits and len(pr.slots) > 1 else 0.0
    if text.endswith(printed) or (own and own == printed):
        return 1.0 + len(printed) / 1000
    if printed_own and text.endswith(printed_own) and len(printed_own) >= 2:
        return 0.95 + len(printed_own) / 1000
    if any(text.endswith(p) for p in _leading_cells(pr.label)):
        return 0.94  # without the trailing cells the source left empty (the 单位 column)
    if cheap:
        return 0.0
    target = printed_own or printed
    k = _label_start(text, target)
    if k >= max(4, 0.6 * len(target)):
        return 0.9 + k / 1000  # a wrapped label whose last line comes after the figures (PDF)
    if own and len(own) >= 2 and (printed.endswith(own) or printed_own.endswith(own)):
        return 0.8  # an older, shorter label (规范性文件 for 行政规范性文件)
    # garbled: the tail of what came before the figures, compared as a whole
    tail = text[-(len(target) + 8):]
    return max(difflib.SequenceMatcher(None, own, printed).ratio() if own else 0,
               difflib.SequenceMatcher(None, own, printed_own).ratio() if own and printed_own else 0,
               difflib.SequenceMatcher(None, tail, target).ratio() if len(target) >= 6 else 0) * 0.85


def _label_start(text: str, label: str) -> int:
    """How much of the start of ``label`` the text ends with."""
    for k in range(len(label) - 1, 0, -1):
        if text.endswith(label[:k]):
            return k
    return 0


_SUB_ITEM = re.compile(r"^\d+\s*[.．、]")


def _leading_cells(label: str) -> list[str]:
    """The printed label cells without one or more of the last ones, normalised; never
    without a numbered sub-item (“1.属于国家秘密”): its group's label alone names the group
    (the 2019 form's single row （六）其他处理), not the group's first row."""
    cells = label.split(" ")
    out = []
    for k in range(len(cells) - 1, 0, -1):
        if _SUB_ITEM.match(cells[k]):
            break
        if len(p := norm("".join(cells[:k]))) >= 2:
            out.append(p)
    return out


def _column_label(f, s: Slot, with_row: bool = False) -> str:
    if isinstance(f, Grid) and s.col:
        col = next((c.label for c in f.columns if c.key == s.col), s.col)
        row = next((r.label for r in f.rows if r.key == s.row), s.row) if with_row else ""
        return f"「{row + '·' if row else ''}{col}」"
    return ""


# -- the record -----------------------------------------------------------------------------
class _Record:
    def __init__(self) -> None:
        self.deviations: list[dict[str, Any]] = []
        self.unmapped: list[dict[str, Any]] = []
        self.headings: list[dict[str, Any]] = []
        self.tables: list[dict[str, Any]] = []
        self.generated: list[dict[str, Any]] = []  # sentences the format writes from the figures
        self.printed: dict[tuple[str, str, str, str], tuple[str, str]] = {}

    def deviation(self, rule: str, section: str, field: str, where: str, message: str, *, found: str = "",
                  mapped_to: str = "", severity: str = "warning") -> None:
        d = {"rule": rule, "severity": severity, "section": section, "field": field, "where": where, "message": message}
        if found:
            d["found"] = found
        if mapped_to:
            d["mapped_to"] = mapped_to
        self.deviations.append(d)

    def keep(self, where: str, text: str, why: str) -> None:
        self.unmapped.append({"where": where, "text": text, "why": why})


# -- prose ----------------------------------------------------------------------------------
_MEASURES = re.compile(r"^(针对|下一步|下步|今后|为此|对此|接下来|改进措施|整改措施|(\d{4}年|新的一年)[，,]?[^。]{0,12}(将|要))")


def _split_sub(text: str) -> tuple[str, str, str] | None:
    """``(numeral, title, rest)`` of a paragraph that starts with a （一） sub-heading."""
    m = _SUB.match(text)
    if not m:
        return None
    rest = m.group(2)
    m2 = re.match(r"^([^。：:！？]{1,40}?)[。：:]\s*(.*)$", rest)
    if m2:
        return m.group(1), m2.group(1).strip(), m2.group(2).strip()
    if len(rest) <= 40 and "，" not in rest:
        return m.group(1), rest.strip(), ""
    return None


def _append(table: dict, key: str, text: str) -> None:
    if not text:
        return
    table[key] = (table[key] + "\n" + text) if table.get(key) else text


def _map_prose(sl: SectionLayout, paragraphs: list[tuple[str, str | None, str]], report: Report,
               record: _Record) -> None:
    """``paragraphs``: ``(where, text, position)`` with position ``before``/``after`` the
    section's tables (text ``None``: a sentence the format writes, position the field after it). Sub-headings go to the field the format prints under them (matched by
    wording, else by order); other paragraphs to the field the format prints there."""
    section = sl.section
    table = report.section_data(section.id, create=True)
    slots = sl.prose
    titled = [p for p in slots if p.kind == "titled"]
    records = next((p for p in slots if p.kind == "records"), None)
    texts_before = [p.key for p in slots[:next((i for i, p in enumerate(slots) if p.kind == "table"), len(slots))] if p.kind == "text"]
    texts_after = [p.key for p in slots[next((i for i, p in enumerate(slots) if p.kind == "table"), len(slots)):] if p.kind == "text"]
    has_table = any(p.kind == "table" for p in slots)
    plain = [p.key for p in slots if p.kind == "text"]
    used: set[str] = set()
    current: str | None = None
    current_record: dict | None = None
    untitled: list[tuple[str, str]] = []  # paragraphs for the section's untitled fields, in order
    if not has_table and not titled and records is None and not any(p.kind == "heading" for p in slots):
        untitled = [(w, t) for w, t, _ in paragraphs if t is not None]
        _fill_untitled(sl, plain, untitled, table, record, report.meta.get("year"))
        return
    headings = [p for p in slots if p.kind == "heading"]
    renumbered: list[tuple[str, str, str, str]] = []  # (where, number found, number printed, title)
    for where, text, position in paragraphs:
        if text is None:  # a sentence the format writes itself: what follows is the field after it
            current, current_record = position, None
            continue
        sub = _split_sub(text) if (titled or records or headings) else None
        if sub is None and titled and _unnumbered_sub_heading(text, [p for p in titled if p.key not in used]):
            sub = ("", text.strip(), "")  # a sub-heading printed without its （一）
        if sub is not None and headings and not sub[2]:
            # a fixed sub-heading of the format: the prose field printed after it follows
            numeral, title, _ = sub
            k = next((i for i, p in enumerate(slots) if p.kind == "heading" and norm(p.title) == norm(title)), None)
            if k is None:
                k = next((i for i, p in enumerate(slots) if p.kind == "heading"
                          and difflib.SequenceMatcher(None, norm(p.title), norm(title)).ratio() >= 0.6), None)
            if k is not None:
                if norm(slots[k].title) != norm(title):
                    record.deviation("V-STRUCT", section.id, "", where, f"小标题“{title}”与格式中的“{slots[k].title}”不同",
                                     found=title, mapped_to=slots[k].title, severity="info")
                nxt = next((p for p in slots[k + 1:] if p.kind in ("text", "titled", "records", "heading", "table")), None)
                current = nxt.key if nxt is not None and nxt.kind == "text" else None
                current_record = None
                if current is None:
                    record.keep(where, text, "格式中的小标题（其下的内容由表格生成）")
                continue
        entry = _record_alone(sl, records.key, text) if sub is None and records is not None else None
        if entry and records is not None and _NUMBERED_AS in entry:
            found_as, printed_as = entry.pop(_NUMBERED_AS).replace("(", "（").replace(")", "）").split("|")
            renumbered.append((where, found_as, printed_as, entry.get(records.records_title, "")))
        if entry and records is not None:
            current_record = entry
            table.setdefault(records.key, []).append(entry)
            current = None
            continue
        if sub is not None:
            numeral, title, rest = sub
            slot = _titled_slot(titled, used, title, numeral)
            if slot is not None:
                used.add(slot.key)
                current, current_record = slot.key, None
                if norm(title) != norm(slot.title) and slot.title_key:
                    table[slot.title_key] = title
                    record.deviation("V-STRUCT", section.id, slot.title_key, where,
                                     f"小标题“{title}”与格式中的“{slot.title}”不同（保留原文，按后者的位置导入）",
                                     found=title, mapped_to=slot.title, severity="info")
                _append(table, slot.key, rest)
                continue
            if records is not None:
                items = table.setdefault(records.key, [])
                current_record = {records.records_title: title}
                if rest:
                    current_record[records.records_body] = rest
                items.append(current_record)
                current = None
                continue
            record.deviation("V-STRUCT", section.id, "", where,
                             f"多出的小标题“（{numeral}）{title}”：格式中只有{len(titled)}个，原文保留在导入记录中", found=text)
            record.keep(where, text, "格式中没有对应的小标题")
            current, current_record = None, None
            continue
        if current_record is not None and records is not None:
            body = current_record.get(records.records_body)
            current_record[records.records_body] = body + "\n" + text if body else text
            continue
        if current is not None:
            _append(table, current, text)
            continue
        pool = texts_after if (position == "after" and texts_after) else texts_before or plain
        if not pool and titled:  # no untitled field: the first titled one takes it (六 with only 收费)
            first = titled[0]
            used.add(first.key)
            current = first.key
            _append(table, first.key, text)
            continue
        if not pool:
            record.keep(where, text, "格式中这一部分没有可写文字的位置")
            continue
        _append(table, pool[0], text)
    if renumbered and records is not None:
        at, found_as, printed_as, _ = renumbered[0]
        names = "、".join(f"“{n} {t}”" for _, n, _, t in renumbered[:3]) + ("等" if len(renumbered) > 3 else "")
        record.deviation("V-STRUCT", section.id, records.key, at,
                         f"{names}{len(renumbered)}条按“{found_as}”编号，格式中这一层是“{printed_as}”：作为「{_field_label(sl, records.key)}」"
                         "的条目导入（编号按格式）", found=" ".join(n for _, n, _, _ in renumbered), mapped_to=printed_as)


def _unnumbered_sub_heading(text: str, free) -> bool:
    """A short line, not a sentence, worded like one of the sub-headings still free
    (“本年度信息公开处理费收费情况” for 收取信息处理费情况)."""
    t = norm(text)
    if not 4 <= len(t) <= 30 or re.search(r"[。，,；;：:！？]", t):
        return False
    return any(difflib.SequenceMatcher(None, t, norm(p.title)).ratio() >= 0.6 for p in free)


def _titled_slot(titled, used, title, numeral):
    free = [p for p in titled if p.key not in used]
    for p in free:
        if norm(p.title) == norm(title):
            return p
    scored = sorted(((difflib.SequenceMatcher(None, norm(title), norm(p.title)).ratio(), -i, p) for i, p in enumerate(free)),
                    key=lambda x: (x[0], x[1]), reverse=True)
    if scored and scored[0][0] >= 0.6:
        return scored[0][2]
    n = _NUMERALS.index(numeral[0]) if numeral and numeral[0] in _NUMERALS and len(numeral) == 1 else 99
    if n < len(titled) and titled[n].key not in used:
        return titled[n]
    return None


def _fill_untitled(sl, keys, paragraphs, table, record, year=None) -> None:
    """Sections of untitled fields only (五: problems, improvements, last year's follow-up).
    By the document's structure where it has one: each （一）（二） sub-heading starts a part,
    which goes to the field its heading names (问题 / 改进、措施 / 上年度…整改) or else to the
    next field in order; the sub-headings themselves are kept in the import record. Without
    sub-headings, by wording: the first field takes the paragraphs up to the first that says
    how things will be improved (针对…、下一步…), the second the rest (and the record says
    the split was made by wording)."""
    if not keys:
        for where, text in paragraphs:
            record.keep(where, text, "格式中这一部分没有可写文字的位置")
        return
    if len(keys) == 1:
        for _, text in paragraphs:
            _append(table, keys[0], text)
        return
    parts = _parts_by_subheading(paragraphs)
    if parts:
        _fill_by_parts(sl, keys, parts, table, record, year)
        return
    first: list[str] = []
    second: list[str] = []
    for _, text in paragraphs:
        if second or (first and _MEASURES.match(text)):
            second.append(text)
            continue
        # a single paragraph holding both: cut it where the improvements begin
        sentences = re.split(r"(?<=[。；])", text)
        cut = next((i for i, s in enumerate(sentences) if i and _MEASURES.match(s.strip())), None)
        if cut is not None and first == [] and len(paragraphs) == 1:
            first.append("".join(sentences[:cut]).strip())
            second.append("".join(sentences[cut:]).strip())
        else:
            first.append(text)
    if first:
        table[keys[0]] = "\n".join(first)
    if second:
        table[keys[1]] = "\n".join(second)
    if first and second and paragraphs:
        record.deviation("V-STRUCT", sl.section.id, keys[1], paragraphs[0][0],
                         f"这一部分没有（一）（二）小标题：按措辞（“针对…”“下一步…”）把前{len(first)}段作为"
                         f"「{_field_label(sl, keys[0])}」、后{len(second)}段作为「{_field_label(sl, keys[1])}」，请核对",
                         severity="info")


_LAST_YEAR_WORDS = re.compile(r"上一?年度?|去年|以往")
_PROBLEM_WORDS = re.compile(r"问题|不足|短板|差距")
_MEASURE_WORDS = re.compile(r"改进|措施|整改|下一步|计划|打算|方向|举措")


def _parts_by_subheading(paragraphs) -> list[tuple[tuple[str, str], list[str]]]:
    """``[((where, heading), [texts])]`` when the paragraphs are divided by （一）（二）
    sub-headings standing as paragraphs of their own (or run in: “（一）主要问题。…”), else []."""
    parts: list[tuple[tuple[str, str], list[str]]] = []
    for where, text in paragraphs:
        sub = _split_sub(text)
        if sub is not None and len(sub[1]) <= 30:
            parts.append(((where, text if not sub[2] else f"（{sub[0]}）{sub[1]}"), [sub[2]] if sub[2] else []))
        elif parts:
            parts[-1][1].append(text)
        else:
            return []  # text before the first sub-heading: not divided by them
    return parts if len(parts) >= 2 else []


def _fill_by_parts(sl, keys, parts, table, record, year) -> None:
    last_year = keys[2] if len(keys) > 2 else None
    wanted: list[str | None] = []
    for (_where, heading), _ in parts:
        h = norm(heading)
        previous = bool(year) and f"{year - 1}年" in h
        if last_year and (previous or _LAST_YEAR_WORDS.search(h)) and (_PROBLEM_WORDS.search(h) or _MEASURE_WORDS.search(h)):
            wanted.append(last_year)
        elif _PROBLEM_WORDS.search(h) and not _MEASURE_WORDS.search(h):
            wanted.append(keys[0])
        elif _MEASURE_WORDS.search(h) and not _PROBLEM_WORDS.search(h):
            wanted.append(keys[1])
        else:
            wanted.append(None)
    for n, ((where, heading), texts) in enumerate(parts):
        key = wanted[n] or next((k for k in keys if k not in wanted and k not in table), keys[-1])
        wanted[n] = key
        record.keep(where, heading, SUBHEADING_KEPT)
        for text in texts:
            _append(table, key, text)


def _field_label(sl, key: str) -> str:
    return next((f.label for f in sl.section.fields if f.key == key), key)


# -- metadata -------------------------------------------------------------------------------
_CONTACT = (
    ("address", re.compile(r"(?:通讯)?地址[:：]\s*([^，,；;）)\n]+)")),
    ("postcode", re.compile(r"邮(?:政)?编(?:码)?[:：]?\s*(\d{6})")),
    ("phone", re.compile(r"(?:联系)?电话[:：]?\s*([\d\-－—()（）\s]{7,20}\d)")),
    ("fax", re.compile(r"传真[:：]?\s*([\d\-－—()（）\s]{7,20}\d)")),
    ("email", re.compile(r"(?:电子)?(?:邮箱|信箱|邮件|E-?mail)(?:地址)?[:：]?\s*([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})")),
)
_OFFICE = re.compile(r"请(?:与|联系)([^，,。（(]{2,30}?)(?:联系|。|（|\()")
# an address with its scheme, or one written the way reports often do (“www.shanghai.gov.cn”)
_ADDRESS = r"(?:https?://[A-Za-z0-9./\-_?=&%#:]+|www\.[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+(?:/[A-Za-z0-9./\-_?=&%#:]*)?)"
_WEBSITE = re.compile(r"(?:可在|可以在|登录|通过)?“?([^“”，,。]{2,20}?)”?(?:门户)?网站[（(]?\s*(" + _ADDRESS + ")")
_URL = re.compile("(" + _ADDRESS + ")")
_DATE = re.compile(r"^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DOCNO = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[【(（]\d{4}[〕\]】)）]\s*\d+\s*号")
_PUBLISHED = re.compile(r"(?:发布|公开|成文)(?:时间|日期)[:：]?((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})")
_SCOPE = re.compile(r"汇总(.{2,40}?)政府信息公开工作")


def _cn_date(text: str) -> _dt.date | None:
    t = norm(text)
    m = _DATE.match(t)
    if m:
        try:
            return _dt.date(*(int(g) for g in m.groups()))
        except ValueError:
            return None
    m = re.match(r"^([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日$", t)
    if m:
        def small(s: str) -> int:
            if s == "十":
                return 10
            if s.startswith("十"):
                return 10 + _CN_DIGITS[s[1]]
            if "十" in s:
                a, _, b = s.partition("十")
                return _CN_DIGITS[a] * 10 + (_CN_DIGITS[b] if b else 0)
            return _CN_DIGITS[s]
        try:
            return _dt.date(int("".join(str(_CN_DIGITS[c]) for c in m.group(1))), small(m.group(2)), small(m.group(3)))
        except (ValueError, KeyError):
            return None
    return None


def _front_matter(front: list[Block], meta: dict, record: _Record, title_blocks: range) -> None:
    for i, b in enumerate(front):
        where = f"正文前第{i + 1}段"
        if i in title_blocks:
            continue
        if b.kind == "table" and b.table is not None:
            record.keep(where, " | ".join(c.text for row in b.table.body for c in row), "正文前的表格")
            continue
        text = b.text
        m = _DOCNO.fullmatch(norm(text))
        if m:
            meta.setdefault("doc_number", norm(text).replace("[", "〔").replace("]", "〕"))
            continue
        if len(text) <= 40 and re.search(r"[:：]$", text) and "。" not in text:
            meta.setdefault("addressee", text.rstrip(":：").strip())
            continue
        m = _PUBLISHED.search(norm(text))
        if m and "published" not in meta:
            try:
                meta["published"] = _dt.date(*(int(g) for g in m.groups()))
            except ValueError:
                pass
            record.keep(where, text, "正文前的文字（已从中读出：published）")
            continue
        found = _metadata_in(text, meta)
        if found:
            record.keep(where, text, "正文前的说明（已从中读出：" + "、".join(found) + "）")
        else:
            record.keep(where, text, "正文前的文字")


def _metadata_in(text: str, meta: dict) -> list[str]:
    found = []
    compact = re.sub(r"(?<=\d)\s+(?=\d)|(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])", "", text)
    for key, pattern in _CONTACT:
        m = pattern.search(compact)
        if m and key not in meta:
            meta[key] = re.sub(r"\s+", "", m.group(1)).strip("。，, ")
            found.append(key)
    m = _OFFICE.search(compact)
    if m and "contact_office" not in meta:
        meta["contact_office"] = m.group(1).strip()
        found.append("contact_office")
    m = _WEBSITE.search(compact)
    if m and "website_url" not in meta:
        # the name follows the last verb that leads to it (“年度报告电子版可以通过市科委网站”)
        name = re.sub(r"^.*(?:可在|可以在|可以通过|可从|可以从|通过|登录)|^(?:本报告电子版|电子版|在)", "", m.group(1)).strip("“”\"")
        if name:
            meta["website_name"] = name
        meta["website_url"] = m.group(2).rstrip(".。")
        found.append("website_url")
    elif "website_url" not in meta and re.search(r"电子版|查阅|下载|网站", compact):
        m = _URL.search(compact)
        if m:
            meta["website_url"] = m.group(1).rstrip(".。")
            found.append("website_url")
    m = _SCOPE.search(compact)
    if m and "scope" not in meta:
        meta["scope"] = m.group(1)
        found.append("scope")
    return found


def _closing(back: list[Block], meta: dict, record: _Record) -> None:
    for i, b in enumerate(back):
        where = f"正文后第{i + 1}段"
        text = b.text.strip() if b.kind != "table" else ""
        d = _cn_date(text)
        if d is not None and "signed" not in meta:
            meta["signed"] = d
            continue
        if _BARE_DATE.fullmatch(norm(text)) and "signed" not in meta:
            record.deviation("V-META", META, "signed", where, f"正文后的“{text}”像是成文日期，但没有“年”“月”“日”"
                                                             "（网页丢失了这几个字？）：无法确定月和日，未导入，请按原件填写", found=text)
            record.keep(where, text, "正文后的日期（缺少年月日，未导入）")
            continue
        if re.fullmatch(r"[（(]此件[^）)]{1,10}[）)]", norm(text)):
            meta.setdefault("note", text)
            continue
        m = re.match(r"^(.{2,30}?)\s*((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)\s*印发$", norm(text))
        if m:
            meta.setdefault("publisher", m.group(1))
            continue
        if text and len(text) <= 30 and "signature" not in meta and not re.search(r"[。，]", text):
            meta_sig = text
            if meta.get("unit") and norm(meta_sig) != norm(meta["unit"]):
                record.deviation("V-META", META, "unit", where, f"署名“{meta_sig}”与标题中的单位“{meta['unit']}”不同", found=meta_sig)
            elif not meta.get("unit"):
                meta["unit"] = meta_sig
            meta["signature"] = meta_sig
            continue
        record.keep(where, text or "（表格）", "正文后的文字")
    meta.pop("signature", None)


# -- the whole document ---------------------------------------------------------------------
def import_blocks(host, blocks: list[Block], path: Path, kind: str, *, format_id: str | None = None,
                  year: int | None = None, unit: str | None = None, level: str | None = None) -> Imported:
    title, title_unit, title_year, title_blocks = _title_and_year(blocks)
    all_text = norm("".join(b.text for b in blocks[:12] if b.kind != "table"))
    if "政府工作报告" in norm(title) or (not title and "政府工作报告" in all_text[:200]):
        raise ImportFailed(path, "这是政府工作报告，不是政府信息公开工作年度报告，不能导入")
    if format_id:
        fmt = host.formats.get(format_id)
        if fmt is None:
            raise ImportFailed(path, f"未知格式 {format_id}（可用：{'、'.join(sorted(host.formats))}）")
    else:
        fmt, score = detect_format(host, blocks, year or title_year)
        if fmt is None or score < 20:
            what = f"标题是“{title}”，" if title else ""
            raise ImportFailed(path, f"{what}找不到年度报告的章节标题（如“一、总体情况”“二、主动公开政府信息情况”）："
                                     "这不像政府信息公开工作年度报告；如果是，请用 --format 指定格式")
    layout = _layout(host, fmt)
    front, found, back, extra = _split_sections(blocks, layout)
    headless = _parts_without_heading(layout, found)
    record = _Record()
    meta: dict[str, Any] = {}
    if unit or title_unit:
        meta["unit"] = unit or title_unit
    the_year = year or title_year
    if the_year is None:
        m = re.search(r"统计期限?(?:为|是)?自?((?:19|20)\d{2})年1月1日", all_text + norm("".join(b.text for b in front if b.kind != "table")))
        the_year = int(m.group(1)) if m else None
    if the_year is not None:
        meta["year"] = the_year
    meta["format"] = fmt.id
    if level:
        meta["unit_level"] = level
    elif meta.get("unit"):
        u = meta["unit"]
        if re.search(r"(人民政府|政府)$", u) and not re.search(r"(乡|镇|街道)", u):
            meta["unit_level"] = "government"
        elif re.search(r"(乡|镇)人民政府$|街道办事处$", u):
            meta["unit_level"] = "township"
        elif u:
            meta["unit_level"] = "department"
    report = Report({META: meta}, None)
    _front_matter(front, meta, record, title_blocks)
    prose_of: dict[int, list[tuple[str, str, str]]] = {}
    for i, sl in enumerate(layout.sections):
        if i not in found:
            record.deviation("V-STRUCT", sl.section.id, "", "全文", f"没有找到第{_NUMERALS[i]}部分“{sl.heading}”的标题")
            continue
        head, body = found[i]
        if i in headless:
            before = layout.sections[i - 1].heading
            record.deviation("V-STRUCT", sl.section.id, "", head.text,
                             f"没有找到第{_NUMERALS[i]}部分“{sl.heading}”的标题：“{before}”之后以小标题“{head.text}”开始的"
                             f"{len(body)}段，小标题的措辞是这一部分的（不是“{before}”的），按这一部分导入，请核对原件",
                             found=head.text, mapped_to=f"{_NUMERALS[i]}、{sl.heading}")
            record.headings.append({"found": "", "section": sl.section.id, "by": head.text})
            prose_of[i] = _map_section(layout, sl, body, report, record, f"{_NUMERALS[i]}、{sl.heading}（原文无此标题）", kind,
                                       {x.section.id: x.section for x in layout.sections})
            continue
        record.headings.append({"found": head.text, "section": sl.section.id})
        m = _H1.match(head.text.strip())
        numeral, text = (m.group(1), m.group(2).strip()) if m else ("", head.text)
        if norm(text) != norm(sl.heading):
            record.deviation("V-STRUCT", sl.section.id, "", head.text,
                             f"标题“{head.text}”与格式中的“{_NUMERALS[i]}、{sl.heading}”不同", found=head.text,
                             mapped_to=f"{_NUMERALS[i]}、{sl.heading}")
        elif numeral and numeral != _NUMERALS[i]:
            record.deviation("V-STRUCT", sl.section.id, "", head.text, f"“{sl.heading}”编号为“{numeral}”，格式中是“{_NUMERALS[i]}”",
                             found=head.text)
        prose_of[i] = _map_section(layout, sl, body, report, record, head.text, kind,
                                   {x.section.id: x.section for x in layout.sections})
    for i, prose in prose_of.items():
        _map_section_prose(layout, layout.sections[i], prose, report, record)
    for head, body in _parts_as_sub_headings(layout, extra, report, record):
        record.deviation("V-STRUCT", "", "", head.text, f"格式中没有的部分“{head.text}”：原文保留在导入记录中", found=head.text)
        record.keep(head.text, head.text, "格式中没有的部分")
        for b in body:
            record.keep(head.text, b.text if b.kind != "table" else _table_text(b), "格式中没有的部分")
    _closing(back, meta, record)
    _check_printed_totals(layout, report, record)
    printed = {(s.section, s.key, s.row, s.col) for sl in layout.sections for r in sl.rows for s in r.slots
               if not s.computed}
    read = sum(1 for sid, key, row, col in printed if _stored(report, sid, key, row, col))
    out = {"source": path.name, "kind": kind, "format": fmt.id, "title": title,
           "cells_read": read, "cells_printed": len(printed)}
    if record.headings:
        out["headings"] = record.headings
    if record.tables:
        out["rows"] = record.tables
    if record.deviations:
        out["deviations"] = record.deviations
    if record.generated:
        out["generated"] = record.generated
    if record.unmapped:
        out["unmapped"] = record.unmapped
    report.data[IMPORT_KEY] = out
    for key, value in list(meta.items()):
        if value in (None, ""):
            del meta[key]
    return Imported(report, kind, out)


def _stored(report: Report, sid: str, key: str, row: str, col: str) -> bool:
    value = report.section_data(sid).get(key)
    if row:
        value = (value or {}).get(row, {}).get(col) if isinstance(value, dict) else None
    return value is not None


def _table_text(b: Block) -> str:
    return "\n".join(" | ".join(c.text for c in row) for row in (b.table.head + b.table.body)) if b.table else ""


def _map_section(layout: Layout, sl: SectionLayout, body: list[Block], report: Report, record: _Record, heading: str, kind: str,
                 sections: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Reads the section's tables into the report; returns its prose paragraphs
    ``(where, text, before/after the tables)`` for :func:`_map_section_prose`."""
    reader = _TableReader(sl, report, record, sections) if sl.rows else None
    prose: list[tuple[str, str, str]] = []
    seen_table = False
    pending: list[tuple[str, str]] = []  # paragraphs that may be labels of the next table row (text files)
    vocabulary = sl.vocabulary

    # figures alone on a line that no label before them claims: a PDF viewer's text puts a
    # row's figures above its label where the label's cell is taller than one line (the
    # figures are centred on the row); the next label line is theirs if it names a row
    orphan: list[FoundRow] = []

    def flush_pending() -> None:  # the lines were not a table row's label after all
        prose.extend((where, text, "after" if seen_table else "before") for where, text in pending)
        pending.clear()

    def keep_orphan() -> None:  # figures alone that are no row's (a page number among the table's lines)
        for row in orphan:
            record.keep(row.where, " ".join(row.values), "表格旁单独的数字（不是哪一行的数字）")
        orphan.clear()

    for n, b in enumerate(_merge_figure_lines(body), start=1):
        where = f"{heading}第{n}段"
        if b.kind == "table":
            keep_orphan()
            if reader is None:
                record.keep(where, _table_text(b), "格式中这一部分没有表格")
                continue
            flush_pending()
            rows = _rows_from_table(b.table, f"{heading}表格", laid_out=kind in ("html", "docx", "pdf"))
            for row in rows:
                reader.add(row, in_table=True)  # a row it cannot place is kept by reader.finish()
            seen_table = seen_table or bool(rows)
            continue
        text = b.text
        line_row = _row_from_line(text, where) if reader is not None else None
        if reader is not None and line_row is not None:
            line_row.context = "".join(t for _, t in pending)
            line_row.lines = [t for _, t in pending]
            if reader.add(line_row):
                # the lines before it were its label (and the table's header)
                pending.clear()
                seen_table = True
                continue
            line_row.context, line_row.lines = "", []
        if reader is not None and line_row is not None and not line_row.label:
            keep_orphan()
            orphan.append(line_row)
            continue
        if reader is not None and orphan and line_row is None and _table_like(text, vocabulary):
            if reader.add(FoundRow(text, "", orphan[0].values, orphan[0].where)):
                orphan.clear()
                seen_table = True
                continue
        keep_orphan()
        if reader is not None and _table_like(text, vocabulary):
            pending.append((where, text))
            continue
        flush_pending()
        # a table's note (“注：…”) is the text the format prints under the table, wherever a
        # conversion left it
        prose.append((where, text, "after" if seen_table or re.match(r"注[:：]", norm(text)) else "before"))
    keep_orphan()
    flush_pending()
    if reader is not None:
        reader.finish()
    return prose


def _map_section_prose(layout: Layout, sl: SectionLayout, prose: list[tuple[str, str, str]], report: Report,
                       record: _Record) -> None:
    """Prose, once every table is in: table captions and header text that stood alone are
    the table's, not prose; so are sentences the format writes itself from the figures."""
    vocabulary = sl.vocabulary
    generated = layout.generated(report, sl.section) if prose else set()
    kept: list[tuple[str, str | None, str]] = []
    for where, text, pos in prose:
        if sl.rows and _is_vocabulary(text, vocabulary):
            record.keep(where, text, "表格标题或表头")
            continue
        sentence = _read_sentence(sl, text, where, report, record, layout)
        if sentence is not None or norm(text) in generated:
            record.generated.append({"where": where, "text": text})
            if sentence is not None and sentence.then:
                kept.append((where, None, sentence.then))  # the text after it is that field's
            continue
        kept.append((where, text, pos))
    _map_prose(sl, kept, report, record)


def _read_sentence(sl: SectionLayout, text: str, where: str, report: Report, record: "_Record",
                   layout: Layout) -> Sentence | None:
    """A paragraph the format writes itself (:class:`~.layout.Sentence`): its fields are read
    back (公开主体, 网站渠道小标题, the 主要类别 list), its figures compared with the tables (or
    written where the table had none), and the paragraph is the format's, not prose."""
    if not sl.sentences:
        return None
    normal, at = norm_map(text)
    for sentence in sl.sentences:
        if sentence.alone:
            continue
        m = sentence.regex.match(normal)
        if m is None:
            continue
        table = report.section_data(sl.section.id, create=True)
        for n, what in enumerate(sentence.groups):
            _read_group(sl, what, m, f"g{n}", text, at, table, report, record, where, layout)
        if sentence.records and sentence.item is not None and not table.get(sentence.records):
            base = m.start("items")
            rows = []
            for item in sentence.item.finditer(m.group("items")):
                row = {}
                for n, (_, _key, col) in enumerate(sentence.item_groups):
                    value = original(text, at, base + item.start(f"g{n}"), base + item.end(f"g{n}"))
                    row[col] = int(value.replace(",", "")) if re.fullmatch(r"[\d,]+", value) else value
                rows.append(row)
            table[sentence.records] = rows
        if sentence.decimals and table.get(sentence.decimals) is None:
            places = {len(d) for d in re.findall(r"\d\.(\d+)", normal)} or {0}
            if len(places) == 1:  # one precision for all the shares: the one the document shows
                table[sentence.decimals] = places.pop()
        return sentence
    return _reworded_sentence(sl, text, normal, at, where, report, record, layout)


def _reworded_sentence(sl: SectionLayout, text: str, normal: str, at: list[int], where: str, report: Report,
                       record: "_Record", layout: Layout) -> Sentence | None:
    """A paragraph under the run-in heading of an item the format writes itself (“1. 市政府
    网站。” then the sentence with the website's count) whose sentence is worded otherwise
    (“…通过市政府门户网站主动公开各类政府信息累计2589条”): it is that item, not an entry of
    the list that follows (“2. 两微一端…”). The heading's fields are read; the sentence is the
    format's (printed from the table), so the document's wording is kept in the record and
    said, with any figure of the table it does not show."""
    for sentence in sl.sentences:
        m = sentence.lead.match(normal) if sentence.lead is not None else None
        if m is None or m.end() >= len(normal):
            continue
        table = report.section_data(sl.section.id, create=True)
        for n, what in enumerate(sentence.lead_groups):
            _read_group(sl, what, m, f"g{n}", text, at, table, report, record, where, layout)
        body = original(text, at, m.end(), len(normal))
        shown = set(re.findall(r"\d+", norm(body).replace(",", "")))
        missing = []
        for what in sentence.groups:
            if what[0] != "slot":
                continue
            slot: Slot = what[1]
            data = report.section_data(slot.section)
            f = next(f for f in next(x.section for x in layout.sections if x.section.id == slot.section).fields if f.key == slot.key)
            try:
                value = f.value_at(data.get(slot.key) or {}, slot.row, slot.col) if isinstance(f, Grid) else data.get(slot.key)
            except Exception:  # noqa: BLE001 - a grid not read at all
                value = None
            if value is not None and str(value) not in shown:
                missing.append(str(value))
        heading = original(text, at, 0, m.end())
        record.deviation("V-TEMPLATE", sl.section.id, "", where,
                         f"“{heading}”之后的句子由格式按表中的数字写出，原文措辞不同（“{body}”）"
                         + (f"，且没有表中的{'、'.join(missing)}" if missing else "")
                         + "：原文保留在导入记录中，导出时按格式的句子印出", found=body)
        record.keep(where, text, REWORDED)
        return sentence
    return None


def _read_group(sl, what: tuple, m, name: str, text: str, at: list[int], table: dict, report: Report, record: "_Record",
                where: str, layout: Layout) -> None:
    value = original(text, at, m.start(name), m.end(name))
    if what[0] == "field" and value and not table.get(what[1]):
        table[what[1]] = value
    elif what[0] == "slot":
        slot: Slot = what[1]
        figure = value.replace(",", "")
        section = next(x.section for x in layout.sections if x.section.id == slot.section)
        data = report.section_data(slot.section, create=True)
        f = next(f for f in section.fields if f.key == slot.key)
        try:
            shown = f.value_at(data.get(slot.key) or {}, slot.row, slot.col) if isinstance(f, Grid) else data.get(slot.key)
        except Exception:  # noqa: BLE001 - a grid not read at all
            shown = None
        if shown is None and not slot.computed:
            if isinstance(f, Grid):
                data.setdefault(slot.key, {}).setdefault(slot.row, {})[slot.col] = int(figure)
            else:
                data[slot.key] = int(figure)
        elif shown is not None and str(shown) != figure:
            record.deviation("V-ARITH", slot.section, slot.path, where,
                             f"原文句中的数字{figure}与表格中的{shown}不同（{slot.path}；按表格导入）", found=figure,
                             mapped_to=str(shown), severity="error")


def _record_alone(sl: SectionLayout, records_key: str, text: str) -> dict | None:
    """A paragraph that is one entry of a Records field the format prints one a paragraph
    (“3. 两馆。各级各部门…”): the entry, its columns cut from the original text."""
    normal, at = norm_map(text)
    entries = [x for x in sl.sentences if x.alone and x.records == records_key]
    for sentence in entries:
        m = sentence.regex.match(normal)
        if m is not None:
            return {what[2]: original(text, at, m.start(f"g{n}"), m.end(f"g{n}"))
                    for n, what in enumerate(sentence.groups) if what[0] == "record"}
    # numbered in another style than the format's (“1. 加强组织领导。…” where it prints “（一）”):
    # the same entry; the caller says so
    number = ENTRY_NUMBER.match(normal)
    if number is None:
        return None
    for sentence in entries:
        if sentence.unnumbered is None or sentence.numbering[0].isdigit() == number.group(0)[0].isdigit():
            continue
        m = sentence.unnumbered.match(normal, number.end())
        if m is not None:
            entry = {what[2]: original(text, at, m.start(f"g{n}"), m.end(f"g{n}"))
                     for n, what in enumerate(sentence.groups) if what[0] == "record"}
            entry[_NUMBERED_AS] = f"{number.group(0)}|{sentence.numbering}"
            return entry
    return None


_NUMBERED_AS = "\x00numbered"  # an entry's key saying how it was numbered (taken out before it is stored)


_FIGURES_ONLY = re.compile(r"^\s*(?:" + _NUMBER + r"|[/—－])(?:\s+(?:" + _NUMBER + r"|[/—－]))*\s*$")


def _merge_figure_lines(body: list[Block]) -> list[Block]:
    """A table copied one cell per line (a web page's text): the figures of one row follow
    each other on lines of their own; they are one row."""
    out: list[Block] = []
    for b in body:
        if (b.kind == "paragraph" and _FIGURES_ONLY.match(b.text) and out and out[-1].kind == "paragraph"
                and _FIGURES_ONLY.match(out[-1].text)):
            out[-1] = Block("paragraph", out[-1].text + " " + b.text.strip())
        else:
            out.append(b)
    return out


def _residue(text: str, vocabulary: list[str]) -> str:
    t = norm(text)
    changed = True
    while changed:  # removing a word can join the halves of another (a PDF interleaves cells)
        changed = False
        for v in vocabulary:
            if v and v in t:
                t = t.replace(v, "")
                changed = True
    return re.sub(r"第二十条第?\(?[一二三四五六七八九十]+\)?项|^表[一二三四五六七八九十\d]+|[()（）:：,，.。单位]", "", t)


def _is_vocabulary(text: str, vocabulary: list[str]) -> bool:
    """Whether ``text`` is made of the table's own words (a caption or header that stood
    alone): mostly vocabulary, and not a sentence."""
    t = norm(text)
    if not t or t.endswith("。"):
        return False
    residue = _residue(text, vocabulary)
    if len(residue) < len(t) and len(residue) <= max(2, len(t) // 6):
        return True
    if len(t) == 1:  # the last character of a label cell, wrapped onto a line of its own (“果”)
        return not t.isdigit() and t in _joined(tuple(vocabulary))
    return len(t) <= 60 and not re.search(r"[。；;！？]", t) and _uncovered(t, vocabulary) <= len(t) // 6


def _uncovered(t: str, vocabulary: list[str]) -> int:
    """How many characters of ``t`` are in no piece (two characters or more) of the table's
    words: a PDF wraps a label cell over lines and interleaves the lines of neighbouring
    cells (“理结计这一情形，不计其他情形）”, “商业企科研机社会公法律服”), so a caption or
    header stands as pieces of the words, not the words."""
    words = _joined(tuple(vocabulary))
    out, p = 0, 0
    while p < len(t):
        k = 2
        while p + k <= len(t) and t[p:p + k] in words:
            k += 1
        if k > 2:
            p += k - 1
        else:
            out, p = out + 1, p + 1
    return out


@functools.lru_cache(maxsize=64)
def _joined(vocabulary: tuple[str, ...]) -> str:
    return "\x00".join(vocabulary)


def _table_like(text: str, vocabulary: list[str]) -> bool:
    """A line of a table copied as text: short, no sentence in it, or made of the table's words."""
    t = norm(text)
    if _is_vocabulary(text, vocabulary):
        return True
    return len(t) <= 24 and not re.search(r"[。；]", t[:-1] if t.endswith("）") else t)


def _check_printed_totals(layout: Layout, report: Report, record: _Record) -> None:
    """Totals are computed, never stored: a printed 总计 that differs from the sum of its
    parts is a finding (the document's own arithmetic), kept with the figure as printed."""
    for (sid, key, row, col), (shown, where) in record.printed.items():
        sl = next(s for s in layout.sections if s.section.id == sid)
        grid = next(f for f in sl.section.fields if f.key == key)
        if not isinstance(grid, Grid):
            continue
        values = report.section_data(sid).get(key, {})
        try:
            computed = grid.value_at(values, row, col)
        except Exception:  # noqa: BLE001
            computed = None
        if computed is None or shown == "":
            continue
        if str(computed) != shown:
            rlabel = next(r.label for r in grid.rows if r.key == row)
            clabel = next(c.label for c in grid.columns if c.key == col)
            record.deviation("V-ARITH", sid, f"{key}.{row}.{col}", where,
                             f"原文「{rlabel}」×「{clabel}」印为{shown}，但各项之和为{computed}（nianbao 按各项计算，原文数字保留在导入记录中）",
                             found=shown, mapped_to=str(computed), severity="error")
