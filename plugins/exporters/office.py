"""Office exporters: Word (.docx), a self-contained HTML page and an Excel workbook of the
statistical tables. Registered through the same hook as the text exporters; each turns the
rendered blocks into its format and never re-renders.

The layout follows the official document conventions (GB/T 9704-2012 as summarised in
domain.md §4): A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm, 22 lines of 28 characters
(fixed line spacing 28.9 pt), 二号 小标宋 title, 三号 仿宋 body with a two-character
first-line indent, headings 黑体 / 楷体 / 仿宋, 五号 tables, page numbers "— 1 —".

python-docx and openpyxl are imported inside the export functions only, so loading the
plugin (and every headless command) stays fast and works where they are not installed.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import replace
from typing import Any, Iterable, Iterator

from .. import hookimpl
from ..document import Block, Cell, Table
from ..section import Exporter
from ..text import cell_width

__all__ = ["to_docx", "to_html", "to_xlsx", "html_table", "number_value", "FONTS", "PAGE"]

# -- page and type (domain.md §4.1, §4.2) ------------------------------------------------
#: millimetres: A4, 天头 37, 订口 28, 版心 156 × 225 (the other two margins follow from it)
PAGE = {"width": 210, "height": 297, "top": 37, "left": 28, "text_width": 156, "text_height": 225}
PAGE["right"] = PAGE["width"] - PAGE["left"] - PAGE["text_width"]  # 26
PAGE["bottom"] = PAGE["height"] - PAGE["top"] - PAGE["text_height"]  # 35

SIZE = {"二号": 22.0, "三号": 16.0, "四号": 14.0, "五号": 10.5}
LINE_PT = 28.9  # 225 mm / 22 lines
TITLE_LINE_PT = 35.0  # a 二号 title line does not fit 28.9 pt exactly

#: East Asian font (w:eastAsia) of each element. A .docx names one font per run; where it
#: is missing Word substitutes by its own table (方正小标宋简体 → 华文中宋/宋体 bold,
#: 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, §4.2). The HTML export lists the fallbacks in
#: its font stacks (§4.5).
FONTS = {
    "title": "方正小标宋简体",
    "body": "仿宋_GB2312",
    "h1": "黑体",
    "h2": "楷体_GB2312",
    "h3": "仿宋_GB2312",
    "h4": "仿宋_GB2312",
    "page": "宋体",
    "latin": "Times New Roman",  # Arabic numerals and Latin letters (practice, §4.2)
}

# -- numbers ------------------------------------------------------------------------------
_NUMBER = re.compile(r"-?[\d,]+(\.\d+)?%?")


def number_value(text: str) -> int | float | None:
    """The number a table cell shows (``"2,589"`` → 2589, ``"19.54%"`` → 0.1954), or None."""
    text = text.strip()
    if not _NUMBER.fullmatch(text) or not re.search(r"\d", text):
        return None
    percent = text.endswith("%")
    core = text.rstrip("%").replace(",", "")
    try:
        value: int | float = float(core) if ("." in core or percent) else int(core)
    except ValueError:
        return None
    if percent:
        value = round(value / 100, 10)
    return value


# -- text an XML file can hold ---------------------------------------------------------------
#: Characters XML 1.0 forbids (C0 controls but tab/newline/CR, surrogates, U+FFFE/U+FFFF):
#: a TOML string can hold them (``"\uFFFE"``) and python-docx refuses them, openpyxl writes
#: them into a file Excel will not open. They are invisible, so they are left out.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", text) if _NOT_XML.search(text) else text


def _xml_cell(cell: Cell) -> Cell:
    return replace(cell, text=_xml_text(cell.text))


def _xml_blocks(blocks: Iterable[Block]) -> list[Block]:
    """The document's blocks with only characters an XML file can hold."""
    out = []
    for b in blocks:
        table = b.table
        if table is not None:
            table = Table(_xml_text(table.caption), [[_xml_cell(c) for c in r] for r in table.head],
                          [[_xml_cell(c) for c in r] for r in table.body])
        out.append(replace(b, text=_xml_text(b.text), lead=_xml_text(b.lead), table=table))
    return out


CLOSING = ("signature", "date")


