"""Everything a plugin author needs is one command away: ``nianbao fields`` lists every
section, field and template from the loaded declarations (county plugins included),
``docs/reference.md`` is its Markdown for the built-in formats (kept equal here), and
``nianbao plugins -v`` lists the template overrides in effect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.engine.config import Config
from plugins.host.manager import PluginHost
from plugins.host.reference import REGENERATE, reference, reference_markdown
from plugins.engine.render import template_overrides
from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference.md"
GOOD = ROOT / "tests" / "fixtures" / "plugins" / "good"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in ("NIANBAO_SAFE_MODE", "NIANBAO_TRACE_PLUGINS", "NIANBAO_CONFIG"):
        monkeypatch.delenv(var, raising=False)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_docs_reference_is_what_the_declarations_say():
    host = PluginHost(Config(), entry_points=False)
    generated = reference_markdown(reference(host, root=ROOT))
    assert REFERENCE.read_text(encoding="utf-8") == generated, f"docs/reference.md is stale: run `{REGENERATE}`"


def test_the_documented_command_regenerates_docs_reference(capsys, monkeypatch):
    assert REGENERATE in REFERENCE.read_text(encoding="utf-8")
    monkeypatch.chdir(ROOT)  # as the file says: from the repository's root, with its config.toml
    code, out, err = run(capsys, "--safe-mode", "fields", "--markdown")
    assert code == 0, err
    assert out == REFERENCE.read_text(encoding="utf-8")


def test_the_reference_names_every_declared_field_and_template_of_every_format():
    host = PluginHost(Config(), entry_points=False)
    ref = reference(host, root=ROOT)
    assert [f["id"] for f in ref["formats"]] == list(host.formats)
    for fmt in ref["formats"]:
        sections = host.sections_for(fmt["id"])
        assert [s["id"] for s in fmt["sections"]] == [s.id for s in sections]
        for listed, section in zip(fmt["sections"], sections):
            assert [f["key"] for f in listed["fields"]] == [f.key for f in section.fields]
            assert listed["template"]["name"] == f"{section.id}/{section.template}"
            assert (ROOT / listed["template"]["path"]).is_file()
        assert (ROOT / fmt["document_template"]["path"]).is_file()
    text = REFERENCE.read_text(encoding="utf-8")
    # the keys plugin authors had to read the source for: a records column, a grid row and column
    assert "| `items[n].title` | 小标题 | `Line` |" in text
    assert "`website` 其中：政府网站公开数" in text and "`cumulative` 历年累计" in text
    assert "| 一、概述 | `fj.overview` | `fj.overview/overview.j2` | `sections/fujian2018/templates/overview.j2` |" in text


def test_fields_lists_a_county_plugins_section_as_text_and_json(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths outside the working folder are shown in full
    config = tmp_path / "config.toml"
    config.write_text(f"[plugins]\nfolders = [{json.dumps(str(GOOD))}]\ndisabled = [\"newmedia\"]\n", encoding="utf-8")
    code, out, err = run(capsys, "--config", str(config), "fields", "fujian-2018")
    assert code == 0, err
    assert "  [tf.contacts]  " in out and "插件 county_pkg" in out
    assert "    phone  咨询电话  Line  必填" in out
    assert f"模板：tf.contacts/contacts.j2  {GOOD / 'county_pkg' / 'templates' / 'contacts.j2'}" in out
    assert "national-2021" not in out  # only the format asked for
    code, out, err = run(capsys, "--config", str(config), "fields", "--json")
    assert code == 0, err
    formats = {f["id"]: f for f in json.loads(out)["formats"]}
    assert set(formats) == {"fujian-2018", "national-2021"}
    contacts = next(s for s in formats["fujian-2018"]["sections"] if s["id"] == "tf.contacts")
    assert contacts["plugin"] == "county_pkg" and contacts["numeral"] == "七"
    assert contacts["fields"] == [{"key": "phone", "label": "咨询电话", "type": "Line", "kind": "line", "unit": "",
                                   "required": True, "expected": False, "help": ""}]
    overview = formats["fujian-2018"]["sections"][0]
    items = next(f for f in overview["fields"] if f["key"] == "items")
    assert [c["key"] for c in items["columns"]] == ["title", "body"] and items["min_rows"] == 1


def test_fields_of_an_unknown_format_is_a_usage_error_naming_the_known_ones(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config.toml: the defaults
    code, out, err = run(capsys, "--safe-mode", "fields", "fujian-2019")
    assert code == 2 and out == ""
    assert "没有报告格式 fujian-2019；已加载的格式：fujian-2018、national-2021" in err


def _overrides(tmp_path: Path) -> Path:
    folder = tmp_path / "overrides"
    (folder / "fj.overview").mkdir(parents=True)
    (folder / "fj.overview" / "overview.j2").write_text("本县的概述\n", encoding="utf-8")
    (folder / "fj.overveiw").mkdir()  # misspelt: never used
    (folder / "fj.overveiw" / "overview.j2").write_text("x\n", encoding="utf-8")
    (folder / "README.md").write_text("no template name\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text('[templates]\noverride_folder = "overrides"\n', encoding="utf-8")
    return config


def test_plugins_verbose_lists_the_template_overrides_in_effect(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = _overrides(tmp_path)
    host = PluginHost(Config(template_folder=tmp_path / "overrides"), entry_points=False)
    assert [(o.name, o.plugin, o.replaces) for o in template_overrides(host)] == [
        ("fj.overveiw/overview.j2", "", None),
        ("fj.overview/overview.j2", "sections.fujian2018", ROOT / "sections" / "fujian2018" / "templates" / "overview.j2")]
    code, out, err = run(capsys, "--config", str(config), "plugins", "-v")
    assert code == 0, err
    assert f"模板覆盖（{tmp_path / 'overrides'}）：" in out
    assert (f"    fj.overview/overview.j2  代替插件 sections.fujian2018 的 "
            f"{ROOT / 'sections' / 'fujian2018' / 'templates' / 'overview.j2'}") in out
    assert "    fj.overveiw/overview.j2  不会被使用：没有叫这个名字的模板" in out
    assert "README" not in out
    code, out, err = run(capsys, "--config", str(config), "plugins")
    assert "模板覆盖" not in out  # only with -v
    code, out, err = run(capsys, "--config", str(config), "plugins", "--json")
    listed = json.loads(out)["template_overrides"]
    assert [(o["name"], o["plugin"], o["replaces"] is None) for o in listed] == [
        ("fj.overveiw/overview.j2", "", True), ("fj.overview/overview.j2", "sections.fujian2018", False)]
    code, out, err = run(capsys, "--config", str(config), "fields", "fujian-2018")
    assert f"模板：fj.overview/overview.j2  {ROOT / 'sections/fujian2018/templates/overview.j2'}\n" \
           "      已被覆盖：overrides/fj.overview/overview.j2\n" in out  # relative to the working folder


def test_the_renderer_uses_the_override_the_listing_names(tmp_path):
    from plugins.exporters import to_text
    from plugins.engine.render import Renderer
    from plugins.engine.store import load_report

    _overrides(tmp_path)
    host = PluginHost(Config(template_folder=tmp_path / "overrides"), entry_points=False)
    text = to_text(Renderer(host).render(load_report(ROOT / "examples" / "jianou-2018.toml")))
    assert "　　一、概述\n　　本县的概述\n" in text


def test_fields_exits_4_when_a_plugin_did_not_load(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "broken.py").write_text("raise ImportError('没有这个库')\n", encoding="utf-8")
    (tmp_path / "config.toml").write_text('[plugins]\nfolders = ["plugins"]\ndisabled = ["newmedia"]\n', encoding="utf-8")
    code, out, err = run(capsys, "fields", "fujian-2018")
    assert code == 4  # the list lacks whatever the plugin would have added
    assert "插件 broken 已停用：导入失败：ImportError: 没有这个库" in err
    assert "  [fj.overview]  一、概述" in out
