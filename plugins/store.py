"""Old path of :mod:`plugins.engine.store`, kept because docs/plugins.md documents it for plugin
code and plugin tests written for API version 1. New code imports :mod:`plugins.engine.store`."""

from .engine.store import load_report, save_report

__all__ = ["load_report", "save_report"]
