"""Document markup (every directive, run-in headings, table spans, escaping) and the two
built-in exporters (CJK-aligned text tables, Markdown that escapes what operators typed)."""

from __future__ import annotations

import html
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st
from rich.cells import cell_len  # an independent measure of terminal cells

from plugins.document import Cell, Table, escape_markup, parse_markup
from plugins.text import cell_width
from plugins.exporters import to_markdown, to_text
from plugins.fields import clean_text
from plugins.engine.render import Renderer

from test_cli import builtin_host, complete_report

markdown_it = pytest.importorskip("markdown_it")
COMMONMARK = markdown_it.MarkdownIt("commonmark")
GFM = markdown_it.MarkdownIt("gfm-like")


def doc(markup: str) -> SimpleNamespace:
    """What an exporter needs from a rendered document."""
    return SimpleNamespace(blocks=parse_markup(markup))


# -- directives ---------------------------------------------------------------------------
FULL = """\
::docno 瓯政办〔2019〕2号
::title 建瓯市人民政府办公室关于
::title 2018年政府信息公开工作年度报告
::addressee 南平市人民政府办公室：

本报告依据《条例》编制。
::h1 一、概述
::h2 （一）加强组织领导
::h3 1. 明确责任
::h4 （1）专人负责
正文一段。
::table 附表
::head 指标名称 | 单位 | 2018年度
::row 主动公开文件数 | 条 | 2589
::end
::signature 建瓯市人民政府办公室
::date 2019年1月8日
::note （此件主动公开）
::imprint 建瓯市人民政府办公室 | 2019年1月8日印发
::broken 第三部分无法生成：KeyError
"""


def test_every_directive():
    blocks = parse_markup(FULL)
    assert [(b.kind, b.level) for b in blocks] == [
        ("docno", 0), ("title", 0), ("addressee", 0), ("paragraph", 0), ("heading", 1), ("heading", 2),
        ("heading", 3), ("heading", 4), ("paragraph", 0), ("table", 0), ("signature", 0), ("date", 0),
        ("note", 0), ("imprint", 0), ("broken", 0)]
    by_kind = {b.kind: b for b in blocks}
    assert by_kind["docno"].text == "瓯政办〔2019〕2号"
    assert by_kind["title"].text == "建瓯市人民政府办公室关于\n2018年政府信息公开工作年度报告"  # one title, two lines
    assert by_kind["addressee"].text == "南平市人民政府办公室："
    assert [b.text for b in blocks if b.kind == "heading"] == ["一、概述", "（一）加强组织领导", "1. 明确责任", "（1）专人负责"]
    assert [b.text for b in blocks if b.kind == "paragraph"] == ["本报告依据《条例》编制。", "正文一段。"]
    table = by_kind["table"].table
    assert by_kind["table"].text == table.caption == "附表"
    assert [[c.text for c in r] for r in table.head] == [["指标名称", "单位", "2018年度"]]
    assert all(c.header for c in table.head[0]) and not any(c.header for c in table.body[0])
    assert [[c.text for c in r] for r in table.body] == [["主动公开文件数", "条", "2589"]]
    assert by_kind["imprint"].text == "建瓯市人民政府办公室 | 2019年1月8日印发"
    assert by_kind["broken"].text == "第三部分无法生成：KeyError"


def test_titles_apart_stay_apart_and_blank_lines_are_ignored():
    blocks = parse_markup("::title 甲\n\n  \n::title 乙\n::docno x\n::title 丙\n")
    assert [(b.kind, b.text) for b in blocks] == [("title", "甲\n乙"), ("docno", "x"), ("title", "丙")]


def test_directive_needs_a_separator_and_a_known_name():
    blocks = parse_markup("::h1x 不是标题\n::h5 也不是\n:: h1 仍不是\n::h1\n")
    assert [b.kind for b in blocks] == ["paragraph", "paragraph", "paragraph", "heading"]
    assert blocks[0].text == "::h1x 不是标题" and blocks[3].text == ""


def test_directive_keeps_ideographic_spaces_of_its_text():
    """Only ASCII blanks separate a directive from its text: the 附表 indents its 其中 rows
    with full-width spaces, and they must reach the document."""
    table = parse_markup("::table 附表\n::row 其中：1.政府网站公开数 | 条\n::row \u3000\u3000\u30002.政府公报公开数 | 条\n::end")[0].table
    assert table.body[1][0].text == "\u3000\u3000\u30002.政府公报公开数"
    assert cell_width(table.body[1][0].text) == cell_width(table.body[0][0].text)


