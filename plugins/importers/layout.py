"""What a format prints where, learned from the format itself: a *probe* report, in which
every typed cell of every table holds a different number and every prose field a marker, is
rendered through the format's own templates (a county's overrides included). Reading the
probe's blocks back says, for each printed table row, its label and which cell each printed
figure is (and which figures are totals of which); for each section, where each prose field
and each run-in sub-heading stands. No label, heading or row order is copied here.
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..document import Block, parse_markup
from ..fields import Grid, Records
from ..engine.report import META, Report

__all__ = ["Layout", "SectionLayout", "PrintedRow", "Slot", "Sentence", "ENTRY_NUMBER", "norm", "norm_map", "original", "layout_of"]

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "、": ".", "．": ".", "：": ":"})


def norm_map(text: str) -> tuple[str, list[int]]:
    """:func:`norm` of ``text`` and, for each of its characters, the index of the character of
    ``text`` it came from: what a pattern matched in the normalised text is cut from the
    original (“两微一端” keeps its quotes, 43个单位 its full-width comma)."""
    out, where = [], []
    for i, ch in enumerate(text):
        for c in re.sub(r"\s+", "", unicodedata.normalize("NFKC", ch).translate(_QUOTES)):
            out.append(c)
            where.append(i)
    return "".join(out), where


def original(text: str, where: list[int], start: int, end: int) -> str:
    """The part of ``text`` that normalised characters ``start:end`` came from."""
    if end <= start:
        return ""
    return text[where[start]:where[end - 1] + 1].strip()


@functools.lru_cache(maxsize=8192)
def norm(text: str) -> str:
    """Text as compared: NFKC, no blanks, one kind of quote, ``1、``/``1．`` as ``1.``."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Slot:
    """One printed figure: a cell of a grid (``row``/``col``) or a scalar number field."""

    section: str
    key: str
    row: str = ""
    col: str = ""
    computed: bool = False

    @property
    def path(self) -> str:
        return ".".join(p for p in (self.key, self.row, self.col) if p)


@dataclass
class PrintedRow:
    """A table row as the format prints it: its label cells (own and spanning from above),
    its figures in order, and the identities among them (``(i, parts)``: figure ``i`` is the
    sum of figures ``parts``)."""

    label: str
    context: str
    slots: list[Slot]
    sums: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    table: int = 0
    headers: list[str] = field(default_factory=list)  # caption and column headers printed above it


@dataclass
class ProseSlot:
    kind: str  # "text" (a prose field), "titled" (run-in sub-heading + field), "records", "table",
    #            "heading" (a fixed sub-heading the format prints: ``title``)
    key: str = ""
    title: str = ""  # the default sub-heading as printed
    title_key: str = ""  # the field holding a changed sub-heading
    records_title: str = ""  # for records: the column keys of title and body
    records_body: str = ""


@dataclass
class Sentence:
    """A paragraph the format writes itself from fields and figures (the Fujian “2018年，全市43个
    单位主动公开政府信息2589条。…”), as a pattern that reads them back: ``regex`` matches the
    paragraph (normalised, heading lead included) and ``groups`` says what each group is:
    ``("field", key)``, ``("slot", Slot)``, ``("record", key, column)`` or ``("any",)``. A
    Records field printed as a list inside the sentence (“主要类别有：A506条，占比…；B322条…。”)
    is ``records`` with ``item``/``item_groups`` for one entry; a Records field printed one
    entry a paragraph (“3. 两馆。…”) is ``records`` with ``alone``."""

    regex: re.Pattern
    groups: list[tuple]
    literal: int  # characters of fixed text: the more, the surer a match
    records: str = ""
    item: re.Pattern | None = None
    item_groups: list[tuple] = field(default_factory=list)
    alone: bool = False
    then: str = ""  # the prose field the format prints right after it: text that follows goes there
    decimals: str = ""  # a number field printed nowhere that sets how many decimals its shares show
    # the run-in heading the sentence follows (“1. ⟦website_title⟧。”), its numbers as printed: a
    # paragraph under that heading worded otherwise is still this item
    lead: re.Pattern | None = None
    lead_groups: list[tuple] = field(default_factory=list)
    # an entry printed one a paragraph without its number (``alone``): the same groups, so an
    # entry numbered in another style (“1.” where the format prints “（一）”) is still read
    unnumbered: re.Pattern | None = None
    numbering: str = ""  # the number as the format prints it, “(一)” or “3.”


