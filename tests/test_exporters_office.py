"""The Word, HTML and Excel exporters (plugins/exporters_office.py): each file is read back
with its own library (python-docx, html.parser, openpyxl) and checked against the official
document conventions of domain.md §4 and against the blocks it was made from."""

from __future__ import annotations

import io
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Mm, Pt  # noqa: E402

from plugins.config import Config  # noqa: E402
from plugins.document import parse_markup  # noqa: E402
from plugins.exporters import to_text  # noqa: E402
from plugins.exporters_office import number_value, to_docx, to_html, to_xlsx  # noqa: E402
from plugins.manager import PluginHost  # noqa: E402
from plugins.render import RenderedDocument, Renderer  # noqa: E402
from plugins.store import load_report  # noqa: E402
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
    source = (ROOT / "plugins" / "exporters_office.py").read_text(encoding="utf-8")
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


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="chromium is not installed: the headless screenshot of the HTML export is skipped")
def test_html_screenshot(tmp_path, example):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    page = tmp_path / "report.html"
    page.write_text(to_html(example), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=900,1200", page.as_uri()], check=True, capture_output=True, timeout=60)
    assert shot.exists() and shot.stat().st_size > 1000


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
