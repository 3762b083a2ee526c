"""Old path of :mod:`plugins.engine.report`, kept because docs/plugins.md documents it for plugin
code and plugin tests written for API version 1. New code imports :mod:`plugins.engine.report`."""

from .engine.report import Report, ReportView

__all__ = ["Report", "ReportView"]
