"""Cross-year support: finding last year's report (plugins.engine.history), the rules that use it
(OR6, N3-6, N2-2, V-XYEAR, V-DUP) in both built-in formats, and ``nianbao new --from``.

The pairs of reports are built from the two real examples: 淮安市人民政府 2024 (national
format) becomes last year's report of a 2025 copy, and 建瓯市人民政府办公室 2018 (Fujian
format) gets a 2017 predecessor whose 历年累计 is the 2018 running total minus 2018's figures
(domain §1.3: O1 43680, O2 3576, …)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from plugins import API_VERSION, Section, fields, hookimpl, rules
from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.engine.history import NOT_CARRIED, carry_forward, find_previous, lookup_previous, view_with_previous
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.report import Report, ReportView
from plugins.engine.store import load_report, save_report

from cli_helpers import isolated, run  # noqa: F401  (isolated is an autouse fixture)

ROOT = Path(__file__).resolve().parent.parent
HUAIAN = ROOT / "examples" / "huaian-2024.toml"
JIANOU = ROOT / "examples" / "jianou-2018.toml"
APPLICANTS = ("natural", "commercial", "research", "public_welfare", "legal_service", "other_org")
FUJIAN_GRIDS = (("fj.proactive", "counts"), ("fj.requests", "received"), ("fj.requests", "answers"), ("fj.appeals", "cases"))
CROSS_YEAR = {"OR6", "N3-6", "N2-2", "V-XYEAR", "V-DUP"}


@pytest.fixture(scope="module")
def host():
    return PluginHost(Config(), entry_points=False)




def put(data: dict, dotted: str, value) -> None:
    *parts, last = dotted.split(".")
    node = data
    for p in parts:
        node = node.setdefault(p, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value


def write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save_report(Report(copy.deepcopy(data), path), path, backup=False)
    return path


REWRITTEN = {  # this year's prose, written anew (no V-DUP)
    "nat.overview.intro": "2025年，市政府办公室围绕优化营商环境和民生保障两条主线，推进重点领域信息公开，完善政策解读与回应关切机制，"
                          "政府信息公开的规范化、标准化水平进一步提高，群众获取政府信息更加便捷。",
    "nat.overview.proactive": "全年在市政府门户网站新增公开规章、规范性文件和政策解读材料，集中发布财政预决算、重大项目批准实施、"
                              "公共资源配置等重点领域信息，按季度更新主动公开目录并逐条核对发布时间和公开属性。",
    "nat.overview.requests": "优化依申请公开办理流程，推行申请登记、承办、审核、答复全流程线上流转，对复杂申请提前与申请人沟通，"
                             "答复文书统一使用标准模板，说明理由和救济渠道。",
    "nat.overview.management": "修订公文公开属性源头认定办法，发文前逐件确定公开方式，对已公开的规范性文件开展清理并标注有效性。",
    "nat.overview.platform": "改版政府信息公开专栏，合并重复栏目，新增政策文件库检索功能，政务新媒体账号统一纳入平台管理。",
    "nat.overview.supervision": "将政务公开纳入年度绩效考核，聘请社会监督员开展评议，对考核中发现的栏目更新滞后问题进行通报并限期整改。",
    "nat.problems.problems": "一是部分单位对政策解读重视不够，解读材料与文件同步发布的比例仍然偏低；二是基层政务公开专栏内容更新频率不一，"
                             "个别栏目长期未更新。",
    "nat.problems.measures": "下一步将建立解读材料与政策文件同步起草、同步审签、同步发布的机制，每季度通报基层专栏更新情况，"
                             "把更新频率纳入年度考核。",
}


def national_pair(folder: Path, **changes) -> tuple[Path, Path]:
    """huaian-2024.toml as last year's report and a consistent 2025 report in ``folder``."""
    last = load_report(HUAIAN).data
    now = copy.deepcopy(last)
    now["report"]["year"] = 2025
    for col in APPLICANTS:  # N3-6: 上年结转 = last year's 结转下年度
        carried = last["nat"]["requests"]["table"]["carried_out"][col]
        put(now, f"nat.requests.table.carried_in.{col}", carried)
        # keep N3-1 (new + carried_in = processed + carried_out) by moving the difference to carried_out
        diff = carried - last["nat"]["requests"]["table"]["carried_in"][col]
        put(now, f"nat.requests.table.carried_out.{col}", now["nat"]["requests"]["table"]["carried_out"][col] + diff)
    docs = last["nat"]["proactive"]["documents"]
    for row in ("rules", "normative"):  # N2-2: in_force = last + issued − abolished
        c = docs[row]
        put(now, f"nat.proactive.documents.{row}.in_force", c["in_force"] + c["issued"] - c["abolished"])
    for key, text in REWRITTEN.items():
        put(now, key, text)
    for key, value in changes.items():
        put(now, key, value)
    return write(folder / "huaian-2024.toml", last), write(folder / "huaian-2025.toml", now)


