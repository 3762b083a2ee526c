"""五、政府信息公开工作存在的主要问题及改进措施."""

from __future__ import annotations

from nianbao import error, rules, warning
from nianbao.fields import Text

from .common import FujianSection, repeated_prose

MIN_CHARS = 50


class Problems(FujianSection):
    id = "fj.problems"
    number = 5
    heading = "政府信息公开工作存在的主要问题及改进措施"
    template = "problems.j2"
    fields = (
        Text(key="problems", label="存在的主要问题和困难", help="不能写“无”：评议机构把空缺视为缺项"),
        Text(key="measures", label="具体的解决办法和改进措施"),
    )

    def validate(self, report):
        v = report.values(self.id)
        out = []
        for key, what in (("problems", "存在的问题"), ("measures", "改进措施")):
            text = v[key]
            if text and rules.is_blank_statement(text):
                out.append(error(self.id, key, f"{what}不能只写“无”：请如实写明", "V-SEC5"))
            elif text and len(text) < MIN_CHARS:
                out.append(warning(self.id, key, f"{what}只有{len(text)}个字，过于简略（一般不少于{MIN_CHARS}字）", "V-SEC5"))
            out += rules.year_words(self.id, key, text, report.year)
        out += rules.measures_year(self.id, "measures", v["measures"], report.year)
        return out + repeated_prose(self, report)
