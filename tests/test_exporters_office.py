"""The Word, HTML and Excel exporters (plugins/exporters/office.py): each file is read back
with its own library (python-docx, html.parser, openpyxl) and checked against the official
document conventions of domain.md §4 and against the blocks it was made from."""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Pt  # noqa: E402

from plugins.engine.config import Config  # noqa: E402
from plugins.document import Block, Cell, Table, parse_markup  # noqa: E402
from plugins.exporters import to_text  # noqa: E402
from plugins.exporters.office import number_value, to_docx, to_html, to_xlsx  # noqa: E402
from plugins.host.manager import PluginHost  # noqa: E402
from plugins.engine.render import RenderedDocument, Renderer  # noqa: E402
from plugins.engine.store import load_report  # noqa: E402
from tui.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jianou-2018.toml"

#: a document with everything an exporter meets: run-in leads, all heading levels, a table
#: with row and column spans, percentages, and prose that looks like markup
MARKUP = r"""
::docno 瓯政办〔2019〕2号
::title 建瓯市人民政府办公室关于
::title 2018年政府信息公开工作年度报告
::addressee 南平市人民政府办公室：
::h1 一、概述
正文第一段 <script>alert("x")</script> & 其他 "引号"。
::h2+ （一）加强组织领导。
市政府高度重视。
::h2 （二）主动公开情况
::h3 1. 政府网站
::h4 （1）栏目
网站公开 2589 条。
::table 附表 政府信息公开情况统计表
::head {r=2}指标名称 | {r=2}单位 | {c=2}数量
::head 2018年度 | 历年累计
::row 主动公开文件数 | 条 | 2,589 | 46269
::row {c=2}占比 | 19.54% | 0.5
::row 其中：网上申请 <b> | 件 | 5 | 6
::end
::signature 建瓯市人民政府办公室
::date 2019年1月8日
::note （此件主动公开）
::imprint 建瓯市人民政府办公室 | 2019年1月8日印发
"""


def synthetic() -> RenderedDocument:
    return RenderedDocument(blocks=parse_markup(MARKUP), title="年度报告 <测试>")


@pytest.fixture(scope="module")
def example() -> RenderedDocument:
    host = PluginHost(Config(), entry_points=False)
    return Renderer(host).render(load_report(EXAMPLE))


def read_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def east_asia(style) -> str | None:
    fonts = style.element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


# -- registration -------------------------------------------------------------------------
def test_registered_as_builtin_and_lazy():
    host = PluginHost(Config(), entry_points=False)
    assert {"docx", "html", "xlsx"} <= set(host.exporters)
    assert host.exporters["docx"].binary and host.exporters["xlsx"].binary and not host.exporters["html"].binary
    assert host.exporters["docx"].suffix == ".docx"
    # the libraries are imported inside the export functions only
    source = (ROOT / "plugins" / "exporters" / "office.py").read_text(encoding="utf-8")
    head = source.split("def ", 1)[0]
    assert "import docx" not in head and "openpyxl" not in head.replace("openpyxl are", "")


def test_number_value():
    assert number_value("2589") == 2589 and isinstance(number_value("2589"), int)
    assert number_value("2,589") == 2589
    assert number_value("19.54%") == pytest.approx(0.1954)
    assert number_value("-3") == -3
    assert number_value("0.5") == 0.5
    assert number_value("条") is None and number_value("") is None and number_value(",") is None


# -- Word ---------------------------------------------------------------------------------
def test_docx_page_setup(example):
    d = read_docx(to_docx(example))
    s = d.sections[0]
    mm = lambda length: round(length.mm, 1)  # noqa: E731  (stored in twips)
    assert (mm(s.page_width), mm(s.page_height)) == (210, 297)
    assert mm(s.top_margin) == 37 and mm(s.left_margin) == 28
    assert mm(s.page_width) - mm(s.left_margin) - mm(s.right_margin) == 156  # 版心 156 × 225
    assert mm(s.page_height) - mm(s.top_margin) - mm(s.bottom_margin) == 225