def _with_closing_runs(blocks: list[Block]) -> Iterator[tuple[Block, list[Block]]]:
    """Each block with ``[]``, except that a run of closing blocks (署名, 成文日期) comes once, as
    its first block with the whole run: the exporters lay the run out together."""
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and blocks[j].kind in CLOSING:
            j += 1
        if j > i:
            yield blocks[i], blocks[i:j]
            i = j
        else:
            yield blocks[i], []
            i += 1


def _imprint_parts(text: str) -> tuple[str, str]:
    left, _, right = text.partition("|")
    return left.strip(), right.strip()


# =========================================================================================
# Word
# =========================================================================================
def _set_fonts(rpr_owner: Any, east_asia: str, latin: str = FONTS["latin"]) -> None:
    """Set ascii/hAnsi/eastAsia fonts on a style or run, dropping theme fonts (which would
    win over the explicit names)."""
    from docx.oxml.ns import qn

    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _indent_chars(paragraph_format: Any, chars: int, size_pt: float) -> None:
    """First-line indent in characters (w:firstLineChars) with the equivalent length for
    programs that ignore the character unit."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    paragraph_format.first_line_indent = Pt(chars * size_pt)
    ppr = paragraph_format._element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is not None:
        ind.set(qn("w:firstLineChars"), str(chars * 100))


def _style(doc: Any, name: str, base: str | None, east_asia: str, size: float, *, bold: bool = False,
           align: Any = None, indent: int = 0, line: float | None = LINE_PT, outline: int | None = None) -> Any:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base is not None:
        style.base_style = doc.styles[base]
    _set_fonts(style, east_asia)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    pf = style.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.keep_with_next = outline is not None
    if line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(line)
    if align is not None:
        pf.alignment = align
    pf.left_indent = Pt(0)
    if indent:
        _indent_chars(pf, indent, size)
    else:
        pf.first_line_indent = Pt(0)
    return style


def _docx_styles(doc: Any) -> dict[str, Any]:
    from docx.enum.text import WD_ALIGN_PARAGRAPH as A

    body = SIZE["三号"]
    styles = {
        "body": _style(doc, "Normal", None, FONTS["body"], body, indent=2, align=A.JUSTIFY),
        "title": _style(doc, "Title", "Normal", FONTS["title"], SIZE["二号"], align=A.CENTER, line=TITLE_LINE_PT),
        "docno": _style(doc, "公文发文字号", "Normal", FONTS["body"], body, align=A.CENTER),
        "addressee": _style(doc, "公文主送机关", "Normal", FONTS["body"], body, align=A.LEFT),
        "h1": _style(doc, "Heading 1", "Normal", FONTS["h1"], body, indent=2, align=A.LEFT, outline=0),
        "h2": _style(doc, "Heading 2", "Normal", FONTS["h2"], body, indent=2, align=A.LEFT, outline=1),
        "h3": _style(doc, "Heading 3", "Normal", FONTS["h3"], body, indent=2, align=A.LEFT, outline=2, bold=True),
        "h4": _style(doc, "Heading 4", "Normal", FONTS["h4"], body, indent=2, align=A.LEFT, outline=3),
        "caption": _style(doc, "公文表格标题", "Normal", FONTS["h1"], body, align=A.CENTER),
        "table": _style(doc, "公文表格", "Normal", FONTS["body"], SIZE["五号"], align=A.LEFT, line=None),
        "signature": _style(doc, "公文署名", "Normal", FONTS["body"], body, align=A.RIGHT),
        "date": _style(doc, "公文成文日期", "Normal", FONTS["body"], body, align=A.RIGHT),
        "note": _style(doc, "公文附注", "Normal", FONTS["body"], body, indent=2, align=A.LEFT),
        "imprint": _style(doc, "公文版记", "Normal", FONTS["body"], SIZE["四号"], align=A.LEFT),
        "footer": _style(doc, "Footer", "Normal", FONTS["page"], SIZE["四号"], line=None),
    }
    for level in range(1, 5):  # headings keep the document's own bold/not-bold (黑体 needs none)
        styles[f"h{level}"].font.all_caps = False
    return styles


def _page_setup(doc: Any) -> None:
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE["width"]), Mm(PAGE["height"])
    section.top_margin, section.bottom_margin = Mm(PAGE["top"]), Mm(PAGE["bottom"])
    section.left_margin, section.right_margin = Mm(PAGE["left"]), Mm(PAGE["right"])
    section.header_distance = Mm(15)
    section.footer_distance = Mm(28 - 7)  # the page number sits 7 mm below the 版心
    # a grid of 22 lines: w:docGrid type="lines" linePitch in twips
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))


def _page_number(paragraph: Any) -> None:
    """"— N —" with a PAGE field."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.add_run("— ")
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text
        else:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
    paragraph.add_run(" —")


