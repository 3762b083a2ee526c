"""一、总体情况: a lead paragraph and the five aspects of 30号 (domain §2.2), each a run-in
sub-heading （一）…（五） whose wording may be changed."""

from __future__ import annotations

from nianbao import rules, warning
from nianbao.fields import Field, Line, Text

from .appeals import prose_issues as appeals_prose
from .common import NationalSection, repeated_prose
from .proactive import prose_issues as proactive_prose
from .requests import prose_issues as requests_prose

# (key, default sub-heading, what it covers, words that show the aspect is covered)
ASPECTS = (
    ("proactive", "主动公开情况", "主动公开", ("公开",)),
    ("requests", "依申请公开情况", "依申请公开", ("申请",)),
    ("management", "政府信息管理情况", "政府信息管理", ("管理", "审查", "目录")),
    ("platform", "政府信息公开平台建设情况", "政府信息公开平台建设", ("平台", "网站", "新媒体", "公报", "栏目")),
    ("supervision", "监督保障情况", "监督保障", ("监督", "考核", "培训", "评议", "检查")),
)

# 《条例》第五十条第（四）项: a 人民政府's report covers these three results.
GOVERNMENT_WORDS = ("工作考核", "社会评议", "责任追究")


def _fields():
    out: list[Field] = [Text(key="intro", label="总述", required=False, help="贯彻落实《条例》情况的综述")]
    for key, title, label, _ in ASPECTS:
        out.append(Line(key=f"{key}_title", label=f"“{label}”小标题", required=False, max_length=30,
                        help=f"默认“{title}”"))
        out.append(Text(key=key, label=label, required=False, help=f"印为（{'一二三四五'[len(out) // 2 - 1]}）{title}。"))
    return tuple(out)


class Overview(NationalSection):
    id = "nat.overview"
    number = 1
    heading = "总体情况"
    template = "overview.j2"
    fields = _fields()

    def validate(self, report):
        v = report.values(self.id)
        out = []
        for key, title, label, words in ASPECTS:
            text = v[key]
            if not text:
                out.append(warning(self.id, key, f"总体情况缺少“{label}”方面的内容（30号文要求综述五个方面）", "V-SEC1"))
            elif not any(w in text for w in words):
                out.append(warning(self.id, key, f"“{v[key + '_title'] or title}”的内容没有提到{'、'.join(words)}", "V-SEC1"))
        if report.meta.get("unit_level") == "government":
            text = "\n".join(t for t in (v["intro"], v["supervision"]) if t)
            missing = [w for w in GOVERNMENT_WORDS if w not in text]
            if missing:
                out.append(warning(self.id, "supervision",
                                   f"人民政府的报告应在监督保障中写明{'、'.join(GOVERNMENT_WORDS)}结果情况（缺{'、'.join(missing)}）", "V-SEC1"))
        for key in ("intro", *(a[0] for a in ASPECTS)):
            out += requests_prose(report, self.id, key, v[key])
            out += appeals_prose(report, self.id, key, v[key])
            out += proactive_prose(report, self.id, key, v[key])
            out += rules.year_words(self.id, key, v[key], report.year)
        return out + repeated_prose(self, report)

    def context(self, report):
        v = report.values(self.id)
        return {"aspects": [{"title": v[key + "_title"] or title, "text": v[key]} for key, title, _, _ in ASPECTS]}
