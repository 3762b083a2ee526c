"""A county IT developer's afternoon, from docs/plugins.md alone, through the installed
``nianbao`` command in a folder of their own: a plugin in the ``[plugins] folders`` folder
(a part with a list that has a 合计 row, a text with a minimum length, a date within the year,
a computed field on its own values), part 一's template overridden after finding its name
and file with ``nianbao fields``, then ``nianbao check``, ``export``, ``fields`` and
``plugins -v`` as they would run them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

NIANBAO = Path(sys.executable).parent / "nianbao"

PLUGIN = '''
"""本县的“政务公开活动”部分。"""

from pathlib import Path

from nianbao import API_VERSION, Section, hookimpl, warning
from nianbao.fields import Computed, Date, Integer, Line, Records, Text, Total


def average(values):
    events = values["events"]
    people = [e["people"] for e in events]
    if not events or None in people:
        return None
    return sum(people) // len(events)


class Events(Section):
    id = "jo.events"
    api_version = API_VERSION
    number = 7
    heading = "政务公开活动"
    formats = ("fujian-2018",)
    template = "events.j2"
    template_folder = Path(__file__).parent
    fields = (
        Records(key="events", label="活动", columns=(
            Line(key="name", label="活动名称"),
            Date(key="day", label="日期", within_year=True),
            Integer(key="people", label="参加人数", unit="人"),
        ), total=Total(columns=("people",))),
        Computed(key="average", label="平均每次", unit="人", compute=average),
        Text(key="review", label="活动总结", min_length=20),
    )

    def validate(self, report):
        v = report.values(self.id)
        if len(v["events"]) > 10:
            return [warning(self.id, "events", "活动超过10次，请核实", "JO-EV")]
        return []


@hookimpl
def nianbao_register_sections():
    return [Events()]
'''

TEMPLATE = """\
{% import "core/macros.j2" as m %}
{% for e in data.events %}
{{ e.day }}，举办{{ e.name }}，{{ e.people }}人参加。
{% endfor %}
全年共举办活动{{ data.events | length }}次，参加{{ totals.events.people }}人，平均每次{{ computed.average }}人。
{{ m.paragraphs(data.review) }}
"""

REPORT_DATA = """
[jo.events]
review = "活动办得好。"

[[jo.events.events]]
name = "政府开放日"
day = 2018-05-15
people = 120

[[jo.events.events]]
name = "政务公开宣传周"
day = 2019-01-10
people = 80
"""


def nianbao(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    return subprocess.run([str(NIANBAO), *args], cwd=folder, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def county(tmp_path) -> Path:
    if not NIANBAO.is_file():
        pytest.skip("the nianbao command is not installed in this environment")
    (tmp_path / "local_plugins" / "jo_events").mkdir(parents=True)
    (tmp_path / "local_plugins" / "jo_events" / "__init__.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    (tmp_path / "local_plugins" / "jo_events" / "events.j2").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "config.toml").write_text(textwrap.dedent("""
        [plugins]
        folders = ["local_plugins"]
        disabled = ["newmedia"]

        [templates]
        override_folder = "templates"
    """), encoding="utf-8")
    return tmp_path


def test_a_county_plugin_and_override_written_from_the_guide(county):
    # 1. Which template prints part 一, and where is it? `nianbao fields` says.
    fields = nianbao(county, "fields", "fujian-2018")
    assert fields.returncode == 0, fields.stderr
    found = re.search(r"\[fj\.overview\]  一、概述.*\n    模板：(\S+)  (\S+)", fields.stdout)
    assert found, fields.stdout[:2000]
    name, original = found.groups()
    assert name == "fj.overview/overview.j2" and Path(original).is_file()
    # ... and the county's own part is listed with what it declares
    assert "  [jo.events]  七、政务公开活动  插件 jo_events" in fields.stdout
    assert "    events  活动  Records  必填  合计行“合计”：people" in fields.stdout
    assert "      events[n].day  日期  Date  必填  在报告年度内" in fields.stdout
    assert "    review  活动总结  Text  必填  至少20字" in fields.stdout
    assert "    average  平均每次 (人)  Computed  计算" in fields.stdout

    # 2. Override part 一: copy the original as §6.5 says, print its points as 一是…二是…
    override = county / "templates" / name
    override.parent.mkdir(parents=True)
    text = Path(original).read_text(encoding="utf-8")
    assert '"（" ~ cn_numeral(loop.index) ~ "）"' in text
    override.write_text(text.replace('"（" ~ cn_numeral(loop.index) ~ "）"', 'cn_numeral(loop.index) ~ "是"'), encoding="utf-8")
    listed = nianbao(county, "plugins", "-v")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert f"    fj.overview/overview.j2  代替插件 sections.fujian2018 的 {original}" in listed.stdout
    assert "jo_events  [插件文件夹] 已加载" in listed.stdout

    # 3. A report with the county's part, checked and exported
    made = nianbao(county, "new", "report.toml", "--unit", "建瓯市人民政府办公室", "--year", "2018")
    assert made.returncode == 0, made.stderr
    report = county / "report.toml"
    seed = (Path(__file__).resolve().parent.parent / "examples" / "jianou-2018.toml").read_text(encoding="utf-8")
    report.write_text(seed + REPORT_DATA, encoding="utf-8")
    check = nianbao(county, "check", "report.toml", "--json")
    assert check.returncode == 1, check.stdout + check.stderr  # errors found, every plugin ran
    issues = {(i["field"], i["rule"]): i["message"] for i in json.loads(check.stdout)["files"][0]["issues"]
              if i["section"] == "jo.events"}
    assert issues == {
        ("events[1].day", "V-FIELD"): "应在报告年度2018年内（2018年1月1日至12月31日），现在是2019年1月10日",
        ("review", "V-FIELD"): "至少要写20个字（现在6个）",
    }
    export = nianbao(county, "export", "report.toml", "--to", "txt")
    assert export.returncode == 0, export.stderr
    out = export.stdout
    assert "　　一是加强组织领导。" in out and "（一）加强组织领导" not in out  # the override is used
    assert "　　七、政务公开活动\n" in out
    assert "　　全年共举办活动2次，参加200人，平均每次100人。\n" in out
    assert "　　活动办得好。\n" in out  # too short for the rule, still printed as typed