# -- run-in headings ----------------------------------------------------------------------
def test_run_in_heading_starts_the_next_paragraph():
    blocks = parse_markup("::h2+ （四）开展政策解读工作情况。\n全年解读10份。\n下一段。")
    assert [(b.kind, b.lead, b.text, b.level) for b in blocks] == [
        ("paragraph", "（四）开展政策解读工作情况。", "全年解读10份。", 2),
        ("paragraph", "", "下一段。", 0)]


def test_run_in_heading_without_paragraph_stands_alone():
    blocks = parse_markup("::h2+ （一）空的。\n::h2+ （二）也空。\n::table t\n::end\n::h3+ 1. 最后。")
    assert [(b.kind, b.text, b.level) for b in blocks] == [
        ("heading", "（一）空的。", 2), ("heading", "（二）也空。", 2), ("table", "t", 0), ("heading", "1. 最后。", 3)]


# -- tables -------------------------------------------------------------------------------
def test_spans():
    t = parse_markup("::table\n::row {c=2}a | {r=3}b | {c=2,r=3}c | d\n::row {c=1}e\n::end")[0].table
    assert [(c.text, c.colspan, c.rowspan) for c in t.body[0]] == [("a", 2, 1), ("b", 1, 3), ("c", 2, 3), ("d", 1, 1)]
    assert (t.body[1][0].text, t.body[1][0].colspan) == ("e", 1)


@pytest.mark.parametrize("span", ["{c=0}", "{r=0}", "{c=0,r=0}"])
def test_zero_spans_count_as_one(span):
    """A zero span would overlap cells and made the text exporter loop for ever."""
    t = parse_markup(f"::table\n::row a | {span}b\n::row c | d | e\n::end")[0].table
    assert (t.body[0][1].colspan, t.body[0][1].rowspan) == (1, 1)
    assert [[c.text if c else None for c in row] for row in t.grid()] == [["a", "b", None], ["c", "d", "e"]]


def test_grid_places_spanned_cells():
    # | 指标 (2 rows) | 2018年度 (2 cols)   |
    # |               | 本年 | 累计         |
    # | 公开数        | 5    | 9            |
    # | {c=3} 说明                         |
    t = parse_markup(
        "::table\n::head {r=2}指标 | {c=2}2018年度\n::head 本年 | 累计\n::row 公开数 | 5 | 9\n::row {c=3}说明\n::end")[0].table
    grid = t.grid()
    names = [[c.text if c is not None else None for c in row] for row in grid]
    assert names == [["指标", "2018年度", None], [None, "本年", "累计"], ["公开数", "5", "9"], ["说明", None, None]]


def test_grid_of_ragged_rows_is_rectangular():
    t = Table(body=[[Cell("a")], [Cell("b"), Cell("c"), Cell("d")], [Cell("e", rowspan=5)]])
    grid = t.grid()
    assert len(grid) == 3 and {len(r) for r in grid} == {3}


# -- escaping -----------------------------------------------------------------------------
HOSTILE = [
    "::h1 伪造的标题",
    "::end",
    "::table x",
    "a|b",
    "a | b | c",
    "{c=9}x",
    "{c=2,r=3}",
    "\\",
    "\\\\",
    "末尾反斜杠\\",
    "\\|",
    "\\::h1 x",
    "::::",
    "\x1b[31m红字\x1b[0m",
    "\x1b]0;标题\x07正文",
    "零\x00宽\u200b字符",
    "  ::h2+ 开头空格",
    "【附表】|{}|::",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_escape_round_trip_as_paragraph(value):
    blocks = parse_markup(escape_markup(value))
    expected = clean_text(value).strip(" \t\u3000")
    assert [(b.kind, b.text) for b in blocks] == [("paragraph", expected)]


@pytest.mark.parametrize("value", HOSTILE)
def test_escape_round_trip_inside_directives_and_cells(value):
    v = escape_markup(value)
    markup = f"::h2 （一）{v}\n::table {v}\n::row {v} | 2 | {v}\n::end\n::h2+ {v}\n{v}"
    blocks = parse_markup(markup)
    clean = clean_text(value).strip(" ")
    assert [b.kind for b in blocks] == ["heading", "table", "paragraph"]
    assert blocks[0].text == "（一）" + clean_text(value)
    table = blocks[1].table
    assert table.caption == clean_text(value).strip(" \t\u3000")
    assert [c.text for c in table.body[0]] == [clean, "2", clean]
    assert all(c.colspan == 1 and c.rowspan == 1 for c in table.body[0])
    assert blocks[2].lead == clean_text(value).strip(" \t\u3000")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("\\|{}:=,cr19 \u3000\x1b[]m;\x07\n中文h") + ["::h1 ", "{c=2}", "::end"]),
                max_size=30).map("".join))
