"""Prose rules on sentences of real published reports (issue 12): the arithmetic a sentence
states (V-PROSE-SUM), the catch-all share (V-OTHER-SHARE) and proofreading (V-TYPO) judged
against what each sentence says. Each text is a paragraph of part 一 of a report as published
(2021 format, counties and townships), from the address given; the stored copy normalises
punctuation to half width, restored here to the full width the pages print. Only the page
beginnings could be had, so these are no corpus reports (tests/corpus/ holds whole ones)."""

from __future__ import annotations

import pytest

from plugins.engine.prose import sentence_sums, typos
from plugins.rules import measures_year, year_words

# (unit and year, address, text as published, findings: (rule, words of the message))
REAL = [
    # the list opened by 包括 ends in 其他类信息 (so it is complete) and adds up to 97, not 99
    ('荣巷街道2025',
     'https://www.wxbh.gov.cn/doc/2026/01/20/4720696.shtml',
     '（三）拓宽公开渠道，保障公众权益。主动公开方面，荣巷街道持续推进基础信息公开工作，在网站及时公开街道人事变动、政策法规、工作动态等常规信息共计99条，包括：工作动态33条，公示公告12条，法规文件解读1条、规划计划3条、财政信息1条、重点工作3条、公益救助4条、政府采购1条、就业创业1条、人事信息2条、重大项目4条、社会管理2条、建议提案结果公开3条、三务公开6条、其他类信息21条；在微信公众号公开信息301篇；微博公开246篇。',
     [('V-PROSE-SUM', '97条，与总数99条不符')]),
    # 法定主动公开内容1条, 包括 1 + 2 条
    ('北街街道2025',
     'http://www.gsgz.gov.cn/gzzfxxgk/zfxxgknb/2025n/bmnb2025/202601/t20260123_1501783.html',
     '我街道坚持以公开促规范、优服务，主动公开政府信息涵盖政策法规、工作动态、财政预算决算、民生保障等多个领域。2025年度，通过政府门户网站累计发布工作动态信息165条，其中重点聚焦甘州乡镇街道动态102条；发布法定主动公开内容1条，包括机构概况1条，以及“三公”经费及预算/决算信息2条，切实保障公众知情权和监督权。',
     [('V-PROSE-SUM', '1＋2＝3条，与总数1条不符')]),
    ('北街街道2025 平台',
     'http://www.gsgz.gov.cn/gzzfxxgk/zfxxgknb/2025n/bmnb2025/202601/t20260123_1501783.html',
     '政府信息公开平台建设中街道政府信息公开60条，其中社会保险12条、房屋征收及住房保障12条、公共法律服务12条、其他法定信息12条、社区事务公开12条。',
     []),
    # 20+4+24 = 48 of 52, but nothing says the list is complete (no 其中, no 其他): no finding
    ('丝绸路街道2025',
     'http://www.zhoucun.gov.cn/gongkai/site_zcqscljdbsc/channel_c_5f9f6cd393955786fb9cdd90_5fb3c192c0897265dcbb9a55/doc_69786d3f69d516b4fac7a719.html',
     '丝绸路街道历来高度重视政府信息公开工作，严格落实《中华人民共和国政府信息公开条例》，积极推进政府信息公开工作，主动公开机关职能、机构设置、办公地址、办公时间、联系方式、负责人姓名，财政预算、决算信息等内容。2025年在政府网站公布各类信息共52条，镇办会议20条，财政信息4条，民生实事进展情况24条。',
     []),
    ('安镇街道2025',
     'http://www.jsxishan.gov.cn/doc/2026/01/23/4722822.shtml',
     '2025年，安镇街道将政府信息公开作为推进政府职能转变、建设法治政府的重要抓手，积极通过政务公开平台主动发布政府信息。全年累计公开信息59条，内容涵盖政务信息12条、基层政务8条、工作动态29条、通知公告3条、锡山区政府开放月活动集锦6条以及涉企行政检查公示1条。同时，“活力安镇”微信公众号保持常态化运营，全年发布信息502篇，有效拓展了政务公开渠道，增强了信息传播的广度与实效。',
     []),
    ('口岸街道2025',
     'https://www.cmc.gov.cn/zfxxgk/kajd/zfxxgknb/art/2026/art_12b87767012746fd91780dcb439120f2.html',
     '围绕街道中心工作和社会公众关注的重点，依法及时公开各类政府信息。全年通过医药高新区（高港区）政府信息公开平台主动公开信息104条，其中镇街动态21条，通知公告类6条，采购信息类75条，公开指南类1条，年度报告类1条，信息公开的全面性和时效性进一步增强。',
     []),
    ('东街街道2025',
     'https://www.gl.gov.cn/xjwz/zfxxgk/sjzptlj/xzjd/djjd/zfxxgknb/202601/t20260109_5269368.htm',
     '2025年东街街道主动公开的政府信息类别共有3类，主要类别为机构职能类信息1条，业务公文类0条，其他应当主动公开的政府信息3条。我街道始终坚持以人民为中心的发展理念，扎实推进政府信息公开各项工作，持续提升公开的质量和效果。',
     []),
    ('冲口街道2021',
     'http://williamhillcn.org/zwgkk/bmxxgkndbg/content/post_8036501.html',
     '今年以来，本单位积极通过荔湾政府网和各类新媒体平台，发布各类政务信息422条，在荔湾政府网上主动公开组织机构信息3条、财政预决算信息16条、行政执法类信息0条、政府工作报告0条、政府信息公开年度报告1条、其他文件1条、其他公告公示通知等信息54条，收到政府信息公开申请1条。',
     []),
    ('中仓街道2025',
     'https://www.bjtzh.gov.cn/tzzfxxgk/c109617fbdgnp/202601/1778607.shtml',
     '2025年度中仓街道政府信息公开工作主要涉及：综合办公室按要求主动公示了驻地迁移信息；综合办公室（财务科）按要求主动公示了中仓街道办事处2024年度部门决算和2025年度预算情况说明；综合办公室根据领导单位调整及分工调整对“领导介绍”模块进行更新两次；依申请公开3次，行政复议0次，行政诉讼0次；民生保障办公室（民政科）每月公示低保、特困户数及发放情况信息一条，每季度公示临时救助申请及发放情况信息一条。',
     []),
    ('富县2024',
     'http://www.fuxian.gov.cn/zfxxgk/zfxxgknb/xj/1882251480800149505.html',
     '主动公开各类信息2406条，其中政务动态1215条，政府信息公开类1129条，概况类信息62条，开展网上调查、民意征集3期，受理市长信箱来信7件，全部予以答复，答复率100%。全县政务新媒体共发布信息758条。',
     []),
    ('富县2024b',
     'http://www.fuxian.gov.cn/zfxxgk/zfxxgknb/xj/1882251480800149505.html',
     '2024年全县共受理依申请公开12件，予以公开及部分公开的有6件，占50%；无法提供的有6件，占50%；申请内容主要涉及财政、农业、交通、水利、自然资源等方面。',
     []),
    # 1201+251+44+45+1141 = 2682, and 征集调查16期 (counted in 期) makes 2698: adds up;
    # 其他类信息 is 42 % of it
    ('平利县2024',
     'https://www.pingli.gov.cn/Content-2793487.html',
     '主动规范公开各类政府信息，优化栏目设置，突出重点领域信息公开，方便群众查阅获取。2024年，充分利用政务公开第一平台，在县政府网站累计公开各类政府信息共计2698条，其中：工作动态1201条、通知公告251条、政策解读44条、人事信息45条、征集调查16期、其他类信息1141条。',
     [('V-OTHER-SHARE', '1141条占总数2698条的42%')]),
    ('平利县2024b',
     'https://www.pingli.gov.cn/Content-2793487.html',
     '开展行政规范性文件专项清理工作，对以县政府和县政府办公室名义发布的规范性文件进行全面梳理，继续有效20件，失效2件、废止4件，实现行政规范性文件动态化、标准化管理。',
     []),
    ('甘谷县政府办2024',
     'http://www.gangu.gov.cn/info/2381/644672.htm',
     '（一）主动公开。2024年，县政府网站累计发布各类政务信息10300条，其中发布概况类信息32条，政务动态信息3129条，信息公开目录发布4282条，解读信息发布152条，微信公众号“甘谷政务”发布信息75条，收到留言56条，已全部办理。',
     []),
    # “教育、科技、医疗、体育等民生事业11983条” is one part: the eight parts make 26365
    ('永靖县2024',
     'https://linxia.gov.cn/lxz/zwgk/zfxxgknb/2024/gxs/art/2025/art_22be474b31d140f9b43259d5fd6a4ad7.html',
     '2024年，全县主动公开政府信息26365条，其中，积石山县6.2级地震灾后重建1086条，乡村振兴4345条，项目建设2533条，生态环保2223条，优化营商环境2513条，财政预决算293条，教育、科技、医疗、体育等民生事业11983条，其他1389条。继续深化政民互动，加强群众关注热点问题主动回应，2024年共受理群众网上来访信件34件，办结34件，办结率100%。',
     []),
    ('合水县2024',
     'https://www.hsxzf.gov.cn/xxgk/xxgknb/2024n/hsxzf20231/wyll20231/content_66370',
     '2024年，全县共收到政府信息公开申请11件，其中通过政府网站申请9件、向县政府办公室邮寄纸质版申请2件，全部属自然人申请件，按时办结11件，截至2024年底，已经全部办结，结转下年度办理0件。',
     []),
    ('潼关县2024',
     'http://www.xinyangjiang.com/zfxxgk/zfxxgknb/2024n/xsp/1883337592377688065.html',
     '2024年，我县政府网站共发布各类信息5386条，其中发布概况类信息量151条；潼关要闻、政务动态信息量2650条，信息公开发布量2585条。通过政务微信共推送信息856条，全年共收到县长信箱咨询投诉类信件138件，已全部办结，群众满意度高。',
     []),
]