@dataclass
class SectionLayout:
    section: Any
    heading: str
    rows: list[PrintedRow] = field(default_factory=list)
    vocabulary: list[str] = field(default_factory=list)  # label and header texts of its tables
    prose: list[ProseSlot] = field(default_factory=list)
    writes_figures: bool = False  # the section's own sentences quote table figures (Fujian 三)
    sentences: list[Sentence] = field(default_factory=list)  # most literal text first


@dataclass
class Layout:
    format_id: str
    sections: list[SectionLayout]
    host: Any = None
    renderer: Any = None

    def generated(self, report: Report, section) -> set[str]:
        """The paragraphs the format itself writes in ``section`` from the figures already
        imported (the Fujian 三 states 受理、答复 in sentences made from the table): found in
        a document, they are the table's, not prose."""
        if not next(s for s in self.sections if s.section is section).writes_figures:
            return set()
        texts: dict[str, Any] = {}
        table = report.section_data(section.id)
        for f in section.fields:  # print the section without its prose
            if f.kind in ("text", "line", "records") and f.key in table:
                texts[f.key] = table.pop(f.key)
        try:
            part = self.renderer.render_part(section, self.host.view(report), 1)
            blocks = [] if part.error else parse_markup(part.markup)
        finally:
            table.update(texts)
        return {norm(b.lead + b.text) for b in blocks if b.kind == "paragraph" and (b.lead + b.text).strip()}


_MARK = "⟦{}:{}⟧"
_MARK_RE = re.compile(r"⟦([^:⟧]+):([^⟧]+)⟧")
_LEAD = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)](.*?)[。：:]?$")


def _probe(host, fmt) -> tuple[Report, dict[str, Slot]]:
    rng = random.Random(20240101)
    used: set[int] = set()

    def number() -> int:
        while True:
            n = rng.randrange(10_000_000, 99_999_999)
            if n not in used:
                used.add(n)
                return n

    report = Report({META: {"format": fmt.id, "year": fmt.first_year or 2021, "unit": "⟦meta:unit⟧"}})
    by_value: dict[str, Slot] = {}
    for s in host.sections_for(fmt.id):
        table = report.section_data(s.id, create=True)
        for f in s.fields:
            if isinstance(f, Grid):
                values: dict[str, dict[str, int]] = {}
                for r, columns in f.input_rows:
                    for c in columns:
                        n = number()
                        values.setdefault(r.key, {})[c.key] = n
                        by_value[str(n)] = Slot(s.id, f.key, r.key, c.key)
                table[f.key] = values
                full = f.full(values)
                for r in f.rows:
                    for c in f.columns:
                        if r.sum_of or c.sum_of:
                            by_value.setdefault(str(full[r.key][c.key]), Slot(s.id, f.key, r.key, c.key, True))
            elif f.kind in ("integer", "decimal"):
                n = number()
                table[f.key] = n
                by_value[str(n)] = Slot(s.id, f.key)
            elif f.kind == "text":
                table[f.key] = _MARK.format(s.id, f.key)
            elif isinstance(f, Records):
                row: dict[str, Any] = {}
                for col in f.columns:
                    if col.kind == "text" or col.kind == "line":
                        row[col.key] = _MARK.format(s.id, f"{f.key}.{col.key}")
                    elif col.kind in ("integer", "decimal"):
                        row[col.key] = number()
                table[f.key] = [row]
    return report, by_value


def layout_of(host, fmt) -> Layout:
    from ..engine.render import Renderer

    report, by_value = _probe(host, fmt)
    renderer = Renderer(host)
    view = host.view(report)
    out = []
    for position, section in enumerate(host.sections_for(fmt.id), start=1):
        part = renderer.render_part(section, view, position)
        sl = SectionLayout(section, section.heading)
        if not part.error:
            _read_part(sl, parse_markup(part.markup), by_value)
        out.append(sl)
    _learn_sentences(host, fmt, renderer, out)
    return Layout(fmt.id, out, host, renderer)