def test_escape_round_trip_property(value):
    clean = clean_text(value, multiline=True)
    blocks = parse_markup("::row " + escape_markup(value).replace("\n", " ")) + parse_markup(escape_markup(value))
    paragraphs = [b for b in blocks if b.kind == "paragraph"]
    assert all(b.kind == "paragraph" for b in blocks)  # nothing typed ever becomes a directive
    expected = [ln.strip(" \t\u3000") for ln in clean.split("\n") if ln.strip(" \t\u3000")]
    assert [b.text for b in paragraphs] == expected


# -- plain text export --------------------------------------------------------------------
def table_lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.startswith(("+", "|"))]


CJK_TABLE = """\
::table 附表
::head {r=2}指标名称 | 单位 | {c=2}2018年度
::head 本年 | 历年累计（自2008年起）
::row 主动公开文件数 | 条 | 2589 | 46269
::row 其中：1.政府网站公开数 | 条 | 2,589 | 46269
::row \u3000\u3000\u30002.政府公报公开数 | 条 | 0 | 0
::row {c=2}受理政府信息公开申请总数（含网上、信函、传真） | 5 | 3581
::row {c=4}注：abc 混合 ASCII 与中文，长度超过所有列之和的一行说明文字
::row {r=2}行政复议 | 件 | 0
::row 件 | 1
::end
"""


def test_text_table_aligns_cjk_by_display_width():
    text = to_text(doc(CJK_TABLE))
    lines = table_lines(text)
    assert len(lines) == 3 + 2 + 7  # three rules, two head rows, seven body rows
    assert len({cell_len(ln) for ln in lines}) == 1, "\n".join(lines)
    assert len({len(ln) for ln in lines}) > 1  # (so the test measures cells, not characters)
    assert lines[0] == lines[3] == lines[-1] and set(lines[0]) == {"+", "-"}
    # every cell boundary of an unspanned row sits at the same terminal column as the rule's
    rule_cols = [cell_len(lines[0][:i]) for i, ch in enumerate(lines[0]) if ch == "+"]
    for ln in (lines[4], lines[5], lines[6]):
        assert [cell_len(ln[:i]) for i, ch in enumerate(ln) if ch == "|"] == rule_cols
    # numbers are right-aligned, labels left-aligned; the full-width indent is kept
    row = next(ln for ln in lines if "2589 |" in ln and "主动" in ln)
    assert row.startswith("| 主动公开文件数 ") and row.rstrip().endswith(" 46269 |")
    assert any(ln.startswith("| \u3000\u3000\u30002.政府公报公开数") for ln in lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.text(alphabet="中文表格ab1２，（）\u3000 %.", max_size=8),
                                   st.integers(1, 3), st.integers(1, 3)), min_size=1, max_size=4),
                min_size=1, max_size=5),
       st.integers(0, 2))
def test_text_table_lines_all_have_one_width(rows, head):
    lines = ["::table 表"]
    for i, row in enumerate(rows):
        cells = " | ".join(f"{{c={c},r={r}}}{escape_markup(text)}" for text, c, r in row)
        lines.append(("::head " if i < head else "::row ") + cells)
    lines.append("::end")
    out = table_lines(to_text(doc("\n".join(lines))))
    assert len({cell_len(ln) for ln in out}) == 1, "\n".join(out)


def test_text_layout_of_the_other_blocks():
    text = to_text(doc(FULL))
    lines = text.splitlines()
    assert "　　本报告依据《条例》编制。" in lines  # two-character indent
    assert "　　一、概述" in lines
    title = next(ln for ln in lines if "建瓯市人民政府办公室关于" in ln)
    assert title.startswith(" ") and abs(cell_len(title) * 2 - 56 - cell_len(title.strip())) <= 1  # centred
    sig = next(ln for ln in lines if ln.strip() == "建瓯市人民政府办公室")
    date = next(ln for ln in lines if ln.strip() == "2019年1月8日")
    assert cell_len(sig) == cell_len(date) == 48  # right-aligned to the same column
    assert "【第三部分无法生成：KeyError】" in lines
    imprint = next(ln for ln in lines if ln.endswith("印发"))
    assert imprint.startswith("建瓯市人民政府办公室 ") and imprint.endswith("2019年1月8日印发") and cell_len(imprint) == 56
    assert text.endswith("\n") and not text.endswith("\n\n")


