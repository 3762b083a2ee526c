"""The interface in a real pseudo-terminal (tmux), as an operator over SSH would have it:
Chinese typed through the terminal reaches the file when the connection drops (SIGHUP),
and bytes that are not UTF-8 (a GBK client) do not bring the app down.

Each test uses its own tmux server (``-L``), so nothing touches a tmux the user runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from plugins.store import ReportLock

ROOT = Path(__file__).resolve().parent.parent
TMUX = shutil.which("tmux")

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal tests need it")

REPORT = """\
[report]
unit = "建瓯市人民政府办公室"
unit_level = "government"
year = 2018
format = "fujian-2018"

[fj.overview]
intro = "原有的总述。"
"""


class Terminal:
    """A detached 80x24 tmux session running one command."""

    def __init__(self, tmp_path: Path):
        self.socket = f"nianbao-test-{os.getpid()}-{tmp_path.name}"
        self.tmp_path = tmp_path

    def tmux(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([TMUX, "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        if check and done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {done.stderr}")
        return done.stdout

    def start(self, report: Path) -> int:
        env = f"PYTHONPATH={ROOT} NIANBAO_CONFIG={self.tmp_path / 'none.toml'} LANG=C.UTF-8 LC_ALL=C.UTF-8"
        command = f"cd {self.tmp_path} && exec env {env} {sys.executable} -m tui edit {report}"
        self.tmux("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "80", "-y", "24", command)
        return int(self.tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip())

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t", check=False)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{self.screen()}")

    def keys(self, *keys: str, literal: bool = False, hex_bytes: bool = False) -> None:
        flags = ["-l"] if literal else ["-H"] if hex_bytes else []
        self.tmux("send-keys", "-t", "t", *flags, *keys)

    def hang_up(self) -> None:
        """What a dropped SSH connection does: the terminal goes away (SIGHUP)."""
        self.tmux("kill-session", "-t", "t", check=False)

    def close(self) -> None:
        self.tmux("kill-server", check=False)


def gone(pid: int, timeout: float = 15.0) -> bool:
    """Whether the process has ended (waiting up to ``timeout``; no timing is asserted)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


@pytest.fixture
def term(tmp_path):
    t = Terminal(tmp_path)
    yield t
    t.close()


@pytest.fixture
def report(tmp_path) -> Path:
    path = tmp_path / "copy.toml"
    path.write_text(REPORT, encoding="utf-8")
    return path


def test_chinese_typed_in_a_terminal_is_saved_when_the_connection_drops(term, report):
    pid = term.start(report)
    term.wait_for("一、概述")
    term.keys("县级报告（草稿），数量：１２３。", literal=True)
    term.wait_for("县级报告（草稿）")
    term.hang_up()  # at once: well before the one-second autosave
    try:
        assert gone(pid), "the app kept running after SIGHUP"
    finally:
        if not gone(pid, 0):
            os.kill(pid, signal.SIGKILL)  # only the app this test started
    data = tomllib.loads(report.read_text(encoding="utf-8"))
    assert data["fj"]["overview"]["intro"] == "县级报告（草稿），数量：１２３。原有的总述。"
    ReportLock(report).acquire().release()  # the lock was released (acquiring it would raise ReportLocked)


def test_gbk_bytes_from_the_terminal_do_not_crash_the_app(term, report):
    pid = term.start(report)
    term.wait_for("一、概述")
    term.keys("b1", "a8", "b8", "e6", hex_bytes=True)  # "报告" in GBK: not UTF-8
    term.keys("ok", literal=True)
    term.wait_for("ok")
    term.wait_for("UTF-8")  # the operator is told what is wrong
    assert not gone(pid, 0.5), "the app died on bytes that are not UTF-8"
    term.keys("C-q")
    assert gone(pid)
    intro = tomllib.loads(report.read_text(encoding="utf-8"))["fj"]["overview"]["intro"]
    assert "ok" in intro and intro.endswith("原有的总述。")


def test_after_sigkill_the_file_is_intact_with_what_was_autosaved(term, report):
    pid = term.start(report)
    term.wait_for("一、概述")
    term.keys("断电前输入的内容", literal=True)
    term.wait_for("断电前输入的内容")
    deadline = time.monotonic() + 20
    while "断电前输入的内容" not in report.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.1)  # saved continuously: no key, no quitting
    os.kill(pid, signal.SIGKILL)
    assert gone(pid)
    data = tomllib.loads(report.read_text(encoding="utf-8"))  # complete, parseable
    assert data["fj"]["overview"]["intro"] == "断电前输入的内容原有的总述。"
    assert data["report"]["unit"] == "建瓯市人民政府办公室"
