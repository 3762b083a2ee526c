"""Old path of :mod:`plugins.engine.config`, kept because docs/plugins.md documents it for plugin
code and plugin tests written for API version 1. New code imports :mod:`plugins.engine.config`."""

from .engine.config import Config, load_config

__all__ = ["Config", "load_config"]
