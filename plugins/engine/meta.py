"""The document metadata every report has (the ``[report]`` table), declared as fields so
that every front end edits and checks it like a section. A format may add more
(``ReportFormat.meta_fields``)."""

from __future__ import annotations

from .config import UNIT_LEVELS
from ..fields import Choice, Date, Integer, Line, Text

DOC_NUMBER = r"[\u4e00-\u9fff]{1,12}〔\d{4}〕[1-9]\d*号"
#: An address as reports print it: with or without a scheme (www.jianou.gov.cn), a host name
#: with at least one dot, any path.
WEBSITE = r"(?:https?://)?[^\s/.:]+(?:\.[^\s/.:]+)+(?::\d+)?(?:/\S*)?"

META_FIELDS = (
    Line(key="unit", label="单位名称", help="发文机关全称，如 建瓯市人民政府办公室"),
    Choice(key="unit_level", label="单位层级", options=UNIT_LEVELS, help="决定发布期限与规章等规则"),
    Line(key="region", label="行政区划", required=False, help="如 福建省南平市建瓯市"),
    Integer(key="year", label="报告年度", minimum=2008, help="统计期限为该年1月1日至12月31日"),
    Line(key="format", label="报告格式", help="由年度决定，一般无需修改"),
    Line(key="doc_number", label="发文字号", required=False, pattern=DOC_NUMBER,
         pattern_hint="形如 瓯政办〔2019〕2号", help="以文件形式报送时填写"),
    Line(key="addressee", label="主送机关", required=False),
    Line(key="scope", label="汇总范围", required=False,
         help="本报告汇总的单位，如 全市18乡镇（街道）和25市直有关部门"),
    # The 2021 template demands none of the front matter below (a report without it is still a
    # valid report): an empty one is a warning (``expected``), not an error.
    Line(key="website_name", label="发布网站名称", required=False, expected=True, help="报告电子版所在网站，如 中国建瓯"),
    Line(key="website_url", label="发布网站网址", required=False, expected=True, pattern=WEBSITE,
         pattern_hint="形如 www.jianou.gov.cn 或 http://www.jianou.gov.cn", help="照原文填写，可不带 http://"),
    Line(key="contact_office", label="联系科室", required=False, expected=True, help="如 建瓯市政府办公室信息股"),
    Line(key="phone", label="电话", required=False, expected=True),
    Line(key="fax", label="传真", required=False),
    Line(key="address", label="地址", required=False, expected=True),
    Line(key="postcode", label="邮编", required=False, pattern=r"\d{6}", pattern_hint="6位数字"),
    Line(key="email", label="电子邮箱", required=False, expected=True, pattern=r"[^@\s\uff20]+@[^@\s]+\.[^@\s]+",
         pattern_hint="形如 name@example.cn，@ 须为半角"),
    Date(key="signed", label="成文日期"),
    Date(key="published", label="公开日期", required=False, help="在网站上发布的日期"),
    Line(key="signature", label="署名", required=False, help="落款的发文机关署名，照原文填写；空则印单位名称"),
    Line(key="publisher", label="印发机关", required=False, help="默认与单位名称相同"),
    Text(key="note", label="附注", required=False, help="如 （此件主动公开）"),
)
