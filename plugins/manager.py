"""Old path of :mod:`plugins.host.manager`, kept because docs/plugins.md documents it for plugin
code and plugin tests written for API version 1. New code imports :mod:`plugins.host.manager`."""

from .host.loader import BUILTIN_PLUGINS, PluginRecord
from .host.manager import PluginHost

__all__ = ["BUILTIN_PLUGINS", "PluginHost", "PluginRecord"]