# -- Markdown export ----------------------------------------------------------------------
def md_paragraph(text: str) -> str:
    """The Markdown of one user paragraph, rendered to HTML by a CommonMark parser."""
    return COMMONMARK.render(to_markdown(doc(escape_markup(text))))


@pytest.mark.parametrize(
    "typed",
    ["*强调*", "_下划线_", "**粗体**", "`代码`", "<script>alert(1)</script>", "[链接](http://x)", "![图](x.png)",
     "# 标题", "## 二级", "> 引用", "- 列表", "+ 列表", "-", "---", "1. 编号", "1) 编号", "12. 编号", "2018.",
     "a|b", "~~删除~~", "&amp; &lt; &#49;", "\\*", "末尾\\", "a  ", "=== ", "    缩进"],
)
def test_markdown_escapes_user_text(typed):
    expected = clean_text(typed).strip(" \t\u3000")
    assert md_paragraph(typed) == f"<p>{html.escape(expected, quote=False)}</p>\n"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("\\`*_[]<>#|~-+=.()!&;:1a 中。") + ["1. ", "1) ", "&amp;", "- "]),
                min_size=1, max_size=12).map("".join))
def test_markdown_escape_property(typed):
    expected = clean_text(typed).strip(" \t\u3000")
    if not expected:
        return
    assert md_paragraph(typed) == f"<p>{html.escape(expected, quote=False)}</p>\n"


def test_markdown_run_in_lead_is_bold_and_numbered_leads_are_clean():
    out = COMMONMARK.render(to_markdown(doc("::h2+ （四）开展政策解读工作情况。\n全年解读10份。\n::h3+ 1. 政府网站。\n公开2589条。")))
    assert "<strong>（四）开展政策解读工作情况。</strong>全年解读10份。" in out
    assert "<strong>1. 政府网站。</strong>公开2589条。" in out
    assert "**" not in out and "\\" not in out


def test_markdown_headings_tables_and_signature():
    md = to_markdown(doc(FULL.replace("::signature 建瓯市人民政府办公室", "::signature 建瓯市<人民政府>办公室 \\& *")))
    out = GFM.render(md)
    assert "<h1>建瓯市人民政府办公室关于2018年政府信息公开工作年度报告</h1>" in out
    assert "<h2>一、概述</h2>" in out and "<h5>（1）专人负责</h5>" in out
    assert "<th>指标名称</th>" in out and "<td>主动公开文件数</td>" in out
    assert '<td style="text-align:right">2589</td>' in out
    # the signature is raw HTML: escaped for HTML, not for Markdown
    assert "建瓯市&lt;人民政府&gt;办公室 &amp; *" in out and "<人民政府>" not in out


def test_markdown_table_cells_with_pipes_stay_in_their_column():
    v = escape_markup("a|b")
    out = GFM.render(to_markdown(doc(f"::table 表\n::head 名称 | 数\n::row {v} | 1\n::end")))
    assert "<td>a|b</td>" in out and '<td style="text-align:right">1</td>' in out


# -- the whole pipeline: what an operator types reaches the document as typed ----------------
def test_hostile_values_render_verbatim_and_create_no_structure():
    host = builtin_host()
    report = complete_report(host)
    hostile = "::h1 伪造|标题 {c=9}\\ *粗* <b>x</b> \x1b[2J"
    shown = clean_text(hostile).strip()
    report.section_data("fj.overview")["intro"] = hostile
    report.section_data("fj.overview")["items"][0]["title"] = "a|b{c=2}"
    report.section_data("fj.proactive")["categories"][0]["name"] = "::end|类别"
    clean_doc = Renderer(host).render(complete_report(host))
    rendered = Renderer(host).render(report)
    assert [p.error for p in rendered.parts] == [""] * len(rendered.parts)
    shape = lambda d: [(b.kind, b.level) for b in d.blocks]  # noqa: E731
    assert shape(rendered) == shape(clean_doc)  # nothing typed added a heading, a table or a row
    paragraphs = [b.lead + b.text for b in rendered.blocks if b.kind == "paragraph"]
    assert shown in paragraphs
    assert any("（一）a|b{c=2}" in p for p in paragraphs)
    assert any("::end|类别" in p for p in paragraphs)
    text = to_text(rendered)
    assert shown in text and "\x1b" not in text
    md_html = COMMONMARK.render(to_markdown(rendered))
    assert html.escape(shown, quote=False) in md_html and "<b>x</b>" not in md_html
