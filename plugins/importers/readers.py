"""Reading a published document into blocks: the same :class:`~plugins.document.Block` /
:class:`~plugins.document.Table` / :class:`~plugins.document.Cell` that nianbao's own
exporters write, so one mapping (:mod:`plugins.importers.mapping`) serves every kind of file.

Each reader returns paragraphs (one per paragraph of the document, as found) and tables
(with their row and column spans). Nothing is interpreted here: headings, labels and
figures are recognised by the mapping.

A reader that cannot read its file raises :class:`ImportFailed` with one sentence for the
operator; no exception of a parsing library gets through.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

from ..document import Block, Cell, Table
from .files import MAX_BYTES, OLD_OFFICE, SUFFIXES, ImportFailed

__all__ = ["ImportFailed", "SUFFIXES", "MAX_BYTES", "read_blocks", "blocks_from_text", "blocks_from_html",
           "blocks_from_docx", "blocks_from_pdf"]


# -- plain text ---------------------------------------------------------------------------
_PAGE_MARKER = re.compile(r"^[-—–－]\s*\d{1,3}\s*[-—–－]$|^第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?$|^\d{1,3}\s*/\s*\d{1,3}$")
_RULE = re.compile(r"^\+[-=+]+\+$")
_MD_HEADING = re.compile(r"^#{1,6}\s+")  # a Markdown copy's heading marks (“## 表三：…”) are markup, not text
_SENTENCE_END = "。！？：；」”）)"


def _width(line: str) -> float:
    """How much of a printed line ``line`` fills: a CJK character is 1, ASCII ½, blanks 0."""
    return sum(0 if ch in " \t\u3000" else 1 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in line)


def _table_cells(line: str) -> list[str]:
    parts = line.strip().strip("|").split("|")
    return [p.strip(" \u3000") for p in parts]


def _wrap_width(lines: list[str]) -> float | None:
    """The width at which the text was wrapped (text copied from a PDF or a printed page),
    or ``None`` when each line is a paragraph (a Word or web page copy, nianbao's txt)."""
    widths = sorted(_width(ln) for ln in lines if _width(ln) >= 8)
    if len(widths) < 6:
        return None
    top = widths[int(len(widths) * 0.9)]
    if top > 60:
        return None  # paragraphs of a hundred characters and more are not wrapped lines
    near = sum(1 for w in widths if w >= top - 2.5)
    return top if near >= len(widths) * 0.4 else None


def blocks_from_text(text: str) -> list[Block]:
    """Plain text: ASCII-ruled tables (nianbao's own export) and ``|`` rows become tables;
    page markers (``- 3 -``, ``第3页``) are dropped; wrapped lines (a PDF copy) are joined
    into paragraphs again. Everything else is a paragraph per line."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).replace("\xa0", " ")
    raw = [ln.rstrip() for ln in text.split("\n")]
    width = _wrap_width([s for ln in raw if (s := ln.strip(" \t\u3000")) and not s.startswith(("|", "+"))])
    blocks: list[Block] = []
    table: Table | None = None
    pending: list[str] = []

    def flush_pending() -> None:
        blocks.extend(_paragraphs(pending, width))
        pending.clear()

    for line in raw:
        s = line.strip(" \t\u3000")
        if _RULE.match(s):
            if table is None:
                flush_pending()
                table = Table()
            continue
        if s.startswith("|") and s.count("|") >= 2:
            if table is None:
                flush_pending()
                table = Table()
            table.body.append([Cell(c) for c in _table_cells(s)])
            continue
        if table is not None:
            blocks.append(Block("table", table=table))
            table = None
        if not s:
            flush_pending()  # a blank line ends a paragraph
            continue
        if _PAGE_MARKER.match(s):
            continue
        pending.append(_MD_HEADING.sub("", s))
    if table is not None:
        blocks.append(Block("table", table=table))
    flush_pending()
    return blocks


_HEADING_START = re.compile(r"^([一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d+[.．、])")


def _paragraphs(lines: list[str], width: float | None) -> list[Block]:
    """Join wrapped lines back into paragraphs: a line as wide as the wrap width continues on
    the next one unless the next starts a numbered heading."""
    if width is None:
        return [Block("paragraph", ln) for ln in lines]
    lines = [_PDF_BLANKS.sub("", ln) for ln in lines]
    out: list[str] = []
    joining = False
    for ln in lines:
        if joining and out and not _HEADING_START.match(ln):
            out[-1] = _join(out[-1], ln)
        else:
            out.append(ln)
        # a table row's line (its figures at the end) is as wide as the page too, and ends there
        joining = width - 3.5 <= _width(ln) <= width + 3 and not _ROW_END.search(ln)
    return [Block("paragraph", p) for p in out]


_ROW_END = re.compile(r"(?:^|\s)\d[\d,.]*(?:[ \t]+\d[\d,.]*){2,}$")  # three figures or more: no phone number


# Blanks a PDF text layer puts between Chinese and figures (“自 2024 年 1 月”): not in the
# document as written, only in how it was laid out.
_PDF_BLANKS = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]+(?=[0-9A-Za-z%])|(?<=[0-9A-Za-z%])[ \t]+(?=[\u3000-\u9fff\uff00-\uffef])")


def _join(a: str, b: str) -> str:
    # An ASCII word or number broken across lines keeps no blank; CJK text never had one.
    return a + b


# -- HTML -----------------------------------------------------------------------------------
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "center", "blockquote",
               "dd", "dt", "pre", "td", "th", "tr", "table", "body", "font"}


_DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=|<\?xml[^>]+encoding\s*=|^\xef\xbb\xbf", re.I)


def _clean(text: str) -> str:
    return re.sub(r"[ \t\r\n\xa0]+", " ", text).strip(" \u3000")


def blocks_from_html(data: bytes | str) -> list[Block]:
    """A web page as government sites publish it: ``<p>`` paragraphs (inline styles,
    ``&nbsp;``, full-width spaces), ``<br>`` line breaks, real tables with rowspan/colspan;
    a table that holds paragraphs or other tables (a layout table) is read as its content.
    Scripts, styles and navigation lists are left out."""
    from lxml import html as lxml_html  # lxml: libxml2's HTML parser, tolerant of broken markup

    if isinstance(data, bytes) and not _DECLARED_CHARSET.search(data[:4096]):
        # A page saved without its <meta charset> (an article body copied out of a site's
        # CMS): libxml2 would read it as Latin-1; Chinese pages are UTF-8 or GBK.
        raw = data
        try:
            data = raw.decode("utf-8")
        except UnicodeDecodeError:
            data = raw.decode("gb18030", errors="replace")
        data = data.lstrip("\ufeff")
    try:
        root = lxml_html.document_fromstring(data)
    except Exception as exc:  # noqa: BLE001 - lxml raises several types for unreadable input
        raise ValueError(f"网页无法解析：{exc}") from None
    for bad in root.xpath("//script|//style|//noscript|//head|//nav|//select|//button|//iframe"):
        bad.drop_tree()
    blocks: list[Block] = []
    _html_walk(root, blocks, [""])
    return [b for b in blocks if b.kind == "table" or b.text]


def _is_data_table(el) -> bool:
    # A layout table holds block content (paragraphs, nested tables) in its cells.
    if el.xpath(".//table"):
        return False
    rows = el.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    return bool(rows)


def _html_walk(el, blocks: list[Block], line: list[str]) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag == "table" and _is_data_table(el):
        _flush(blocks, line)
        blocks.append(Block("table", table=_html_table(el)))
        if el.tail:
            line[0] += el.tail
        return
    block = tag in _BLOCK_TAGS
    if block:
        _flush(blocks, line)
    if tag == "br":
        _flush(blocks, line)
    elif el.text and tag not in ("script", "style"):
        line[0] += el.text
    for child in el:
        _html_walk(child, blocks, line)
    if block:
        _flush(blocks, line)
    if el.tail:
        line[0] += el.tail


def _flush(blocks: list[Block], line: list[str]) -> None:
    text = _clean(line[0])
    line[0] = ""
    if text:
        blocks.append(Block("paragraph", text))


def _span(el, name: str) -> int:
    try:
        return max(1, min(int(re.sub(r"\D", "", el.get(name, "1")) or 1), 200))
    except ValueError:
        return 1


def _html_table(el) -> Table:
    table = Table()
    for tr in el.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        row = []
        for td in tr.xpath("./td|./th"):
            text = _clean("".join(td.itertext()))
            row.append(Cell(text, _span(td, "colspan"), _span(td, "rowspan")))
        if row:
            table.body.append(row)
    return table


# -- Word -----------------------------------------------------------------------------------
def blocks_from_docx(data: bytes) -> list[Block]:
    """A Word file: paragraphs and tables in document order (tables nested in a layout
    table are read in place), merged cells as row and column spans."""
    from docx.oxml.ns import qn  # python-docx's names for WordprocessingML
    from lxml import etree

    # Only the main part is read (python-docx would load every part of the package first,
    # half the time of an import): a .docx is a zip whose word/document.xml holds the body.
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = package.read("word/document.xml")
    body = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)).find(qn("w:body"))
    if body is None:
        raise ValueError("word/document.xml has no body")
    blocks: list[Block] = []
    _docx_body(body, blocks, qn)
    return blocks


def _docx_text(el, qn) -> str:
    parts = []
    for node in el.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


def _docx_body(body, blocks: list[Block], qn) -> None:
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            for piece in _docx_text(child, qn).split("\n"):
                text = _clean(piece)
                if text:
                    blocks.append(Block("paragraph", text))
        elif child.tag == qn("w:tbl"):
            if child.findall(".//" + qn("w:tbl")):
                for tc in child.iter(qn("w:tc")):  # a layout table: its cells are the content
                    _docx_body(tc, blocks, qn)
            else:
                blocks.append(Block("table", table=_docx_table(child, qn)))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _docx_body(content, blocks, qn)


def _docx_table(tbl, qn) -> Table:
    """Rows of cells with spans: ``w:gridSpan`` is a column span; a ``w:vMerge`` cell that
    continues the one above adds to that cell's row span."""
    table = Table()
    origin: dict[int, Cell] = {}  # grid column -> cell that started a vertical merge there
    for tr in tbl.iterchildren(qn("w:tr")):
        row: list[Cell] = []
        col = 0
        for tc in tr.iterchildren(qn("w:tc")):
            pr = tc.find(qn("w:tcPr"))
            span, vmerge = 1, None
            if pr is not None:
                gs = pr.find(qn("w:gridSpan"))
                if gs is not None:
                    try:
                        span = max(1, int(gs.get(qn("w:val"), "1")))
                    except ValueError:
                        span = 1
                vm = pr.find(qn("w:vMerge"))
                if vm is not None:
                    vmerge = vm.get(qn("w:val"), "continue")
            if vmerge == "continue" and col in origin:
                origin[col].rowspan += 1
            else:
                lines = [ln for p in tc.iter(qn("w:p")) for ln in _docx_text(p, qn).split("\n")]
                text = _join_lines([_clean(ln) for ln in lines])
                cell = Cell(text, span, 1)
                row.append(cell)
                if vmerge == "restart":
                    origin[col] = cell
                else:
                    origin.pop(col, None)
            col += span
        table.body.append(row)
    return table


def _join_lines(lines: list[str]) -> str:
    """The lines of a table cell as one text: a header broken over two lines in its cell
    (“本年新 / 制作数量”) is one word in Chinese, so no blank between two CJK characters."""
    out = ""
    for ln in (x for x in lines if x):
        wide = out and unicodedata.east_asian_width(out[-1]) in "WF" and unicodedata.east_asian_width(ln[0]) in "WF"
        out = out + ln if not out or wide else out + " " + ln
    return out


# -- PDF ------------------------------------------------------------------------------------
def blocks_from_pdf(data: bytes) -> list[Block]:
    """A PDF with a text layer: the text of each page (page numbers dropped, wrapped lines
    joined, as for text copied from a PDF viewer) and its ruled tables as tables, cell by cell
    with their spans. Read as text lines, a cell whose label wraps over two lines prints its
    figures between them (the label's lines are centred on the row), so which label they
    belong to is lost; the ruling says it. A table without ruling comes through as text rows,
    which the mapping reads by their labels and, where figures run together, by the
    format's sums."""
    import logging

    import pdfplumber  # pdfplumber on pdfminer.six: characters with positions, so rows stay rows

    # pdfminer logs every font it finds odd (thousands of lines for some PDFs): not the operator's concern
    logging.getLogger("pdfminer").setLevel(logging.ERROR)

    blocks: list[Block] = []
    lines: list[str] = []  # text since the last table, read as text is (paragraphs over pages)
    rows: list[list[Cell]] = []  # the rows of the table being read
    any_text = False
    table_no = -1  # which table of the page the rows being read are from

    def flush_text() -> None:
        if lines:
            blocks.extend(blocks_from_text("\n".join(lines)))
            lines.clear()

    def flush_table() -> None:
        if not rows:
            return
        width = sum(c.colspan for c in rows[0])
        last = blocks[-1] if blocks else None
        if last is not None and last.table is not None and sum(c.colspan for c in last.table.body[0]) == width:
            last.table.body.extend(rows)  # a table continued on the next page
        else:
            blocks.append(Block("table", table=Table(body=list(rows))))
        rows.clear()

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            tables = [t for t in page.find_tables() if any(sum(c is not None for c in r.cells) > 1 for r in t.rows)]
            outside = page.filter(_not_in([t.bbox for t in tables]))
            # what the page holds from top to bottom: lines of text and rows of its tables
            items: list[tuple[float, str | list[Cell], int]] = [
                (ln["top"], _pdf_text(ln["text"]), -1) for ln in outside.extract_text_lines(x_tolerance=1.5, y_tolerance=3)]
            for n, t in enumerate(tables):
                items.extend((top, item, n) for top, item in _pdf_table_rows(t))
            items.sort(key=lambda item: item[0])
            for _, item, n in items:
                if isinstance(item, str):
                    any_text = any_text or bool(item.strip())
                    if rows and not _PAGE_MARKER.match(item.strip()):
                        flush_table()
                    lines.append(item)
                else:
                    any_text = True
                    if not rows:
                        flush_text()
                    elif n != table_no and sum(c.colspan for c in item) != sum(c.colspan for c in rows[0]):
                        flush_table()  # another table just below, not this one going on
                    table_no = n
                    rows.append(item)
    if not any_text:
        raise ValueError("scanned")
    flush_table()
    flush_text()
    return blocks


def _not_in(boxes):
    """Keeps a page's objects but the characters inside ``boxes`` (the tables, read apart)."""
    def keep(o) -> bool:
        if o.get("object_type") != "char":
            return True
        x, y = (o["x0"] + o["x1"]) / 2, (o["top"] + o["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)
    return keep


def _pdf_text(text: str) -> str:
    """Text as a PDF's characters give it. A PDF has no spaces between Chinese characters,
    only gaps (justified lines, a quotation mark's side bearing) that text extraction turns
    into blanks: between two full-width characters a blank is never part of the text."""
    return _WIDE_GAP.sub("", text.translate(_RADICALS))


_WIDE = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u201c\u201d\u2018\u2019"
_WIDE_GAP = re.compile(f"(?<=[{_WIDE}]) +(?=[{_WIDE}])")


def _pdf_table_rows(table) -> list[tuple[float, str | list[Cell]]]:
    """A ruled table of a PDF page as rows of :class:`Cell` with their spans (where a cell
    covers several of the grid's columns or rows), each at its top on the page. A row that is
    one cell across the table (a paragraph the writer drew a box around, a heading) is text,
    line by line."""
    cells = [c for r in table.rows for c in r.cells if c is not None]
    xs = sorted({round(c[0], 1) for c in cells})
    ys = sorted({round(c[1], 1) for c in cells})
    texts = table.extract(x_tolerance=1.5, y_tolerance=3)
    out: list[tuple[float, str | list[Cell]]] = []
    for r, row in enumerate(table.rows):
        found = [(bbox, texts[r][i] or "") for i, bbox in enumerate(row.cells) if bbox is not None]
        top = row.bbox[1]
        if len(found) == 1 and found[0][0][0] <= xs[0] + 1 and found[0][0][2] >= table.bbox[2] - 1:
            out.extend((top + n / 100, _pdf_text(ln)) for n, ln in enumerate(found[0][1].split("\n")))
            continue
        line = []
        for (x0, y0, x1, y1), text in found:
            colspan = max(1, sum(1 for x in xs if x0 - 0.5 <= x < x1 - 0.5))
            rowspan = max(1, sum(1 for y in ys if y0 - 0.5 <= y < y1 - 0.5))
            line.append(Cell(_pdf_text(_clean(_join_lines(text.split("\n")))), colspan, rowspan))
        out.append((top, line))
    return out


# Some PDF writers (Chrome's among them) map common characters to the look-alike Kangxi
# radicals (⼀ U+2F00 for 一, ⼈ for 人): the same character to a reader, not to a search.
_RADICALS = {c: unicodedata.normalize("NFKC", chr(c)) for c in (*range(0x2E80, 0x2EF4), *range(0x2F00, 0x2FD6))
             if unicodedata.normalize("NFKC", chr(c)) != chr(c)}
_RADICALS.update({ord(a): b for a, b in zip("⺠⻓⻔⻢⻄⻅⻉⻋⻜⻛⻩⻝⻬⻙⻚⻘⻆⻌⻊", "民长门马西见贝车飞风黄食齐纟页青角辶犭")})


# -- any file -------------------------------------------------------------------------------
def _decode(data: bytes, path: Path) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")  # text saved on a Chinese Windows machine
    except UnicodeDecodeError:
        raise ImportFailed(path, "文本文件既不是 UTF-8 也不是 GBK 编码，无法读取") from None


def kind_of(path: Path, data: bytes) -> str:
    """``text``, ``docx``, ``html`` or ``pdf``: by the file's content where it says (a .docx
    is a zip, a PDF starts with %PDF), else by its suffix."""
    suffix = path.suffix.lower()
    if suffix in OLD_OFFICE or data.startswith(b"\xd0\xcf\x11\xe0"):
        what = OLD_OFFICE.get(suffix, "旧版 Office 文件")
        raise ImportFailed(path, f"这是{what}，nianbao 只能读取 .docx：请用 Word 或 WPS 打开后“另存为”Word 文档（*.docx），"
                                 "或用 libreoffice --headless --convert-to docx 转换")
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    head = data[:2048].lstrip().lower()
    if suffix in (".html", ".htm", ".shtml") or head.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return "html"
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    return "text"


def read_blocks(path: str | Path, data: bytes | None = None) -> tuple[str, list[Block]]:
    """``(kind, blocks)`` of a published report, or :class:`ImportFailed`."""
    p = Path(path)
    if data is None:
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            raise ImportFailed(p, "文件不存在") from None
        except OSError as e:
            raise ImportFailed(p, f"无法读取：{e.strerror}") from None
        if p.is_dir():
            raise ImportFailed(p, "这是一个文件夹，不是报告文件")
        if size > MAX_BYTES:
            raise ImportFailed(p, f"文件有 {size / 1024 / 1024:.1f} MB，超过 {MAX_BYTES // 1024 // 1024} MB："
                                  "年度报告的 Word、网页、PDF 或文本文件远小于此，请确认选对了文件")
        try:
            data = p.read_bytes()
        except OSError as e:
            raise ImportFailed(p, f"无法读取：{e.strerror}") from None
    if not data.strip():
        raise ImportFailed(p, "文件是空的")
    kind = kind_of(p, data)
    try:
        if kind == "pdf":
            blocks = blocks_from_pdf(data)
        elif kind == "docx":
            blocks = blocks_from_docx(data)
        elif kind == "html":
            blocks = blocks_from_html(data)
        else:
            blocks = blocks_from_text(_decode(data, p))
    except ImportFailed:
        raise
    except ValueError as e:
        if str(e) == "scanned":
            raise ImportFailed(p, "PDF 没有文字层（扫描件）：无法读取文字。请找到原始的 Word 文件或网页，"
                                  "或先用 OCR 软件识别为文字后再导入") from None
        raise ImportFailed(p, _broken(kind, e)) from None
    except (zipfile.BadZipFile, KeyError) as e:
        raise ImportFailed(p, _broken(kind, e)) from None
    except Exception as e:  # noqa: BLE001 - parsing libraries raise many types for damaged files
        raise ImportFailed(p, _broken(kind, e)) from None
    if not any(b.kind == "table" or b.text.strip() for b in blocks):
        raise ImportFailed(p, "文件中没有文字")
    return kind, blocks


def _broken(kind: str, exc: BaseException) -> str:
    what = {"docx": "Word 文件", "pdf": "PDF 文件", "html": "网页", "text": "文本文件"}[kind]
    return f"{what}已损坏或不完整（可能没有下载完），无法读取（{type(exc).__name__}）"