def _footers(doc: Any, styles: dict[str, Any]) -> None:
    """Odd pages: number on the right, one character in; even pages: on the left (§4.2)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH as A
    from docx.shared import Pt

    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, A.RIGHT), (section.even_page_footer, A.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        p.style = styles["footer"]
        p.alignment = align
        if align == A.RIGHT:
            p.paragraph_format.right_indent = Pt(SIZE["四号"])
        else:
            p.paragraph_format.left_indent = Pt(SIZE["四号"])
        p.paragraph_format.first_line_indent = Pt(0)
        _page_number(p)


def _rule(paragraph: Any, sides: Iterable[str]) -> None:
    """Horizontal rules above/below a paragraph (the lines of the 版记)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    for side in sides:
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "6")
        el.set(qn("w:space"), "1")
        el.set(qn("w:color"), "000000")
        bdr.append(el)
    ppr.append(bdr)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _docx_table(doc: Any, table: Table, styles: dict[str, Any]) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH as A

    grid = table.grid()
    if not grid or not grid[0]:
        return
    if table.caption:
        doc.add_paragraph(table.caption, style=styles["caption"])
    nrows, ncols = len(grid), len(grid[0])
    t = doc.add_table(rows=nrows, cols=ncols)
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r in range(min(len(table.head), nrows)):
        _repeat_header(t.rows[r])
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            target = t.cell(r, c)
            if cell.colspan > 1 or cell.rowspan > 1:
                end_r = min(r + cell.rowspan - 1, nrows - 1)
                end_c = min(c + cell.colspan - 1, ncols - 1)
                target = target.merge(t.cell(end_r, end_c))
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = target.paragraphs[0]
            p.style = styles["table"]
            p.alignment = A.CENTER if (cell.header or cell.numeric) else A.LEFT
            run = p.add_run(cell.text)
            run.bold = cell.header or None


def _docx_closing(doc: Any, blocks: list[Block], styles: dict[str, Any]) -> None:
    """署名 centred above the date, 成文日期 four characters from the right (§4.2)."""
    from docx.shared import Pt

    size = SIZE["三号"]
    date = next((b.text for b in blocks if b.kind == "date"), "")
    date_width = cell_width(date) / 2
    for b in blocks:
        p = doc.add_paragraph(style=styles[b.kind])
        p.add_run(b.text)
        right = 4.0
        if b.kind == "signature" and date:
            right = max(4.0 + (date_width - cell_width(b.text) / 2) / 2, 0.0)
        p.paragraph_format.right_indent = Pt(right * size)


