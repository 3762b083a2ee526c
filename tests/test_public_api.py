"""``import nianbao`` is what plugin authors write: it re-exports the contract of the host
(``plugins``), the same objects, so a plugin written against ``from plugins import …`` keeps
loading and the two spellings can be mixed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import nianbao
import nianbao.fields
import plugins
import plugins.fields
from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.report import Report
from plugins.exporters import to_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "plugins"


@pytest.mark.parametrize("name", plugins.__all__)
def test_nianbao_re_exports_the_whole_contract_as_the_same_objects(name):
    assert name in nianbao.__all__
    assert getattr(nianbao, name) is getattr(plugins, name) or name == "fields"


def test_nianbao_adds_the_helpers_plugins_used_to_import_from_host_modules():
    from plugins.document import Cell, Table
    from plugins.formatting import cn_date, cn_numeral, percent

    assert (nianbao.Table, nianbao.Cell) == (Table, Cell)
    assert (nianbao.percent, nianbao.cn_numeral, nianbao.cn_date) == (percent, cn_numeral, cn_date)
    assert nianbao.rules is plugins.rules
    assert all(hasattr(nianbao, name) for name in nianbao.__all__)


def test_nianbao_fields_is_every_field_type_of_the_host():
    assert nianbao.fields.__all__ == plugins.fields.__all__  # a new field type must be re-exported too
    for name in plugins.fields.__all__:
        assert getattr(nianbao.fields, name) is getattr(plugins.fields, name), name


def _write(folder: Path, name: str, imports: str) -> None:
    (folder / name).write_text(textwrap.dedent(f"""
        from pathlib import Path
        {imports}

        class Part(Section):
            id = "tf.{name[:-3]}"
            api_version = API_VERSION
            number = 9
            heading = "{name[:-3]}"
            formats = ("fujian-2018",)
            template = "{name[:-3]}.j2"
            template_folder = Path(__file__).parent
            fields = (Integer(key="count", label="件数", unit="件"),)

            def validate(self, report):
                if report.values(self.id)["count"] == 7:
                    return [error(self.id, "count", "七件不行", "TF7")]
                return []

        @hookimpl
        def nianbao_register_sections():
            return [Part()]
    """), encoding="utf-8")
    (folder / f"{name[:-3]}.j2").write_text("{{ data.count }}件（" + name[:-3] + "）\n", encoding="utf-8")


def test_plugins_with_the_old_the_new_and_mixed_imports_all_load_check_and_render(tmp_path):
    _write(tmp_path, "old_style.py", "from plugins import API_VERSION, Section, error, hookimpl\n"
                                     "        from plugins.fields import Integer")
    _write(tmp_path, "new_style.py", "from nianbao import API_VERSION, Section, error, hookimpl\n"
                                     "        from nianbao.fields import Integer")
    _write(tmp_path, "mixed_style.py", "from nianbao import API_VERSION, Section, hookimpl\n"
                                       "        from plugins import error\n"
                                       "        from plugins.fields import Integer")
    host = PluginHost(Config(plugin_folders=(tmp_path,)), entry_points=False)
    for name in ("old_style", "new_style", "mixed_style"):
        assert host.records[name].state == "loaded", host.records[name].reason
    report = Report({"report": {"unit": "测试办", "year": 2018, "format": "fujian-2018"},
                     "tf": {"old_style": {"count": 7}, "new_style": {"count": 7}, "mixed_style": {"count": 3}}})
    found = {(i.section, i.rule) for i in check_report(host, report).issues if i.rule == "TF7"}
    assert found == {("tf.old_style", "TF7"), ("tf.new_style", "TF7")}
    text = to_text(Renderer(host).render(report))
    assert "7件（old_style）" in text and "7件（new_style）" in text and "3件（mixed_style）" in text


def test_the_fixture_plugins_written_against_plugins_still_load():
    # county_pkg and county_rules import ``plugins`` as every plugin did before ``nianbao``.
    source = (FIXTURES / "good" / "county_pkg" / "__init__.py").read_text(encoding="utf-8")
    assert "from plugins import" in source
    host = PluginHost(Config(plugin_folders=(FIXTURES / "good",)), entry_points=False)
    assert host.records["county_pkg"].state == "loaded", host.records["county_pkg"].reason
    assert host.records["county_rules"].state == "loaded", host.records["county_rules"].reason