def _learn_sentences(host, fmt, renderer, sections: list[SectionLayout]) -> None:
    """A second probe, with every one-line field marked too and two entries in every Records
    field, printed section by section: each paragraph made of fixed words, figures and such
    fields becomes a :class:`Sentence`."""
    report, by_value = _probe(host, fmt)
    rng = random.Random(20240102)
    record_numbers: dict[str, tuple[str, str]] = {}
    for s in host.sections_for(fmt.id):
        table = report.section_data(s.id, create=True)
        for f in s.fields:
            if f.kind == "line":
                table[f.key] = _MARK.format(s.id, f.key)
            elif isinstance(f, Records):
                rows = []
                for _ in range(2):
                    row: dict[str, Any] = {}
                    for c in f.columns:
                        if c.kind in ("text", "line"):
                            row[c.key] = _MARK.format(s.id, f"{f.key}.{c.key}")
                        elif c.kind in ("integer", "decimal"):
                            n = rng.randrange(100_000_000, 999_999_999)  # nine digits: never a probe cell
                            row[c.key] = n
                            record_numbers[str(n)] = (f.key, c.key)
                    rows.append(row)
                table[f.key] = rows
    view = host.view(report)
    year = str(fmt.first_year or 2021)
    for position, sl in enumerate(sections, start=1):
        part = renderer.render_part(sl.section, view, position)
        if part.error:
            continue
        found: list[Sentence] = []
        waiting: list[Sentence] = []
        blocks = parse_markup(part.markup)
        precision = _precision_fields(host, renderer, report, sl, position, blocks)
        for n, b in enumerate(blocks):
            if b.kind not in ("paragraph", "heading"):
                waiting = []
                continue
            sentence = _sentence(norm(b.lead + b.text), sl.section, by_value, record_numbers, year)
            if sentence is not None:
                sentence.decimals = precision.get(n, "")
                if b.lead and not sentence.records:
                    lead, sentence.lead_groups, _ = _pattern(norm(b.lead), sl.section.id, by_value, record_numbers, year,
                                                             fixed_numbers=True)
                    sentence.lead = re.compile(lead)
                found.append(sentence)
                waiting.append(sentence)
                continue
            alone = _MARK_RE.fullmatch(norm(b.text)) if not b.lead else None
            if alone and alone.group(1) == sl.section.id and "." not in alone.group(2):
                for w in waiting:
                    w.then = alone.group(2)
            waiting = []
        unique = {x.regex.pattern: x for x in found}  # the entries of a list print the same pattern
        sl.sentences = sorted(unique.values(), key=lambda x: -x.literal)


def _precision_fields(host, renderer, report: Report, sl: SectionLayout, position: int, blocks) -> dict[int, str]:
    """``{block index: field}`` for the number fields of the section that no rendering prints
    as such but that change how many decimals a paragraph shows (the Fujian 占比保留小数位):
    found by printing the section with the field at 0 and at 3 decimals."""
    table = report.section_data(sl.section.id)
    text = "".join(b.lead + b.text for b in blocks)
    out: dict[int, str] = {}
    for f in sl.section.fields:
        if f.kind != "integer" or isinstance(f, Grid) or str(table.get(f.key)) in text:
            continue
        kept = table.get(f.key)
        renders = []
        for places in (0, 3):
            table[f.key] = places
            part = renderer.render_part(sl.section, host.view(report), position)
            renders.append(None if part.error else parse_markup(part.markup))
        table[f.key] = kept
        if any(r is None or len(r) != len(blocks) for r in renders):
            continue
        for n, (a, b) in enumerate(zip(*renders)):
            if a.text != b.text and re.sub(r"\.\d+", "", a.text) == re.sub(r"\.\d+", "", b.text):
                out[n] = f.key
    return out


#: The number before an entry, normalised: “1.” or “(一)”.
ENTRY_NUMBER = re.compile(r"^(?:\d+\.|\([一二三四五六七八九十]+\))")
_TOKEN = re.compile(r"⟦([^:⟧]+):([^⟧]+)⟧|\d+(?:\.\d+)?")
_ANY_NUMBER = r"[\d,]+(?:\.\d+)?"


