"""五、存在的主要问题及改进情况 (rule V-SEC5)."""

from __future__ import annotations

import re

from nianbao import error, rules, warning
from nianbao.fields import Text

from .common import NationalSection, repeated_prose

MIN_CHARS = 50


class Problems(NationalSection):
    id = "nat.problems"
    number = 5
    heading = "存在的主要问题及改进情况"
    template = "problems.j2"
    fields = (
        Text(key="problems", label="存在的主要问题", help="不能写“无”：评议机构把空缺视为缺项"),
        Text(key="measures", label="改进情况和措施"),
        Text(key="last_year", label="上年度问题整改情况", required=False,
             help="上一年度报告所列问题的整改情况（可写入上两项）"),
    )

    def validate(self, report):
        v = report.values(self.id)
        out = []
        for key, what in (("problems", "存在的问题"), ("measures", "改进情况")):
            text = v[key]
            if text and rules.is_blank_statement(text):
                out.append(error(self.id, key, f"{what}不能只写“无”：请如实写明", "V-SEC5"))
            out += rules.year_words(self.id, key, text, report.year)
        body = "".join(t for t in (v["problems"], v["measures"]) if t and not rules.is_blank_statement(t))
        if body and len(body) < MIN_CHARS:
            out.append(error(self.id, "problems", f"问题和改进情况合计只有{len(body)}个字，过于简略（不少于{MIN_CHARS}字）", "V-SEC5"))
        prev = f"{report.year - 1}年" if report.year else "上年"
        said = v["last_year"] or re.search(r"(上一?年度?|去年|" + re.escape(prev) + r")[^。；]{0,20}(问题|整改|改进)", body)
        if not said:
            out.append(warning(self.id, "last_year", f"没有说明上年度（{prev}）报告所列问题的整改情况", "V-SEC5"))
        out += rules.year_words(self.id, "last_year", v["last_year"], report.year)
        out += rules.measures_year(self.id, "measures", v["measures"], report.year)
        return out + repeated_prose(self, report)