@pytest.mark.parametrize("unit, source, text, findings", REAL, ids=[r[0] for r in REAL])
def test_prose_rules_on_real_sentences(unit, source, text, findings):
    got = sentence_sums("nat.overview", "proactive", text) + typos("nat.overview", "proactive", text)
    assert [(i.rule, i.severity) for i in got] == [(rule, "warning") for rule, _ in findings], [i.message for i in got]
    for (_rule, words), issue in zip(findings, got):
        assert words in issue.message, issue.message


# Part 五 (problems and measures) and part 一 texts, with the report year: V-SEC5-YEAR, V-YEARWORDS,
# V-TYPO, V-PROSE-SUM. The reports of 2019–2020 and 2012 are of older formats; these rules are the same.
REAL_WITH_YEAR = [
    # 政务信息公开 (查阅场所) is a term of its own, not a slip of 政府信息公开; the measures are for 2021
    ('桂花坪街道2020', 2020,
     'http://www.tianxin.gov.cn/zwgk8/jzxxgkml/ghpjdbsc/xxgknb28/202101/t20210125_9748749.html',
     '2020年，街道政府信息公开工作在肯定成绩的同时，也清醒看到工作中存在的不足：一是群众获取政府信息的渠道有待拓宽；二是公开内容不能满足所有群众需求。\n针对以上不足，2021年桂花坪街道政府信息公开工作将始终坚持以维护群众利益为导向，利用网格化管理优势，设立群众意见建议收集站点，在群众意见与基层工作实际相结合的基础上，发挥新媒体优势作用，拓宽群众获取政府信息渠道，并增设政务信息公开查阅场所，满足群众查阅需求，以此提高群众知情权和满意度。',
     []),
    # a 2021 report announcing its measures for 2021
    ('冲口街道2021', 2021,
     'http://williamhillcn.org/zwgkk/bmxxgkndbg/content/post_8036501.html',
     '2021年，冲口街道政府信息公开工作虽然按时完成，取得了一定成效，但是仍然存在一些问题和不足，主要体现在信息公开内容不够及时，覆盖面不够广泛、有个别栏目未进行公开。2021年将从以下方面进行改进：一是开展调查研究，全面了解群众对政府信息公开工作的需求。根据群众要求，主动公开群众所想所盼内容的信息。二是拓展政府信息公开形式。继续加强政府信息集中查阅服务功能，加强互联网在政府信息公开工作中的作用。',
     [('V-SEC5-YEAR', '“2021年将”')]),
    ('冲口街道2021 总体', 2021,
     'http://williamhillcn.org/zwgkk/bmxxgkndbg/content/post_8036501.html',
     '今年以来，本单位积极通过荔湾政府网和各类新媒体平台，发布各类政务信息422条，在荔湾政府网上主动公开组织机构信息3条、财政预决算信息16条、行政执法类信息0条、政府工作报告0条、政府信息公开年度报告1条、其他文件1条、其他公告公示通知等信息54条，收到政府信息公开申请1条。',
     [('V-YEARWORDS', '“今年以来”')]),
    ('文瀛湖街道2021', 2021,
     'https://pingcheng.gov.cn/pcqrmzfz/qx1g/202202/a97d88bb9a5b4980bf5e5b4e5f85bc4c.shtml',
     '2021年我街政务公开工作虽然取得了一定成效，但与上级要求和公众需求还存在一些差距，如认识程度需要进一步提高，公开内容需进一步拓展，信息公开工作力量需进一步强化等。针对上述问题，我街将通过以下措施加以改进：\n（一）进一步加强组织体系建设。\n针对信息公开工作人员力量相对薄弱等现状，进一步明确从事信息公开工作的人员及职责，督促工作人员认真开展工作。',
     []),
    ('新华街道2012', 2012,
     'http://122.137.242.24:8080/pub/hdszfxxgk/qtdw/zqj/ndbg/201709/t20170930_332898.html',
     '一方面，工作机制方面还要进一步完善；另一方面，我街道信息公开面对社会宣传力度不够。2013年我们将针对存在的问题，加大信息公开力度，利用多种媒体和宣传渠道发布公开信息，提高村民对我街道有关信息的知晓率，加强政府信息公开工作人员的业务培训，提高工作能力和业务水平，推进我街道信息公开工作进一步高效化、规范化，争取为群众、企业提供更加便捷的服务。',
     []),
    # the unit's name is not in the stored page; the measures are for 2020
    ('龙泉街道2019', 2019,
     'http://www.021jzzz.com/gongkai/site_lzqqljdbsc/channel_c_5f9f6cdc1ebfe2f7fcddefc6_n_16056817356147/doc_5fb409270eded8c7740daf04.html',
     '2019年，我街道政府信息公开工作虽然取得了一定的成果，但仍然存在一些问题和不足，主要表现在以下三方面：一是政府信息公开的及时性有待进一步提升，部分村居社区的活动信息调度不及时导致发布滞后，同时从事政府信息公开工作的人员非专职人员，还承担其它工作任务，工作力量不足。二是对新条例学习的深度、广度不够。修订后的《中华人民共和国政府信息公开条例》已于2019年5月15日起实施，但是工作人员对新条例的学习掌握还不够，对新修改的内容特别是相关公开期限、程序等问题学习还不够深入。三是政府信息公开的全面性有待进一步提升，目前公布的信息主要集中在街道，对村居社区开展的各项活动宣传较少。\n在 2020年的政府信息公开工作中，我街道将从以下三方面进行改进：一是深入村居社区一线，及时调度各村居社区信息，做好活动信息的发布宣传工作，提高工作人员的水平和能力，提高网络安全管理水平，进一步深化政府信息公开；二是通过集中学习和自学的方式对加强对新条例的学习，增强学习的自觉性，确保政府信息公开的时效性、准确性。',
     []),
]


