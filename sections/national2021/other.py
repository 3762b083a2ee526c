"""六、其他需要报告的事项: the 信息处理费 statement (mandatory, rule V-SEC6-FEE) and the
customary sub-headings of domain §2.2."""

from __future__ import annotations

import re

from plugins import error, rules, warning
from plugins.fields import Line, Text

from .common import NationalSection, compact, repeated_prose
from .requests import table

ITEMS = (
    ("fee", "收取信息处理费情况"),
    ("tasks", "落实上级年度政务公开工作要点情况"),
    ("proposals", "人大代表建议和政协提案办理结果公开情况"),
    ("innovation", "政务公开工作创新情况"),
    ("other", "其他需要报告的事项"),
)

_NO_FEE = re.compile(r"(未|没有|无|不)(收取|产生|发生|收费)|无收取|未发出")
_AMOUNT = re.compile(r"\d+(\.\d+)?(万?元)")
_NOTICE = re.compile(r"收费通知")


class Other(NationalSection):
    id = "nat.other"
    number = 6
    heading = "其他需要报告的事项"
    template = "other.j2"
    fields = tuple(
        f for key, title in ITEMS for f in (
            Line(key=f"{key}_title", label=f"“{title}”小标题", required=False, max_length=40, help=f"默认“{title}”"),
            Text(key=key, label=title, required=(key == "fee"),
                 help=("必填：《政府信息公开信息处理费管理办法》执行情况——发出收费通知的件数和金额、实际收取的金额，或“未收取信息处理费”"
                       if key == "fee" else "可不填")),
        )
    )

    def validate(self, report):
        v = report.values(self.id)
        out = []
        fee = compact(v["fee"])
        if fee:
            if "处理费" not in fee:
                out.append(error(self.id, "fee", "收取信息处理费情况中没有提到“信息处理费”", "V-SEC6-FEE"))
            elif not _AMOUNT.search(fee) and not _NO_FEE.search(fee):
                out.append(error(self.id, "fee", "信息处理费须写明金额（如“收取信息处理费3940元”）或“未收取信息处理费”", "V-SEC6-FEE"))
        no_fee = table(report)["other_no_fee"]["total"]
        if no_fee and not _NOTICE.search(fee):
            out.append(warning(self.id, "fee",
                               f"第三部分有{no_fee}件因逾期未缴费不再处理：应写明发出收费通知的件数和金额以及实际收取的金额", "N3-7"))
        for key, _ in ITEMS:
            out += rules.year_words(self.id, key, v[key], report.year)
        return out + repeated_prose(self, report)

    def context(self, report):
        v = report.values(self.id)
        items = [{"title": v[k + "_title"] or title, "text": v[k]} for k, title in ITEMS]
        # Only the fee statement: printed as a plain paragraph (as most reports do).
        return {"items": items, "plain": not any(i["text"] for i in items[1:])}
