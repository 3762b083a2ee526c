"""docs/plugins.md stays complete and correct as the contract evolves (datasette's
test_plugin_hooks_are_documented, extended): every hook with its exact signature, every
config.toml key, the public API, field types, Section attributes, markup directives and
environment variables; and the plugins the guide tells people to write actually load."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

import pytest

import nianbao
import plugins
from plugins import fields, hookspecs
from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.exporters import to_text
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.report import Report
from plugins.section import Section

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "plugins.md"
DOC = GUIDE.read_text(encoding="utf-8")
HEADINGS = [line for line in DOC.splitlines() if line.startswith("#")]


def hook_signatures() -> list[str]:
    out = []
    for name, func in vars(hookspecs.NianbaoSpecs).items():
        if callable(func) and hasattr(func, "nianbao_spec"):
            params = [p for p in inspect.signature(func).parameters if p != "self"]
            out.append(f"{name}({', '.join(params)})")
    return out


def section_of(heading_text: str) -> str:
    """The text under the heading whose line ends with ``heading_text``, up to the next
    heading of the same or a higher level."""
    lines = DOC.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#") and line.rstrip().endswith(heading_text):
            level = len(line) - len(line.lstrip("#"))
            body = []
            for nxt in lines[i + 1:]:
                if nxt.startswith("#") and len(nxt) - len(nxt.lstrip("#")) <= level:
                    break
                body.append(nxt)
            return "\n".join(body)
    raise AssertionError(f"docs/plugins.md has no heading ending with {heading_text!r}")


def test_there_are_hooks_to_document():
    assert "nianbao_register_sections(config)" in hook_signatures()
    assert len(hook_signatures()) == len([n for n in vars(hookspecs.NianbaoSpecs) if n.startswith("nianbao_")])


@pytest.mark.parametrize("signature", hook_signatures())
def test_every_hook_has_a_heading_with_its_exact_signature(signature):
    assert any(f"`{signature}`" in h for h in HEADINGS), f"docs/plugins.md needs a heading “### `{signature}`”"
    assert section_of(f"`{signature}`").strip(), f"the heading for {signature} has no text under it"


def config_keys() -> list[tuple[str, str]]:
    """(heading, key) of every key in config.toml: ``[table]``, or ``[[table]]`` for an array
    of tables (the keys of all its entries)."""
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    out: list[tuple[str, str]] = []
    for table, values in data.items():
        entries, heading = (values, f"[[{table}]]") if isinstance(values, list) else ([values], f"[{table}]")
        out += [(heading, key) for entry in entries for key in entry if (heading, key) not in out]
    return out


def known_config_keys() -> list[tuple[str, str]]:
    """(heading, key) of every key load_config accepts (plugins.engine.config.CONFIG_TABLES)."""
    from plugins.engine.config import CONFIG_TABLES

    return [(f"[[{t}]]" if t == "units" else f"[{t}]", key) for t, keys in CONFIG_TABLES.items() for key in keys]


@pytest.mark.parametrize(("table", "key"), known_config_keys(), ids=lambda x: x)
def test_every_key_config_toml_may_have_is_documented(table, key):
    body = section_of(f"`{table}`")
    assert re.search(rf"`{re.escape(key)}`", body), f"docs/plugins.md “### `{table}`” does not explain `{key}`"


def test_config_toml_has_keys():
    keys = config_keys()
    assert ("[plugins]", "folders") in keys and ("[sections]", "order") in keys and ("[[units]]", "level") in keys


@pytest.mark.parametrize(("table", "key"), config_keys(), ids=lambda x: x)
def test_every_config_key_is_documented_under_its_table(table, key):
    body = section_of(f"`{table}`")
    assert re.search(rf"`{re.escape(key)}`", body), f"docs/plugins.md “### `{table}`” does not explain `{key}`"


CODE = re.findall(r"```.*?```", DOC, re.S) + re.findall(r"`([^`\n]+)`", DOC)


@pytest.mark.parametrize("name", sorted(set(plugins.__all__) | set(nianbao.__all__)))
def test_public_api_is_documented(name):
    assert any(re.search(rf"(?<![\w.]){name}\b|(?:nianbao|plugins)\.{name}\b", code) for code in CODE), name


FIELD_TYPES = [n for n in fields.__all__ if isinstance(getattr(fields, n), type)
               and (issubclass(getattr(fields, n), fields.Field) and n != "Field" or n in ("GridRow", "GridColumn"))]


@pytest.mark.parametrize("name", FIELD_TYPES + ["field_path"])
def test_field_types_are_documented(name):
    assert f"`{name}" in section_of("字段类型"), name


@pytest.mark.parametrize("attr", [a for a in Section.__annotations__] + ["validate", "context"])
def test_section_attributes_are_documented(attr):
    assert f"`{attr}" in section_of("Section：一个部分"), attr


def markup_directives() -> list[str]:
    from plugins import document

    alternation = re.search(r"::\((.*?)\)\(\?", document._DIRECTIVE.pattern).group(1)
    out = []
    for alt in alternation.split("|"):
        if alt.startswith("h["):
            out += ["::h1", "::h4", "::h2+"]
        else:
            out.append("::" + alt)
    return out


@pytest.mark.parametrize("directive", markup_directives())
def test_markup_directives_are_documented(directive):
    assert directive in section_of("模板与文档标记"), directive


def environment_variables() -> list[str]:
    sources = list((ROOT / "plugins").rglob("*.py")) + [ROOT / "tui" / "cli.py"]
    found = set()
    for path in sources:
        found.update(re.findall(r"[\"'](NIANBAO_[A-Z_]+)[\"']", path.read_text(encoding="utf-8")))
    return sorted(found)


@pytest.mark.parametrize("variable", environment_variables())
def test_environment_variables_are_documented(variable):
    assert f"`{variable}" in section_of("环境变量"), variable


# -- the plugins the guide shows really work -------------------------------------------------

FILE_BLOCK = re.compile(r"```(?:python|jinja)\n(?:# 文件：|\{# 文件：)(\S+?)(?: #\})?\n(.*?)```", re.S)


def test_the_guides_plugins_load_check_and_render(tmp_path):
    files = FILE_BLOCK.findall(DOC)
    assert {path for path, _ in files} >= {"local_plugins/jo_training/__init__.py", "local_plugins/jo_training/training.j2",
                                           "local_plugins/jo_rules.py", "local_plugins/jo_overview/__init__.py",
                                           "local_plugins/jo_overview/overview.j2"}
    for path, text in files:
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    host = PluginHost(Config(plugin_folders=(tmp_path / "local_plugins",)), entry_points=False)
    for name in ("jo_training", "jo_rules", "jo_overview"):
        assert host.records[name].state == "loaded", host.records[name].reason
    assert host.problems == []
    assert [s.id for s in host.sections_for("fujian-2018")] == [
        "jo.overview", "fj.proactive", "fj.requests", "fj.appeals", "fj.problems", "fj.other", "jo.training"]
    report = Report({
        "report": {"unit": "建瓯市人民政府办公室", "year": 2018, "format": "fujian-2018"},
        "jo": {"training": {"sessions": 0, "trainees": 40}, "overview": {"summary": "2018年，全市政务公开工作平稳推进。"}},
        "fj": {"problems": {"measures": "加强培训。"}},
    })
    result = check_report(host, report)
    rules = {(i.section, i.field, i.rule, i.plugin) for i in result.issues}
    assert ("jo.training", "trainees", "JO-TRAIN", "jo_training") in rules
    assert ("fj.problems", "measures", "JO-DEADLINE", "jo_rules") in rules
    assert not result.broken
    text = to_text(Renderer(host).render(report))
    assert "　　七、政务公开培训情况\n　　2018年，未举办政务公开专题培训。\n" in text
    assert "　　一、概述\n　　2018年，全市政务公开工作平稳推进。\n" in text


def test_the_guides_plugin_tests_pass(tmp_path, monkeypatch):
    """§5's tests (nianbao.testing) run against §1's plugin, as a county would run them."""
    import importlib.util

    files = dict(FILE_BLOCK.findall(DOC))
    assert "tests/test_jo_training.py" in files
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # folders=["local_plugins"] is relative, as in a county's repository
    spec = importlib.util.spec_from_file_location("test_jo_training", tmp_path / "tests" / "test_jo_training.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [getattr(module, name) for name in dir(module) if name.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()


def test_the_readme_maps_every_module_of_tui():
    """README's "Finding your way in tui/" names each module there once, and nothing gone."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Finding your way in `tui/`", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `(tui/[\w/]+\.py)` \|", section, re.M))
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tui").rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")}
    assert named == modules, f"not in README: {sorted(modules - named)}; gone: {sorted(named - modules)}"