@pytest.mark.parametrize("unit, year, source, text, findings", REAL_WITH_YEAR, ids=[r[0] for r in REAL_WITH_YEAR])
def test_year_and_proofreading_rules_on_real_paragraphs(unit, year, source, text, findings):
    got = (measures_year("nat.problems", "measures", text, year) + year_words("nat.problems", "measures", text, year)
           + typos("nat.problems", "measures", text) + sentence_sums("nat.problems", "measures", text))
    assert [i.rule for i in got] == [rule for rule, _ in findings], [i.message for i in got]
    for (_rule, words), issue in zip(findings, got):
        assert words in issue.message, issue.message


# -- N3-8 on real sentences ------------------------------------------------------------------
# What nianbao reads as figures about 政府信息公开申请 in real sentences, and what it leaves
# alone (网上来访信件 are no applications; a figure in another unit is no count of them).
REAL_APPLICATION_FIGURES = [
    ("富县2024", "http://www.fuxian.gov.cn/zfxxgk/zfxxgknb/xj/1882251480800149505.html",
     "2024年全县共受理依申请公开12件，予以公开及部分公开的有6件，占50%；无法提供的有6件，占50%；"
     "申请内容主要涉及财政、农业、交通、水利、自然资源等方面。",
     [("received", 12), ("granted_partial", 6), ("unable", 6)]),
    ("合水县2024", "https://www.hsxzf.gov.cn/xxgk/xxgknb/2024n/hsxzf20231/wyll20231/content_66370",
     "2024年，全县共收到政府信息公开申请11件，其中通过政府网站申请9件、向县政府办公室邮寄纸质版申请2件，"
     "全部属自然人申请件，按时办结11件，截至2024年底，已经全部办结，结转下年度办理0件。",
     [("received", 11), ("processed", 11), ("carried_out", 0)]),  # the channels (9, 2) are not counts of table 三
    ("迎宾路街道2021", "http://www.syyh.gov.cn/zwgk/zfxxgknb/2021/jdbsczfxxgkgzndbg/202206/t20220615_3268918.html",
     "受理公民、法人和其他组织向市政府及市政府办公室提出的政府信息公开申请5件，均在法定时限内予以答复。"
     "信息公开类行政复议1起，正在办理中。", [("received", 5)]),
    # the 2019 report of 上海市人民政府办公厅 (tests/fixtures/import/shanghai-office-2019.html)
    ("上海市政府办公厅2019", "https://www.shanghai.gov.cn (tests/fixtures/import/shanghai-office-2019.html)",
     "市政府办公厅代表市政府共受理政府信息公开申请859件，申请数量较去年回落12.3%；答复政府信息公开申请805件"
     "（含上年度结转申请18件，另有72件申请按照《条例》顺延到下年度答复），均在法定期限内予以答复。"
     "予以公开及部分公开258件，占33.9%；不予公开35件，占4.34%；因本机关不掌握等原因无法提供265件，占32.9%；"
     "不予处理158件，占19.6%；其他处理0件。",
     [("received", 859), ("carried_in", 18), ("processed", 805), ("carried_out", 72), ("granted_partial", 258),
      ("denied", 35), ("unable", 265), ("rejected", 158)]),
    ("宗关街道2025", "https://www.qiaokou.gov.cn/xxgk/zfxxgknb/bmjdhz/qzfpcjg/zgj/202601/t20260123_2716705.shtml",
     "2025年，街道新收到依申请公开政府信息0件，上年结转申请0件。", [("received", 0), ("carried_in", 0)]),
    ("永靖县2024", "https://linxia.gov.cn/lxz/zwgk/zfxxgknb/2024/gxs/art/2025/art_22be474b31d140f9b43259d5fd6a4ad7.html",
     "继续深化政民互动，加强群众关注热点问题主动回应，2024年共受理群众网上来访信件34件，办结34件，办结率100%。", []),
    ("中仓街道2025", "https://www.bjtzh.gov.cn/tzzfxxgk/c109617fbdgnp/202601/1778607.shtml",
     "综合办公室根据领导单位调整及分工调整对“领导介绍”模块进行更新两次；依申请公开3次，行政复议0次，行政诉讼0次；", []),
]


