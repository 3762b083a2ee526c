"""Old path of :mod:`plugins.engine.checks`, kept because docs/plugins.md documents it for plugin
code and plugin tests written for API version 1. New code imports :mod:`plugins.engine.checks`."""

from .engine.checks import CheckResult, check_report

__all__ = ["CheckResult", "check_report"]