def to_docx(document: Any) -> bytes:
    """The report as a Word document laid out as an official document."""
    import docx
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_BREAK
    from docx.shared import Mm, Pt

    doc = docx.Document()
    _page_setup(doc)
    styles = _docx_styles(doc)
    _footers(doc, styles)
    # (the core properties hold at most 255 characters; the title on the page is whole)
    doc.core_properties.title = _xml_text(getattr(document, "title", "") or "")[:255]
    doc.core_properties.language = "zh-CN"

    for b, closing in _with_closing_runs(_xml_blocks(document.blocks)):
        if closing:
            doc.add_paragraph(style=styles["body"])  # 空一行 above the 署名
            _docx_closing(doc, closing, styles)
        elif b.kind == "title":
            p = doc.add_paragraph(style=styles["title"])
            for n, line in enumerate(b.text.split("\n")):
                if n:
                    p.add_run().add_break(WD_BREAK.LINE)
                p.add_run(line)
            doc.add_paragraph(style=styles["body"])  # 空一行 below the title
        elif b.kind == "docno":
            doc.add_paragraph(b.text, style=styles["docno"])
            doc.add_paragraph(style=styles["body"])
        elif b.kind == "addressee":
            doc.add_paragraph(b.text, style=styles["addressee"])
        elif b.kind == "heading":
            level = min(max(b.level, 1), 4)
            doc.add_paragraph(b.text, style=styles[f"h{level}"])
        elif b.kind == "paragraph":
            p = doc.add_paragraph(style=styles["body"])
            if b.lead:
                lead = p.add_run(b.lead)
                lead.bold = True
                level = min(max(b.level, 1), 4)
                _set_fonts(lead, FONTS[f"h{level}"])
            p.add_run(b.text)
        elif b.kind == "table" and b.table is not None:
            _docx_table(doc, b.table, styles)
        elif b.kind == "note":
            doc.add_paragraph(style=styles["body"])  # 附注 one line below
            doc.add_paragraph(b.text, style=styles["note"])
        elif b.kind == "imprint":
            left, right = _imprint_parts(b.text)
            doc.add_paragraph(style=styles["body"])
            p = doc.add_paragraph(style=styles["imprint"])
            pf = p.paragraph_format
            pf.left_indent = Pt(SIZE["四号"])  # 左右各空一字
            pf.right_indent = Pt(SIZE["四号"])
            pf.tab_stops.add_tab_stop(Mm(PAGE["text_width"]) - Pt(2 * SIZE["四号"]), WD_TAB_ALIGNMENT.RIGHT)
            p.add_run(left + ("\t" + right if right else ""))
            _rule(p, ("top", "bottom"))
        elif b.kind == "broken":
            p = doc.add_paragraph(style=styles["body"])
            p.add_run(f"【{b.text}】").bold = True
        else:
            doc.add_paragraph(b.text, style=styles["body"])

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# =========================================================================================
# HTML
# =========================================================================================
STACKS = {  # domain.md §4.5; each ends in the free CJK fonts a Linux machine has (Noto / Source
    # Han from fonts-noto-cjk, WenQuanYi, AR PL) before the generic family, so a browser without
    # the Windows fonts still picks a Chinese face of the right kind (宋/黑/楷) and not a tofu box
    "body": '"FangSong_GB2312","仿宋_GB2312","FangSong","STFangsong","仿宋","Noto Serif CJK SC","Source Han Serif SC",serif',
    "title": '"FZXiaoBiaoSong-B05S","方正小标宋简体","STZhongsong","华文中宋","SimSun","宋体","Noto Serif CJK SC","Source Han Serif SC",serif',
    "h1": '"SimHei","黑体","Heiti SC","STHeiti","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Zen Hei",sans-serif',
    "h2": '"KaiTi_GB2312","楷体_GB2312","KaiTi","STKaiti","楷体","AR PL UKai CN","Noto Serif CJK SC",serif',
    "page": '"SimSun","宋体","Songti SC","Noto Serif CJK SC",serif',
}

