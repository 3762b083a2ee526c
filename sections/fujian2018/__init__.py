"""The old provincial (Fujian) six-section format, used for report years up to 2018.

Registered exactly as a county's plugin would be: a format and six sections through the
public hooks of :mod:`nianbao`."""

from __future__ import annotations

from pathlib import Path

from nianbao import ReportFormat, hookimpl

from .appeals import Appeals
from .other import Other
from .overview import Overview
from .problems import Problems
from .proactive import Proactive
from .requests import Requests

__version__ = "1.0"

FORMAT_ID = "fujian-2018"
TEMPLATES = Path(__file__).parent / "templates"


@hookimpl
def nianbao_register_formats():
    return [
        ReportFormat(
            id=FORMAT_ID,
            name="福建省旧格式（2018年及以前，概述至附表六部分）",
            first_year=2008,
            last_year=2018,
            document_template="document.j2",
            template_folder=TEMPLATES,
        )
    ]


@hookimpl
def nianbao_register_sections():
    return [Overview(), Proactive(), Requests(), Appeals(), Problems(), Other()]