@pytest.mark.parametrize("unit, source, text, figures", REAL_APPLICATION_FIGURES,
                         ids=[r[0] for r in REAL_APPLICATION_FIGURES])
def test_figures_about_applications_in_real_sentences(unit, source, text, figures):
    from sections.national2021.requests import quoted_figures
    assert quoted_figures(text) == figures


def test_n3_8_a_real_department_quotes_2_applications_where_its_table_has_3():
    # A 长春 city department, 2023 (http://js.changchun.gov.cn/zcbm/styjrswj/ndbg/202401/t20240115_3271106.html):
    # part 一 says it received 2 applications; its table 三 prints 本年新收 3 (自然人 3), 上年结转 0.
    from plugins.engine.checks import check_report
    from plugins.host.manager import PluginHost
    from plugins.engine.config import Config
    from test_national2021 import edited

    text = ("我局高度重视依申请公开事项的答复，严格依法依规做好政府信息依申请公开答复，由专人负责协调有关处室研究"
            "答复意见，并按照规定程序，在规定时限内答复申请人。本年度，共受理政府信息公开申请2件，都在法定期限内予以答复。")
    cols = ("natural", "commercial", "research", "public_welfare", "legal_service", "other_org")
    report = edited({"nat.overview.requests": text,
                     "nat.requests.table.new": dict.fromkeys(cols, 0) | {"natural": 3},
                     "nat.requests.table.carried_in": dict.fromkeys(cols, 0)})
    issues = [i for i in check_report(PluginHost(Config(), entry_points=False), report).issues
              if i.rule == "N3-8" and i.field == "requests"]
    assert [(i.severity, i.section) for i in issues] == [("error", "nat.overview")]
    assert "2件" in issues[0].message and "3件" in issues[0].message