_CSS = f"""
:root {{ --line: {LINE_PT}pt; }}
html {{ background: #eee; }}
body {{ margin: 0; font-family: {STACKS['body']}; font-size: {SIZE['三号']}pt; line-height: var(--line); color: #000; }}
main {{ box-sizing: content-box; width: {PAGE['text_width']}mm; min-height: {PAGE['text_height']}mm; margin: 1em auto;
  padding: {PAGE['top']}mm {PAGE['right']}mm {PAGE['bottom']}mm {PAGE['left']}mm; background: #fff; box-shadow: 0 0 4px #999; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; }}
.url {{ word-break: break-all; }}
h1.title {{ font-family: {STACKS['title']}; font-size: {SIZE['二号']}pt; line-height: {TITLE_LINE_PT}pt;
  font-weight: bold; font-synthesis: none; text-align: center; margin: 0 0 var(--line); }}
p.docno {{ text-indent: 0; text-align: center; margin-bottom: var(--line); }}
p.addressee {{ text-indent: 0; }}
h2, h3, h4, h5 {{ font-size: {SIZE['三号']}pt; line-height: var(--line); margin: 0; text-indent: 2em; font-weight: normal; }}
h2 {{ font-family: {STACKS['h1']}; }}
h3 {{ font-family: {STACKS['h2']}; }}
h4 {{ font-weight: bold; }}
.lead {{ font-weight: bold; }}
.lead.l1 {{ font-family: {STACKS['h1']}; font-weight: normal; }}
.lead.l2 {{ font-family: {STACKS['h2']}; }}
table {{ width: 100%; border-collapse: collapse; border: 1px solid #000; margin: 6pt 0 {LINE_PT / 2}pt;
  font-size: {SIZE['五号']}pt; line-height: 1.5; text-indent: 0; }}
col.num {{ width: 3.2em; }}
caption {{ font-family: {STACKS['h1']}; font-size: {SIZE['三号']}pt; line-height: var(--line); padding-bottom: 6pt; }}
th, td {{ border: 1px solid #000; padding: 2pt 4pt; vertical-align: middle; }}
th {{ text-align: center; }}
td {{ text-align: left; }}
td.band {{ text-align: center; font-weight: bold; }}
td.num {{ text-align: center; font-family: "Times New Roman", {STACKS['body']}; }}
.closing {{ margin-top: var(--line); text-align: right; }}
.closing p {{ text-indent: 0; text-align: right; margin-right: 4em; }}
p.note {{ margin-top: var(--line); }}
.imprint {{ display: flex; justify-content: space-between; margin-top: var(--line); padding: 0 1em;
  border-top: 1px solid #000; border-bottom: 1px solid #000; font-size: {SIZE['四号']}pt; }}
p.broken {{ font-weight: bold; color: #a00; }}
@page {{ size: A4; margin: {PAGE['top']}mm {PAGE['right']}mm {PAGE['bottom']}mm {PAGE['left']}mm; }}
@page :right {{ @bottom-right {{ content: "— " counter(page) " —"; font-family: {STACKS['page']}; font-size: {SIZE['四号']}pt;
  vertical-align: top; padding: 7mm {SIZE['四号']}pt 0 0; }} }}
@page :left {{ @bottom-left {{ content: "— " counter(page) " —"; font-family: {STACKS['page']}; font-size: {SIZE['四号']}pt;
  vertical-align: top; padding: 7mm 0 0 {SIZE['四号']}pt; }} }}
@media print {{
  html {{ background: none; }}
  main {{ width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }}
  h2, h3, h4, h5, caption {{ break-after: avoid; }}
  tr {{ break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  .closing {{ break-inside: avoid; }}
}}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


#: e-mail addresses and web addresses: long unbreakable runs that would otherwise push a
#: justified line apart ("电 话 ： … 电 子 邮 箱 ："); they may break anywhere instead.
#: An address is only looked for where a run of address characters starts (the lookbehind):
#: tried at every character of a long run, as the search would, it took time quadratic in
#: the run's length (100,000 letters without an "@": 8 s); whether a run holds an address
#: does not depend on where in the run the search starts, so nothing is missed.
_URL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
                  r"|(?:https?://|www\.)[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+")


def _text(text: str) -> str:
    """Escaped running text with addresses wrapped so they can break."""
    out, pos = [], 0
    for m in _URL.finditer(text):
        out.append(_e(text[pos:m.start()]))
        out.append(f'<span class="url">{_e(m.group())}</span>')
        pos = m.end()
    out.append(_e(text[pos:]))
    return "".join(out)


def _numeric_columns(table: Table) -> list[bool]:
    """Columns whose body cells (those starting there, one column wide) are all numbers."""
    grid = table.grid()
    ncols = len(grid[0]) if grid else 0
    seen = [False] * ncols
    ok = [True] * ncols
    for row in grid[len(table.head):]:
        for c, cell in enumerate(row):
            if cell is None or cell.colspan > 1:
                continue
            seen[c] = True
            ok[c] = ok[c] and cell.numeric
    return [s and k for s, k in zip(seen, ok)]


def html_table(table: Table) -> list[str]:
    """One table as HTML lines: the HTML page's, and Markdown's for a table with merged cells."""
    out = ["<table>"]
    if table.caption:
        out.append(f"<caption>{_e(table.caption)}</caption>")
    grid = table.grid()
    ncols = len(grid[0]) if grid else 0
    numeric = _numeric_columns(table)
    if ncols >= 8 and any(numeric) and not all(numeric):
        # a wide statistical table with label columns (三: 3 label + 7 number columns): the
        # number columns get an even share, so their headers wrap two characters a line
        # instead of one while the long labels take the rest (四, all numbers, needs none)
        out.append("<colgroup>" + "".join('<col class="num">' if n else "<col>" for n in numeric) + "</colgroup>")

    def row(cells: list[Cell], tag: str) -> str:
        parts = []
        for cell in cells:
            attrs = ""
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if tag == "td" and cell.numeric:
                attrs += ' class="num"'
            elif tag == "td" and ncols > 1 and cell.colspan == ncols and len(cells) == 1:
                attrs += ' class="band"'  # a sub-table's caption row (二: 第二十条第（五）项)
            cell_tag = "th" if (tag == "th" or cell.header) else "td"
            parts.append(f"<{cell_tag}{attrs}>{_e(cell.text)}</{cell_tag}>")
        return "<tr>" + "".join(parts) + "</tr>"

    if table.head:
        out.append("<thead>" + "".join(row(r, "th") for r in table.head) + "</thead>")
    out.append("<tbody>" + "".join(row(r, "td") for r in table.body) + "</tbody>")
    out.append("</table>")
    return out


def _closing(blocks: list[Block]) -> list[str]:
    """成文日期 four characters from the right, 署名 centred above the date (§4.2), as in
    the Word export: the 署名's right margin is 4 + (date width - 署名 width) / 2 characters."""
    date = next((b.text for b in blocks if b.kind == "date"), "")
    out = ['<div class="closing">']
    for b in blocks:
        right = 4.0
        if b.kind == "signature" and date:
            right = max(4.0 + (cell_width(date) / 2 - cell_width(b.text) / 2) / 2, 0.0)
        style = f' style="margin-right: {right:g}em"' if right != 4.0 else ""
        out.append(f'<p class="{b.kind}"{style}>{_e(b.text)}</p>')
    out.append("</div>")
    return out


