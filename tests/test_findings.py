"""Rules judged against what real reports say (issue 12): no false alarm on a correct
report, no missed contradiction. Each test writes the kind of sentence real reports write
(made-up wording of the same kind) into the real 淮安 2024 report or the 建瓯 2018 seed."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.exporters import to_text
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.report import Report
from plugins.engine.store import load_report
from test_national2021 import EXAMPLE, edited
from test_fujian2018 import clean_report


@pytest.fixture(scope="module")
def host():
    return PluginHost(Config(), entry_points=False)


def national(changes: dict) -> Report:
    return edited(changes)


def fujian(changes: dict) -> Report:
    data = clean_report()
    for path, value in changes.items():
        *parts, last = path.split(".")
        node = data
        for p in parts:
            node = node.setdefault(p, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return Report(data)


def found(host, report, rule):
    return [i for i in check_report(host, report).issues if i.rule == rule]


# -- false alarms ----------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "本年度未产生任何收费。",
    "没有收取费用。",
    "不存在收费情形。",
    "2024年本机关未收取信息处理费。",
    "全年收取信息处理费0元。",
    "依申请公开的政府信息均免费提供。",
    "本年度发出收费通知0件，实际收取0元。",
    "信息处理费为零。",
])
def test_any_clear_no_fee_statement_is_accepted(host, text):
    report = national({"nat.other.fee": text, "nat.requests.table.other_no_fee": {}})
    report.data["nat"]["requests"]["table"]["other_no_fee"] = {k: 0 for k in (
        "natural", "commercial", "research", "public_welfare", "legal_service", "other_org")}
    assert found(host, report, "V-SEC6-FEE") == []


@pytest.mark.parametrize("text", ["无。", "本年度政务公开工作扎实推进。"])
def test_a_missing_fee_statement_is_asked_for(host, text):
    bad = found(host, national({"nat.other.fee": text}), "V-SEC6-FEE")
    assert [(i.severity, i.field) for i in bad] == [("error", "fee")]
    assert "是否收取信息处理费" in bad[0].message


def test_a_fee_statement_that_contradicts_table_3_6(host):
    # 淮安's table 三（六）2 has 6 applications dropped for not paying a fee notice
    bad = found(host, national({"nat.other.fee": "本年度未发出收费通知，未收取信息处理费。"}), "V-SEC6-FEE")
    assert len(bad) == 1 and "未发出收费通知" in bad[0].message and "6件" in bad[0].message


@pytest.mark.parametrize("text", [
    "全年收到网上留言120件，已全部办结。",
    "受理12345热线诉求3000件，按时办结率100%。",
    "接受群众咨询260件。",
    "受理信访件30件。",
    "依申请办理的其他事项受理56件。",
])
def test_figures_about_other_things_are_not_compared_with_table_3(host, text):
    assert found(host, national({"nat.overview.requests": text}), "N3-8") == []


def test_figures_about_applications_are_still_compared(host):
    bad = found(host, national({"nat.overview.requests": "全年受理依申请公开事项3000件，网上留言120件。"}), "N3-8")
    assert len(bad) == 1 and "3000件" in bad[0].message


def test_a_website_without_http_is_accepted_and_printed_as_written(host):
    report = load_report(EXAMPLE)
    report.meta.update(website_name="淮安市人民政府网站", website_url="www.huaian.gov.cn")
    issues = [i for i in check_report(host, report).issues if i.field in ("website_url", "website_name")]
    assert issues == []
    assert "www.huaian.gov.cn" in to_text(Renderer(host).render(report))


def test_no_exporter_drops_a_value_a_rule_refuses(host):
    """A value a rule refuses is reported, and still printed as typed."""
    data = clean_report()
    data["report"]["email"] = "xxgk＠jianou.gov.cn"  # full-width ＠: V-FIELD
    data["report"]["website_url"] = "见网站"  # not an address: V-FIELD
    data["fj"]["overview"]["items"][0]["title"] = "一" * 40  # longer than 30 characters
    report = Report(data)
    fields = {(i.field, i.rule) for i in check_report(host, report).issues}
    assert {("email", "V-FIELD"), ("website_url", "V-FIELD")} <= fields
    assert ("items[0].title", "V-FIELD") in fields
    text = to_text(Renderer(host).render(report))
    assert "xxgk＠jianou.gov.cn" in text and "见网站" in text and "一" * 40 in text
    # the other records are not lost with the one that is too long
    assert data["fj"]["overview"]["items"][1]["title"] in text


@pytest.mark.parametrize("key", ["website_name", "website_url", "contact_office", "phone", "address", "email"])
def test_front_matter_not_demanded_by_the_2021_template_is_a_warning(host, key):
    report = load_report(EXAMPLE)
    report.meta.update(website_name="淮安市人民政府网站", website_url="www.huaian.gov.cn", contact_office="市政府办公室",
                       phone="0517-83603116", address="淮安市", email="xxgk@huaian.gov.cn", signed=dt.date(2025, 1, 20))
    del report.meta[key]
    meta = [(i.severity, i.rule, i.field) for i in check_report(host, report).issues if i.section == "report"]
    assert meta == [("warning", "V-EXPECTED", key)]


# -- misses ---------------------------------------------------------------------------------
def _appeals_unmentioned(host, report):
    return [(i.severity, i.field) for i in found(host, report, "N4-3") if i.severity == "warning"]


def test_n4_3_a_count_of_table_4_the_text_never_mentions(host):
    # 淮安 mentions both kinds of case in 总体情况; without that paragraph, nothing does
    assert _appeals_unmentioned(host, national({})) == []
    report = national({"nat.overview.requests": "全市共受理政府信息公开申请3119件。"})
    assert _appeals_unmentioned(host, report) == [("warning", "cases.review.total"), ("warning", "cases.suit_direct.total")]
    report = national({"nat.overview.requests": "全市共受理政府信息公开申请3119件。", "nat.appeals.note": "行政复议、行政诉讼情况见下表。"})
    assert _appeals_unmentioned(host, report) == []
    # every suit brought after a review (洪泽 2024): the warning stands on that row
    report = national({"nat.overview.requests": "全市共受理政府信息公开申请3119件。"})
    cases = report.data["nat"]["appeals"]["cases"]
    for col, n in cases["suit_direct"].items():
        cases["suit_after_review"][col] = cases["suit_after_review"].get(col, 0) + n
        cases["suit_direct"][col] = 0
    assert _appeals_unmentioned(host, report) == [("warning", "cases.review.total"),
                                                  ("warning", "cases.suit_after_review.total")]


@pytest.mark.parametrize("text, bad", [
    ("全年未收到政府信息公开申请。", "本年新收申请3119件"),
    ("全年收到申请3119件，所有申请均已按要求办理完成。", "结转下年度继续办理"),
    ("全年收到申请3119件，均在法定期限内答复。", None),  # about time, not about all being done
])
def test_n3_8_statements_without_a_figure(host, text, bad):
    msgs = [i.message for i in found(host, national({"nat.overview.requests": text}), "N3-8")]
    assert (msgs == []) if bad is None else (len(msgs) == 1 and bad in msgs[0]), msgs


@pytest.mark.parametrize("text, ok", [
    ("全年同意公开答复1362件，部分公开答复454件，不予公开答复178件。", True),  # result counts, not 办结
    ("予以公开及部分公开1816件。", True),  # 1362 + 454
    ("予以公开及部分公开1815件。", False),
    ("另有103件转下一年度办理答复。", True),
])
def test_n3_8_result_words_before_the_answers(host, text, ok):
    bad = found(host, national({"nat.overview.requests": "全年收到政府信息公开申请3119件。" + text}), "N3-8")
    assert (not bad) == ok, [i.message for i in bad]


def test_or8_reads_the_prose_of_part_3(host):
    # the clean report: 当面1 网上2 信函传真0 (3 applications), all answered
    report = fujian({"fj.requests.note": "本年度共受理申请3件，其中当面申请1件，网上申请2件，信函申请2件。"})
    bad = found(host, report, "OR8")
    assert len(bad) == 1 and "信函申请2件" in bad[0].message and "0件" in bad[0].message
    report = fujian({"fj.requests.note": "本年度未收到政府信息公开申请。"})
    assert [i.field for i in found(host, report, "OR8")] == ["note"]


@pytest.mark.parametrize("note, silenced", [
    ("", False),
    ("本年度政务公开工作扎实推进。", False),  # text, but no explanation
    ("另有1件正在办理，将于下一年度答复。", True),
    ("1件申请结转至2019年办理。", True),
])
def test_or4_only_an_explanation_silences_it(host, note, silenced):
    data = clean_report()
    data["fj"]["requests"]["received"]["letter_fax"]["year"] = 1  # 4 applications, 3 answers
    data["fj"]["requests"]["received"]["letter_fax"]["cumulative"] = 4
    data["fj"]["requests"]["note"] = note
    assert (found(host, Report(data), "OR4") == []) == silenced


# -- arithmetic inside prose: V-PROSE-SUM, V-OTHER-SHARE -------------------------------------------
@pytest.mark.parametrize("text, messages", [
    ("网站全年发布信息2139条，其中动态类1744条，政务信息393条，解读类21条，回应关切2条。",
     ["1744＋393＋21＋2＝2160条，与总数2139条不符"]),
    ("网站全年发布信息2160条，其中动态类1744条，政务信息393条，解读类21条，回应关切2条。", []),
    ("全年发布信息1000条，其中政策文件200条，规划计划100条。", []),  # a list need not be complete
    ("全年发布信息1000条，其中政策文件200条，其他信息700条。", ["200＋700＝900条"]),  # … unless it ends in 其他
    ("受理申请34件，其中自然人30件，法人4件，办结33件。", []),  # 办结 starts another statement
    ("全年发布信息1000条，其中政策文件200条（占20%），规划计划105条（占10.5%）。", []),
    ("全年发布信息1000条，其中政策文件200条（占20%），规划计划100条（占10.5%）。", ["100条占10.5%，但100÷1000＝10.0%"]),
    ("全年发布信息1000条，其中政策文件150条，其他类信息500条，规划350条。", ["“其他类信息”500条占总数1000条的50%"]),
])
def test_arithmetic_inside_prose(host, text, messages):
    report = national({"nat.overview.platform": text})
    got = [i.message for i in check_report(host, report).issues if i.rule in ("V-PROSE-SUM", "V-OTHER-SHARE")]
    assert len(got) == len(messages) and all(m in g for m, g in zip(messages, got)), got
    assert all(i.severity == "warning" and i.field == "platform"
               for i in check_report(host, report).issues if i.rule in ("V-PROSE-SUM", "V-OTHER-SHARE"))


def test_arithmetic_inside_prose_of_the_old_format(host):
    report = fujian({"fj.overview.intro": "全年主动公开信息100条，其中政策文件60条，人事信息50条。"})
    assert ["60＋50＝110条" in i.message for i in found(host, report, "V-PROSE-SUM")] == [True]


def test_a_catch_all_category_over_40_percent(host):
    data = clean_report()
    cats = data["fj"]["proactive"]["categories"]
    total = sum(c["count"] for c in cats)
    data["fj"]["proactive"]["categories"] = [{"name": "政策法规类", "count": total - total * 6 // 10},
                                             {"name": "其他类", "count": total * 6 // 10}]
    bad = found(host, Report(data), "V-OTHER-SHARE")
    assert [(i.severity, i.field) for i in bad] == [("warning", "categories[1].count")] and "其他类" in bad[0].message


# -- none said, measures, signature -----------------------------------------------------------
def test_measures_announced_for_the_report_year(host):
    bad = found(host, national({"nat.problems.measures": "2024年，我们将进一步加强政策解读，提升回应质量，完善制度。"}), "V-SEC5-YEAR")
    assert [(i.severity, i.field) for i in bad] == [("warning", "measures")] and "2025年" in bad[0].message
    assert found(host, national({"nat.problems.measures": "2025年，我们将进一步加强政策解读，针对2024年存在的问题逐项整改。"}),
                 "V-SEC5-YEAR") == []
    assert found(host, fujian({"fj.problems.measures": "2018年将进一步完善制度，加强培训，提升公开质量和水平，确保工作落实到位。"}),
                 "V-SEC5-YEAR") != []


def test_a_signature_that_differs_from_the_unit(host):
    report = load_report(EXAMPLE)
    report.meta["signature"] = "淮安市人民政府办公室"
    bad = found(host, report, "V-META")
    assert [(i.severity, i.field) for i in bad] == [("warning", "signature")]
    assert "淮安市人民政府办公室" in to_text(Renderer(host).render(report))  # printed as written
    report.meta["signature"] = report.meta["unit"]
    assert found(host, report, "V-META") == []


# -- V-TYPO ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text, says", [
    ("依据《条例》（2019年修订》开展工作。", ["多了一个“》”", "“（”没有对应的“）”"]),
    ("认真贯彻《条例》要求。。", ["标点重复“。。”"]),
    ("认真贯彻《《条例》要求。", ["“《”没有对应的“》”", "标点重复“《《”"]),
    ("公开信息,包括政策文件;规划计划:等(见附件)。", ["半角“,”", "半角“;”", "半角“:”", "半角“(”", "半角“)”"]),
    ("联系邮箱xxgk＠jianou.gov.cn，网址ｗｗｗ.jianou.gov.cn。", ["“＠”", "“ｗ”"]),
    ("本年度 政务公开工作稳步推进。", ["汉字之间有多余的空格"]),
    # a page whose every sentence has a half-width comma (建瓯 2018 as published): one finding
    # a mark, with the count and the first place, not one a character
    ("2018年,坚持公开,以公开促落实,以公开促规范,以公开促服务。全年 开展 培训3次。",
     ["半角“,”，应为全角“，”：共4处，第一处在第6字", "汉字之间有多余的空格：共2处，第一处在"]),
    # 上海市科委 2024 as published; 紧紧围绕, 办事事项 and 一项一项 are no slips
    ("公开2023年上海市科技计划资金资金分配结果信息。", ["词语重复“资金资金”"]),
    ("紧紧围绕保障民生，精准对接办事事项入口，一项一项抓落实。" + "长" * 40, []),
    ("资金资金资金资金到位。", ["词语重复“资金资金”"]),  # said once
    ("做好依申清公开和行政复义工作。", ["“依申清公开”是不是“依申请公开”", "“行政复义”是不是“行政复议”"]),
    ("1）加强领导；2）完善制度。访问http://www.a.gov.cn/x(1).html，时间9:00至17:00，规划（2024－2027年）。", []),
])
def test_typos(host, text, says):
    report = national({"nat.overview.management": text})
    got = [i for i in check_report(host, report).issues if i.rule == "V-TYPO"]
    assert len(got) == len(says), [i.message for i in got]
    for want, issue in zip(says, got):
        assert want in issue.message and "第" in issue.message and issue.severity == "warning", issue.message
        assert issue.field == "management"


def test_typos_in_the_front_matter(host):
    report = load_report(EXAMPLE)
    report.meta.update(phone="０５１７-83603116", email="xxgk＠huaian.gov.cn")
    issues = check_report(host, report).issues
    assert {(i.field, i.rule) for i in issues if i.field in ("phone", "email")} == {
        ("phone", "V-TYPO"), ("email", "V-TYPO"), ("email", "V-FIELD")}


def test_n4_4_no_correction_is_not_no_case(host):
    # 淮安 table 四: 行政复议 结果纠正 64, 行政诉讼 结果纠正 5 (+2)
    no_correction = "全年未发生因政府信息公开被行政复议纠错或行政诉讼败诉的情形。"
    bad = found(host, national({"nat.appeals.note": no_correction}), "N4-4")
    assert len(bad) == 2 and "结果纠正" in bad[0].message  # 淮安 had corrections: still a contradiction
    report = national({"nat.appeals.note": no_correction})
    cases = report.data["nat"]["appeals"]["cases"]
    for row in cases.values():
        row["other"] = row.get("other", 0) + row.get("corrected", 0)
        row["corrected"] = 0
    assert found(host, report, "N4-4") == []  # cases, none corrected: true


def test_typos_of_a_long_text_follow_the_paragraph_typed_into():
    """Each paragraph's findings are kept by its text (a 1 MB field is read again only where
    it was typed into): a finding's place moves with what is typed before it, brackets pair
    across paragraphs, a word doubled or a term slipped in two paragraphs is said once."""
    import re

    from plugins.engine.prose import typos

    def said(text):
        return [(re.sub(r"：?第\d+字.*", "", i.message), int(re.search(r"第(\d+)字", i.message).group(1)))
                for i in typos("s", "f", text)]

    paragraphs = ["依据《条例", "》开展工作，资金资金到位。", "做好依申清公开工作。", "资金资金到位，依申清公开。。"]
    before = said("\n".join(paragraphs))
    assert [what for what, _ in before] == ["标点重复“。。”", "词语重复“资金资金”", "“依申清公开”是不是“依申请公开”？"]
    assert before[1][1] == len("依据《条例\n》开展工作，") + 1  # the first of the two, once
    paragraphs[0] = "本机关" + paragraphs[0]  # typed into the first paragraph: the others are kept
    after = said("\n".join(paragraphs))
    assert [what for what, _ in after] == [what for what, _ in before]
    assert [place for _, place in after] == [place + 3 for _, place in before]
    paragraphs[1] = paragraphs[1].replace("》", "")  # the bracket opened in the first is now unmatched
    assert said("\n".join(paragraphs))[0] == ("“《”没有对应的“》”", 6)