def fujian_pair(folder: Path, **changes) -> tuple[Path, Path]:
    """jianou-2018.toml and its 2017 predecessor (历年累计 2017 = 2018's minus 2018's figures)."""
    now = load_report(JIANOU).data
    last = copy.deepcopy(now)
    last["report"]["year"] = 2017
    last["report"]["signed"] = dt.date(2018, 1, 10)
    for sid, key in FUJIAN_GRIDS:
        node = last
        for part in sid.split("."):
            node = node[part]
        for cells in node[key].values():
            cells["cumulative"] -= cells["year"]
    last["fj"]["overview"]["intro"] = "2017年，建瓯市认真贯彻落实上级关于政务公开工作的部署，围绕中心工作推进信息公开，完善工作机制，加强平台建设，各项工作有序开展，取得了一定成效，公众满意度进一步提高。"
    for key, value in changes.items():
        put(now, key, value)
    return write(folder / "jianou-2017.toml", last), write(folder / "jianou-2018.toml", now)


def found(host, path: Path, rule: str | None = None, severity: str | None = None):
    return [i for i in check_report(host, load_report(path)).issues
            if (rule is None or i.rule == rule) and (severity is None or i.severity == severity)]


def rules_of(host, path: Path) -> set[str]:
    return {i.rule for i in check_report(host, load_report(path)).issues} & CROSS_YEAR


# == finding last year's report =============================================================

def test_found_by_scanning_the_folder(tmp_path, host):
    last, now = national_pair(tmp_path)
    assert find_previous(load_report(now)) == last
    view, lookup = view_with_previous(host, load_report(now))
    assert isinstance(view.previous, ReportView) and view.previous.year == 2024 and view.previous.path == last
    assert view.previous.previous is None and lookup.problem == ""
    assert view.previous.values("nat.requests")["table"]["carried_out"]["natural"] == 103
    # last year's own previous (2023) is not there
    assert find_previous(load_report(last)) is None


def test_explicit_previous_in_another_folder(tmp_path, host):
    last, now = national_pair(tmp_path)
    moved = tmp_path / "archive" / "2024" / "淮安2024.toml"
    moved.parent.mkdir(parents=True)
    last.rename(moved)
    assert find_previous(load_report(now)) is None  # not beside it any more
    data = load_report(now).data
    data["report"]["previous"] = "archive/2024/淮安2024.toml"
    write(now, data)
    assert find_previous(load_report(now)) == tmp_path / "archive" / "2024" / "淮安2024.toml"
    assert [i for i in found(host, now) if i.section == "report" and i.field == "previous"] == []
    assert view_with_previous(host, load_report(now))[0].previous.path == moved
    assert rules_of(host, now) == set()


def test_explicit_previous_wins_over_the_scan(tmp_path, host):
    last, now = national_pair(tmp_path)
    other = write(tmp_path / "old" / "x.toml", load_report(last).data)
    data = load_report(now).data
    data["report"]["previous"] = "old/x.toml"
    write(now, data)
    assert find_previous(load_report(now)) == tmp_path / "old" / "x.toml" == other


