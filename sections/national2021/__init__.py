"""The national format of 国办公开办函〔2021〕30号 (report years 2021 onward): six sections
with the fixed tables 二 (第二十条), 三 (收到和处理申请) and 四 (行政复议、行政诉讼).

Registered exactly as a county's plugin would be. Only independent cells are stored: the
（七）总计 row and the 总计 columns of tables 三 and 四 are computed, so identities N3-2, N3-3
and N4-1 hold by construction; the remaining identities (N3-1, N3-5, N2-1, N2-3) and the
prose ↔ table rules (N3-8, N4-3, N4-4, N2-5) are checked by the sections.

Unit level for 规章 (N2-3): every unit is treated as county-level (规章 must be 0) unless
``[report] admin_level`` (a metadata field of this format) says ``city`` (设区的市、自治州)
or ``province``.
"""

from __future__ import annotations

from nianbao import ReportFormat, hookimpl
from nianbao.fields import Choice

from .appeals import Appeals
from .common import ADMIN_LEVELS, FORMAT_ID, TEMPLATES
from .other import Other
from .overview import Overview
from .problems import Problems
from .proactive import Proactive
from .requests import Requests

__version__ = "1.0"

META_FIELDS = (
    Choice(key="admin_level", label="行政层级", options=ADMIN_LEVELS, required=False,
           help="决定能否制发规章：不填按县级（县、县级市、区及其部门、乡镇）处理，规章一行应全为0"),
)


@hookimpl
def nianbao_register_formats():
    return [
        ReportFormat(
            id=FORMAT_ID,
            name="全国统一格式（国办公开办函〔2021〕30号，2021年度起）",
            first_year=2021,
            last_year=None,
            document_template="document.j2",
            template_folder=TEMPLATES,
            meta_fields=META_FIELDS,
        )
    ]


@hookimpl
def nianbao_register_sections():
    return [Overview(), Proactive(), Requests(), Appeals(), Problems(), Other()]
