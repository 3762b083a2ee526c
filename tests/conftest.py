"""Shared fixtures. Installed plugin packages are not loaded unless a test asks for them
(``entry_points=True``), so the core's tests see only the built-ins."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from plugins.engine.config import Config
from plugins.host.manager import PluginHost

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# Property tests judge results, never speed: Hypothesis' default 200 ms deadline per example and
# its too-slow health check measure the machine (a CI runner or a developer's shared server
# under load), not the code, and failed the suite there. Speed is measured in bench/.
settings.register_profile("nianbao", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("nianbao")


@pytest.fixture(autouse=True, scope="session")
def _own_state_directory(tmp_path_factory):
    """The interface keeps per-user state (where each report was left, crash logs) under
    $XDG_STATE_HOME: the tests use a folder of their own, never the user's."""
    before = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if before is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = before


@pytest.fixture
def host() -> PluginHost:
    return PluginHost(Config(), entry_points=False)


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def tiny_disk(tmp_path):
    """A real full disk: a 256 KiB tmpfs (root only; skipped where mounting is not allowed —
    the other tests inject the error instead)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real full disk needs root to mount a small tmpfs (the error is injected in the other tests)")
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)  # lazy: a process may still hold it