def test_a_broken_explicit_previous_is_reported_and_the_scan_used(tmp_path, host):
    last, now = national_pair(tmp_path)
    data = load_report(now).data
    data["report"]["previous"] = "gone.toml"
    write(now, data)
    lookup = lookup_previous(load_report(now))
    assert lookup.path == last and "gone.toml 不存在" in lookup.problem and "改用" in lookup.problem
    warn = [i for i in found(host, now, "V-XYEAR") if i.section == "report"]
    assert [(i.severity, i.field) for i in warn] == [("warning", "previous")]
    # a file of the wrong year is not used (here: a copy of this year's)
    write(tmp_path / "b" / "self.toml", load_report(now).data)
    data["report"]["previous"] = "self.toml"
    write(tmp_path / "b" / "huaian-2025.toml", data)
    lookup = lookup_previous(load_report(tmp_path / "b" / "huaian-2025.toml"))
    assert lookup.path is None and "是2025年度的报告，不是2024年度的" in lookup.problem


def test_wrong_unit_or_year_is_ignored(tmp_path):
    last, now = national_pair(tmp_path)
    data = load_report(last).data
    data["report"]["unit"] = "淮安市发展和改革委员会"
    write(last, data)
    assert find_previous(load_report(now)) is None
    data["report"]["unit"] = "淮安市人民政府"
    data["report"]["year"] = 2023
    write(last, data)
    assert find_previous(load_report(now)) is None
    data["report"]["year"] = 2024
    data["report"]["unit"] = "  淮安市人民政府 "  # blanks around the name do not matter
    write(last, data)
    assert find_previous(load_report(now)) == last


def test_unreadable_files_are_ignored(tmp_path, host):
    last, now = national_pair(tmp_path)
    last.rename(tmp_path / "zz-good.toml")  # sorted after the broken ones
    (tmp_path / "a-binary.toml").write_bytes(b"\xff\xfe\x00garbage\x00" * 50)
    (tmp_path / "b-gbk.toml").write_bytes('[report]\nunit = "淮安市人民政府"\nyear = 2024\n'.encode("gbk"))
    (tmp_path / "c-broken.toml").write_text("[report\nunit = 淮安\n", encoding="utf-8")
    (tmp_path / "d-folder.toml").mkdir()
    (tmp_path / ".e-hidden.toml").write_text('[report]\nunit = "淮安市人民政府"\nyear = 2024\n', encoding="utf-8")
    (tmp_path / "f-notes.txt").write_text('[report]\nunit = "淮安市人民政府"\nyear = 2024\n', encoding="utf-8")
    assert find_previous(load_report(now)) == tmp_path / "zz-good.toml"
    # a file whose [report] reads but whose body is damaged: skipped silently when scanned
    (tmp_path / "zz-good.toml").unlink()
    (tmp_path / "a-damaged.toml").write_text('[report]\nunit = "淮安市人民政府"\nyear = 2024\n\n[nat.overview\n', encoding="utf-8")
    view, lookup = view_with_previous(host, load_report(now))
    assert view.previous is None and lookup.problem == ""
    assert not {i.rule for i in check_report(host, load_report(now)).issues} & CROSS_YEAR


def test_the_scan_reads_headers_it_cannot_split(tmp_path):
    # a multi-line string in [report] with a line that starts with "[": the whole file is parsed
    last, now = national_pair(tmp_path)
    text = last.read_text(encoding="utf-8").replace('[report]\n', '[report]\nnote = """\n[此件主动公开]\n"""\n', 1)
    last.write_text(text, encoding="utf-8")
    assert load_report(last).meta["note"].strip() == "[此件主动公开]"
    assert find_previous(load_report(now)) == last


def test_the_scan_sees_changed_files(tmp_path):
    last, now = national_pair(tmp_path)
    assert find_previous(load_report(now)) == last
    data = load_report(last).data
    data["report"]["unit"] = "淮安市财政局（改名后文件更长）"
    write(last, data)
    assert find_previous(load_report(now)) is None


def test_no_path_no_previous_and_view_stays_compatible(host):
    report = load_report(HUAIAN)
    assert Report(copy.deepcopy(report.data)).view().previous is None
    assert report.view().previous is None and report.view(host.sections).previous is None
    assert host.view(report).previous is None
    assert find_previous(Report(copy.deepcopy(report.data))) is None