def test_docx_styles_fonts_and_sizes(example):
    d = read_docx(to_docx(example))
    st = d.styles
    expect = {"Normal": ("仿宋_GB2312", 16), "Title": ("方正小标宋简体", 22), "Heading 1": ("黑体", 16),
              "Heading 2": ("楷体_GB2312", 16), "Heading 3": ("仿宋_GB2312", 16), "Heading 4": ("仿宋_GB2312", 16),
              "公文表格": ("仿宋_GB2312", 10.5), "公文版记": ("仿宋_GB2312", 14), "Footer": ("宋体", 14)}
    for name, (font, size) in expect.items():
        assert east_asia(st[name]) == font, name
        assert st[name].font.size == Pt(size), name
        fonts = st[name].element.rPr.rFonts
        assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:eastAsiaTheme")) is None  # no theme override
    normal = st["Normal"].paragraph_format
    assert normal.first_line_indent == Pt(32)  # two 三号 characters
    assert st["Normal"].element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY and normal.line_spacing == Pt(28.9)


def test_docx_headings_follow_the_txt_export(example):
    d = read_docx(to_docx(example))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [b.text for b in example.blocks if b.kind == "heading"]
    assert headings[0] == "一、概述"
    # same order as in the plain-text export
    txt = to_text(example)
    positions = [txt.index("\u3000\u3000" + h + "\n") for h in headings]
    assert positions == sorted(positions)
    title = next(p for p in d.paragraphs if p.style.name == "Title")
    assert title.alignment is None or title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert d.styles["Title"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "2018年政府信息公开工作年度报告" in title.text


def test_docx_run_in_leads_closing_and_footer():
    data = to_docx(synthetic())
    d = read_docx(data)
    lead_para = next(p for p in d.paragraphs if p.text.startswith("（一）加强组织领导。"))
    assert lead_para.runs[0].text == "（一）加强组织领导。" and lead_para.runs[0].bold
    assert lead_para.runs[0].element.rPr.rFonts.get(qn("w:eastAsia")) == "楷体_GB2312"
    assert not lead_para.runs[1].bold
    sig = next(p for p in d.paragraphs if p.text == "建瓯市人民政府办公室")
    date = next(p for p in d.paragraphs if p.text == "2019年1月8日")
    for p in (sig, date):
        assert p.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.paragraph_format.right_indent == Pt(64)  # 右空四字
    assert sig.paragraph_format.right_indent < date.paragraph_format.right_indent  # centred above the date
    texts = [p.text for p in d.paragraphs]
    assert texts.index("（此件主动公开）") > texts.index("2019年1月8日")
    imprint = next(p for p in d.paragraphs if p.text.startswith("建瓯市人民政府办公室\t"))
    assert imprint.text.endswith("2019年1月8日印发")
    assert imprint._p.pPr.find(qn("w:pBdr")) is not None
    assert "<script>" in texts[texts.index("一、概述") + 1]  # Word text is text, not markup
    # page number "— N —" with a PAGE field, odd and even footers
    assert d.settings.odd_and_even_pages_header_footer
    for footer in (d.sections[0].footer, d.sections[0].even_page_footer):
        xml = footer.paragraphs[0]._p.xml
        assert "PAGE" in xml and "fldChar" in xml
        assert footer.paragraphs[0].text == "— 1 —"


def test_docx_merged_cells():
    d = read_docx(to_docx(synthetic()))
    assert len(d.tables) == 1
    t = d.tables[0]
    assert len(t.rows) == 5 and len(t.columns) == 4
    assert t.cell(0, 0)._tc is t.cell(1, 0)._tc and t.cell(0, 0).text == "指标名称"  # rowspan 2
    assert t.cell(0, 1)._tc is t.cell(1, 1)._tc
    assert t.cell(0, 2)._tc is t.cell(0, 3)._tc and t.cell(0, 2).text == "数量"  # colspan 2
    assert t.cell(1, 2).text == "2018年度" and t.cell(1, 3).text == "历年累计"
    assert t.cell(3, 0)._tc is t.cell(3, 1)._tc and t.cell(3, 0).text == "占比"
    assert t.cell(2, 2).text == "2,589"
    assert t.style.name == "Table Grid"
    assert t.cell(2, 2).paragraphs[0].style.name == "公文表格"
    tc = t.cell(0, 0)._tc
    assert tc.tcPr.find(qn("w:vMerge")) is not None
    caption = [p for p in d.paragraphs if p.text == "附表 政府信息公开情况统计表"]
    assert caption and caption[0].style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    # header rows repeat on every page
    assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


# -- HTML ---------------------------------------------------------------------------------
class Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.style = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("br", "meta"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "style":
            self.style += data
        else:
            self.text.append(data)


def parse(page: str) -> Collect:
    c = Collect()
    c.feed(page)
    c.close()
    return c


def test_html_escapes_everything():
    page = to_html(synthetic())
    c = parse(page)
    assert [t for t, _ in c.tags if t in ("script", "b")] == []  # no markup from the text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 其他" in page
    text = "".join(c.text)
    assert '<script>alert("x")</script> & 其他' in text  # and it reads back as typed
    assert "其中：网上申请 <b>" in text
    assert "<title>年度报告 &lt;测试&gt;</title>" in page


def test_html_structure_tables_and_print_css():
    page = to_html(synthetic())
    c = parse(page)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert not any(t in ("link", "img", "script") for t, _ in c.tags)  # self-contained
    cells = [(t, a) for t, a in c.tags if t in ("td", "th")]
    assert ("th", {"rowspan": "2"}) in cells and ("th", {"colspan": "2"}) in cells
    assert ("td", {"colspan": "2"}) in cells
    assert ("td", {"class": "num"}) in cells
    assert [t for t, _ in c.tags].count("h2") == 1 and [t for t, _ in c.tags].count("h5") == 1
    assert "border-collapse: collapse" in c.style and "border: 1px solid #000" in c.style
    assert "size: A4" in c.style and "margin: 37mm 26mm 35mm 28mm" in c.style
    assert "@media print" in c.style
    assert '"仿宋_GB2312"' in c.style and '"方正小标宋简体"' in c.style and '"黑体"' in c.style and '"楷体_GB2312"' in c.style
    assert "text-indent: 2em" in c.style


def test_html_headings_in_order(example):
    class Heads(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cur = None
            self.out = []

        def handle_starttag(self, tag, attrs):
            if tag in ("h2", "h3", "h4", "h5"):
                self.cur = ""

        def handle_endtag(self, tag):
            if tag in ("h2", "h3", "h4", "h5") and self.cur is not None:
                self.out.append(self.cur)
                self.cur = None

        def handle_data(self, data):
            if self.cur is not None:
                self.cur += data

    h = Heads()
    h.feed(to_html(example))
    assert h.out == [b.text for b in example.blocks if b.kind == "heading"]


# -- HTML in a browser -----------------------------------------------------------------------
# Debian's chromium renders the export headless to PNG (and to PDF through the print
# stylesheet); the PNG is read back with a small decoder (zlib + struct, no imaging
# library) and looked at: paper on a grey desk, black text, a centred title, a table with
# its rules. .ci/run installs chromium and fonts-noto-cjk where they are missing; without
# them these tests skip and say why. NIANBAO_SCREENSHOTS=DIR keeps the pictures
# (docs/rendered-page.png and docs/rendered-table.png are made that way).
NATIONAL = ROOT / "examples" / "huaian-2024.toml"
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")


def _cjk_font_missing() -> bool:
    if not shutil.which("fc-list"):
        return False  # cannot tell; let the browser try
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    return not out.strip()


needs_browser = pytest.mark.skipif(
    BROWSER is None or _cjk_font_missing(),
    reason=("chromium is not installed" if BROWSER is None else "no Chinese font (fonts-noto-cjk) is installed")
    + ": the headless-browser rendering of the HTML export is skipped (.ci/run installs both as root on Debian)")


def _browser(tmp_path: Path, *args: str) -> None:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={profile}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def screenshot(tmp_path: Path, page: str, name: str, size: tuple[int, int]) -> Path:
    html_file = tmp_path / f"{name}.html"
    html_file.write_text(page, encoding="utf-8")
    shot = tmp_path / f"{name}.png"
    _browser(tmp_path, f"--screenshot={shot}", f"--window-size={size[0]},{size[1]}", html_file.as_uri())
    assert shot.exists(), f"chromium wrote no {shot.name}"
    keep = os.environ.get("NIANBAO_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    return shot


def read_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """Width, height and rows of RGB pixels of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (0, 2, 4, 6), header
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev, p = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((x + y) & 255 for x, y in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if bpp >= 3:
            rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        else:
            rows.append([(v, v, v) for v in line[::bpp]])
    return width, height, rows


def dark(px: tuple[int, ...]) -> bool:
    return sum(px) < 3 * 110


def dark_runs(line: list[tuple[int, ...]]) -> int:
    """Length of the longest run of dark pixels."""
    best = run = 0
    for px in line:
        run = run + 1 if dark(px) else 0
        best = max(best, run)
    return best


def rules(lines: list[list[tuple[int, ...]]], min_len: int) -> int:
    """How many separate straight rules (adjacent lines merged) have a dark run ≥ min_len."""
    count, before = 0, False
    for line in lines:
        now = dark_runs(line) >= min_len
        count += now and not before
        before = now
    return count


def national() -> RenderedDocument:
    host = PluginHost(Config(), entry_points=False)
    return Renderer(host).render(load_report(NATIONAL))


@needs_browser
@pytest.mark.parametrize("name", ["jianou-2018", "huaian-2024"])
def test_html_first_page_in_chromium(tmp_path, name):
    """The top of the page as a reader first sees it: grey desk, white A4 sheet in the
    middle, black text inside the 版心, title centred."""
    document = national() if name == "huaian-2024" else Renderer(PluginHost(Config(), entry_points=False)).render(
        load_report(EXAMPLE))
    shot = screenshot(tmp_path, to_html(document), name, (900, 1160))
    data = shot.read_bytes()
    assert len(data) > 50_000  # a page of text, not a blank or an error page
    width, height, rows = read_png(data)
    assert (width, height) == (900, 1160)
    assert len({px for row in rows[::7] for px in row[::5]}) > 20  # not one colour: text is anti-aliased
    desk, paper = rows[600][10], rows[60][450]
    assert desk != paper and paper == (255, 255, 255) and min(desk) > 200  # the sheet on a light grey desk
    # the sheet is 210 mm = 794 px wide, centred; text stays inside the 版心 (28 mm left, 26 mm right)
    sheet = [x for x, px in enumerate(rows[60]) if px == (255, 255, 255)]
    assert abs(len(sheet) - 794) <= 2 and abs((sheet[0] + sheet[-1]) / 2 - 450) <= 2
    mm = 794 / 210
    inked = [(y, x) for y, row in enumerate(rows) for x, px in enumerate(row) if dark(px)]
    assert len(inked) > 20_000  # plenty of black text
    xs = [x for _, x in inked]
    assert min(xs) >= sheet[0] + 28 * mm - 3 and max(xs) <= sheet[-1] - 26 * mm + 3
    top = min(y for y, _ in inked)
    assert abs(top - (16 + 37 * mm)) < 30  # 天头 37 mm below the top of the sheet (1em desk above it)
    # the first line of text (文号 or title) is centred on the sheet
    first = [x for y, x in inked if y < top + 20]
    assert abs((min(first) + max(first)) / 2 - 450) <= 6
    # a body line runs the full width of the 版心 (justified, 28 characters a line)
    spans = []
    for y in range(top + 200, height - 40, 3):
        xs = [x for x, px in enumerate(rows[y]) if dark(px)]
        spans.append(xs[-1] - xs[0] if xs else 0)
    assert max(spans) > 156 * mm - 25, max(spans)


@needs_browser
def test_html_national_table_in_chromium(tmp_path):
    """The big table of section 三 (10 columns, spans across 3 label columns and 22 rows)
    drawn with all its rules, the heading above it."""
    doc = national()
    start = next(i for i, b in enumerate(doc.blocks) if b.kind == "heading" and b.text.startswith("三、"))
    end = next(i for i, b in enumerate(doc.blocks) if i > start and b.kind == "heading" and b.level == 1)
    part = RenderedDocument(blocks=doc.blocks[start:end], title=doc.title)
    table = next(b.table for b in part.blocks if b.kind == "table")
    assert len(table.grid()) == 28 and len(table.grid()[0]) == 10
    shot = screenshot(tmp_path, to_html(part), "table-3", (900, 1500))
    width, height, rows = read_png(shot.read_bytes())
    inked_rows = [y for y, row in enumerate(rows) if any(dark(px) for px in row[60:840])]
    assert inked_rows[-1] < height - 40, "the table does not fit the picture"
    columns = list(zip(*rows))
    # vertical rules: 11 at the table's foot (10 columns: the spanned label cells end above it)
    # and horizontal rules: 29 for 28 rows; both as long dark runs
    verticals = rules([list(c) for c in columns], 40)
    horizontals = rules(rows, 150)
    assert verticals >= 11, verticals
    assert horizontals >= 29, horizontals
    # the full outer frame: the top rule spans the whole table width
    assert max(dark_runs(row) for row in rows) >= 156 * 794 / 210 - 6


@needs_browser
def test_html_prints_on_a4(tmp_path):
    """The print stylesheet: every page of the printed PDF is A4 (595 × 842 pt)."""
    doc = national()
    html_file = tmp_path / "print.html"
    html_file.write_text(to_html(doc), encoding="utf-8")
    pdf = tmp_path / "print.pdf"
    _browser(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html_file.as_uri())
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert len(boxes) >= 4  # six sections and three tables do not fit fewer pages
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes), boxes


# -- Excel --------------------------------------------------------------------------------
def test_xlsx_sheet_per_table_numbers_and_merges():
    doc = synthetic()
    second = parse_markup("::table 附表 政府信息公开情况统计表\n::head 项目 | 数\n::row 甲 | 1\n::end\n::table\n::row 乙 | 2\n::end")
    doc.blocks += second
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(doc)))
    assert len(wb.sheetnames) == 3
    assert wb.sheetnames[0] == "附表 政府信息公开情况统计表" and wb.sheetnames[1] != wb.sheetnames[0]
    ws = wb[wb.sheetnames[0]]
    assert ws["A1"].value == "附表 政府信息公开情况统计表"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:D1", "A2:A3", "B2:B3", "C2:D2", "A5:B5"} <= merged
    assert ws["A2"].value == "指标名称" and ws["C3"].value == "2018年度"
    assert ws["C4"].value == 2589 and isinstance(ws["C4"].value, int)
    assert ws["D4"].value == 46269
    assert ws["C5"].value == pytest.approx(0.1954) and ws["C5"].number_format == "0.00%"
    assert ws["D5"].value == 0.5
    assert ws["A6"].value == "其中：网上申请 <b>" and ws["B6"].value == "件"
    assert ws.freeze_panes == "A4"
    assert wb[wb.sheetnames[2]]["B1"].value == 2  # no caption: the table starts on row 1


def test_xlsx_example(example):
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(example)))
    tables = [b.table for b in example.blocks if b.kind == "table"]
    assert len(wb.sheetnames) == len(tables) >= 1
    ws = wb.worksheets[0]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert 2589 in values and 46269 in values and "主动公开文件数" in values


def test_xlsx_without_tables():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(RenderedDocument(blocks=parse_markup("正文")))))
    assert wb.sheetnames == ["无统计表"]


# -- command line -------------------------------------------------------------------------
@pytest.mark.parametrize("to", ["docx", "html", "xlsx"])
def test_cli_export(to, tmp_path, monkeypatch, capsys, example):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIANBAO_CONFIG", raising=False)
    monkeypatch.setenv("NIANBAO_SAFE_MODE", "1")
    out = tmp_path / f"report.{to}"
    code = main(["export", str(EXAMPLE), "--to", to, "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"已导出 {out}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary file left
    if to == "docx":
        d = read_docx(out.read_bytes())
        assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"][0] == "一、概述"
    elif to == "html":
        assert out.read_text(encoding="utf-8") == to_html(example)
    else:
        assert openpyxl.load_workbook(out).sheetnames
    if to != "html":  # binary formats refuse stdout
        code = main(["export", str(EXAMPLE), "--to", to])
        assert code == 2 and "二进制" in capsys.readouterr().err


def test_xlsx_marks_computed_totals():
    """Totals the report computes ({sum} cells) are grey and italic in the workbook, with a
    note under the table; typed figures are not."""
    import openpyxl

    host = PluginHost(Config(), entry_points=False)
    for name, total_label, typed_label in (
        ("jianou-2018.toml", "受理政府信息公开申请总数", "其中：1.当面申请数"),
        ("huaian-2024.toml", "（七）总计", "（一）予以公开"),
    ):
        document = Renderer(host).render(load_report(ROOT / "examples" / name))
        book = openpyxl.load_workbook(io.BytesIO(to_xlsx(document)))
        sheet = next(ws for ws in book.worksheets if any(total_label in str(c.value or "") for c in ws["A"] + ws["B"] + ws["C"]))

        def row_of(label, sheet=sheet):
            return next(r for r in sheet.iter_rows() if any(c.value == label for c in r))

        total_row, typed_row = row_of(total_label), row_of(typed_label)
        numbers = [c for c in total_row if isinstance(c.value, (int, float))]
        assert numbers and all(c.font.italic and c.fill.fgColor.rgb.endswith("E7E6E6") for c in numbers), name
        typed = [c for c in typed_row if isinstance(c.value, (int, float))]
        # in 三 the last column (总计) of a typed row is computed too
        assert not typed[0].font.italic, name
        assert any("自动计算" in str(c.value or "") for row in sheet.iter_rows() for c in row), name


def test_markup_marks_computed_cells():
    (table,) = [b.table for b in parse_markup("::table\n::row 合计 | {sum}12 | {c=2,sum}30\n::end")]
    assert [(c.text, c.computed, c.colspan) for c in table.body[0]] == [("合计", False, 1), ("12", True, 1), ("30", True, 2)]


# -- what a report that `check` reads may hold (issue 11, items 8 and 9) ------------------------
def test_text_cells_are_never_formulas():
    """Whatever a text cell starts with, the workbook holds it as text: a county plugin's
    column with "=HYPERLINK(...)" must not become a live formula."""
    starts = ["=HYPERLINK(\"http://x\",\"点我\")", "=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "-", "=", "普通"]
    table = Table("=cmd|' /C calc'!A0", [[Cell("名称", header=True), Cell("数", header=True)]],
                  [[Cell(t), Cell("1")] for t in starts])
    doc = RenderedDocument(blocks=[Block("table", table=table)])
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(doc))).worksheets[0]
    assert ws["A1"].value == "=cmd|' /C calc'!A0" and ws["A1"].data_type == "s"
    got = [ws.cell(row=3 + i, column=1) for i in range(len(starts))]
    assert [c.value for c in got] == starts
    assert all(c.data_type == "s" for c in got)
    assert [c.quotePrefix for c in got] == [True] * 8 + [True, False]
    assert ws["B3"].value == 1  # numbers stay numbers


def test_office_exporters_leave_out_what_xml_cannot_hold():
    """U+FFFE/U+FFFF and control characters (a TOML string may hold them) are left out of
    the Word and Excel files, which then open; the rest of the text is kept."""
    bad = "甲\ufffe乙\uffff丙\x01丁"
    doc = RenderedDocument(blocks=parse_markup(f"::title 标题{bad}\n正文{bad}\n::table 表{bad}\n::row 名{bad} | 1\n::end"),
                           title=f"标题{bad}")
    text = [p.text for p in read_docx(to_docx(doc)).paragraphs]
    assert "标题甲乙丙丁" in text and "正文甲乙丙丁" in text
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(doc))).worksheets[0]
    assert ws["A1"].value == "表甲乙丙丁" and ws["A2"].value == "名甲乙丙丁"
    page = to_html(doc)
    assert "正文甲乙丙丁" in page and "\ufffe" not in page


def test_docx_long_title():
    """The core properties hold 255 characters at most; the title on the page is whole."""
    title = "长" * 300
    d = read_docx(to_docx(RenderedDocument(blocks=parse_markup(f"::title {title}\n正文"), title=title)))
    assert d.core_properties.title == "长" * 255
    assert d.paragraphs[0].text == title


def test_xlsx_numbers_excel_cannot_hold_are_text():
    """More than 15 digits (Excel's precision; past a float's range openpyxl raised
    OverflowError) are shown as printed, as text."""
    huge, long_, ok = "1" * 400, "1234567890123456", "123,456,789,012,345"
    doc = RenderedDocument(blocks=parse_markup(f"::table\n::row 甲 | {huge} | {long_} | {ok} | 1.{'5' * 20}%\n::end"))
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(doc))).worksheets[0]
    assert ws["B1"].value == huge and ws["C1"].value == long_
    assert ws["D1"].value == 123456789012345
    assert ws["E1"].value == "1." + "5" * 20 + "%"


def test_html_long_unbroken_run():
    """A long run of address characters (no address in it) is text; the addresses around
    it are still found (bench/bench_exporters.py times it: it was quadratic)."""
    run = "a" * 5000
    page = to_html(RenderedDocument(blocks=parse_markup(f"{run} 邮箱：abc@x.gov.cn {run}@ 网址 http://www.x.cn")))
    assert f"<p>{run} 邮箱：<span class=\"url\">abc@x.gov.cn</span> {run}@ 网址 <span class=\"url\">http://www.x.cn</span></p>" in page
