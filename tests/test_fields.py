"""Field types: what an operator may type, what a file may hold, and what is refused.

The rule under test everywhere: a value is accepted as typed (full-width digits, thousands
separators, the usual date forms) or refused with a plain Chinese message; it is never
silently changed into something else.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from plugins.fields import (
    Choice,
    Computed,
    Date,
    Decimal,
    FieldError,
    Grid,
    GridColumn,
    GridRow,
    Integer,
    Line,
    Records,
    Text,
    clean_text,
    field_path,
)

INT = Integer(key="n", label="件数")


# -- Integer ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed, value",
    [
        ("123", 123),
        ("0", 0),
        ("１２３", 123),  # full-width digits, as typed with a Chinese input method
        ("１，２３４", 1234),  # full-width digits and comma
        ("1,000", 1000),
        ("1，000", 1000),  # full-width comma
        ("12,345,678", 12345678),
        (" 42 ", 42),
        ("\u300042\u3000", 42),  # ideographic spaces around
        ("1 000", 1000),  # space as a thousands separator
        ("+5", 5),
        ("＋５", 5),
    ],
)
def test_integer_accepts(typed, value):
    assert INT.parse(typed) == value
    assert type(INT.parse(typed)) is int


@pytest.mark.parametrize("typed", ["", "   ", "\u3000"])
def test_integer_empty_is_none(typed):
    assert INT.parse(typed) is None


@pytest.mark.parametrize(
    "typed, words",
    [
        ("12.5", "小数"),
        ("１２．５", "小数"),
        ("12.0", "小数"),  # not silently truncated either
        ("1,000.5", "小数"),
        (".5", "小数"),
        ("-3", "负数"),
        ("－３", "负数"),
        ("abc", "不是数字"),
        ("12a", "不是数字"),
        ("1e3", "不是数字"),
        ("0x10", "不是数字"),
        ("1,00", "千位分隔符"),
        ("1,0000", "千位分隔符"),
        (",100", "千位分隔符"),
        ("1²", "不是数字"),  # NFKC would make this 12
        ("①", "不是数字"),  # NFKC would make this 1
        ("٣", "不是数字"),  # an Arabic-Indic digit is not what an operator meant to type
    ],
)
def test_integer_refuses(typed, words):
    with pytest.raises(FieldError) as e:
        INT.parse(typed)
    assert words in str(e.value)
    # the message quotes what was typed so the operator can find it
    assert typed.strip() in str(e.value)


def test_integer_with_thousands_of_digits_is_refused_not_crashed():
    with pytest.raises(FieldError, match="位数太多"):
        INT.parse("1" * 5000)  # int() itself raises ValueError beyond 4300 digits
    assert INT.parse("9" * 30) == int("9" * 30)


def test_integer_minimum():
    year = Integer(key="year", label="年度", minimum=2008)
    assert year.parse("2018") == 2018
    with pytest.raises(FieldError, match="不能小于2008"):
        year.parse("2007")
    signed = Integer(key="delta", label="增减", minimum=None)
    assert signed.parse("-12") == -12
    assert signed.parse("－1,200") == -1200


def test_integer_load_checks_types():
    assert INT.load(None) is None
    assert INT.load(7) == 7
    assert INT.load("1,000") == 1000  # a hand-edited file may hold a string
    for bad in (True, 1.5, 2.0, [1], {"a": 1}, dt.date(2019, 1, 1)):
        with pytest.raises(FieldError, match="应为整数"):
            INT.load(bad)
    with pytest.raises(FieldError, match="负数"):
        INT.load(-1)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789０１２３４５６７８９,，.．+-＋－ \u3000a²①", max_size=12))
def test_integer_parse_never_changes_digits(typed):
    """Whatever is accepted has exactly the digits that were typed, in order."""
    try:
        value = INT.parse(typed)
    except FieldError as e:
        assert str(e)  # refused with a message
        return
    fullwidth = str.maketrans("０１２３４５６７８９", "0123456789")
    digits = re.sub(r"[^0-9]", "", typed.translate(fullwidth))
    if value is None:
        assert digits == ""
    else:
        assert str(value) == digits.lstrip("0") or (value == 0 and set(digits) == {"0"})


# -- Decimal ------------------------------------------------------------------------------
def test_decimal_places():
    money = Decimal(key="fee", label="收费金额", places=2, unit="万元")
    assert money.parse("1.25") == D("1.25")
    assert money.parse("１．５") == D("1.5")
    assert money.parse("1,234.5") == D("1234.5")
    assert money.parse("3") == D("3")
    assert money.parse("") is None
    with pytest.raises(FieldError, match="最多保留2位小数"):
        money.parse("1.255")
    with pytest.raises(FieldError, match="负数"):
        money.parse("-0.5")
    for bad in ("NaN", "Infinity", "abc", "1.2.3"):
        with pytest.raises(FieldError, match="不是数字"):
            money.parse(bad)


def test_decimal_load_dump_round_trip():
    money = Decimal(key="fee", label="收费金额", places=4)
    for raw in (0, 3, 1.5, 0.0125, 12345.6789):
        value = money.load(raw)
        assert isinstance(value, D)
        assert money.dump(value) == raw
        assert type(money.dump(value)) is type(raw)
    assert money.dump(D("2.00")) == 2 and type(money.dump(D("2.00"))) is int
    assert money.format(D("1.50")) == "1.50"
    assert money.load(None) is None
    with pytest.raises(FieldError, match="应为数字"):
        money.load(True)


# -- Date ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    ["2019-01-08", "2019-1-8", "2019/1/8", "2019/01/08", "2019.1.8", "2019年1月8日", "2019年01月08日",
     "20190108", "２０１９年１月８日", " 2019 - 01 - 08 "],
)
def test_date_forms(typed):
    assert Date(key="d", label="成文日期").parse(typed) == dt.date(2019, 1, 8)


@pytest.mark.parametrize(
    "typed, words",
    [
        ("2019-02-30", "没有这一天"),
        ("2019-13-01", "没有这一天"),
        ("20190230", "没有这一天"),
        ("2019年2月29日", "没有这一天"),  # 2019 is not a leap year
        ("19-1-8", "日期格式不对"),
        ("2019-01", "日期格式不对"),
        ("1月8日", "日期格式不对"),
        ("yesterday", "日期格式不对"),
    ],
)
def test_date_refuses(typed, words):
    with pytest.raises(FieldError, match=words):
        Date(key="d", label="成文日期").parse(typed)


def test_date_load_and_format():
    f = Date(key="d", label="成文日期")
    assert f.parse("2020-02-29") == dt.date(2020, 2, 29)
    assert f.load(dt.date(2019, 1, 8)) == dt.date(2019, 1, 8)
    assert f.load(dt.datetime(2019, 1, 8, 9, 30)) == dt.date(2019, 1, 8)
    assert f.load("2019年1月8日") == dt.date(2019, 1, 8)
    assert f.load(None) is None
    for bad in (20190108, 2019.0108, True, [2019, 1, 8]):
        with pytest.raises(FieldError, match="应为日期"):
            f.load(bad)
    assert f.format(dt.date(2019, 1, 8)) == "2019-01-08"
    assert f.parse(f.format(dt.date(2019, 1, 8))) == dt.date(2019, 1, 8)
    assert f.dump(dt.date(2019, 1, 8)) == dt.date(2019, 1, 8)  # stored as a TOML date


# -- Line and Text ------------------------------------------------------------------------
def test_line_pattern_and_max_length():
    docno = Line(key="doc_number", label="发文字号", pattern=r"[\u4e00-\u9fff]{1,12}〔\d{4}〕[1-9]\d*号",
                 pattern_hint="形如 瓯政办〔2019〕2号")
    assert docno.parse(" 瓯政办〔2019〕2号 ") == "瓯政办〔2019〕2号"
    with pytest.raises(FieldError) as e:
        docno.parse("瓯政办[2019]2号")
    assert "格式不对" in str(e.value) and "形如 瓯政办〔2019〕2号" in str(e.value)
    with pytest.raises(FieldError):
        docno.parse("瓯政办〔2019〕02号")  # 文号 numbers carry no leading zero
    title = Line(key="title", label="小标题", max_length=5)
    assert title.parse("加强领导") == "加强领导"
    assert title.parse("一二三四五") == "一二三四五"
    with pytest.raises(FieldError, match=r"不能超过5个字（现在6个）"):
        title.parse("一二三四五六")
    with pytest.raises(FieldError, match="应为文字"):
        title.load(12)
    assert title.load(None) is None and title.parse("  ") is None


def test_line_is_one_line_and_clean():
    f = Line(key="unit", label="单位名称")
    assert f.parse("建瓯市\n人民政府") == "建瓯市 人民政府"
    assert f.parse("\x1b[31m建瓯市\x1b[0m") == "建瓯市"
    assert f.parse("建\x00瓯\x07市") == "建瓯市"
    # max_length counts what remains after cleaning
    assert Line(key="t", label="t", max_length=3).parse("\x1b[1m建瓯市\x1b[0m") == "建瓯市"


def test_text_keeps_paragraphs_and_strips_escapes():
    f = Text(key="body", label="正文")
    typed = (
        "\u3000\u3000第一段，\x1b[31m红字\x1b[0m照常。\r\n"
        "\n"
        "  第二段\x1b]0;窗口标题\x07继续\x1b]8;;http://evil.example/\x1b\\链接\x1b]8;;\x1b\\。\t结束\n"
        "第三段\x00\x08\x7f\x9b\u200b\ufeff。"
    )
    assert f.parse(typed) == "第一段，红字照常。\n第二段继续链接。 结束\n第三段。"
    assert f.parse("\n \n\u3000\n") is None
    assert f.load("甲\n乙") == "甲\n乙"
    with pytest.raises(FieldError, match="不能超过4个字"):
        Text(key="t", label="t", max_length=4).parse("一二\n三四")  # the newline counts


@pytest.mark.parametrize(
    "dirty, clean",
    [
        ("a\x1b[2Jb", "ab"),  # clear screen
        ("a\x1b[1;31;40mb", "ab"),
        ("a\x1b[?1049hb", "ab"),  # alternate screen
        ("a\x1b]52;c;ZXZpbA==\x07b", "ab"),  # OSC 52 clipboard write, BEL-terminated
        ("a\x1b]2;title\x1b\\b", "ab"),  # OSC, ST-terminated
        ("a\x1bcb", "acb"),  # RIS (full reset): the ESC goes, the letter stays
        ("a\x1b", "a"),
        ("a\x9b31mb", "a31mb"),  # C1 CSI is a control character: dropped
        ("a\u2028b\u2029c", "abc"),
        ("a\tb", "a b"),
    ],
)
def test_clean_text_escapes(dirty, clean):
    assert clean_text(dirty) == clean


def test_clean_text_newlines():
    assert clean_text("a\r\nb\rc\nd", multiline=True) == "a\nb\nc\nd"
    assert clean_text("a\r\nb\rc\nd") == "a b c d"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.characters(codec="utf-8", categories=("Cc", "Cf", "Zl", "Zp", "Zs", "Lo", "Nd", "Po", "Ps"))
                | st.sampled_from(["\x1b[", "\x1b]", "\x07", "\x1b\\", "m", ";", "31"]), max_size=30).map("".join),
       st.booleans())
def test_clean_text_strips_escape_sequences_and_control_characters(text, multiline):
    out = clean_text(text, multiline)
    allowed = "\n" if multiline else ""
    assert not [ch for ch in out if (ord(ch) < 0x20 or 0x7f <= ord(ch) <= 0x9f) and ch not in allowed]
    assert "\x1b" not in out
    assert clean_text(out, multiline) == out  # idempotent


# -- Choice -------------------------------------------------------------------------------
LEVEL = Choice(key="unit_level", label="单位层级",
               options=(("government", "县级以上人民政府"), ("department", "政府工作部门")))


def test_choice():
    assert LEVEL.parse("government") == "government"
    assert LEVEL.parse(" 政府工作部门 ") == "department"
    assert LEVEL.parse("") is None
    with pytest.raises(FieldError) as e:
        LEVEL.parse("乡镇")
    assert "县级以上人民政府、政府工作部门" in str(e.value) and "乡镇" in str(e.value)
    with pytest.raises(FieldError, match="应为文字"):
        LEVEL.load(1)
    assert LEVEL.load("department") == "department"
    assert LEVEL.label_of("department") == "政府工作部门"
    assert LEVEL.label_of("unknown") == "unknown" and LEVEL.label_of(None) == ""


# -- Records ------------------------------------------------------------------------------
CATS = Records(key="categories", label="主要类别",
               columns=(Line(key="name", label="类别"), Integer(key="count", label="条数")))


def test_records_round_trip():
    raw = [{"name": "政策文件", "count": 120}, {"name": "人事信息", "count": 0}, {"name": "财政"}]
    value = CATS.load(raw)
    assert value == [{"name": "政策文件", "count": 120}, {"name": "人事信息", "count": 0}, {"name": "财政", "count": None}]
    assert CATS.dump(value) == raw  # empty cells are left out, zero is kept
    assert CATS.load(CATS.dump(value)) == value
    assert CATS.load(None) == [] and CATS.dump([]) == [] and CATS.empty() == []
    assert CATS.new_row() == {"name": None, "count": None}
    assert not CATS.scalar


def test_records_refuse_wrong_shapes():
    with pytest.raises(FieldError, match="应为记录列表"):
        CATS.load({"name": "x"})
    with pytest.raises(FieldError, match="第2条记录应为表"):
        CATS.load([{"name": "a"}, "b"])
    with pytest.raises(FieldError) as e:
        CATS.load([{"name": "a", "count": 1}, {"name": "b", "count": "十"}])
    assert "第2条「条数」" in str(e.value) and "不是数字" in str(e.value)


# -- Grid ---------------------------------------------------------------------------------
def make_grid() -> Grid:
    return Grid(
        key="received",
        label="受理申请",
        rows=(
            GridRow("total", "总数", sum_of=("direct", "letters")),
            GridRow("direct", "直接申请", sum_of=("in_person", "online")),  # a sum of a sum
            GridRow("in_person", "当面", indent=1),
            GridRow("online", "网上", indent=1),
            GridRow("letters", "信函", indent=1),
        ),
        columns=(GridColumn("year", "本年度"), GridColumn("earlier", "以前年度"),
                 GridColumn("all", "累计", sum_of=("year", "earlier"))),
    )


def test_grid_value_at_and_full():
    g = make_grid()
    value = {"in_person": {"year": 1, "earlier": 10}, "online": {"year": 2, "earlier": 20},
             "letters": {"year": 4, "earlier": 40}}
    assert g.value_at(value, "in_person", "year") == 1
    assert g.value_at(value, "direct", "year") == 3
    assert g.value_at(value, "total", "year") == 7
    assert g.value_at(value, "online", "all") == 22
    assert g.value_at(value, "total", "all") == 77
    full = g.full(value)
    assert list(full) == ["total", "direct", "in_person", "online", "letters"]
    assert full["total"] == {"year": 7, "earlier": 70, "all": 77}
    assert full["direct"] == {"year": 3, "earlier": 30, "all": 33}
    # every computed cell agrees with the inputs it sums, both ways round
    for col in ("year", "earlier", "all"):
        assert full["total"][col] == full["direct"][col] + full["letters"][col]
    for row in full:
        assert full[row]["all"] == full[row]["year"] + full[row]["earlier"]


def test_grid_missing_inputs_make_totals_unknown():
    g = make_grid()
    value = {"in_person": {"year": 0}, "online": {"year": 5}}
    assert g.value_at(value, "direct", "year") == 5
    assert g.value_at(value, "total", "year") is None  # letters.year is empty: not 5
    assert g.value_at({}, "total", "all") is None
    assert g.value_at(value, "in_person", "all") is None


def test_grid_inputs():
    g = make_grid()
    assert g.is_input("online", "year") and not g.is_input("total", "year") and not g.is_input("online", "all")
    assert [(r.key, c.key) for r, c in g.input_cells()] == [
        ("in_person", "year"), ("in_person", "earlier"), ("online", "year"), ("online", "earlier"),
        ("letters", "year"), ("letters", "earlier")]


def test_grid_load_dump_round_trip():
    g = make_grid()
    raw = {"in_person": {"year": 1, "earlier": 10}, "online": {"year": 2}, "letters": {"year": "1,000", "earlier": 0}}
    value = g.load(raw)
    assert value == {"in_person": {"year": 1, "earlier": 10}, "online": {"year": 2, "earlier": None},
                     "letters": {"year": 1000, "earlier": 0}}
    dumped = g.dump(value)
    assert dumped == {"in_person": {"year": 1, "earlier": 10}, "online": {"year": 2}, "letters": {"year": 1000, "earlier": 0}}
    assert g.load(dumped) == value
    # computed rows and columns are never stored, even if a file holds them
    assert g.load({"total": {"year": 99}, "online": {"all": 5, "year": 1}}) == {
        "in_person": {"year": None, "earlier": None}, "online": {"year": 1, "earlier": None},
        "letters": {"year": None, "earlier": None}}
    assert g.dump({"total": {"year": 99}, "online": {"all": 5}}) == {}
    assert g.load(None) == g.load({})


def test_grid_refuses_wrong_shapes():
    g = make_grid()
    with pytest.raises(FieldError, match="应为表"):
        g.load([1, 2])
    with pytest.raises(FieldError, match="「网上」一行应为表"):
        g.load({"online": 3})
    with pytest.raises(FieldError) as e:
        g.load({"letters": {"earlier": -2}})
    assert "「信函」×「以前年度」" in str(e.value) and "负数" in str(e.value)


# -- the rest -----------------------------------------------------------------------------
def test_computed_cannot_be_typed():
    c = Computed(key="sum", label="合计", compute=lambda report: 3)
    assert c.compute(None) == 3 and not c.required
    with pytest.raises(FieldError, match="计算得出"):
        c.parse("3")


def test_field_path():
    assert field_path("items", 2, "title") == "items[2].title"
    assert field_path("counts", "total", "year") == "counts.total.year"
    assert field_path("intro") == "intro"


# -- clean_text: what the operator's text may never carry ---------------------------------------
_NEVER = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_HOSTILE = st.text(st.sampled_from(list("ab中文 \t\r\n\x1b[]0;m\x07\\\u200b\u2028\u2029\ufeff\x7f\x9b\u3000")) | st.characters(), max_size=40)


@settings(max_examples=300)
@given(_HOSTILE, st.booleans())
def test_clean_text_leaves_no_control_characters(text, multiline):
    out = clean_text(text, multiline)
    assert not _NEVER.search(out)
    assert multiline or "\n" not in out
    assert "\x1b" not in out
    assert clean_text(out, multiline) == out  # nothing left to clean


@settings(max_examples=300)
@given(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs"))), st.booleans())
def test_clean_text_keeps_printable_text_as_it_is(text, multiline):
    assert clean_text(text, multiline) == text