def test_the_renderer_sets_previous(tmp_path, host):
    last, now = national_pair(tmp_path)
    seen = []

    class Spy(Section):
        id = "zz.spy"
        api_version = API_VERSION
        heading = "探针"
        formats = ("national-2021",)
        template = "spy.j2"
        template_folder = tmp_path

        def context(self, report):
            seen.append(report.previous.year if report.previous else None)
            return {}

    (tmp_path / "spy.j2").write_text("探针\n", encoding="utf-8")

    class Plugin:
        @hookimpl
        def nianbao_register_sections(self):
            return [Spy()]

    spy_host = PluginHost(Config(), entry_points=False, extra=[("spy", Plugin())])
    Renderer(spy_host).render(load_report(now))
    assert seen == [2024]


# == the rules ==============================================================================

def test_a_consistent_national_pair_has_no_cross_year_findings(tmp_path, host):
    last, now = national_pair(tmp_path)
    assert rules_of(host, now) == set()


def test_n3_6_carried_in_must_equal_last_years_carried_out(tmp_path, host):
    last, now = national_pair(tmp_path, **{"nat.requests.table.carried_in.natural": 34,
                                           "nat.requests.table.carried_out.natural": 34})
    bad = found(host, now, "N3-6")
    assert [(i.severity, i.field) for i in bad] == [("error", "table.carried_in.natural")]
    assert "103" in bad[0].message and "2024年" in bad[0].message
    last.unlink()  # without last year's report: silent
    assert found(host, now, "N3-6") == []


def test_n2_2_in_force_follows_last_year(tmp_path, host):
    last, now = national_pair(tmp_path, **{"nat.proactive.documents.normative.in_force": 70})
    bad = found(host, now, "N2-2")
    assert [(i.severity, i.field) for i in bad] == [("warning", "documents.normative.in_force")]
    assert "66" in bad[0].message and "48" in bad[0].message  # 66 + 8 − 26
    last.unlink()
    assert found(host, now, "N2-2") == []


def test_v_xyear_jumps_in_national_totals(tmp_path, host):
    # 行政许可 447228 last year; 6× is flagged, exactly 5× is not; 诉讼 from 0 is not compared
    last, now = national_pair(tmp_path, **{"nat.proactive.licensing.licensing.count": 447228 * 6,
                                           "nat.proactive.enforcement.penalty.count": 3985758 * 5,
                                           "nat.proactive.fees": 96171.6 / 10})
    jumps = {i.field: i for i in found(host, now, "V-XYEAR")}
    assert set(jumps) == {"licensing.licensing.count", "fees"}
    assert all(i.severity == "warning" for i in jumps.values())
    assert "6.0倍" in jumps["licensing.licensing.count"].message and "10%" in jumps["fees"].message
    last.unlink()
    assert found(host, now, "V-XYEAR") == []


def test_v_xyear_table_three_and_four(tmp_path, host):
    last, now = national_pair(tmp_path, **{"nat.appeals.cases.review.upheld": 2000})
    assert [i.field for i in found(host, now, "V-XYEAR")] == ["cases.review.total"]


def test_v_dup_when_this_years_prose_is_last_years(tmp_path, host):
    last, now = national_pair(tmp_path, **{"nat.overview.intro": load_report(HUAIAN).data["nat"]["overview"]["intro"]})
    assert found(host, now, "V-DUP") == []  # one paragraph of six copied: below 50 %
    data = load_report(now).data
    data["nat"]["overview"] = copy.deepcopy(load_report(HUAIAN).data["nat"]["overview"])
    data["nat"]["overview"]["intro"] = data["nat"]["overview"]["intro"].replace("2024年", "2025年")
    write(now, data)
    dup = found(host, now, "V-DUP")
    assert [(i.severity, i.section, i.field) for i in dup] == [("warning", "nat.overview", None)]
    assert "100%" in dup[0].message and "2024年" in dup[0].message
    last.unlink()
    assert found(host, now, "V-DUP") == []


