"""A full disk in a real terminal (tmux, and a 256 KiB tmpfs: root only): the operator is
told the save failed and why, ctrl+q asks again, and leaving anyway leaves the text in a
private rescue copy named on the terminal. Nothing typed is lost without a word."""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path

import pytest

from test_tui_pty import REPORT, TMUX, Terminal

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed: the real-terminal tests need it")


def test_ctrl_q_on_a_full_disk_keeps_what_was_typed_and_says_where(tmp_path, tiny_disk):
    report = tiny_disk / f"full-{os.getpid()}.toml"
    report.write_text(REPORT, encoding="utf-8")
    term = Terminal(tmp_path)
    rescued = []
    try:
        term.start(report, stay=True)
        term.wait_for("一、概述")
        term.wait_for("原有的总述")
        st = os.statvfs(tiny_disk)
        with open(tiny_disk / "filler", "wb") as f:  # the disk fills up while the operator works
            f.write(b"\0" * (st.f_bavail * st.f_frsize))
        term.keys("满盘时输入的文字", literal=True)
        term.wait_for("满盘时输入的文字")
        term.keys("C-s")
        term.wait_for("磁盘已满")
        term.keys("C-q")
        term.wait_for("坚持退出")
        term.keys("C-q")
        assert term.exit_status() == 0
        screen = term.wait_for("未保存的内容已另存为")
        rescued = sorted(Path(tempfile.gettempdir()).glob(f"{report.name}.unsaved-*"))
        assert len(rescued) == 1 and str(rescued[0]) in screen.replace("\n", "")
        assert "满盘时输入的文字" in tomllib.loads(rescued[0].read_text(encoding="utf-8"))["fj"]["overview"]["intro"]
        assert rescued[0].stat().st_mode & 0o077 == 0
        assert report.read_text(encoding="utf-8") == REPORT  # untouched, and nothing left beside it
        assert sorted(p.name for p in tiny_disk.iterdir() if not p.name.startswith(f".{report.name}.journal")) == \
            sorted(["filler", report.name, f".{report.name}.lock"])
    finally:
        term.close()
        for p in rescued:
            p.unlink()
