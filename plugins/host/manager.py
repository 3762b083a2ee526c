"""The plugin host: the one object every command and the interface ask about plugins.

pluggy isolates nothing (one failing import stops entry-point loading, one raising hook
aborts the call for everybody), so the host

* loads every plugin inside its own guard (:mod:`plugins.host.loader`: built-ins, then
  installed packages from the ``nianbao`` entry-point group, then modules in the folders
  named in ``config.toml``), rolls back a partial registration and validates it with
  ``check_pending``;
* calls each plugin's registration hooks one plugin at a time (:meth:`PluginHost._call`, here),
  and the registry (:mod:`plugins.host.registry`) checks what comes back against the
  contract and keeps all of a plugin's contributions or none;
* never takes order from pluggy: sections are ordered by ``config.toml``, then by number.

A plugin that fails in any of these steps is disabled and recorded with the reason;
``nianbao plugins`` shows it, and everything else keeps working. Safe mode loads the
built-ins only.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Iterable

import pluggy

from .. import PROJECT, hookspecs
from . import guard
from ..engine.config import Config
from ..engine.errors import closest_hint
from .loader import PluginLoader, PluginRecord
from .registry import PluginFailure, Registry

__all__ = ["PluginHost", "host_from_env"]


class PluginHost(Registry):
    """Loads plugins and holds what they supplied (the :class:`~plugins.host.registry.Registry`).

    ``entry_points=False`` skips installed packages (the test suite's default, as in
    datasette and llm); ``extra`` registers additional plugin objects (tests, embedding).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        safe_mode: bool | None = None,
        entry_points: bool = True,
        extra: Iterable[tuple[str, Any]] = (),
        trace: bool = False,
    ):
        config = config or Config()
        self.safe_mode = config.safe_mode if safe_mode is None else safe_mode
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs.NianbaoSpecs)
        self._tracing = False
        if trace:
            self.trace()
        problems: list[str] = []
        records = PluginLoader(self.pm, config, problems).load_all(
            safe_mode=self.safe_mode, entry_points=entry_points, extra=extra)
        super().__init__(config, records, problems, unregister=lambda name: self.pm.unregister(name=name))
        self.collect(self._call)
        if not self.safe_mode and entry_points:  # (else an absent plugin may just not be loaded here)
            self._note_orphan_settings()

    def _call(self, hook_name: str, plugin_name: str, **kwargs: Any) -> list[Any]:
        """One plugin's implementations of one hook, each called in the guard and traced."""
        hook = getattr(self.pm.hook, hook_name)
        out: list[Any] = []
        for impl in hook.get_hookimpls():
            if impl.plugin_name != plugin_name:
                continue
            args = {a: kwargs[a] for a in impl.argnames}
            try:
                result = guard.call(impl.function, **args)
            except guard.PluginError as exc:
                self.trace_call(plugin_name, hook_name, args, f"出错 {exc}")
                raise PluginFailure(f"{hook_name} 出错：{exc}") from exc
            self.trace_call(plugin_name, hook_name, args, repr(result))
            if result is None:
                continue
            if not isinstance(result, (list, tuple)):
                raise PluginFailure(f"{hook_name} 应返回列表，返回了 {type(result).__name__}")
            out.extend(result)
        return out

    def _note_orphan_settings(self) -> None:
        # [plugins.<name>] for no plugin of that name: a misspelt name, or a plugin not installed
        # here; either way its settings are not used (the plugin would run on its defaults).
        for name in self.config.plugin_tables:
            if name not in self.records:
                known = [n for n, r in self.records.items() if r.source != "builtin"]
                hint = closest_hint(name, known) or "（插件名见 nianbao plugins）"
                self.problems.append(f"config.toml [plugins.{name}] 的设置没有插件使用：没有叫 {name} 的插件{hint}")

    # -- which plugins do not run -------------------------------------------------------
    @property
    def failed(self) -> list[PluginRecord]:
        """Plugins the host disabled because they failed (not those config.toml switches off)."""
        return [r for r in self.records.values() if r.state == "failed"]

    @property
    def complete(self) -> bool:
        """Every plugin runs as configured: none failed, no refused ids or replacements, no
        check aimed at nothing, no missing plugin folder. When False a command's result
        lacks something a plugin should have added (``nianbao check`` exits 4)."""
        return not self.failed and not self.problems

    def not_running(self) -> list[str]:
        """What does not run, one line each, in the words ``check``, ``aggregate`` and the
        interface use: every plugin not running (name, where it came from, why: failed or
        switched off in config.toml), then the host's problems."""
        off = sorted((r for r in self.records.values() if r.state != "loaded"), key=lambda r: r.state != "failed")
        return ([f"插件 {r.describe()}" for r in off]
                + [f"插件问题：{p}" for p in self.problems])

    def plugin_state(self) -> dict[str, Any]:
        """What did not run, for ``--json``: safe mode, every plugin not running (failed or
        switched off, with where it came from and why) and the host's problems."""
        return {
            "safe_mode": self.safe_mode,
            "complete": self.complete,
            "disabled": [{"name": r.name, "source": r.source, "location": r.location, "state": r.state,
                          "reason": r.reason} for r in self.records.values() if r.state != "loaded"],
            "problems": list(self.problems),
        }

    def trace(self) -> None:
        """Print every hook call to stderr (``NIANBAO_TRACE_PLUGINS=1``).

        The host calls each plugin's implementation itself (one guarded call per plugin),
        which pluggy's own tracing does not see, so :meth:`_call` writes its own lines;
        pluggy's tracing still covers any ``pm.hook.<name>()`` call. Pass ``trace=True``
        to the constructor to also see the registration calls made while loading."""
        if self._tracing:
            return
        self._tracing = True
        self.pm.trace.root.setwriter(lambda s: sys.stderr.write(s))
        self.pm.enable_tracing()

    def trace_call(self, plugin_name: str, hook_name: str, args: dict[str, Any], outcome: str) -> None:
        """Print one hook call when tracing is on: for every place that calls a plugin's hook."""
        if self._tracing:
            shown = ", ".join(args)
            sys.stderr.write(f"nianbao trace: {plugin_name}: {hook_name}({shown}) -> {outcome}\n")


def host_from_env(config: Config, **kwargs: Any) -> PluginHost:
    """The host as the command line builds it: ``NIANBAO_SAFE_MODE=1`` forces safe mode,
    ``NIANBAO_TRACE_PLUGINS=1`` traces every hook call from the start (to stderr)."""
    if os.environ.get("NIANBAO_SAFE_MODE") == "1":
        kwargs["safe_mode"] = True
    if os.environ.get("NIANBAO_TRACE_PLUGINS") == "1":
        kwargs["trace"] = True
    return PluginHost(config, **kwargs)
