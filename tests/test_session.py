"""The editing session behind the Textual form (tui/session.py), without a screen: what is
stored when an operator types, list records and grid cells, page states, saving through the
store, and the read-only view a second operator gets."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest

from plugins import API_VERSION, Section, hookimpl
from plugins.engine.config import Config
from plugins.engine.errors import CannotWrite
from plugins.fields import Line
from plugins.host.manager import PluginHost
from plugins.engine.report import META, Report
from plugins.engine.store import ReportLock, backup_path, load_report, save_report
from tui.session import STATES, Session, parse_path

FIXED = dt.datetime(2019, 1, 8, 9, 30, 0)

# A report whose metadata is complete: only what a test types is missing or wrong.
META_DATA = {
    "unit": "建瓯市人民政府办公室", "unit_level": "government", "year": 2018, "format": "fujian-2018",
    "website_name": "中国建瓯", "website_url": "http://www.jo.gov.cn/", "contact_office": "信息股",
    "phone": "0599-3833124", "address": "瓯宁路68号", "email": "x@163.com", "signed": dt.date(2019, 1, 8),
}


def make_session(tmp_path: Path, data: dict | None = None, host: PluginHost | None = None, **kw) -> Session:
    path = tmp_path / "report.toml"
    report = Report({META: dict(META_DATA), **(data or {})}, path)
    save_report(report, path, backup=False)
    return Session(host or PluginHost(Config(), entry_points=False), load_report(path), clock=lambda: FIXED, **kw)


def on_disk(session: Session) -> dict:
    return tomllib.loads(session.report.path.read_text(encoding="utf-8"))


@pytest.fixture
def s(tmp_path):
    session = make_session(tmp_path)
    session.acquire()
    yield session
    session.close()


# -- pages -----------------------------------------------------------------------------------

def test_pages_are_the_metadata_then_the_format_sections_in_order(s):
    assert s.pages[0].id == META
    assert [p.id for p in s.pages[1:]] == ["fj.overview", "fj.proactive", "fj.requests", "fj.appeals",
                                           "fj.problems", "fj.other"]
    assert [p.title.split("、")[0] for p in s.pages[1:]] == list("一二三四五六")
    assert s.first_section() == "fj.overview"


def test_parse_path_reads_every_address_form():
    assert parse_path("intro") == ("intro", None, None, None)
    assert parse_path("items[2].title") == ("items", 2, "title", None)
    assert parse_path("counts.website.year") == ("counts", None, "website", "year")


# -- typing numbers ----------------------------------------------------------------------------

def test_full_width_digits_are_stored_as_an_integer(s):
    assert s.set_text("fj.proactive", "counts.total.year", "２５８９") is None
    assert s.raw_at("fj.proactive", "counts.total.year") == 2589
    assert isinstance(s.raw_at("fj.proactive", "counts.total.year"), int)


@pytest.mark.parametrize("typed, stored", [("1,000", 1000), (" 12 ", 12), ("1 000", 1000), ("０", 0)])
def test_numbers_accept_what_people_type(s, typed, stored):
    assert s.set_text("fj.proactive", "counts.total.year", typed) is None
    assert s.raw_at("fj.proactive", "counts.total.year") == stored


@pytest.mark.parametrize("typed, words", [("12.5", "小数"), ("-3", "负数"), ("abc", "不是数字"), ("1,00", "千位")])
def test_a_refused_number_is_kept_as_typed_and_reported(s, typed, words):
    message = s.set_text("fj.proactive", "counts.total.year", typed)
    assert message is not None and words in message
    # nothing silently changed: the file holds exactly what was typed ...
    assert s.raw_at("fj.proactive", "counts.total.year") == typed
    assert s.text_at("fj.proactive", "counts.total.year") == typed
    # ... and the check reports it at that cell until it is corrected
    s.check()
    at_cell = [i for i in s.result.for_section("fj.proactive") if i.field == "counts.total.year"]
    assert at_cell and at_cell[0].severity == "error" and words in at_cell[0].message
    assert s.state("fj.proactive") == "errors"
    s.set_text("fj.proactive", "counts.total.year", "12")
    s.check()
    assert not [i for i in s.result.for_section("fj.proactive") if i.field == "counts.total.year"]


def test_clearing_a_value_removes_it(s):
    s.set_text("fj.proactive", "counts.total.year", "5")
    s.set_text("fj.proactive", "counts.total.year", "")
    assert s.raw_at("fj.proactive", "counts.total.year") is None
    assert "counts" not in s.report.section_data("fj.proactive")


def test_dates_and_lines(s):
    assert s.set_text(META, "signed", "2019年1月9日") is None
    assert s.raw(META, "signed") == dt.date(2019, 1, 9)
    assert s.text_at(META, "signed") == "2019-01-09"
    assert s.set_text(META, "signed", "2019-02-30") is not None
    assert s.raw(META, "signed") == "2019-02-30"
    s.set_text(META, "unit", "  建瓯市人民政府  ")
    assert s.raw(META, "unit") == "建瓯市人民政府"


def test_escape_sequences_and_control_characters_never_reach_the_file(s):
    s.set_text("fj.overview", "intro", "第一段\x1b[2J\x1b]0;title\x07\n第二段\x00")
    assert s.raw("fj.overview", "intro") == "第一段\n第二段"
    s.set_text("fj.proactive", "counts.total.year", "12\x1b[31m.5")  # refused, kept without the escape
    assert s.raw_at("fj.proactive", "counts.total.year") == "12.5"


def test_a_hand_edited_file_with_escapes_is_shown_without_them(tmp_path):
    session = make_session(tmp_path, {"fj": {"proactive": {"counts": {"total": {"year": "\x1b[31m12x"}}}}})
    assert session.text_at("fj.proactive", "counts.total.year") == "12x"


def test_changing_the_year_or_format_rebuilds_the_pages(s):
    assert len(s.pages) == 7
    s.set_text(META, "format", "no-such-format")
    assert [p.id for p in s.pages] == [META]
    s.set_text(META, "format", "fujian-2018")
    assert len(s.pages) == 7


def test_an_unknown_path_is_refused(s):
    with pytest.raises(KeyError):
        s.set_text("fj.overview", "nonsense", "x")
    with pytest.raises(KeyError):
        s.set_text("fj.proactive", "counts.total.nope", "1")


# -- lists -----------------------------------------------------------------------------------

def test_records_add_type_move_remove(s):
    page, key = "fj.overview", "items"
    assert s.records(page, key) == []
    assert s.add_record(page, key) == 0
    s.set_text(page, "items[0].title", "加强组织领导")
    assert s.add_record(page, key) == 1
    s.set_text(page, "items[1].title", "明确工作责任")
    assert s.add_record(page, key, after=0) == 1  # inserted between the two
    s.set_text(page, "items[1].title", "中间")
    assert [r.get("title") for r in s.records(page, key)] == ["加强组织领导", "中间", "明确工作责任"]
    assert s.move_record(page, key, 2, -1) == 1
    assert [r.get("title") for r in s.records(page, key)] == ["加强组织领导", "明确工作责任", "中间"]
    assert s.move_record(page, key, 0, -1) == 0  # already first: nothing moves
    assert s.move_record(page, key, 2, 1) == 2  # already last
    s.remove_record(page, key, 0)
    assert [r.get("title") for r in s.records(page, key)] == ["明确工作责任", "中间"]
    s.remove_record(page, key, 0)
    s.remove_record(page, key, 0)
    assert s.records(page, key) == []
    assert key not in s.report.section_data(page)  # no empty list left in the file


def test_typing_into_a_record_beyond_the_end_creates_it(s):
    s.set_text("fj.proactive", "categories[0].count", "３")
    assert s.records("fj.proactive", "categories") == [{"count": 3}]


def test_records_survive_a_save_and_reload(s):
    s.add_record("fj.proactive", "categories")
    s.set_text("fj.proactive", "categories[0].name", "政策文件")
    s.set_text("fj.proactive", "categories[0].count", "12.5")
    assert s.save()
    data = on_disk(s)
    assert data["fj"]["proactive"]["categories"] == [{"name": "政策文件", "count": "12.5"}]


# -- grids ----------------------------------------------------------------------------------

def test_grid_cells_are_stored_by_row_and_column(s):
    s.set_text("fj.requests", "received.online.year", "5")
    s.set_text("fj.requests", "received.in_person.year", "0")
    s.set_text("fj.requests", "received.letter_fax.cumulative", "8")
    table = s.report.section_data("fj.requests")["received"]
    assert table == {"online": {"year": 5}, "in_person": {"year": 0}, "letter_fax": {"cumulative": 8}}
    assert "total" not in table  # a computed row is never stored
    s.set_text("fj.requests", "received.online.year", "")
    assert "online" not in s.report.section_data("fj.requests")["received"]


def test_a_computed_row_cannot_be_typed(s):
    with pytest.raises(KeyError):
        s.set_text("fj.requests", "received.nope.year", "5")


# -- page states -----------------------------------------------------------------------------

def test_states_empty_progress_errors_warnings_complete(s):
    page = "fj.problems"
    assert s.state(page) == "empty"
    s.set_text(page, "problems", "存在的问题" * 12)
    s.check()
    assert s.state(page) == "progress"  # the measures are still missing
    s.set_text(page, "measures", "无")
    s.check()
    assert s.state(page) == "errors"  # "无" is not a statement of measures
    s.set_text(page, "measures", "改进措施不够具体。")
    s.check()
    assert s.state(page) == "warnings"  # too short to be plausible
    s.set_text(page, "measures", "一是加强业务培训，提高工作人员的公开意识和能力；二是完善信息发布审核制度，"
                                 "及时更新公开内容；三是规范依申请公开答复，按期办结每一件申请。")
    s.check()
    assert s.state(page) == "complete"
    assert set(STATES) >= {s.state(p.id) for p in s.pages}


def test_a_category_count_that_breaks_the_sum_is_an_error_on_the_list(s):
    page = "fj.proactive"
    s.set_text(page, "counts.total.year", "10")
    s.set_text(page, "categories[0].name", "甲")
    s.set_text(page, "categories[0].count", "4")
    s.set_text(page, "categories[1].name", "乙")
    s.set_text(page, "categories[1].count", "6")
    s.check()
    assert not [i for i in s.result.for_section(page) if i.field == "categories" and i.severity == "error"]
    s.set_text(page, "categories[1].count", "7")
    s.check()
    sums = [i for i in s.result.for_section(page) if i.field == "categories" and i.severity == "error"]
    assert sums and "11" in sums[0].message and "10" in sums[0].message
    assert s.state(page) == "errors"


class _RaisingSection(Section):
    id = "tb.raises"
    api_version = API_VERSION
    heading = "会出错的部分"
    formats = ("fujian-2018",)
    number = 8
    template = "raises.j2"
    fields = (Line(key="note", label="说明", required=False),)

    def validate(self, report):
        raise RuntimeError("插件内部错误")


def broken_host(tmp_path: Path) -> PluginHost:
    (tmp_path / "tpl").mkdir(exist_ok=True)
    (tmp_path / "tpl" / "raises.j2").write_text("{{ data.note }}\n", encoding="utf-8")
    _RaisingSection.template_folder = tmp_path / "tpl"

    class Plugin:
        @hookimpl
        def nianbao_register_sections(self):
            return [_RaisingSection()]

    return PluginHost(Config(), entry_points=False, extra=[("broken", Plugin())])


def test_a_section_whose_plugin_raises_is_broken_and_the_others_still_work(tmp_path):
    s = make_session(tmp_path, host=broken_host(tmp_path))
    assert s.pages[-1].id == "tb.raises"
    assert s.state("tb.raises") == "broken"
    assert "插件内部错误" in s.broken("tb.raises")
    s.set_text("tb.raises", "note", "已经填写的内容")
    s.set_text("fj.problems", "problems", "无")
    s.check()
    assert s.state("tb.raises") == "broken"
    assert s.state("fj.problems") == "errors"  # checked as usual: "无" is refused
    assert s.save()
    assert on_disk(s)["tb"]["raises"]["note"] == "已经填写的内容"


def test_a_section_whose_template_fails_is_broken(s):
    s.render_errors["fj.appeals"] = "模板出错"
    assert s.state("fj.appeals") == "broken"
    assert s.broken("fj.appeals") == "模板出错"


# -- saving ------------------------------------------------------------------------------------

def test_save_writes_only_when_something_changed(s):
    assert not s.save()
    s.set_text("fj.overview", "intro", "2018年，我市……")
    assert s.dirty
    assert s.save()
    assert not s.dirty and s.last_saved == FIXED
    assert on_disk(s)["fj"]["overview"]["intro"] == "2018年，我市……"
    assert not s.save()


def test_save_goes_through_the_store_atomically_with_a_backup(s, monkeypatch):
    path = s.report.path
    s.set_text("fj.overview", "intro", "第一版")
    s.save()
    calls = []
    import tui.session as session_module

    real = session_module.save_report
    monkeypatch.setattr(session_module, "save_report", lambda report, *a, **k: calls.append(report) or real(report, *a, **k))
    s.set_text("fj.overview", "intro", "第二版")
    s.save()
    assert calls == [s.report]
    assert "第二版" in path.read_text(encoding="utf-8")
    assert "第一版" in backup_path(path).read_text(encoding="utf-8")
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_failed_write_leaves_the_file_intact(s, monkeypatch):
    path = s.report.path
    s.set_text("fj.overview", "intro", "已保存的版本")
    s.save()
    before = path.read_bytes()
    import plugins.engine.store as store

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", broken_fsync)
    s.set_text("fj.overview", "intro", "写不下的版本")
    with pytest.raises(CannotWrite, match="磁盘已满"):
        s.save()
    assert path.read_bytes() == before
    assert s.dirty and "磁盘已满" in s.save_error  # still to be saved, and the status line says why not
    assert not [p for p in path.parent.iterdir() if p.name.endswith((".tmp", ".bak-tmp"))]
    monkeypatch.undo()
    assert s.save() and s.save_error == ""


def test_unknown_keys_are_kept_on_save(tmp_path):
    s = make_session(tmp_path, {"jo": {"county": {"figure": 7}}})
    s.set_text("fj.overview", "intro", "内容")
    s.save()
    assert on_disk(s)["jo"]["county"]["figure"] == 7


# -- two operators ------------------------------------------------------------------------------

def test_a_second_operator_gets_a_read_only_session_naming_the_holder(tmp_path):
    s = make_session(tmp_path)
    path = s.report.path
    holder = ReportLock(path).acquire()
    try:
        assert not s.acquire()
        assert s.read_only
        assert str(os.getpid()) in s.holder
        before = path.read_bytes()
        assert s.set_text("fj.overview", "intro", "不会写入") is None
        assert s.add_record("fj.overview", "items") == -1
        assert not s.save()
        assert path.read_bytes() == before
    finally:
        holder.release()
        s.close()


def test_a_session_that_never_took_the_lock_takes_it_to_save(tmp_path):
    s = make_session(tmp_path)
    s.set_text("fj.overview", "intro", "内容")
    other = ReportLock(s.report.path).acquire()
    try:
        assert not s.save()  # someone else holds it now: nothing is overwritten
        assert s.read_only
    finally:
        other.release()
    (tmp_path / "b").mkdir()
    s2 = make_session(tmp_path / "b")
    s2.set_text("fj.overview", "intro", "内容")
    assert s2.save() and s2.lock.held
    s2.close()
    assert not s2.lock.held