def _pattern(text: str, sid: str, by_value, record_numbers, year, fixed_numbers: bool = False) -> tuple[str, list[tuple], int]:
    """A regex for ``text`` as printed, its groups and how many characters are fixed text.
    Numbers that are no probe figure match any number (a computed share), or only
    themselves with ``fixed_numbers`` (an item's number, “1.”)."""
    pieces: list[str] = []
    groups: list[tuple] = []
    literal = 0
    seen: dict[tuple, int] = {}
    pos = 0
    for m in _TOKEN.finditer(text):
        pieces.append(re.escape(text[pos:m.start()]))
        literal += m.start() - pos
        pos = m.end()
        token = m.group(0)
        if m.group(1):
            what: tuple = (("record", *m.group(2).split(".", 1)) if "." in m.group(2) else ("field", m.group(2))) \
                if m.group(1) == sid else ("any",)
        elif token in by_value:
            what = ("slot", by_value[token])
        elif token in record_numbers:
            what = ("record", *record_numbers[token])
        elif token == year:
            what = ("year",)
        else:
            pieces.append(re.escape(token) if fixed_numbers else _ANY_NUMBER)  # a computed share (占比) or a fixed number (“1.”)
            continue
        if what in seen and what[0] != "any":  # the same field again: the same text
            pieces.append(f"(?P=g{seen[what]})")
            continue
        seen[what] = len(groups)
        body = _ANY_NUMBER if what[0] in ("slot", "year") or (what[0] == "record" and token.isdigit()) else ".+?"
        pieces.append(f"(?P<g{len(groups)}>{body})")
        groups.append(what)
    pieces.append(re.escape(text[pos:]))
    literal += len(text) - pos
    return "".join(pieces), groups, literal


def _sentence(text: str, section, by_value, record_numbers, year) -> Sentence | None:
    sid = section.id
    marks = [m for m in _MARK_RE.finditer(text) if m.group(1) == sid]
    figures = any(t in by_value or t in record_numbers for t in re.findall(r"\d+", text))
    record_marks = [m for m in marks if "." in m.group(2)]
    if not figures and not record_marks:
        return None  # fixed text, or prose fields (mapped by heading and position)
    if record_marks:
        key = record_marks[0].group(2).split(".")[0]
        first = record_marks[0].group(0)
        second = text.find(first, record_marks[0].end())
        if second < 0:  # one entry a paragraph (“3. ⟦title⟧。⟦body⟧”)
            regex, groups, literal = _pattern(text, sid, by_value, record_numbers, year)
            sentence = Sentence(re.compile(regex + "$"), groups, literal, records=key, alone=True)
            number = ENTRY_NUMBER.match(text)
            if number:
                rest, _, _ = _pattern(text[number.end():], sid, by_value, record_numbers, year)
                sentence.unnumbered, sentence.numbering = re.compile(rest + "$"), number.group(0)
            return sentence
        # entries listed in the sentence: the text from the first entry to the second is one
        # entry and its separator
        start = record_marks[0].start()
        unit = text[start:second]
        body, sep = unit[:-1], unit[-1:]
        head = text[:start]
        tail = text[second + len(body):]
        item, item_groups, _ = _pattern(body, sid, by_value, record_numbers, year)
        bare = re.sub(r"\(\?P<g\d+>", "(?:", item)
        h_regex, h_groups, h_lit = _pattern(head, sid, by_value, record_numbers, year)
        t_regex, _, t_lit = _pattern(tail[1:] if tail[:1] in "；;。，," else tail, sid, by_value, record_numbers, year)
        t_regex = re.sub(r"\(\?P=g\d+\)", ".+?", re.sub(r"\(\?P<g\d+>", "(?:", t_regex))  # after the list: matched, not read
        whole = f"{h_regex}(?P<items>(?:{bare}{re.escape(sep)})*{bare})[；;。，,]?{t_regex}$"
        return Sentence(re.compile(whole), h_groups, h_lit + t_lit + len(sep), records=key,
                        item=re.compile(item + f"(?:{re.escape(sep)}|[；;。，,]|$)"), item_groups=item_groups)
    regex, groups, literal = _pattern(text, sid, by_value, record_numbers, year)
    return Sentence(re.compile(regex + "$"), groups, literal)



