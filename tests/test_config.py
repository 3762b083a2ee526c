"""config.toml: every table's keys are checked (a misspelt key is refused naming the file,
line, table, key and the closest known key), and each plugin has its own settings table,
``[plugins.<name>]``, handed to it through the config object and never checked by the host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.engine.config import CONFIG_TABLES, Config, load_config
from plugins.engine.errors import InputFileError
from plugins.host.manager import PluginHost
from tui.cli import main


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "line", "message"), [
    ('[site]\nregion = "福建省"\nregoin = "福建省"\n', 3,
     "[site] 没有 regoin 这个键，是不是 region？（可用的键：region, unit, unit_level, year, format, language, report）"),
    ('[site]\nlanguage = "zh"\nLanguage = "en"\n', 3, "[site] 没有 Language 这个键，是不是 language？"),
    ('[plugins]\nfolder = ["local_plugins"]\n', 2,
     "[plugins] 没有 folder 这个键，是不是 folders？（可用的键：folders, disabled, safe_mode, time_limit, memory_limit）"),
    ('[plugins]\nsafemode = true\n', 2, "[plugins] 没有 safemode 这个键，是不是 safe_mode？"),
    ('[sections]\n# order first\norder = []\ndisable = ["fj.appeals"]\n', 4,
     "[sections] 没有 disable 这个键，是不是 disabled？（可用的键：order, disabled）"),
    ('[templates]\noverride_folders = "templates"\n', 2, "[templates] 没有 override_folders 这个键，是不是 override_folder？"),
    ('[deadlines]\ngovernmnet = "03-31"\n', 2,
     "[deadlines] 没有 governmnet 这个键，是不是 government？（可用的键：department, government, township, before_2019）"),
    ('[review]\noffices = ["@jyj"]\n', 2, "[review] 没有 offices 这个键，是不是 office？（可用的键：office）"),
    ('[county]\nfolders = "units"\n', 2, "[county] 没有 folders 这个键，是不是 folder？（可用的键：folder）"),
    ('[county]\nfolder = "u"\n[[units]]\nname = "甲"\nlevel = "township"\n[[units]]\nname = "乙"\nlevel = "township"\nfiel = "x"\n',
     9, "[[units]] 第2项 没有 fiel 这个键，是不是 file？（可用的键：name, level, file, accounts）"),
    ('[site]\nregion = "x"\n\n[sitee]\nunit = "x"\n', 4, "没有 [sitee] 这个表，是不是 [site]？（可用的表：[site], [plugins], "),
    ('format = "fujian-2018"\n[site]\n', 1, "没有顶层的 format 这个键：format 是 [site] 中的键，应写在表头 [site] 的下面"),
    ('debg = true\n', 1, "没有顶层的 debg 这个键，是不是 debug？"),
])
def test_a_misspelt_key_is_refused_with_the_closest_known_one(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(InputFileError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:{line}: {message}")


def test_every_table_is_checked():
    """No table of config.toml is read without its keys being known (the issue: only
    [county] and [[units]] were): every table load_config reads is in CONFIG_TABLES."""
    import re

    from plugins.engine import config

    source = Path(config.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'\btable\("(\w+)"\)', source)) | set(re.findall(r'raw\.get\("(\w+)"', source))
    assert {"site", "plugins", "sections", "templates", "deadlines", "county", "units", "review"} <= read
    assert read <= set(CONFIG_TABLES), read - set(CONFIG_TABLES)


def test_a_misspelt_key_stops_the_command_with_status_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIANBAO_CONFIG", raising=False)
    write(tmp_path, '[plugins]\nfolders = []\ndisabeld = ["newmedia"]\n')
    assert main(["plugins"]) == 2
    err = capsys.readouterr().err
    assert err == ("nianbao: config.toml:3: [plugins] 没有 disabeld 这个键，是不是 disabled？"
                   "（可用的键：folders, disabled, safe_mode, time_limit, memory_limit）\n")


def test_the_valid_keys_and_the_plugins_own_tables_are_accepted(tmp_path):
    path = write(tmp_path, 'debug = true\n[site]\nregion = "福建省"\n[plugins]\nfolders = []\n'
                           '[plugins.jo_rules]\nwords = ["月底", "年底"]\nanything = { the = "plugin\'s business" }\n'
                           '[plugins.other]\n')
    config = load_config(path)
    assert config.region == "福建省" and config.raw["debug"] is True
    assert dict(config.plugin_settings("jo_rules")) == {"words": ["月底", "年底"], "anything": {"the": "plugin's business"}}
    assert dict(config.plugin_settings("other")) == {} and dict(config.plugin_settings("absent")) == {}
    with pytest.raises(TypeError):
        config.plugin_settings("jo_rules")["words"] = []  # type: ignore[index]  # read-only
    assert dict(Config().plugin_settings("jo_rules")) == {}


COUNTY_RULES = '''\
"""A county rule whose words come from config.toml [plugins.jo_deadline]."""

from nianbao import Check, hookimpl, warning

WORDS = ["月底", "年底"]


@hookimpl
def nianbao_register_checks(config):
    settings = config.plugin_settings("jo_deadline")
    words = settings.get("words", WORDS)
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError(f"config.toml [plugins.jo_deadline] words 应为字符串列表，现在是 {words!r}")

    def deadline_words(report):
        text = report.values("fj.problems").get("measures") or ""
        if text and not any(w in text for w in words):
            return [warning("fj.problems", "measures", f"改进措施没有写明完成时限（{'、'.join(words)}）", "JO-DEADLINE")]
        return []

    return [Check(id="jo-deadline", section="fj.problems", run=deadline_words)]
'''


def county_host(tmp_path: Path, settings: str) -> PluginHost:
    folder = tmp_path / "county"
    folder.mkdir(exist_ok=True)
    (folder / "jo_deadline.py").write_text(COUNTY_RULES, encoding="utf-8")
    path = write(tmp_path, f'[plugins]\nfolders = ["county"]\n{settings}')
    return PluginHost(load_config(path), entry_points=False)


def test_a_county_plugin_reads_its_own_setting(tmp_path):
    from plugins.engine.checks import check_report
    from test_cli import builtin_host, complete_report

    report = complete_report(builtin_host())
    report.section_data("fj.problems")["measures"] = "下一步将在三季度前完成整改。"

    def rule_messages(host):
        assert host.records["jo_deadline"].state == "loaded", host.records["jo_deadline"].reason
        return [i.message for i in check_report(host, report).issues if i.rule == "JO-DEADLINE"]

    assert rule_messages(county_host(tmp_path, "")) == ["改进措施没有写明完成时限（月底、年底）"]
    # its setting changes what it checks; keys it does not know are its own business
    host = county_host(tmp_path, '[plugins.jo_deadline]\nwords = ["三季度"]\nnote = "not checked by the host"\n')
    assert rule_messages(host) == []
    host = county_host(tmp_path, '[plugins.jo_deadline]\nwords = ["月底"]\n')
    assert rule_messages(host) == ["改进措施没有写明完成时限（月底）"]
    # a value it refuses disables it with its own message
    host = county_host(tmp_path, '[plugins.jo_deadline]\nwords = "月底"\n')
    record = host.records["jo_deadline"]
    assert record.state == "failed"
    assert record.reason == "nianbao_register_checks 出错：ValueError: config.toml [plugins.jo_deadline] words 应为字符串列表，现在是 '月底'"


def test_settings_for_no_plugin_are_a_problem(tmp_path, capsys, monkeypatch):
    """[plugins.jo_dealine]: a misspelt plugin name leaves the plugin on its defaults; said,
    with the closest plugin name, and `check` exits 4."""
    host = county_host(tmp_path, '[plugins.jo_dealine]\nwords = ["三季度"]\n')
    assert host.problems == []  # (entry_points=False: an installed plugin may just not be loaded here)
    config = load_config(tmp_path / "config.toml")
    host = PluginHost(config, entry_points=True)
    assert host.problems == ["config.toml [plugins.jo_dealine] 的设置没有插件使用：没有叫 jo_dealine 的插件，是不是 jo_deadline？"]
    assert PluginHost(config, safe_mode=True).problems == []  # safe mode loads no county plugin
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIANBAO_SAFE_MODE", raising=False)
    monkeypatch.delenv("NIANBAO_CONFIG", raising=False)
    write(tmp_path, '[plugins]\nfolders = ["county"]\ndisabled = ["newmedia"]\n[plugins.jo_dealine]\nwords = ["三季度"]\n')
    assert main(["plugins", "--json"]) == 4
    assert json.loads(capsys.readouterr().out)["problems"] == [
        "config.toml [plugins.jo_dealine] 的设置没有插件使用：没有叫 jo_dealine 的插件，是不是 jo_deadline？"]
