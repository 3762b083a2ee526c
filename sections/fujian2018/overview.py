"""一、概述: the year's work in prose, as a lead paragraph and numbered points."""

from __future__ import annotations

from nianbao import rules
from nianbao.fields import Line, Records, Text, field_path

from .common import FujianSection, repeated_prose


class Overview(FujianSection):
    id = "fj.overview"
    number = 1
    heading = "概述"
    template = "overview.j2"
    fields = (
        Text(key="intro", label="总述", help="一段总体概述：贯彻《条例》和上级要点的情况"),
        Records(
            key="items",
            label="工作要点",
            help="每条一个小标题和正文，印为（一）（二）……",
            columns=(Line(key="title", label="小标题", max_length=30), Text(key="body", label="正文")),
            min_rows=1,
        ),
    )

    def validate(self, report):
        v = report.values(self.id)
        out = rules.year_words(self.id, "intro", v["intro"], report.year)
        for i, item in enumerate(v["items"]):
            out += rules.year_words(self.id, field_path("items", i, "body"), item.get("body"), report.year)
        return out + repeated_prose(self, report)
