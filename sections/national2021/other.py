"""六、其他需要报告的事项: the 信息处理费 statement (mandatory, rule V-SEC6-FEE) and the
customary sub-headings of domain §2.2."""

from __future__ import annotations

import re

from nianbao import error, rules, warning
from nianbao.fields import Line, Text

from .common import NationalSection, compact, repeated_prose
from .requests import table

ITEMS = (
    ("fee", "收取信息处理费情况"),
    ("tasks", "落实上级年度政务公开工作要点情况"),
    ("proposals", "人大代表建议和政协提案办理结果公开情况"),
    ("innovation", "政务公开工作创新情况"),
    ("other", "其他需要报告的事项"),
)

# V-SEC6-FEE reads the statement, not its wording: it is about fees when it names a fee
# (处理费, 收费, 费用, 收取…) and it is clear when it says none was charged (a negation before
# the charging: 未收取, 没有收取费用, 不存在收费情形, 本年度未产生任何收费, 均免费…) or gives an
# amount (收取信息处理费3940元, 0元).
_ABOUT_FEES = re.compile(r"费|收取")
_NEGATION = r"(?:未|没有|无|不存在|不涉及|不予|均未|从未|并未|免于|免予|免收|零)"
_NO_FEE = re.compile(_NEGATION + r"[^。；;，,]{0,12}?(?:收取|收费|费用|处理费|缴费|收缴)|免费|(?:收费|费用|处理费)[^。；;，,]{0,6}?(?:为零|为0|为〇|0元)")
_AMOUNT = re.compile(r"\d+(\.\d+)?(万?元)")
_NOTICE = re.compile(r"收费通知")
# “未发出收费通知” while table 三 counts applications dropped for not paying a fee notice.
_NO_NOTICE = re.compile(_NEGATION + r"[^。；;，,]{0,8}?(?:发出|发送|下发|送达|出具)?[^。；;，,]{0,4}?收费通知")


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
        no_fee = table(report)["other_no_fee"]["total"]
        if fee and not (_ABOUT_FEES.search(fee) and (_AMOUNT.search(fee) or _NO_FEE.search(fee) or _NOTICE.search(fee))):
            out.append(error(self.id, "fee", "没有写明是否收取信息处理费：请写明收取的金额（如“收取信息处理费3940元”），"
                                             "或“本年度未收取信息处理费”", "V-SEC6-FEE"))
        elif no_fee and (no_notice := _NO_NOTICE.search(fee)):
            out.append(error(self.id, "fee", f"正文写“{no_notice.group(0)}”，但第三部分有{no_fee}件"
                                             "因申请人逾期未按收费通知缴费而不再处理：发出过收费通知", "V-SEC6-FEE"))
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
