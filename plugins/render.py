"""Old path of :mod:`plugins.engine.render`, kept because docs/plugins.md documents it for plugin
code and plugin tests written for API version 1. New code imports :mod:`plugins.engine.render`."""

from .engine.render import Renderer
from .formatting import cn_date, cn_numeral, percent

__all__ = ["Renderer", "cn_date", "cn_numeral", "percent"]