def to_html(document: Any) -> str:
    """One self-contained page (no external resources) with an A4 print stylesheet."""
    blocks = _xml_blocks(document.blocks)
    title = _xml_text(getattr(document, "title", "") or "") or next((b.text.replace("\n", "") for b in blocks if b.kind == "title"), "")
    body: list[str] = []
    for b, closing in _with_closing_runs(blocks):
        if closing:
            body.extend(_closing(closing))
        elif b.kind == "title":
            body.append('<h1 class="title">' + "<br>".join(_e(line) for line in b.text.split("\n")) + "</h1>")
        elif b.kind in ("docno", "addressee", "note"):
            body.append(f'<p class="{b.kind}">{_e(b.text)}</p>')
        elif b.kind == "heading":
            tag = f"h{min(max(b.level, 1), 4) + 1}"
            body.append(f"<{tag}>{_e(b.text)}</{tag}>")
        elif b.kind == "paragraph":
            lead = f'<span class="lead l{b.level}">{_e(b.lead)}</span>' if b.lead else ""
            body.append(f"<p>{lead}{_text(b.text)}</p>")
        elif b.kind == "table" and b.table is not None:
            body.extend(html_table(b.table))
        elif b.kind == "imprint":
            left, right = _imprint_parts(b.text)
            body.append(f'<div class="imprint"><span>{_e(left)}</span><span>{_e(right)}</span></div>')
        elif b.kind == "broken":
            body.append(f'<p class="broken">【{_e(b.text)}】</p>')
        else:
            body.append(f"<p>{_text(b.text)}</p>")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        *body,
        "</main>",
        "</body>",
        "</html>",
    ]) + "\n"


# =========================================================================================
# Excel
# =========================================================================================
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(caption: str, n: int, used: set[str]) -> str:
    base = _SHEET_BAD.sub("", caption).strip().strip("'") or f"表{n}"
    base = base[:31]
    name, k = base, 2
    while name.lower() in used:
        suffix = f"({k})"
        name = base[:31 - len(suffix)] + suffix
        k += 1
    used.add(name.lower())
    return name


#: What a spreadsheet program would take for a formula (or, on editing the cell, turn into
#: one): "=", "+", "-", "@", and a tab or CR in front of them (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Excel keeps 15 significant digits: a longer number is shown as text, exactly as printed.
_EXCEL_DIGITS = 15