def test_a_consistent_fujian_pair(tmp_path, host):
    last, now = fujian_pair(tmp_path)
    assert found(host, now, "OR6") == []
    # the seed's other prose was kept word for word from "2017": V-DUP says so
    dup = found(host, now, "V-DUP")
    assert {i.section for i in dup} >= {"fj.overview", "fj.proactive", "fj.problems"}
    assert {i.severity for i in dup} == {"warning"}
    prev = view_with_previous(host, load_report(now))[0].previous
    assert prev.values("fj.proactive")["counts"]["total"]["cumulative"] == 43680  # domain §1.3


def test_or6_every_row(tmp_path, host):
    last, now = fujian_pair(tmp_path, **{"fj.proactive.counts.gazette": {"year": 3, "cumulative": 0},
                                         "fj.requests.answers.granted": {"year": 1, "cumulative": 3572},
                                         "fj.appeals.cases.suits": {"year": 1, "cumulative": 0}})
    bad = found(host, now, "OR6")
    assert {(i.severity, i.section, i.field) for i in bad} == {
        ("error", "fj.proactive", "counts.gazette.cumulative"),
        ("error", "fj.requests", "answers.granted.cumulative"),
        ("error", "fj.appeals", "cases.suits.cumulative")}
    msg = next(i.message for i in bad if i.field == "answers.granted.cumulative")
    assert "3572" in msg and "3570" in msg and "应为3571" in msg and "2017年" in msg
    last.unlink()
    assert found(host, now, "OR6") == []


def test_or6_tells_what_to_enter_when_the_running_total_is_empty(tmp_path, host):
    last, now = fujian_pair(tmp_path, **{"fj.proactive.counts.total": {"year": 2589}})
    hint = found(host, now, "OR6")
    assert [(i.severity, i.field) for i in hint] == [("warning", "counts.total.cumulative")]
    assert "应填46269条" in hint[0].message


def test_v_xyear_fujian(tmp_path, host):
    last, now = fujian_pair(tmp_path, **{"fj.proactive.counts.total": {"year": 2589 * 6, "cumulative": 43680 + 2589 * 6},
                                         "fj.proactive.counts.website": {"year": 2589, "cumulative": 46269}})
    assert [(i.severity, i.field) for i in found(host, now, "V-XYEAR")] == [("warning", "counts.total.year")]


def test_a_previous_report_of_another_format_is_not_compared(tmp_path, host):
    last, now = national_pair(tmp_path)
    fujian = load_report(JIANOU)
    view = load_report(now).view(host.sections, previous=fujian.view(host.sections))
    assert not {i.rule for i in check_report(host, load_report(now), view).issues} & CROSS_YEAR


# == V-DUP helpers ==========================================================================

