"""Shared fixtures. Installed plugin packages are not loaded unless a test asks for them
(``entry_points=True``), so the core's tests see only the built-ins."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.config import Config
from plugins.manager import PluginHost

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def host() -> PluginHost:
    return PluginHost(Config(), entry_points=False)


@pytest.fixture
def root() -> Path:
    return ROOT
