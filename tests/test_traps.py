"""Traps a plugin author fell into without a word from nianbao: a field key that is also a
dict method (``items``, ``keys``, ``values``, ``get`` …) printed ``<built-in method …>`` in
every export; ``validate`` returning ``None`` or a string gave a raw ``TypeError``; two
plugins defining the same format id (the contract said both were refused, the code kept the
first: now both say the first is kept, and it is tested)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from nianbao import API_VERSION, Check, Exporter, ReportFormat, Section, error, hookimpl
from nianbao.fields import Grid, GridColumn, GridRow, Integer, Line, Records
from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.report import Report

ROOT = Path(__file__).resolve().parent.parent
FUJIAN_TEMPLATES = ROOT / "sections" / "fujian2018" / "templates"

#: Every public method name of a dict: each is a key a county may well choose ("items" for
#: 工作要点 is one the built-in 概述 uses).
DICT_METHODS = sorted(n for n in dir(dict) if not n.startswith("_"))

TEMPLATE = """\
{% for key in keys %}
{{ key }}={{ data[key] }}/{{ data | attr(key) }}/{{ lookup(data, key) }}
{% endfor %}
::table 陷阱表
::head 键 | 值
::row items | {{ data.items }}
::row keys | {{ data.keys }}
::row values | {{ data.values }}
::row get | {{ data.get }}
::row copy | {{ data.copy }}
::row 格 | {{ data.grid.items.values }}
{% for r in data.rows %}
::row 记录 | {{ r.items }}{{ r.get }}
{% endfor %}
::end
"""


class Traps(Section):
    id = "tf.traps"
    api_version = API_VERSION
    number = 9
    heading = "陷阱"
    formats = ("fujian-2018",)
    template = "traps.j2"
    fields = tuple(Line(key=name, label=name) for name in DICT_METHODS) + (
        Records(key="rows", label="记录", columns=(Line(key="items", label="项"), Line(key="get", label="取"))),
        Grid(key="grid", label="表", rows=(GridRow("items", "项"),), columns=(GridColumn("values", "值"),)),
    )

    def context(self, report):
        return {"keys": DICT_METHODS}


def _report(**sections) -> Report:
    return Report({"report": {"unit": "测试办", "year": 2018, "format": "fujian-2018"}, **sections})


def _text_of(exporter: Exporter, document) -> str:
    data = exporter.export(document)
    if not exporter.binary:
        return data
    # docx and xlsx are zip files of XML: their text, tags dropped, character references read
    import html
    import re

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


def test_a_field_named_like_a_dict_method_prints_its_value_in_every_export(tmp_path):
    (tmp_path / "traps.j2").write_text(TEMPLATE, encoding="utf-8")
    section = Traps()
    section.template_folder = tmp_path

    @hookimpl
    def nianbao_register_sections():
        return [section]

    @hookimpl
    def nianbao_prepare_jinja2_environment(env):
        env.globals["lookup"] = lambda mapping, key: env.getattr(mapping, key)  # what data.<key> does

    plugin = type("TrapsPlugin", (), {"nianbao_register_sections": staticmethod(nianbao_register_sections),
                                      "nianbao_prepare_jinja2_environment": staticmethod(nianbao_prepare_jinja2_environment)})
    host = PluginHost(Config(), entry_points=False, extra=[("traps", plugin)])
    assert host.records["traps"].state == "loaded", host.records["traps"].reason
    values = {name: f"值{name}" for name in DICT_METHODS}
    report = _report(tf={"traps": {**values, "rows": [{"items": "记录项", "get": "记录取"}],
                                   "grid": {"items": {"values": 42}}}})
    document = Renderer(host).render(report)
    part = next(p for p in document.parts if p.section is section)
    assert part.error == ""
    for name in DICT_METHODS:  # subscript, the attr filter and attribute access agree
        assert f"{name}=值{name}/值{name}/值{name}" in part.markup
    assert sorted(host.exporters) == ["docx", "html", "md", "txt", "xlsx"]
    for exporter in host.exporters.values():
        text = _text_of(exporter, document)
        assert "built-in method" not in text and "bound method" not in text, exporter.id
        for shown in ("值items", "值keys", "值values", "值get", "值copy", "42", "记录项记录取"):
            assert shown in text, (exporter.id, shown)


def test_a_mapping_without_the_key_keeps_its_methods(tmp_path):
    # meta.get("unit") is how the worked example reads an optional value
    from plugins.engine.render import _environment_class

    env = _environment_class()()
    template = env.from_string('{{ meta.get("unit") or "本机关" }}|{{ meta.items() | list | length }}|{{ data.items }}')
    assert template.render(meta={"year": 2018}, data={"items": "要点"}) == "本机关|1|要点"


# -- validate returning the wrong thing ---------------------------------------------------------

def _validating(returned, kind: str = "section"):
    """A plugin whose section's validate (or a check's run) returns ``returned``."""

    class Returns(Section):
        id = "tf.returns"
        api_version = API_VERSION
        heading = "返回"
        formats = ("fujian-2018",)
        template = "overview.j2"
        template_folder = FUJIAN_TEMPLATES
        fields = (Integer(key="n", label="数", required=False),)

        def validate(self, report):
            return returned if kind == "section" else []

    class Plugin:
        @staticmethod
        @hookimpl
        def nianbao_register_sections():
            return [Returns()]

        @staticmethod
        @hookimpl
        def nianbao_register_checks():
            return [Check(id="tf-run", section="tf.returns", run=lambda report: returned)] if kind == "check" else []

    return PluginHost(Config(), entry_points=False, extra=[("county_x", Plugin)])


@pytest.mark.parametrize(("returned", "said"), [
    (None, "validate() 返回了 None：应返回 Issue 的列表（没有问题时返回 []）"),
    ("数字不对", "validate() 返回了文字 '数字不对'：应返回 Issue 的列表"),
    (error("tf.returns", "n", "不对", "X"), "validate() 返回了一个 Issue 而不是列表：写 return [error(…)]"),
    ({"n": "不对"}, "validate() 返回了 dict：应返回 Issue 的列表"),
    (3, "validate() 返回了 int：应返回 Issue 的列表"),
    (["不对"], "validate() 返回的列表中有不是 Issue 的对象 '不对'"),
])
def test_validate_returning_no_list_of_issues_is_named_with_the_plugin(returned, said):
    host = _validating(returned)
    assert host.records["county_x"].state == "loaded", host.records["county_x"].reason
    result = check_report(host, _report(tf={"returns": {"n": 1}}))
    assert list(result.broken) == ["tf.returns"]
    assert result.broken["tf.returns"].startswith(f"插件 county_x 在检查本部分时出错：{said}")
    assert "TypeError" not in result.broken["tf.returns"]
    assert [i.rule for i in result.issues if i.section == "tf.returns"] == ["PLUGIN"]


def test_a_check_returning_none_is_named_too():
    result = check_report(_validating(None, kind="check"), _report(tf={"returns": {"n": 1}}))
    assert result.broken["tf.returns"].startswith("插件 county_x 在检查「tf-run」时出错：run() 返回了 None：")


def test_a_generator_of_issues_still_works():
    host = _validating((i for i in [error("tf.returns", "n", "不对", "X")]))
    result = check_report(host, _report(tf={"returns": {"n": 1}}))
    assert not result.broken
    assert [(i.rule, i.plugin) for i in result.issues if i.section == "tf.returns"] == [("X", "county_x")]


# -- duplicate format and exporter ids --------------------------------------------------------

def test_a_second_definition_of_a_format_or_exporter_is_not_used_and_is_reported(tmp_path):
    (tmp_path / "document.j2").write_text("::title 县里的文档\n", encoding="utf-8")

    class Redefines:
        @staticmethod
        @hookimpl
        def nianbao_register_formats():
            return [ReportFormat(id="fujian-2018", name="县里的福建格式", first_year=2008, last_year=2018,
                                 document_template="document.j2", template_folder=tmp_path)]

        @staticmethod
        @hookimpl
        def nianbao_register_exporters():
            return [Exporter(id="txt", name="县里的文本", suffix=".txt", export=lambda d: "县里的"),
                    Exporter(id="csv", name="逗号分隔", suffix=".csv", export=lambda d: "a,b")]

    host = PluginHost(Config(), entry_points=False, extra=[("county_formats", Redefines)])
    record = host.records["county_formats"]
    assert record.state == "loaded", record.reason
    # The first loaded (the built-in) is kept: reports of that format still check and export.
    assert host.formats["fujian-2018"].name.startswith("福建省旧格式")
    assert host.plugin_of(host.exporters["txt"]) == "plugins.exporters"
    assert host.plugin_of(host.exporters["csv"]) == "county_formats"  # the rest of the plugin works
    assert record.formats == [] and record.exporters == ["csv"]
    assert ("格式 fujian-2018 被 sections.fujian2018 和 county_formats 重复定义；使用先加载的 sections.fujian2018 的，"
            "county_formats 的未使用（要改变文档的写法，请覆盖模板）") in host.problems
    assert "导出格式 txt 被 plugins.exporters 和 county_formats 重复定义；使用先加载的 plugins.exporters 的，county_formats 的未使用" in host.problems
    assert "格式 fujian-2018 与 sections.fujian2018 的格式重名，未使用" in record.notes
    document = Renderer(host).render(_report())
    assert "县里的文档" not in [b.text for b in document.blocks]
    assert host.exporters["txt"].export(document) != "县里的"


def test_the_hookspec_says_what_the_host_does():
    from plugins import hookspecs

    for hook in ("nianbao_register_formats", "nianbao_register_exporters"):
        doc = " ".join(getattr(hookspecs.NianbaoSpecs, hook).__doc__.split())
        assert "loaded first" in doc and "is kept" in doc or "keeps its id" in doc, hook
        assert "both refused" not in doc and "is refused" not in doc, hook


def test_a_computed_field_named_like_a_mapping_method_prints_its_value(tmp_path):
    from nianbao.fields import Computed
    from nianbao.testing import render_part

    (tmp_path / "c.j2").write_text("{{ computed.items }}|{{ computed.keys }}|{{ computed.get }}\n", encoding="utf-8")

    class Counted(Section):
        id = "tf.counted"
        api_version = API_VERSION
        heading = "计算"
        formats = ("fujian-2018",)
        template = "c.j2"
        template_folder = tmp_path
        fields = (Integer(key="n", label="数"),
                  Computed(key="items", label="项", compute=lambda values: values["n"] * 2),
                  Computed(key="keys", label="键", compute=lambda values: values["n"] * 3),
                  Computed(key="get", label="取", compute=lambda report: "旧"))

    class Plugin:
        @staticmethod
        @hookimpl
        def nianbao_register_sections():
            return [Counted()]

    assert render_part("[tf.counted]\nn = 7\n", "tf.counted", format="fujian-2018", plugins=[Plugin]) == \
        "　　七、计算\n　　14|21|旧\n"
