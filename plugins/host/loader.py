"""Finding and importing plugins, each inside its own guard: the built-ins, then installed
packages of the ``nianbao`` entry-point group, then the modules in the folders named in
``config.toml``. pluggy isolates nothing (one failing import stops entry-point loading), so a
plugin that fails to import or to register is recorded with the reason and left out, and a
partial registration is rolled back; the rest load. What the loaded plugins supply is
collected by :mod:`plugins.host.registry`.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from .. import ENTRY_POINT_GROUP, hookspecs
from . import entrypoints, guard
from ..engine.config import Config
from ..engine.errors import closest_hint

__all__ = ["BUILTIN_PLUGINS", "SOURCE_LABELS", "STATE_LABELS", "PluginLoader", "PluginRecord", "module_from_file"]

#: Built-in plugins, registered exactly like a county's: sections, common checks, exporters.
BUILTIN_PLUGINS = ("sections.fujian2018", "sections.national2021", "sections.common", "plugins.exporters", "plugins.exporters.office",
                   "plugins.importers.record")

#: How ``nianbao plugins``, ``check`` and the interface name a plugin's source and state.
SOURCE_LABELS = {"builtin": "内置", "package": "已安装的包", "folder": "插件文件夹", "extra": "附加"}
STATE_LABELS = {"loaded": "已加载", "failed": "已停用（出错）", "disabled": "已停用（配置）"}


@dataclass
class PluginRecord:
    """What ``nianbao plugins`` shows about one plugin."""

    name: str
    source: str  # builtin | package | folder
    location: str  # module, distribution or file
    version: str = ""
    state: str = "loaded"  # loaded | failed | disabled
    reason: str = ""
    detail: str = ""  # traceback, for --verbose
    sections: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    exporters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "location": self.location,
            "state": self.state,
            "reason": self.reason,
            "sections": self.sections,
            "formats": self.formats,
            "checks": self.checks,
            "exporters": self.exporters,
            "notes": self.notes,
        }

    def describe(self) -> str:
        """One line for a plugin that does not run: ``broken（插件文件夹 county/broken.py）
        已停用（出错）：导入失败：…``: the name, where it came from and why."""
        where = f"{SOURCE_LABELS.get(self.source, self.source)} {self.location}"
        return f"{self.name}（{where}）{STATE_LABELS.get(self.state, self.state)}：{self.reason}"

    def fail(self, reason: str, exc: BaseException | None = None) -> None:
        """Disabled because it failed: why, and the traceback for ``--verbose``."""
        self.state, self.reason = "failed", reason
        if isinstance(exc, guard.PluginError):
            self.detail = exc.detail
        elif exc is not None:
            import traceback  # only a failing plugin needs it

            self.detail = "".join(traceback.format_exception(exc))


def module_from_file(path: Path) -> ModuleType:
    # A private namespace in sys.modules, so two counties' "overview.py" cannot collide
    # with each other or with an installed module of the same name.
    name = f"nianbao_local.{re.sub(r'[^0-9A-Za-z_]', '_', path.stem if path.is_file() else path.name)}"
    target = path if path.is_file() else path / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        name, target, submodule_search_locations=[str(path)] if path.is_dir() else None
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def explain_validation(exc: BaseException) -> str:
    """pluggy's English message, in Chinese and with a suggestion for a misspelt hook."""
    m = re.search(r"unknown hook '(\w+)'", str(exc))
    if m is None:
        return str(exc)
    known = [n for n in dir(hookspecs.NianbaoSpecs) if n.startswith("nianbao_")]
    hint = closest_hint(m.group(1), known) or f"（可用的钩子：{', '.join(known)}）"
    return f"未知的钩子 {m.group(1)}{hint}"


class PluginLoader:
    """Imports plugins and registers them with pluggy, one at a time, into ``records``
    (name -> :class:`PluginRecord`, in load order); ``problems`` gets what is wrong with
    the set-up itself (a plugin folder that does not exist)."""

    def __init__(self, pm: pluggy.PluginManager, config: Config, problems: list[str]):
        self.pm = pm
        self.config = config
        self.records: dict[str, PluginRecord] = {}
        self.problems = problems

    def load_all(self, *, safe_mode: bool, entry_points: bool, extra: Any = ()) -> dict[str, PluginRecord]:
        """Built-ins always; installed packages (``entry_points``) and plugin folders unless
        in safe mode; then ``extra`` ``(name, object)`` pairs (tests, embedding)."""
        for name in BUILTIN_PLUGINS:
            self.load(name, "builtin", name, lambda n=name: importlib.import_module(n))
        if not safe_mode:
            if entry_points:
                self.load_entry_points()
            self.load_folders()
        for name, obj in extra:
            self.load(name, "extra", repr(obj), lambda o=obj: o)
        return self.records

    def load(self, name: str, source: str, location: str, importer, version: str = "") -> None:
        record = PluginRecord(name, source, location, version)
        if name in self.records:
            record.state, record.reason = "failed", f"与已加载的插件重名：{name}"
            self.records[f"{name} ({location})"] = record
            return
        self.records[name] = record
        if name in self.config.disabled_plugins:
            record.state, record.reason = "disabled", "config.toml [plugins] disabled 中列出"
            return
        try:
            plugin = guard.call(importer)
        except guard.PluginError as exc:  # an import may raise anything, even SystemExit
            record.fail(f"导入失败：{exc}", exc)
            return
        if not record.version:
            record.version = getattr(plugin, "__version__", "") or ""
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except BaseException as exc:  # noqa: BLE001
            if self.pm.has_plugin(name) or self.pm.get_plugin(name) is not None:
                self.pm.unregister(name=name)
            record.fail(f"不符合钩子约定：{explain_validation(exc)}", exc)
            return
        if not self.pm.get_hookcallers(plugin):
            record.notes.append("没有实现任何 nianbao_ 钩子")

    def load_entry_points(self) -> None:
        eps = sorted(entrypoints.entry_points(ENTRY_POINT_GROUP), key=lambda e: e.name)
        for ep in eps:
            dist = getattr(ep, "dist", None)
            version = dist.version if dist is not None else ""
            location = f"{dist.name if dist is not None else '?'} ({ep.value})"
            if dist is not None and dist.name in self.config.disabled_plugins:
                self.records[ep.name] = PluginRecord(ep.name, "package", location, version, "disabled",
                                                     "config.toml [plugins] disabled 中列出")
                continue
            self.load(ep.name, "package", location, ep.load, version)

    def load_folders(self) -> None:
        for folder in self.config.plugin_folders:
            if not folder.is_dir():
                self.problems.append(f"插件文件夹不存在：{folder}（config.toml [plugins] folders）")
                continue
            for path in sorted(folder.iterdir()):
                if path.name.startswith(("_", ".")):
                    continue
                if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").is_file()):
                    name = path.stem if path.is_file() else path.name
                    self.load(name, "folder", str(path), lambda p=path: module_from_file(p))
