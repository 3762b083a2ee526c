"""What the command-line tests share: a clean working folder and environment for every test
(import ``isolated`` into a test module to make it autouse there), and ``run``."""

from __future__ import annotations

import pytest

from tui.cli import main


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NIANBAO_CONFIG", raising=False)
    monkeypatch.delenv("NIANBAO_TRACE_PLUGINS", raising=False)
    monkeypatch.setenv("NIANBAO_SAFE_MODE", "1")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