# “None received” said in real words (N3-8 without a figure): each is read as a statement that
# no 政府信息公开申请 came in, so a table 三 with new applications contradicts it; “未收到行政许可
# 申请” is about another kind of application and is left alone.
REAL_NONE_RECEIVED = [
    ("湛江市地方志办公室2023", "https://www.zhanjiang.gov.cn/zjsfw/bmdh/dfz/zwgk/xxgkndbg/content/post_1871569.html",
     "2023年，我办全年未收到行政许可申请；全年未接到信息公开申请；各栏目共刊发文稿、通知、公告、公示等44篇。", True),
    ("建章路街道2025", "http://www.xixianxinqu.gov.cn:9311/zwgk/fdzdgknr/zzjg/jzjg/jzljdbsc/xxgknb/2015678676080836610.html",
     "2025年度，建章路街道办事处未接收到政府信息公开申请。", True),
    ("驼峰路街道2020", "http://www.yuyang.gov.cn/zwgk/zfxxgknb/jdbsc/elnnb/1355046492463177730.html",
     "2020年度我街办未接到提出公开政府信息的申请。", True),
    ("经纬街道2022", "http://hrbdl.gov.cn/hebdlq/c111239/202301/c01_868731.shtml",
     "2022年经纬街道办事处未接收到依申请公开，尚未发现应主动公开政府信息而未予公开的情况。", True),
    ("湛江市工业和信息化局2022", "https://www.zhanjiang.gov.cn/zjsfw/bmdh/gyxxhj/zwgk/xxgknb/content/post_1720152.html",
     "2022年，我局未收到申请公开政府信息事项，没有出现就政府信息公开提出复议、诉讼和申诉的情况。", True),
    ("湛江市地方志办公室2023 许可", "https://www.zhanjiang.gov.cn/zjsfw/bmdh/dfz/zwgk/xxgkndbg/content/post_1871569.html",
     "2023年，我办全年未收到行政许可申请。", False),
]


