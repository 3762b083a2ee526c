"""The plugin host end to end: discovery (built-ins, installed packages, folders), the worked
example package (a seventh part, added with no change to the core), ordering and switching
off from config.toml, safe mode, isolation of every kind of broken plugin, explicit
replacement and refused duplicates, template overrides, and ``nianbao plugins``.

Broken plugins live in ``tests/fixtures/plugins/<scenario>/`` and are loaded as folder
plugins; the worked example is the installed distribution ``nianbao-newmedia``
(``make test`` installs it editable from ``examples/nianbao-newmedia``).
"""

from __future__ import annotations

import ast
import copy
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugins import API_VERSION, ENTRY_POINT_GROUP, Section, hookimpl
from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.exporters import to_text
from plugins.fields import Line
from plugins.host.loader import BUILTIN_PLUGINS
from plugins.host.manager import PluginHost, host_from_env
from plugins.engine.render import Renderer
from plugins.engine.report import Report
from plugins.engine.store import load_report, save_report
from tui import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "plugins"
REPORT = FIXTURES / "report.toml"
EXAMPLE = ROOT / "examples" / "nianbao-newmedia"
FORMAT = "fujian-2018"
BUILTIN_IDS = ["fj.overview", "fj.proactive", "fj.requests", "fj.appeals", "fj.problems", "fj.other"]
BROKEN = ("import_error", "misspelt_hook", "hook_raises", "wrong_type", "wrong_api")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for var in ("NIANBAO_SAFE_MODE", "NIANBAO_TRACE_PLUGINS", "NIANBAO_CONFIG"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def example_dist():
    try:
        return importlib.metadata.distribution("nianbao-newmedia")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("示例插件 nianbao-newmedia 未安装：运行 make test，或 "
                    ".venv/bin/pip install -e examples/nianbao-newmedia")


def folders(*names: str) -> tuple[Path, ...]:
    return tuple(FIXTURES / n for n in names)


def make_host(*scenarios: str, entry_points: bool = False, **config) -> PluginHost:
    return PluginHost(Config(plugin_folders=folders(*scenarios), **config), entry_points=entry_points)


def ids(host: PluginHost) -> list[str]:
    return [s.id for s in host.sections_for(FORMAT)]


def report() -> Report:
    return load_report(REPORT)


def edited(**sections) -> Report:
    """The fixture report with some section tables changed (``{"jo.newmedia": {...}}``)."""
    r = report()
    data = copy.deepcopy(r.data)
    for sid, changes in sections.items():
        node = data
        for part in sid.split("."):
            node = node.setdefault(part, {})
        node.update(changes)
    return Report(data, r.path)


def render_text(host: PluginHost, r: Report | None = None) -> str:
    return to_text(Renderer(host).render(r or report()))


def issue_keys(result, sections=None) -> set[tuple]:
    return {(i.severity, i.section, i.field, i.rule, i.message) for i in result.issues
            if sections is None or i.section in sections}


def builtin_parts(document) -> dict[str, str]:
    """The markup of each built-in part of a rendered document."""
    return {p.section.id: p.markup for p in document.parts if p.section.id in BUILTIN_IDS}


def builtin_baseline():
    """What the built-ins alone make of the fixture report: the yardstick for isolation."""
    host = PluginHost(Config(), entry_points=False)
    return host, check_report(host, report()), Renderer(host).render(report())


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def folders_toml(*scenarios: str) -> str:
    return "folders = [" + ", ".join(json.dumps(str(p)) for p in folders(*scenarios)) + "]"


# -- discovery ------------------------------------------------------------------------------

def test_builtins_are_registered_like_any_plugin():
    host = PluginHost(Config(), entry_points=False)
    assert list(host.records) == list(BUILTIN_PLUGINS)
    assert all(r.state == "loaded" and r.source == "builtin" for r in host.records.values())
    assert host.records["sections.fujian2018"].sections == BUILTIN_IDS
    assert host.records["sections.fujian2018"].formats == [FORMAT]
    assert "report:document" in host.records["sections.common"].checks
    assert host.records["plugins.exporters"].exporters == ["txt", "md"]
    assert {"md", "txt"} <= set(host.exporters)
    assert ids(host) == BUILTIN_IDS
    assert host.problems == []


def test_entry_points_find_the_installed_example(example_dist):
    host = PluginHost(Config(), entry_points=True)
    record = host.records["newmedia"]
    assert record.state == "loaded", record.reason
    assert record.source == "package"
    assert record.version == example_dist.version
    assert record.location == "nianbao-newmedia (nianbao_newmedia)"
    assert record.sections == ["jo.newmedia"]
    assert record.checks == ["fj.proactive:jo-website-first"]
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    assert eps["newmedia"] == "nianbao_newmedia"


def test_installed_packages_are_skipped_without_entry_points(example_dist):
    host = PluginHost(Config(), entry_points=False)
    assert "newmedia" not in host.records
    assert "jo.newmedia" not in ids(host)


def test_folder_modules_and_packages_are_loaded():
    host = make_host("good")
    rules, pkg = host.records["county_rules"], host.records["county_pkg"]
    assert (rules.state, rules.source, rules.version) == ("loaded", "folder", "0.3")
    assert rules.location == str(FIXTURES / "good" / "county_rules.py")
    assert rules.checks == ["report:jo-addressee"]
    assert (pkg.state, pkg.source, pkg.sections) == ("loaded", "folder", ["tf.contacts"])
    # _helper.py raises if imported: names starting with "_" are never loaded.
    assert "_helper" not in host.records
    assert ids(host) == BUILTIN_IDS + ["tf.contacts"]
    # The package's relative import and its template filter (nianbao_prepare_jinja2_environment) work.
    assert "咨询电话：（0599）3833124。" in render_text(host)
    # Its check runs on the metadata.
    r = report()
    del r.data["report"]["addressee"]
    found = [i for i in check_report(host, r).issues if i.rule == "JO-ADDR"]
    assert [(i.section, i.field, i.plugin) for i in found] == [("report", "addressee", "county_rules")]


def test_a_missing_plugin_folder_is_reported_not_fatal(tmp_path):
    host = PluginHost(Config(plugin_folders=(tmp_path / "nope",)), entry_points=False)
    assert host.problems == [f"插件文件夹不存在：{tmp_path / 'nope'}（config.toml [plugins] folders）"]
    assert ids(host) == BUILTIN_IDS


def test_a_failing_entry_point_does_not_stop_the_others(monkeypatch, example_dist):
    # pluggy's load_setuptools_entrypoints stops at the first import error; the host must not.
    from plugins.host import entrypoints

    real = entrypoints.installed_entry_points

    def entry_points(group):
        found = list(real(group) or [])
        if group == ENTRY_POINT_GROUP:
            found.insert(0, importlib.metadata.EntryPoint("aaa_broken", "nianbao_fixture_not_installed", ENTRY_POINT_GROUP))
        return found

    monkeypatch.setattr(entrypoints, "installed_entry_points", entry_points)
    host = PluginHost(Config(), entry_points=True)
    broken = host.records["aaa_broken"]
    assert broken.state == "failed"
    assert broken.reason == "导入失败：ModuleNotFoundError: No module named 'nianbao_fixture_not_installed'"
    assert "Traceback" in broken.detail
    assert host.records["newmedia"].state == "loaded"
    assert ids(host) == BUILTIN_IDS + ["jo.newmedia"]


def test_unreachable_contributions_are_reported():
    host = make_host("unreachable")
    record = host.records["mistyped_ids"]
    assert record.state == "loaded"
    check_msg = "插件 mistyped_ids 的检查 tf-typo 针对的部分 fj.proactiv 未加载（不存在、已被替换或未启用），这条检查不会运行"
    format_msg = "插件 mistyped_ids 的部分 tf.orphan 所属的格式 fujian2018 都未加载，这一部分不会出现在报告中"
    assert host.problems == [check_msg, format_msg]
    assert record.notes == [check_msg, format_msg]
    assert "tf.orphan" not in ids(host)


# -- the worked example: a seventh part with no change to the core -------------------------

def test_seventh_section_comes_last_by_its_number(example_dist):
    host = PluginHost(Config(), entry_points=True)
    assert ids(host) == BUILTIN_IDS + ["jo.newmedia"]
    section = host.section("jo.newmedia")
    assert (section.number, section.heading, section.formats, section.api_version) == (7, "政务新媒体情况", (FORMAT,), API_VERSION)


def test_seventh_section_renders(example_dist):
    host = PluginHost(Config(), entry_points=True)
    document = Renderer(host).render(report())
    assert [p.heading for p in document.parts][-1] == "七、政务新媒体情况"
    assert not [p for p in document.parts if p.error]
    text = to_text(document)
    assert "需要说明的其他事项与附表和政务新媒体情况等七部分组成" in text
    assert "共开设政务新媒体账号2个（微信公众号1个、微博1个），全年通过政务新媒体发布信息1250条；关停整合更新缓慢、无力维护的账号2个。" in text
    table = next(b.table for b in document.blocks if b.kind == "table" and b.text == "政务新媒体账号情况")
    assert [[c.text for c in row] for row in table.body] == [
        ["1", "微信公众号", "今日建瓯", "建瓯市人民政府办公室", "1000"],
        ["2", "微博", "平安建瓯", "建瓯市公安局", "250"],
        ["合计", "1250"],
    ]
    assert table.body[-1][0].colspan == 4
    assert "全年通过政务新媒体收到网民留言120条，回复120条，回复率100.0%；通过政务新媒体回应社会关切15次。" in text
    # The six built-in parts are exactly what they are without the plugin.
    assert builtin_parts(document) == builtin_parts(Renderer(PluginHost(Config(), entry_points=False)).render(report()))


def test_seventh_section_is_checked(example_dist):
    host = PluginHost(Config(), entry_points=True)
    _, baseline, _ = builtin_baseline()
    assert issue_keys(check_report(host, report())) == issue_keys(baseline)  # nothing to say about the fixture
    r = edited(**{"jo.newmedia": {"replies": 130, "accounts": [
        {"platform": "wechat", "name": "今日建瓯", "posts": 1000},
        {"platform": "wechat", "name": "今日建瓯", "posts": 0},
    ]}})
    found = {(i.severity, i.field, i.rule, i.plugin) for i in check_report(host, r).for_section("jo.newmedia")}
    assert found == {
        ("error", "replies", "NM1", "newmedia"),
        ("warning", "accounts[1].posts", "NM3", "newmedia"),
        ("warning", "accounts[1].name", "NM4", "newmedia"),
        ("warning", "posts_total", "NM5", "newmedia"),  # 第二部分 quotes 1250, the accounts add up to 1000
    }
    # Field types are checked by the host from the declarations, as for any section.
    r = edited(**{"jo.newmedia": {"messages": "很多", "accounts": [{"platform": "qq", "name": "x", "posts": 30}]}})
    found = {(i.field, i.rule) for i in check_report(host, r).for_section("jo.newmedia")}
    assert ("messages", "V-NUMFMT") in found and ("accounts[0].platform", "V-FIELD") in found


def test_example_adds_a_check_to_a_builtin_section(example_dist):
    host = PluginHost(Config(), entry_points=True)
    r = edited(**{"fj.proactive": {"counts": {"total": {"year": 2589, "cumulative": 46269},
                                              "website": {"year": 2500, "cumulative": 46000},
                                              "gazette": {"year": 0, "cumulative": 0}}}})
    found = [i for i in check_report(host, r).issues if i.rule == "JO-WEB"]
    assert [(i.severity, i.section, i.field, i.plugin) for i in found] == [
        ("warning", "fj.proactive", "counts.website.year", "newmedia")]
    assert "政府网站公开2500条，少于主动公开总数2589条" in found[0].message
    # The built-in section itself is untouched: still the built-in plugin's.
    assert host.plugin_of(host.section("fj.proactive")) == "sections.fujian2018"


def test_example_uses_only_the_public_contract():
    source = EXAMPLE / "nianbao_newmedia" / "__init__.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    project = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            project.add(node.module)
        elif isinstance(node, ast.Import):
            project.update(a.name for a in node.names)
    project = {m for m in project if m.split(".")[0] in ("nianbao", "plugins", "sections", "tui", "textual")}
    # The public API only, by its own name: never the host's modules (``plugins`` still works
    # for plugins written before ``nianbao`` existed, see test_public_api.py).
    assert project and project <= {"nianbao", "nianbao.fields"}, project


def test_example_package_own_tests_pass(example_dist):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                         cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout


# -- order and switching off ---------------------------------------------------------------

def test_order_comes_from_config_then_number(example_dist):
    host = PluginHost(Config(section_order=("fj.overview", "jo.newmedia", "fj.other")), entry_points=True)
    assert ids(host) == ["fj.overview", "jo.newmedia", "fj.other", "fj.proactive", "fj.requests", "fj.appeals", "fj.problems"]
    document = Renderer(host).render(report())
    assert [p.heading for p in document.parts][:3] == ["一、概述", "二、政务新媒体情况", "三、需要说明的其他事项与附表"]
    assert "　　二、政务新媒体情况" in to_text(document)


def test_unknown_ids_in_the_order_are_ignored():
    host = PluginHost(Config(section_order=("xx.unknown", "fj.other")), entry_points=False)
    assert ids(host) == ["fj.other"] + BUILTIN_IDS[:-1]


def _section_plugin(section_id: str, number: int):
    cls = type("Extra", (Section,), {
        "id": section_id, "api_version": API_VERSION, "number": number, "heading": f"附加部分 {section_id}",
        "formats": (FORMAT,), "template": "duplicate.j2", "template_folder": FIXTURES / "duplicate_id" / "templates",
    })

    class Plugin:
        @hookimpl
        def nianbao_register_sections(self):
            return [cls()]

    return Plugin()


def test_order_never_comes_from_load_order():
    plugins = [("p_zeta", _section_plugin("tf.zeta", 8)), ("p_alpha", _section_plugin("tf.alpha", 8)),
               ("p_first", _section_plugin("tf.first", 0))]
    expected = ["tf.first"] + BUILTIN_IDS + ["tf.alpha", "tf.zeta"]
    assert ids(PluginHost(Config(), entry_points=False, extra=plugins)) == expected
    assert ids(PluginHost(Config(), entry_points=False, extra=plugins[::-1])) == expected
    # Folder plugins load after installed packages, yet number 1 of a folder comes first.
    assert ids(make_host("replacement", entry_points=True))[0] == "jo.overview"


def test_disabled_sections_leave_the_report_but_keep_their_data(example_dist):
    host = PluginHost(Config(disabled_sections=("jo.newmedia", "fj.problems")), entry_points=True)
    assert ids(host) == ["fj.overview", "fj.proactive", "fj.requests", "fj.appeals", "fj.other"]
    r = edited(**{"jo.newmedia": {"replies": 999}, "fj.problems": {"problems": "无"}})
    result = check_report(host, r)
    assert not result.for_section("jo.newmedia") and not result.for_section("fj.problems")
    document = Renderer(host).render(r)
    assert [p.heading for p in document.parts][-1] == "五、需要说明的其他事项与附表"
    assert "政务新媒体情况" not in to_text(document)
    assert r.section_data("jo.newmedia")["replies"] == 999


def test_disabled_plugins_by_plugin_or_distribution_name(example_dist):
    for name in ("newmedia", "nianbao-newmedia"):
        host = PluginHost(Config(disabled_plugins=(name,)), entry_points=True)
        record = host.records["newmedia"]
        assert (record.state, record.reason) == ("disabled", "config.toml [plugins] disabled 中列出")
        assert "jo.newmedia" not in ids(host)
        assert not [c for c in host.checks if c.id == "jo-website-first"]
    # A disabled folder plugin is not even imported: the broken one is "disabled", not "failed".
    host = make_host("import_error", "good", disabled_plugins=("broken_import", "county_rules"))
    assert host.records["broken_import"].state == "disabled"
    assert host.records["county_rules"].state == "disabled"
    assert host.records["county_pkg"].state == "loaded"


def test_safe_mode_loads_the_builtins_only(example_dist):
    scenarios = ("good", "import_error", "replacement")
    host = make_host(*scenarios, entry_points=True, safe_mode=True)
    assert host.safe_mode
    assert list(host.records) == list(BUILTIN_PLUGINS)
    assert ids(host) == BUILTIN_IDS
    _, baseline, _ = builtin_baseline()
    assert issue_keys(check_report(host, report())) == issue_keys(baseline)


def test_safe_mode_from_the_environment(monkeypatch, example_dist):
    config = Config(plugin_folders=folders("good"))
    assert "newmedia" in host_from_env(config, entry_points=True).records
    monkeypatch.setenv("NIANBAO_SAFE_MODE", "1")
    host = host_from_env(config, entry_points=True)
    assert host.safe_mode and list(host.records) == list(BUILTIN_PLUGINS)


# -- isolation -------------------------------------------------------------------------------

FAILURES = [
    ("import_error", "broken_import",
     "导入失败：ModuleNotFoundError: No module named 'nianbao_fixture_dependency_that_is_not_installed'"),
    ("misspelt_hook", "misspelt", "不符合钩子约定：未知的钩子 nianbao_register_sectoins，是不是 nianbao_register_sections？"),
    ("hook_raises", "hook_raises", "nianbao_register_sections 出错：KeyError: 'section'"),
    ("wrong_type", "returns_section", "nianbao_register_sections 应返回列表，返回了 Lonely"),
    ("wrong_type", "returns_class", "nianbao_register_sections 应返回 Section 实例，返回了 <class 'nianbao_local.returns_class.Forgotten'>"),
    ("wrong_api", "future_section", "部分 tf.future 按接口版本 2 编写，本程序的接口版本是 1"),
]


@pytest.mark.parametrize(("scenario", "plugin", "reason"), FAILURES, ids=[f[1] for f in FAILURES])
def test_a_broken_plugin_is_disabled_and_everything_else_works(scenario, plugin, reason, example_dist):
    host = make_host(scenario, entry_points=True)
    record = host.records[plugin]
    assert record.state == "failed"
    assert record.reason.startswith(reason), record.reason
    assert record.source == "folder" and record.location.startswith(str(FIXTURES / scenario))
    assert record.sections == [] and record.checks == []
    assert host.pm.get_plugin(plugin) is None  # unregistered: none of its hooks is ever called
    # Everything else: the built-ins and the installed example, checked and rendered as usual.
    assert host.records["newmedia"].state == "loaded"
    assert ids(host) == BUILTIN_IDS + ["jo.newmedia"]
    _, baseline, baseline_document = builtin_baseline()
    assert issue_keys(check_report(host, report())) == issue_keys(baseline)
    document = Renderer(host).render(report())
    assert not [p for p in document.parts if p.error] and len(document.parts) == 7
    assert builtin_parts(document) == builtin_parts(baseline_document)


def test_all_broken_plugins_at_once(example_dist):
    host = make_host(*BROKEN, "good", "validate_raises", "template_raises", entry_points=True)
    failed = sorted(name for name, r in host.records.items() if r.state == "failed")
    assert failed == sorted(f[1] for f in FAILURES)
    assert ids(host) == BUILTIN_IDS + ["jo.newmedia", "tf.contacts", "tf.fragile", "tf.misprinted"]
    result = check_report(host, report())
    assert sorted(result.broken) == ["tf.fragile"]
    document = Renderer(host).render(report())
    assert [p.section.id for p in document.parts if p.error] == ["tf.misprinted"]


def test_a_section_whose_validate_raises_is_reported_and_the_rest_is_checked():
    base_host, base, _ = builtin_baseline()
    host = make_host("validate_raises")
    r = edited(**{"fj.problems": {"problems": "无"}})  # a real finding elsewhere in the report
    result = check_report(host, r)
    message = "插件 validate_raises 在检查本部分时出错：ZeroDivisionError: division by zero"
    assert result.broken == {"tf.fragile": message}
    assert [(i.severity, i.section, i.field, i.rule, i.plugin, i.message) for i in result.for_section("tf.fragile")] == [
        ("error", "tf.fragile", None, "PLUGIN", "validate_raises", message)]
    assert issue_keys(result, BUILTIN_IDS + ["report"]) == issue_keys(check_report(base_host, r))
    assert ("error", "fj.problems", "problems", "V-SEC5") in {k[:4] for k in issue_keys(result)}
    # Its template is fine, so the part still renders.
    document = Renderer(host).render(r)
    assert document.parts[-1].heading == "七、检查时出错的部分" and not document.parts[-1].error


def test_a_section_whose_template_raises_is_shown_broken_and_the_rest_renders():
    _, _, baseline = builtin_baseline()
    host = make_host("template_raises")
    document = Renderer(host).render(report())
    broken = [p for p in document.parts if p.error]
    assert [(p.section.id, p.heading) for p in broken] == [("tf.misprinted", "七、生成时出错的部分")]
    assert broken[0].error == ("本部分无法生成（插件 template_raises 的模板 tf.misprinted/misprinted.j2 第 3 行）："
                               "UndefinedError: 'dict object' has no attribute 'no_such_field'")
    assert [b.text for b in document.blocks if b.kind == "broken"] == [broken[0].error]
    text = to_text(document)
    assert f"【{broken[0].error}】" in text
    assert "这一段不会出现" not in text
    # The six built-in parts are printed exactly as without the plugin.
    assert builtin_parts(document) == builtin_parts(baseline) and len(builtin_parts(document)) == 6
    assert issue_keys(check_report(host, report())) == issue_keys(builtin_baseline()[1])


def test_cli_export_and_check_survive_broken_sections(tmp_path, capsys):
    config = write_config(tmp_path, f"[plugins]\n{folders_toml('validate_raises', 'template_raises')}\n")
    target = tmp_path / "report.toml"
    save_report(report(), target, backup=False)
    # written all the same, but a part could not be made: 4, a plugin did not run (tui/cli.py)
    assert cli.main(["--config", str(config), "export", str(target), "--to", "txt"]) == 4
    out, err = capsys.readouterr()
    assert "注意：有插件没有运行或出错，导出的文档可能缺少它的部分（退出码 4" in err
    # The command line loads installed packages too: 七 is the example's part.
    assert "第九部分 生成时出错的部分：本部分无法生成（插件 template_raises 的模板 tf.misprinted/misprinted.j2 第 3 行）" in err
    for heading in ("六、需要说明的其他事项与附表", "七、政务新媒体情况", "八、检查时出错的部分"):
        assert f"　　{heading}\n" in out
    assert cli.main(["--config", str(config), "check", str(target), "--json"]) == 4  # (4 replaces 1)
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == 4 and data["plugins"]["complete"] is True  # every plugin loaded; one failed checking
    issues = data["files"][0]["issues"]
    assert data["files"][0]["broken"] == {"tf.fragile": issues[0]["message"]}
    assert [(i["section"], i["rule"], i["plugin"]) for i in issues] == [("tf.fragile", "PLUGIN", "validate_raises")]
    assert issues[0]["section_heading"] == "检查时出错的部分"


# -- replacement and duplicate ids -----------------------------------------------------------

def test_a_builtin_section_replaced_explicitly():
    host = make_host("replacement")
    assert ids(host) == ["jo.overview"] + BUILTIN_IDS[1:]
    assert "fj.overview" not in host.sections
    assert host.records["county_overview"].sections == ["jo.overview"]
    builtin = host.records["sections.fujian2018"]
    assert "fj.overview" not in builtin.sections
    assert "部分 fj.overview 已被 county_overview 的 jo.overview 替换" in builtin.notes
    text = render_text(host, edited(**{"jo.overview": {"summary": "2018年，本县政务公开工作平稳推进。"}}))
    assert "　　一、概述\n　　本县自定概述：\n　　2018年，本县政务公开工作平稳推进。\n" in text
    assert "以公开为常态" not in text  # the built-in's data is not printed ...
    assert report().section_data("fj.overview")["intro"]  # ... and stays in the file
    found = {(i.section, i.field, i.rule, i.plugin) for i in check_report(host, report()).issues}
    assert found == {("jo.overview", "summary", "V-REQUIRED", "")}
    # config.toml may still name the replaced id: the replacement takes its place.
    host = make_host("replacement", section_order=("fj.problems", "fj.overview"))
    assert ids(host)[:2] == ["fj.problems", "jo.overview"]
    # Switching off the replaced id switches off its replacement too.
    assert "jo.overview" not in ids(make_host("replacement", disabled_sections=("fj.overview",)))


def test_two_plugins_with_the_same_section_id_are_both_refused():
    host = make_host("duplicate_id")
    assert "tf.duplicate" not in host.sections
    assert ids(host) == BUILTIN_IDS
    assert host.problems == ["部分 id tf.duplicate 被多个插件使用：dup_first、dup_second；都未启用，请在 config.toml 中停用其中一个插件"]
    for name in ("dup_first", "dup_second"):
        assert host.records[name].notes == ["部分 tf.duplicate 未启用（见冲突说明）"]
        assert host.records[name].sections == []
    # Switching one of them off settles it.
    host = make_host("duplicate_id", disabled_plugins=("dup_second",))
    assert host.records["dup_first"].sections == ["tf.duplicate"] and host.problems == []


def test_a_plugin_reusing_a_builtin_id_without_replaces_is_refused_with_the_builtin():
    host = PluginHost(Config(), entry_points=False, extra=[("county", _section_plugin("fj.problems", 5))])
    assert "fj.problems" not in ids(host)
    assert host.problems == ["部分 id fj.problems 被多个插件使用：sections.fujian2018、county；都未启用，请在 config.toml 中停用其中一个插件"]


def test_two_replacements_of_the_same_section_are_both_refused():
    host = make_host("competing_replacements")
    assert ids(host) == BUILTIN_IDS
    assert host.plugin_of(host.section("fj.problems")) == "sections.fujian2018"
    assert host.problems == ["多个部分都要替换 fj.problems：tf.problems_a（problems_a）、tf.problems_b（problems_b）；"
                             "都未启用，请在 config.toml 中停用其中一个插件"]


# -- templates -------------------------------------------------------------------------------

def test_the_override_folder_is_used_instead_of_the_plugins_templates(example_dist):
    plain = render_text(PluginHost(Config(), entry_points=True))
    host = PluginHost(Config(template_folder=FIXTURES / "templates_override"), entry_points=True)
    text = render_text(host)
    assert "　　七、政务新媒体情况\n　　本县改写：共有政务新媒体账号2个，全年发布信息1250条。\n" in text
    assert "账号开设和信息发布情况" not in text and "账号开设和信息发布情况" in plain
    assert "　　一、概述\n　　本县改写的概述。\n" in text
    # Parts without an override are the plugins' own.
    part = "　　二、主动公开政府信息情况"
    assert text[text.index(part):text.index("　　七、")] == plain[plain.index(part):plain.index("　　七、")]


@pytest.mark.parametrize("body, line, reason", [
    # a syntax error: the template never compiles
    ("{% import \"core/macros.j2\" as m %}\n本县改写的概述。\n{% if data.intro %}\n{{ data.intro }}\n",
     4, "TemplateSyntaxError: Unexpected end of template. Jinja was looking for the following tags: "
        "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."),
    # an undefined name, found only while rendering
    ("{% import \"core/macros.j2\" as m %}\n本县改写的概述。\n\n{{ m.paragraphs(data.intro) }}{{ no_such_name }}\n",
     4, "UndefinedError: 'no_such_name' is undefined"),
    # a macro of the host's called with what makes it fail: the county's line that called it
    ("{% import \"core/macros.j2\" as m %}\n{{ m.paragraphs(data.intro) }}\n{{ m.table(year) }}\n",
     3, "UndefinedError: 'int object' has no attribute 'caption'"),
])
def test_a_broken_override_is_blamed_on_its_own_file_and_line(tmp_path, body, line, reason):
    """A county's override of a built-in part's template fails: the message names the
    override's file and line, not the built-in plugin; the other parts are printed."""
    folder = tmp_path / "templates"
    (folder / "fj.overview").mkdir(parents=True)
    override = folder / "fj.overview" / "overview.j2"
    override.write_text(body, encoding="utf-8")
    host = PluginHost(Config(template_folder=folder), entry_points=False)
    document = Renderer(host).render(report())
    [part] = [p for p in document.parts if p.error]
    assert part.section.id == "fj.overview"
    assert part.error == (f"本部分无法生成（模板覆盖 {override} 第 {line} 行（代替插件 sections.fujian2018 的模板；"
                          f"改正这个文件，或把它移出 config.toml [templates] override_folder））：{reason}")
    assert [b.text for b in document.blocks if b.kind == "broken"] == [part.error]
    baseline = Renderer(PluginHost(Config(), entry_points=False)).render(report())
    assert [p.markup for p in document.parts[1:]] == [p.markup for p in baseline.parts[1:]]
    # safe mode ignores the county's overrides as it ignores its plugins: the built-in template
    safe = Renderer(PluginHost(Config(template_folder=folder), safe_mode=True, entry_points=False)).render(report())
    assert [p.markup for p in safe.parts] == [p.markup for p in baseline.parts] and not any(p.error for p in safe.parts)


def test_a_broken_document_template_override_is_blamed_on_it(tmp_path):
    folder = tmp_path / "templates"
    (folder / FORMAT).mkdir(parents=True)
    override = folder / FORMAT / "document.j2"
    override.write_text("::title {{ meta.unit }}\n{{ meta.unit | no_such_filter }}\n", encoding="utf-8")
    host = PluginHost(Config(template_folder=folder), entry_points=False)
    with pytest.raises(Exception) as caught:
        Renderer(host).render(report())
    assert str(caught.value).startswith(f"模板覆盖 {override} 第 2 行（代替插件 sections.fujian2018 的模板；")
    assert "No filter named 'no_such_filter'" in str(caught.value)
    # the command line says it as the reason the document could not be made
    config = write_config(tmp_path, f'[templates]\noverride_folder = "{folder}"\n')
    target = tmp_path / "r.toml"
    save_report(report(), target, backup=False)
    assert cli.main(["--config", str(config), "export", str(target)]) == 2
    assert cli.main(["--config", str(config), "--safe-mode", "export", str(target)]) == 0


def test_safe_mode_lists_no_overrides(tmp_path, capsys):
    from plugins.engine.render import template_overrides

    config = Config(template_folder=FIXTURES / "templates_override")
    assert [o.name for o in template_overrides(PluginHost(config, entry_points=False))] == [
        "fj.overview/overview.j2", "jo.newmedia/newmedia.j2"]
    assert template_overrides(PluginHost(config, safe_mode=True, entry_points=False)) == []


def test_templates_are_namespaced_by_section(tmp_path):
    plugins = []
    for sid, words in (("tf.one", "第一个插件的模板"), ("tf.two", "第二个插件的模板")):
        folder = tmp_path / sid
        folder.mkdir()
        (folder / "section.j2").write_text(words + "：{{ data.name }}\n", encoding="utf-8")
        cls = type("S", (Section,), {"id": sid, "api_version": API_VERSION, "number": 8, "heading": sid,
                                     "formats": (FORMAT,), "template_folder": folder,
                                     "fields": (Line(key="name", label="名称", required=False),)})
        plugins.append((sid, type("P", (), {"nianbao_register_sections": hookimpl(lambda self, c=cls: [c()])})()))
    host = PluginHost(Config(), entry_points=False, extra=plugins)
    text = render_text(host, edited(**{"tf.one": {"name": "甲|{c=9}"}, "tf.two": {"name": "乙::h1"}}))
    assert "第一个插件的模板：甲|{c=9}" in text and "第二个插件的模板：乙::h1" in text


# -- nianbao plugins -------------------------------------------------------------------------

def test_cli_plugins_json(tmp_path, capsys, example_dist):
    config = write_config(tmp_path, f"[plugins]\n{folders_toml('good', 'import_error', 'duplicate_id')}\n")
    assert cli.main(["--config", str(config), "plugins", "--json"]) == 4  # a plugin failed
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["safe_mode"] is False and data["complete"] is False
    by_name = {p["name"]: p for p in data["plugins"]}
    for p in data["plugins"]:
        assert {"name", "version", "source", "sections", "state", "reason"} <= set(p)
    assert [n for n in by_name if by_name[n]["source"] == "builtin"] == list(BUILTIN_PLUGINS)
    assert by_name["sections.fujian2018"]["sections"] == BUILTIN_IDS
    newmedia = by_name["newmedia"]
    assert (newmedia["version"], newmedia["source"], newmedia["sections"], newmedia["state"], newmedia["reason"]) == (
        example_dist.version, "package", ["jo.newmedia"], "loaded", "")
    assert by_name["county_pkg"]["source"] == "folder" and by_name["county_pkg"]["sections"] == ["tf.contacts"]
    broken = by_name["broken_import"]
    assert broken["state"] == "failed" and broken["reason"].startswith("导入失败：ModuleNotFoundError")
    assert data["problems"] == ["部分 id tf.duplicate 被多个插件使用：dup_first、dup_second；都未启用，请在 config.toml 中停用其中一个插件"]
    assert err == ""  # (listed in the output, not said twice)


def test_cli_plugins_text(tmp_path, capsys, example_dist):
    config = write_config(tmp_path, f"[plugins]\n{folders_toml('import_error')}\ndisabled = [\"plugins.exporters\"]\n")
    assert cli.main(["--config", str(config), "plugins"]) == 4
    out = capsys.readouterr().out
    assert f"newmedia {example_dist.version}  [已安装的包] 已加载\n    来源：nianbao-newmedia (nianbao_newmedia)\n    部分：jo.newmedia\n    检查：fj.proactive:jo-website-first\n" in out
    assert "broken_import  [插件文件夹] 已停用（出错）\n" in out
    assert "    原因：导入失败：ModuleNotFoundError: No module named 'nianbao_fixture_dependency_that_is_not_installed'\n" in out
    assert "plugins.exporters  [内置] 已停用（配置）\n    来源：plugins.exporters\n    原因：config.toml [plugins] disabled 中列出\n" in out
    assert "Traceback" not in out
    assert cli.main(["--config", str(config), "plugins", "--verbose"]) == 4
    assert "    Traceback (most recent call last):" in capsys.readouterr().out


def test_cli_safe_mode(tmp_path, capsys, monkeypatch):
    config = write_config(tmp_path, f"[plugins]\n{folders_toml('good', 'import_error')}\n")
    assert cli.main(["--config", str(config), "--safe-mode", "plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["safe_mode"] is True and [p["name"] for p in data["plugins"]] == list(BUILTIN_PLUGINS)
    monkeypatch.setenv("NIANBAO_SAFE_MODE", "1")
    assert cli.main(["--config", str(config), "plugins"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("安全模式：只加载内置插件\n") and "broken_import" not in out
    config = write_config(tmp_path, f"[plugins]\n{folders_toml('good')}\nsafe_mode = true\n")
    monkeypatch.delenv("NIANBAO_SAFE_MODE")
    assert cli.main(["--config", str(config), "plugins", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["safe_mode"] is True


def test_trace_plugins_prints_every_hook_call(tmp_path, capsys, monkeypatch, example_dist):
    config = write_config(tmp_path, f"[plugins]\n{folders_toml('good', 'hook_raises')}\n")
    monkeypatch.setenv("NIANBAO_TRACE_PLUGINS", "1")
    assert cli.main(["--config", str(config), "plugins"]) == 4  # (hook_raises failed)
    err = capsys.readouterr().err
    assert "nianbao trace: newmedia: nianbao_register_sections(config) -> [<Section jo.newmedia>]" in err
    assert "nianbao trace: sections.fujian2018: nianbao_register_formats() -> [ReportFormat(id='fujian-2018'" in err
    assert "nianbao trace: hook_raises: nianbao_register_sections(config) -> 出错 KeyError: 'section'" in err
    target = tmp_path / "r.toml"
    save_report(report(), target, backup=False)
    assert cli.main(["--config", str(config), "export", str(target)]) == 4
    assert "nianbao trace: county_pkg: nianbao_prepare_jinja2_environment(env) -> None" in capsys.readouterr().err
    monkeypatch.delenv("NIANBAO_TRACE_PLUGINS")
    assert cli.main(["--config", str(config), "plugins"]) == 4
    assert "nianbao trace" not in capsys.readouterr().err


def test_a_replacement_takes_the_replaced_sections_place():
    """Without any [sections] order, a replacement is printed where the built-in was,
    whatever number it declares itself."""
    host = make_host("replacement", entry_points=False)
    ids = [s.id for s in host.sections_for("fujian-2018")]
    replacing = next(s for s in host.sections.values() if s.replaces == "fj.overview")
    assert ids[0] == replacing.id
    assert "fj.overview" not in ids


def test_an_override_reaches_every_exporter(example_dist):
    """Exporters receive rendered blocks and never re-render, so the county's wording is in
    the text, Markdown, HTML and Word files alike."""
    import io

    import docx

    from plugins.engine.render import Renderer
    from plugins.engine.store import load_report

    host = PluginHost(Config(template_folder=FIXTURES / "templates_override"), entry_points=True)
    document = Renderer(host).render(load_report(FIXTURES / "report.toml"))
    for exporter_id in ("txt", "md", "html", "docx"):
        output = host.exporters[exporter_id].export(document)
        if isinstance(output, bytes):
            output = "\n".join(p.text for p in docx.Document(io.BytesIO(output)).paragraphs)
        assert "本县改写的概述。" in output, exporter_id


def test_the_documented_old_module_paths_still_work():
    """docs/plugins.md §3 and §5 named these paths (a county's plugin and its tests import them):
    since plugins/ was grouped into sub-packages they re-export the same objects."""
    import importlib

    from plugins import formatting
    from plugins.engine import checks, config, render, report, store
    from plugins.host import loader, manager
    moved = {"plugins.checks": {"CheckResult": checks, "check_report": checks},
             "plugins.config": {"Config": config, "load_config": config},
             "plugins.manager": {"BUILTIN_PLUGINS": loader, "PluginHost": manager, "PluginRecord": loader},
             "plugins.render": {"Renderer": render, "cn_date": formatting, "cn_numeral": formatting, "percent": formatting},
             "plugins.report": {"Report": report, "ReportView": report},
             "plugins.store": {"load_report": store, "save_report": store}}
    for old, names in moved.items():
        module = importlib.import_module(old)
        assert sorted(module.__all__) == sorted(names), old
        for name, new in names.items():
            assert getattr(module, name) is getattr(new, name), f"{old}.{name}"
    from plugins.exporters import to_text  # documented in §5; the package is the text exporter
    assert callable(to_text)