def test_similarity():
    a = "本机关坚持以公开为常态、不公开为例外，健全政府信息公开工作机制，规范公开流程。"
    assert rules.similarity(a, a) == 1.0
    assert rules.similarity(a, "") == 0.0 and rules.similarity("", "") == 0.0
    # blanks, punctuation, full-width forms and the figures do not make a copy original
    assert rules.similarity("2024年，受理申请３１１９件。", "2025年 受理申请 287 件") == 1.0
    assert rules.similarity(a, "这是一段完全不同的文字，讲的是另外一件事情，和上面没有共同的五字片段。") == 0.0
    half = a[: len(a) // 2]
    assert 0.2 < rules.similarity(a, half) < 0.6
    assert rules.shingles("短文") == {"短文"} and len(rules.shingles("一二三四五六")) == 2


def test_duplicate_prose_threshold():
    f = (fields.Text(key="a", label="甲"), fields.Records(key="items", label="条目", columns=(
        fields.Line(key="title", label="标题"), fields.Text(key="body", label="正文"))))
    base = REWRITTEN["nat.overview.intro"] + REWRITTEN["nat.overview.proactive"]
    last = {"a": base, "items": [{"title": "甲标题", "body": "各单位按照统一部署开展自查，对发现的问题建立台账并逐项整改到位。"}]}
    now = {"a": base, "items": [{"title": "乙标题", "body": "本年度新建了政策文件库，并对历年文件的有效性逐件标注，方便群众查询使用。"}]}
    ratio = rules.similarity(rules.prose_of(f, now), rules.prose_of(f, last))
    assert 0.5 < ratio < 1
    assert rules.prose_of(f, now).startswith(base) and "甲标题" not in rules.prose_of(f, last)  # titles are not prose
    assert len(rules.duplicate_prose("x", f, now, last, 2024)) == 1
    assert rules.duplicate_prose("x", f, now, last, threshold=ratio) == []  # more than, not equal
    assert len(rules.duplicate_prose("x", f, now, last, threshold=ratio - 0.001)) == 1
    assert rules.duplicate_prose("x", f, now, None) == []  # no last year's report
    short = {"a": "无。", "items": []}
    assert rules.duplicate_prose("x", f, short, short) == []  # under DUP_MIN_CHARS: not compared
    assert len(rules.duplicate_prose("x", f, short, short, min_chars=1)) == 1


def test_year_on_year_bounds():
    assert rules.year_on_year("s", "f", "数", 50, 10) == []  # 5×: not more than 5
    assert len(rules.year_on_year("s", "f", "数", 51, 10)) == 1
    assert rules.year_on_year("s", "f", "数", 2, 10) == []  # 0.2×
    assert len(rules.year_on_year("s", "f", "数", 1, 10)) == 1
    assert rules.year_on_year("s", "f", "数", 0, 10) == [] == rules.year_on_year("s", "f", "数", 10, 0)
    assert rules.year_on_year("s", "f", "数", None, 10) == []
    assert len(rules.year_on_year("s", "f", "金额", Decimal("60.5"), Decimal("10"), "万元", 2024)) == 1


# == nianbao new --from =====================================================================

def test_new_from_a_national_report(capsys, tmp_path, host):
    write(tmp_path / "huaian-2024.toml", load_report(HUAIAN).data)
    code, out, err = run(capsys, "new", "huaian-2025.toml", "--from", "huaian-2024.toml")
    assert code == 0, err
    new = load_report(tmp_path / "huaian-2025.toml")
    meta = new.meta
    assert meta["year"] == 2025 and meta["format"] == "national-2021"
    for key in ("unit", "unit_level", "admin_level", "region", "contact_office", "address", "postcode", "phone", "email"):
        assert meta[key] == load_report(HUAIAN).meta[key], key
    assert "previous" not in meta  # found by the scan: same folder, same unit, year − 1
    assert not set(meta) & (set(NOT_CARRIED) - {"year", "format"})
    t = new.data["nat"]["requests"]["table"]
    assert t == {"carried_in": {"natural": 103, "commercial": 0, "research": 0, "public_welfare": 0,
                                "legal_service": 0, "other_org": 0}}
    assert new.data["nat"]["proactive"] == {"documents": {"rules": {"in_force": 11}, "normative": {"in_force": 66}}}
    for sid in ("overview", "problems", "other", "appeals"):  # prose is never carried
        assert new.data["nat"][sid] == {}
    # the output says what was carried and what was not
    assert "上年报告：huaian-2024.toml（2024年）" in out
    assert "结转的文档信息：单位名称、单位层级、行政区划、联系科室、电话、地址、邮编、电子邮箱、行政层级" in out
    assert "  收到和处理政府信息公开申请情况 › 二、上年结转政府信息公开申请数量：自然人 103件、商业企业 0件" in out
    assert "  主动公开政府信息情况 › 第二十条第（一）项 › 行政规范性文件：现行有效件数 66件" in out
    assert "未结转：各部分的文字" in out and err == ""
    # it re-checks without cross-year findings, against last year's report
    view, _ = view_with_previous(host, new)
    assert view.previous is not None and view.previous.year == 2024
    assert rules_of(host, tmp_path / "huaian-2025.toml") == set()
    # and once this year's documents are typed without updating 现行有效, N2-2 says so
    data = new.data
    put(data, "nat.proactive.documents.normative.issued", 5)
    put(data, "nat.proactive.documents.normative.abolished", 1)
    write(tmp_path / "huaian-2025.toml", data)
    assert [i.field for i in found(host, tmp_path / "huaian-2025.toml", "N2-2")] == ["documents.normative.in_force"]


def test_new_from_into_another_folder_records_previous(capsys, tmp_path, host):
    write(tmp_path / "2024" / "report.toml", load_report(HUAIAN).data)
    code, out, err = run(capsys, "new", "2025/report.toml", "--from", "2024/report.toml")
    assert code == 0, err
    new = load_report(tmp_path / "2025" / "report.toml")
    assert new.meta["previous"] == "../2024/report.toml"
    assert '已记入 [report] previous = "../2024/report.toml"' in out
    assert find_previous(new) == tmp_path / "2025" / ".." / "2024" / "report.toml"
    assert rules_of(host, tmp_path / "2025" / "report.toml") == set()


def test_new_from_a_fujian_report(capsys, tmp_path, host):
    last, _ = fujian_pair(tmp_path / "src")
    code, out, err = run(capsys, "new", "jianou-2018.toml", "--from", str(last))
    assert code == 0, err
    new = load_report(tmp_path / "jianou-2018.toml")
    src = load_report(last).meta
    assert new.meta["year"] == 2018 and new.meta["format"] == "fujian-2018"
    for key in ("unit", "unit_level", "region", "addressee", "scope", "website_name", "website_url", "contact_office",
                "phone", "fax", "address", "email"):
        assert new.meta[key] == src[key], key
    for key in ("doc_number", "signed", "published"):
        assert key not in new.meta
    # 历年累计 is not carried: it is last year's plus this year's, which is not typed yet
    assert all(new.data["fj"][s] == {} for s in ("overview", "proactive", "requests", "appeals", "problems", "other"))
    assert "结转的数字：无" in out
    assert "历年累计" in out  # the output says how it is checked
    assert new.meta["previous"].endswith("src/jianou-2017.toml")
    assert rules_of(host, tmp_path / "jianou-2018.toml") == set()
    # the operator types this year's figure: OR6 gives the running total to enter, then checks it
    data = new.data
    put(data, "fj.proactive.counts.total", {"year": 2589})
    write(tmp_path / "jianou-2018.toml", data)
    assert "应填46269条" in found(host, tmp_path / "jianou-2018.toml", "OR6")[0].message
    put(data, "fj.proactive.counts.total", {"year": 2589, "cumulative": 2589})
    write(tmp_path / "jianou-2018.toml", data)
    assert [i.severity for i in found(host, tmp_path / "jianou-2018.toml", "OR6")] == ["error"]


def test_new_from_options_and_errors(capsys, tmp_path):
    write(tmp_path / "a.toml", load_report(HUAIAN).data)
    code, out, err = run(capsys, "new", "b.toml", "--from", "a.toml", "--unit", "淮安市教育局", "--level", "department")
    assert code == 0, err
    meta = load_report(tmp_path / "b.toml").meta
    assert (meta["unit"], meta["unit_level"], meta["year"]) == ("淮安市教育局", "department", 2025)
    assert meta["previous"] == "a.toml"  # another unit: the scan would not find it
    code, out, err = run(capsys, "new", "c.toml", "--from", "a.toml", "--year", "2027")
    assert code == 0 and "不是下一年度" in err
    code, out, err = run(capsys, "new", "d.toml", "--from", "missing.toml")
    assert code == 2 and "文件不存在" in err and not (tmp_path / "d.toml").exists()
    data = load_report(HUAIAN).data
    del data["report"]["year"]
    write(tmp_path / "noyear.toml", data)
    code, out, err = run(capsys, "new", "e.toml", "--from", "noyear.toml")
    assert code == 2 and "--year" in err and not (tmp_path / "e.toml").exists()
    code, out, err = run(capsys, "new", "e.toml", "--from", "noyear.toml", "--year", "2025")
    assert code == 0, err


def test_new_without_from_is_unchanged(capsys, tmp_path):
    code, out, err = run(capsys, "new", "a.toml", "--year", "2024", "--unit", "淮安市教育局")
    assert code == 0 and "上年报告" not in out and "结转" not in out
    assert load_report(tmp_path / "a.toml").meta == {"unit": "淮安市教育局", "unit_level": "government", "year": 2024,
                                                     "format": "national-2021"}


# == carry_forward of a county's section ====================================================

def county_host(tmp_path, carry):
    (tmp_path / "t.j2").write_text("x\n", encoding="utf-8")

    class County(Section):
        id = "jo.accounts"
        api_version = API_VERSION
        heading = "政务新媒体账号"
        formats = ("national-2021",)
        template = "t.j2"
        template_folder = tmp_path
        fields = (fields.Integer(key="accounts", label="账号数", unit="个"),
                  fields.Decimal(key="budget", label="经费", unit="万元", required=False),
                  fields.Text(key="notes", label="情况", required=False))

        def carry_forward(self, previous):
            return carry(previous)

    class Plugin:
        @hookimpl
        def nianbao_register_sections(self):
            return [County()]

    return PluginHost(Config(), entry_points=False, extra=[("county", Plugin())])


def test_a_county_section_carries_forward(tmp_path):
    last_data = load_report(HUAIAN).data
    last_data["jo"] = {"accounts": {"accounts": 7, "budget": 1.5, "notes": "上年的文字"}}
    last = Report(last_data, tmp_path / "last.toml")
    h = county_host(tmp_path, lambda prev: {"accounts": prev.values("jo.accounts")["accounts"],
                                            "budget": prev.values("jo.accounts")["budget"]})
    new = Report({"report": {"year": 2025, "format": "national-2021"}}, tmp_path / "new.toml")
    carried = carry_forward(h, last, new, "national-2021")
    assert new.data["jo"]["accounts"] == {"accounts": 7, "budget": 1.5}
    assert "政务新媒体账号 › 账号数：7个" in carried.values and "政务新媒体账号 › 经费：1.5万元" in carried.values
    assert carried.problems == []


@pytest.mark.parametrize(("carry", "problem"), [
    (lambda prev: 1 / 0, "ZeroDivisionError"),
    (lambda prev: ["accounts"], "应返回字典"),
    (lambda prev: {"nonsense": 1}, "未声明的字段 'nonsense'"),
    (lambda prev: {"accounts": -3}, "「账号数」无效"),
])
def test_a_broken_carry_forward_is_skipped_and_reported(tmp_path, carry, problem):
    last = Report(load_report(HUAIAN).data, tmp_path / "last.toml")
    h = county_host(tmp_path, carry)
    new = Report({"report": {"year": 2025, "format": "national-2021"}}, tmp_path / "new.toml")
    carried = carry_forward(h, last, new, "national-2021")
    assert len(carried.problems) == 1 and problem in carried.problems[0] and "jo.accounts" in carried.problems[0]
    assert "jo" not in new.data or not new.data["jo"].get("accounts")
    # the built-in sections still carried theirs
    assert new.data["nat"]["requests"]["table"]["carried_in"]["natural"] == 103


def test_the_default_carries_nothing(host):
    assert all(s.carry_forward(load_report(HUAIAN).view(host.sections)) == {} for s in host.sections_for("fujian-2018"))
    assert Section.carry_forward(object(), None) == {}


def test_the_contract_is_documented():
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert "`carry_forward(previous)`" in guide and "`report.previous`" in guide
    assert "`rules.duplicate_prose(" in guide and "`rules.year_on_year(" in guide
    import plugins.hookspecs

    assert "previous" in plugins.hookspecs.__doc__ and "carry_forward" in plugins.hookspecs.__doc__


@pytest.mark.parametrize("bad", ["a\0b", "x" * 5000, "/", "../..", 5, ["a.toml"]])
def test_odd_previous_values_are_reported_not_raised(tmp_path, host, bad):
    last, now = national_pair(tmp_path)
    data = load_report(now).data
    data["report"]["previous"] = bad
    report = Report(data, now)
    result = check_report(host, report)
    assert [(i.severity, i.field) for i in result.issues if i.section == "report" and i.rule == "V-XYEAR"] == [("warning", "previous")]
    assert view_with_previous(host, report)[0].previous.year == 2024  # the scan still finds it