def _read_part(sl: SectionLayout, blocks: list[Block], by_value: dict[str, Slot]) -> None:
    fields = {f.key: f for f in sl.section.fields}
    vocab: set[str] = set()
    for n_table, b in enumerate(blocks):
        if b.kind == "table" and b.table is not None:
            sl.prose.append(ProseSlot("table"))
            _read_table(sl, b.table, by_value, vocab, n_table)
            continue
        text = b.text
        if b.kind == "paragraph" and any(n in by_value for n in re.findall(r"\d{8}", b.lead + text)):
            sl.writes_figures = True
        if b.kind == "heading":
            lead = _LEAD.match(text.strip())
            sl.prose.append(ProseSlot("heading", title=lead.group(2) if lead else text.strip()))
            continue
        m = next((x for x in _MARK_RE.finditer(text) if x.group(1) == sl.section.id), None)
        if b.kind == "paragraph" and b.lead:
            lead = _LEAD.match(b.lead.strip())
            title = lead.group(2) if lead else b.lead.strip()
            tm = next((x for x in _MARK_RE.finditer(title) if x.group(1) == sl.section.id), None)
            if tm and m:  # a record: （一）⟦title⟧。⟦body⟧
                f = fields.get(tm.group(2).split(".")[0])
                sl.prose.append(ProseSlot("records", key=f.key if f else "", records_title=tm.group(2).split(".")[1],
                                          records_body=m.group(2).split(".")[1]))
            elif m:
                key = m.group(2)
                sl.prose.append(ProseSlot("titled", key=key, title=title,
                                          title_key=f"{key}_title" if f"{key}_title" in fields else ""))
        elif m:
            key = m.group(2)
            if "." in key:  # a record column printed as a paragraph
                continue
            if not any(p.kind == "text" and p.key == key for p in sl.prose):
                sl.prose.append(ProseSlot("text", key=key))
    if vocab:  # a table's caption often repeats the part's heading (“表三：收到和处理政府信息公开申请情况”)
        vocab.add(norm(sl.heading))
    sl.vocabulary = sorted(vocab, key=len, reverse=True)


def _read_table(sl: SectionLayout, table, by_value: dict[str, Slot], vocab: set[str], n_table: int) -> None:
    grid = table.grid()
    above: dict[int, str] = {}  # column -> label of a cell spanning down from an earlier row
    spans: dict[int, int] = {}
    headers: list[str] = []
    in_headers = False
    for row in grid:
        own, slots = [], []
        context = []
        for c, cell in enumerate(row):
            if cell is None:
                if c in above and spans.get(c, 0) > 0:
                    context.append(above[c])
                continue
            text = cell.text.strip()
            slot = by_value.get(text.replace(",", "")) if text else None
            if slot is not None:
                slots.append(slot)
            elif text:
                own.append(text)
                vocab.add(norm(text))
                if cell.rowspan > 1:
                    above[c], spans[c] = text, cell.rowspan
        for c in list(spans):
            spans[c] -= 1
        if not slots:
            if not in_headers:
                headers, in_headers = [], True
            headers.extend(own)
        else:
            in_headers = False
        if slots:
            sums = []
            for i, s in enumerate(slots):
                if s.computed:
                    parts = _parts(sl.section, s, slots)
                    if parts:
                        sums.append((i, parts))
            sl.rows.append(PrintedRow(" ".join(own), " ".join(dict.fromkeys(context)), slots, sums, n_table, list(headers)))


def _parts(section, slot: Slot, slots: list[Slot]) -> tuple[int, ...]:
    """Indexes of the figures of the same printed row that ``slot`` (a total) adds up."""
    grid = next((f for f in section.fields if isinstance(f, Grid) and f.key == slot.key), None)
    if grid is None:
        return ()
    col = next(c for c in grid.columns if c.key == slot.col)
    row = next(r for r in grid.rows if r.key == slot.row)
    if col.sum_of:
        wanted = [(slot.row, k) for k in col.sum_of]
    elif row.sum_of:
        return ()  # a 合计 row: its parts are in other printed rows (checked by column later)
    else:
        return ()
    index = {(s.row, s.col): i for i, s in enumerate(slots) if s.key == slot.key}
    if all(w in index for w in wanted):
        return tuple(index[w] for w in wanted)
    return ()


def markers(text: str) -> list[tuple[str, str]]:
    return _MARK_RE.findall(text or "")


def probe_number(value: Any) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)
