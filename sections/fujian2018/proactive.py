"""二、主动公开政府信息情况: quantity, categories (with percentages), channels,
policy interpretation, responses to public concerns."""

from __future__ import annotations

from plugins import error, rules, warning
from plugins.render import percent
from plugins.fields import Computed, Grid, GridRow, Integer, Line, Records, Text, field_path

from .common import YEAR_COLUMNS, FujianSection, cumulative_issues

COUNTS = Grid(
    key="counts",
    label="主动公开数量",
    unit="条",
    help="不同渠道公开的同一条信息只计1条",
    rows=(
        GridRow("total", "主动公开政府信息数"),
        GridRow("website", "其中：政府网站公开数", indent=1),
        GridRow("gazette", "其中：政府公报公开数", indent=1),
    ),
    columns=YEAR_COLUMNS,
    cell=Integer(key="cell", label="条数", unit="条"),
)


def category_sum(report):
    cats = report.values("fj.proactive")["categories"]
    counts = [c.get("count") for c in cats]
    return sum(c for c in counts if c is not None) if cats else None


class Proactive(FujianSection):
    id = "fj.proactive"
    number = 2
    heading = "主动公开政府信息情况"
    template = "proactive.j2"
    fields = (
        COUNTS,
        Line(key="scope", label="公开主体", required=False, help="用于句子“{年}年，全市43个单位主动公开……”，如 全市43个单位"),
        Records(
            key="categories",
            label="主要类别",
            help="各类别条数之和应等于本年度主动公开总数",
            columns=(Line(key="name", label="类别"), Integer(key="count", label="条数", unit="条")),
            min_rows=1,
        ),
        Computed(key="category_sum", label="各类别合计", unit="条", compute=category_sum),
        Integer(key="percent_places", label="占比保留小数位", required=False, minimum=0,
                help="全文统一的百分比精度，默认2位"),
        Text(key="channels_intro", label="公开形式概述", required=False),
        Records(
            key="channels",
            label="公开形式",
            help="每种渠道一条：名称和情况，印为 1. 2. ……",
            columns=(Line(key="title", label="渠道", max_length=30), Text(key="body", label="情况")),
        ),
        Text(key="interpretation", label="开展政策解读工作情况"),
        Text(key="responses", label="回应社会关切情况"),
    )

    def validate(self, report):
        v = report.values(self.id)
        counts = COUNTS.full(v["counts"])
        out = cumulative_issues(self.id, COUNTS, v["counts"], "条")
        for col, col_label in (("year", "本年度"), ("cumulative", "历年累计")):
            total = counts["total"][col]
            for row in ("website", "gazette"):
                part = counts[row][col]
                if total is not None and part is not None and part > total:
                    label = COUNTS.rows[1 if row == "website" else 2].label.removeprefix("其中：")
                    out.append(error(self.id, f"counts.{row}.{col}",
                                     f"{col_label}{label}{part}条大于主动公开总数{total}条", "OR1"))
        places = v["percent_places"]
        if places is not None and places > 4:
            out.append(error(self.id, "percent_places", "占比最多保留4位小数", "OR9"))
        total = counts["total"]["year"]
        cats = v["categories"]
        csum = report.computed(self.id, "category_sum")
        if total is not None and csum is not None and all(c.get("count") is not None for c in cats) and csum != total:
            diff = total - csum
            share = percent(abs(diff), total, 2)
            out.append(error(self.id, "categories",
                             f"各类别合计{csum}条，与本年度主动公开总数{total}条不符"
                             f"（{'少' if diff > 0 else '多'}{abs(diff)}条，占{share}），各类别占比之和因此不是100%", "OR9"))
        names = [c.get("name") for c in cats if c.get("name")]
        for dup in sorted({n for n in names if names.count(n) > 1}):
            out.append(warning(self.id, "categories", f"类别“{dup}”出现了不止一次", "OR9"))
        for i, ch in enumerate(v["channels"]):
            body, title = ch.get("body") or "", ch.get("title") or ""
            path = field_path("channels", i, "body")
            if "网站" in title and counts["website"]["year"] is not None:
                quoted = rules.numbers_before(body, "条", ["网站"])
                if quoted and counts["website"]["year"] not in quoted:
                    out.append(error(self.id, path, f"正文写政府网站公开{quoted[0]}条，与表中政府网站公开数{counts['website']['year']}条不符", "OR8"))
            out += rules.year_words(self.id, path, body, report.year)
        if (total and counts["website"]["year"] == total and len(v["channels"]) > 1):
            out.append(warning(self.id, "counts.website.year",
                               "政府网站公开数等于主动公开总数，同时列出了其他公开渠道：请在正文说明“不同渠道公开相同信息计1条”", "V-CHAN"))
        for key in ("channels_intro", "interpretation", "responses"):
            out += rules.year_words(self.id, key, v[key], report.year)
        return out

    def context(self, report):
        v = report.values(self.id)
        places = v["percent_places"] if v["percent_places"] is not None else 2
        return {"places": places, "counts": COUNTS.full(v["counts"])}
