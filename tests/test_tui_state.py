"""What the interface keeps for a user outside any report (tui/state.py) and the check of the
terminal's encoding before anything is drawn (tui/terminal.py), without a screen."""

from __future__ import annotations

import pytest

from tui.state import load_position, save_position, state_dir
from tui.terminal import codeset, not_utf8_message


@pytest.mark.parametrize("env,refused", [
    ({"LANG": "zh_CN.GBK"}, True),
    ({"LANG": "zh_CN"}, True),  # the C library reads it as GB2312
    ({"LANG": "zh_CN.GB18030"}, True),
    ({"LANG": "en_US.ISO-8859-1"}, True),
    ({"LANG": "zh_CN.UTF-8"}, False),
    ({"LANG": "zh_CN.utf8"}, False),
    ({"LANG": "C"}, False),  # Python runs the C locale as UTF-8
    ({}, False),
    ({"LANG": "zh_CN.GBK", "LC_ALL": "C.UTF-8"}, False),  # LC_ALL decides
    ({"LANG": "zh_CN.UTF-8", "LC_CTYPE": "zh_CN.GBK"}, True),
])
def test_which_locales_are_refused(env, refused):
    assert (not_utf8_message(env) is not None) is refused


def test_the_message_is_in_the_terminals_own_encoding():
    gbk = not_utf8_message({"LANG": "zh_CN.GBK"})
    assert "请把 SSH 客户端的字符编码改为 UTF-8" in gbk.decode("gbk")
    assert b"nianbao: this terminal is not UTF-8 (LANG=zh_CN.GBK)" in gbk
    latin = not_utf8_message({"LANG": "de_DE.ISO-8859-1"})  # no Chinese in it: the English only
    assert latin.isascii() and latin.startswith(b"nianbao: this terminal is not UTF-8")
    assert codeset("zh_CN.GBK") == "gbk" and codeset("C") is None


def test_the_state_directory_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    assert state_dir() == tmp_path / "s" / "nianbao"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/path")  # ignored, as the specification says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "nianbao"


def test_positions_are_kept_per_report_and_the_oldest_forgotten(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert load_position(a) is None
    assert save_position(a, "fj.proactive", "counts.website.year")
    assert save_position(b, "report", "unit")
    assert load_position(a) == ("fj.proactive", "counts.website.year") and load_position(b) == ("report", "unit")
    assert load_position(tmp_path / "." / "a.toml") == ("fj.proactive", "counts.website.year")  # the same file
    monkeypatch.setattr("tui.state.KEEP_POSITIONS", 2)
    save_position(tmp_path / "c.toml", "report", "")
    assert load_position(a) is None and load_position(b) == ("report", "unit")
    (state_dir() / "positions.json").write_text("{not json", encoding="utf-8")
    assert load_position(b) is None  # unreadable: as the first time
    assert (state_dir().stat().st_mode & 0o777) == 0o700


def test_a_state_directory_that_cannot_be_written_is_no_obstacle(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked))  # a file where the folder should be
    assert save_position(tmp_path / "a.toml", "report", "unit") is False
    assert load_position(tmp_path / "a.toml") is None