def _text_cell(ws: Any, row: int, column: int, text: str) -> Any:
    """A cell holding ``text`` as text, whatever it starts with. openpyxl stores a string
    that starts with "=" as a formula, which Excel would evaluate (``=HYPERLINK(...)`` typed
    in a county plugin's column): the type is set back to string, and a text that a
    spreadsheet could read as a formula gets Excel's quote prefix (shown as typed, kept as
    text when the cell is edited)."""
    cell = ws.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True
    return cell


def _sheet_number(text: str) -> int | float | None:
    """The number a cell shows, if a spreadsheet can hold it without changing it."""
    value = number_value(text)
    digits = sum(ch.isdigit() for ch in text)
    if value is None or digits > _EXCEL_DIGITS:
        return None
    return value


COMPUTED_NOTE = "注：灰底斜体的数字是合计，由各项自动计算，不需填写。"


def to_xlsx(document: Any) -> bytes:
    """Every statistical table on its own sheet: caption, header rows, merged cells, and
    numbers as numbers (percentages as fractions shown with %)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    computed_fill = PatternFill("solid", fgColor="E7E6E6")
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the empty sheet a new workbook starts with
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    used: set[str] = set()
    tables = [b.table for b in _xml_blocks(document.blocks) if b.kind == "table" and b.table is not None]
    for n, table in enumerate(tables, 1):
        ws = wb.create_sheet(_sheet_title(table.caption, n, used))
        grid = table.grid()
        ncols = len(grid[0]) if grid else 1
        top = 1
        if table.caption:
            _text_cell(ws, 1, 1, table.caption).font = Font(bold=True, size=14)
            ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
            if ncols > 1:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
            top = 2
        widths = [4] * ncols
        for r, row in enumerate(grid):
            for c in range(ncols):  # borders on every position, merged ones included
                ws.cell(row=top + r, column=c + 1).border = border
            for c, cell in enumerate(row):
                if cell is None:
                    continue
                value: Any = _sheet_number(cell.text) if not cell.header else None
                if value is None:
                    xc = _text_cell(ws, top + r, c + 1, cell.text)
                else:
                    xc = ws.cell(row=top + r, column=c + 1, value=value)
                if isinstance(value, float) and cell.text.strip().endswith("%"):
                    decimals = len(cell.text.strip().rstrip("%").partition(".")[2])
                    xc.number_format = "0" + ("." + "0" * decimals if decimals else "") + "%"
                elif isinstance(value, int) and "," in cell.text:
                    xc.number_format = "#,##0"
                xc.font = Font(bold=cell.header, italic=cell.computed)
                if cell.computed:
                    xc.fill = computed_fill
                xc.alignment = Alignment(horizontal="center" if (cell.header or value is not None) else "left",
                                         vertical="center", wrap_text=True)
                if cell.colspan > 1 or cell.rowspan > 1:
                    ws.merge_cells(start_row=top + r, start_column=c + 1,
                                   end_row=top + min(r + cell.rowspan, len(grid)) - 1,
                                   end_column=min(c + cell.colspan, ncols))
                if cell.colspan == 1:
                    widths[c] = max(widths[c], cell_width(cell.text) + 2)
        if any(cell is not None and cell.computed for row in grid for cell in row):
            _text_cell(ws, top + len(grid) + 1, 1, COMPUTED_NOTE).font = Font(italic=True)
        for c, w in enumerate(widths):
            ws.column_dimensions[get_column_letter(c + 1)].width = min(w * 1.1, 60)
        if table.head:
            ws.freeze_panes = ws.cell(row=top + len(table.head), column=1)
        ws.print_options.horizontalCentered = True
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
    if not tables:  # a workbook needs a sheet; say why it is empty
        ws = wb.create_sheet("无统计表")
        _text_cell(ws, 1, 1, "本报告没有统计表")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@hookimpl
def nianbao_register_exporters():
    return [
        Exporter(id="docx", name="Word 文档", suffix=".docx", export=to_docx, binary=True,
                 description="公文格式：A4、版心 156×225 mm、仿宋三号正文、合并单元格、页码"),
        Exporter(id="html", name="网页", suffix=".html", export=to_html,
                 description="单个自含网页，含 A4 打印样式与边框表格"),
        Exporter(id="xlsx", name="Excel 工作簿", suffix=".xlsx", export=to_xlsx, binary=True,
                 description="每张统计表一个工作表，保留表头与合并单元格，数字为数值"),
    ]