@pytest.mark.parametrize("unit, source, text, says_none", REAL_NONE_RECEIVED, ids=[r[0] for r in REAL_NONE_RECEIVED])
def test_none_received_in_real_words_against_a_table_with_applications(unit, source, text, says_none):
    from plugins.engine.checks import check_report
    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost
    from test_national2021 import edited

    report = edited({"nat.overview.requests": text})  # the 淮安 table 三: 3119 new applications
    issues = [i for i in check_report(PluginHost(Config(), entry_points=False), report).issues
              if i.rule == "N3-8" and i.field == "requests"]
    assert len(issues) == (1 if says_none else 0), [i.message for i in issues]
    if says_none:
        assert "本年新收申请3119件" in issues[0].message


def test_applications_received_with_the_verb_jieshou():
    from sections.national2021.requests import quoted_figures
    # 建章路街道 2022 (http://tpsnm.com/xwzx/ztzl/zfxxgknb/2022/gzj/jzljd/63d4e79cf8fd1c4c213af4a8.html, a copy)
    assert quoted_figures("2022年，建章路街道共接收政府信息公开申请0件，全年没有发生因政府信息公开申请行政复议和"
                          "提起行政诉讼的情况。") == [("received", 0)]


# 行政复议 / 行政诉讼 in real words (N4-4 “none happened”, N4-3 a count in 起): read against the
# 淮安 table 四 (351 行政复议, 46 行政诉讼), so each statement or figure is a contradiction there.
REAL_APPEALS = [
    ("甘谷县人民政府办公室2024", "http://www.gangu.gov.cn/info/2381/644672.htm",
     "2024年，我办共收到公开政府信息申请1件，已全部答复，办结率100%。未出现因答复不当引起的行政复议、行政诉讼等情况。",
     [("N4-4", "行政复议有351件"), ("N4-4", "行政诉讼有46件")]),
    ("湛江市工业和信息化局2022", "https://www.zhanjiang.gov.cn/zjsfw/bmdh/gyxxhj/zwgk/xxgknb/content/post_1720152.html",
     "2022年，我局未收到申请公开政府信息事项，没有出现就政府信息公开提出复议、诉讼和申诉的情况。",
     [("N4-4", "行政复议有351件"), ("N4-4", "行政诉讼有46件")]),
    ("迎宾路街道2021", "http://www.syyh.gov.cn/zwgk/zfxxgknb/2021/jdbsczfxxgkgzndbg/202206/t20220615_3268918.html",
     "信息公开类行政复议1起，正在办理中。", [("N4-3", "行政复议1件，与第四部分表中351件不符")]),
    ("东街街道2025", "https://www.gl.gov.cn/xjwz/zfxxgk/sjzptlj/xzjd/djjd/zfxxgknb/202601/t20260109_5269368.htm",
     "2025年东街街道共收到政府信息公开申请2件。全年未发生因政府信息公开被申请行政复议、提起行政诉讼或接受行政申诉、举报等情况。",
     [("N4-4", "行政复议有351件"), ("N4-4", "行政诉讼有46件")]),
    # 上海市科委 2024 (the corpus): “未被复议审查机关纠错” speaks of the review body, no statement of none
    ("上海市科委2024", "https://stcsm.sh.gov.cn (tests/corpus/shanghai-kewei-2024.toml)",
     "该行政复议件未被复议审查机关纠错。", []),
]


@pytest.mark.parametrize("unit, source, text, findings", REAL_APPEALS, ids=[r[0] for r in REAL_APPEALS])
def test_appeals_in_real_words_against_the_huaian_table(unit, source, text, findings):
    from plugins.engine.checks import check_report
    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost
    from test_national2021 import edited

    report = edited({"nat.overview.requests": text})
    got = [i for i in check_report(PluginHost(Config(), entry_points=False), report).issues
           if i.rule in ("N4-3", "N4-4") and i.field == "requests"]
    assert [i.rule for i in got] == [rule for rule, _ in findings], [i.message for i in got]
    for (_rule, words), issue in zip(findings, got):
        assert words in issue.message, issue.message
