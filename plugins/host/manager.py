"""The plugin host: discovery, isolation, and the registry of formats, sections, checks and
exporters.

pluggy isolates nothing (one failing import stops entry-point loading, one raising hook
aborts the call for everybody), so the host

* loads every plugin inside its own guard (built-ins, then installed packages from the
  ``nianbao`` entry-point group, then modules in the folders named in ``config.toml``),
  rolls back a partial registration and validates it with ``check_pending``;
* calls each plugin's registration hooks one plugin at a time, checks what comes back
  against the contract, and keeps all of a plugin's contributions or none;
* never takes order from pluggy: sections are ordered by ``config.toml``, then by number.

A plugin that fails in any of these steps is disabled and recorded with the reason;
``nianbao plugins`` shows it, and everything else keeps working. Safe mode loads the
built-ins only.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

import pluggy

from .. import API_VERSION, ENTRY_POINT_GROUP, PROJECT, hookspecs
from . import entrypoints, guard
from ..engine.config import Config
from ..engine.errors import closest_hint
from ..fields import Field
from ..engine.report import META, Report, ReportView
from ..section import Check, Exporter, ReportFormat, Section

__all__ = ["PluginHost", "PluginRecord", "BUILTIN_PLUGINS", "SOURCE_LABELS", "STATE_LABELS"]

#: Built-in plugins, registered exactly like a county's: sections, common checks, exporters.
BUILTIN_PLUGINS = ("sections.fujian2018", "sections.national2021", "sections.common", "plugins.exporters", "plugins.exporters.office",
                   "plugins.importers.record")

#: How ``nianbao plugins``, ``check`` and the interface name a plugin's source and state.
SOURCE_LABELS = {"builtin": "内置", "package": "已安装的包", "folder": "插件文件夹", "extra": "附加"}
STATE_LABELS = {"loaded": "已加载", "failed": "已停用（出错）", "disabled": "已停用（配置）"}

_SECTION_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


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


class PluginFailure(Exception):
    pass


def _module_from_file(path: Path) -> ModuleType:
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


class PluginHost:
    """Loads plugins and holds what they supplied.

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
        self.config = config or Config()
        self.safe_mode = self.config.safe_mode if safe_mode is None else safe_mode
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs.NianbaoSpecs)
        self.records: dict[str, PluginRecord] = {}
        self.formats: dict[str, ReportFormat] = {}
        self.sections: dict[str, Section] = {}
        self.checks: list[Check] = []
        self.exporters: dict[str, Exporter] = {}
        self.problems: list[str] = []  # host-level messages (refused ids, missing folders)
        self._owner: dict[int, str] = {}
        self._replaced: dict[str, str] = {}  # replaced id -> replacing id
        self._slot: dict[str, int] = {}  # replacing id -> number of the section it replaced
        self._tracing = False
        if trace:
            self.trace()

        for name in BUILTIN_PLUGINS:
            self._load(name, "builtin", name, lambda n=name: importlib.import_module(n))
        if not self.safe_mode:
            if entry_points:
                self._load_entry_points()
            self._load_folders()
        for name, obj in extra:
            self._load(name, "extra", repr(obj), lambda o=obj: o)
        self._collect()
        if not self.safe_mode and entry_points:  # (else an absent plugin may just not be loaded here)
            self._note_orphan_settings()

    # -- loading -------------------------------------------------------------------------
    def _load(self, name: str, source: str, location: str, importer, version: str = "") -> None:
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
            self._fail(record, f"导入失败：{exc}", exc)
            return
        if not record.version:
            record.version = getattr(plugin, "__version__", "") or ""
        try:
            self.pm.register(plugin, name=name)
            self.pm.check_pending()
        except BaseException as exc:  # noqa: BLE001
            if self.pm.has_plugin(name) or self.pm.get_plugin(name) is not None:
                self.pm.unregister(name=name)
            self._fail(record, f"不符合钩子约定：{self._explain_validation(exc)}", exc)
            return
        if not self.pm.get_hookcallers(plugin):
            record.notes.append("没有实现任何 nianbao_ 钩子")

    def _explain_validation(self, exc: BaseException) -> str:
        """pluggy's English message, in Chinese and with a suggestion for a misspelt hook."""
        m = re.search(r"unknown hook '(\w+)'", str(exc))
        if m is None:
            return str(exc)
        known = [n for n in dir(hookspecs.NianbaoSpecs) if n.startswith("nianbao_")]
        hint = closest_hint(m.group(1), known) or f"（可用的钩子：{', '.join(known)}）"
        return f"未知的钩子 {m.group(1)}{hint}"

    def _fail(self, record: PluginRecord, reason: str, exc: BaseException | None = None) -> None:
        record.state, record.reason = "failed", reason
        if isinstance(exc, guard.PluginError):
            record.detail = exc.detail
        elif exc is not None:
            import traceback  # only a failing plugin needs it

            record.detail = "".join(traceback.format_exception(exc))

    def _load_entry_points(self) -> None:
        eps = sorted(entrypoints.entry_points(ENTRY_POINT_GROUP), key=lambda e: e.name)
        for ep in eps:
            dist = getattr(ep, "dist", None)
            version = dist.version if dist is not None else ""
            location = f"{dist.name if dist is not None else '?'} ({ep.value})"
            if dist is not None and dist.name in self.config.disabled_plugins:
                self.records[ep.name] = PluginRecord(ep.name, "package", location, version, "disabled",
                                                     "config.toml [plugins] disabled 中列出")
                continue
            self._load(ep.name, "package", location, ep.load, version)

    def _load_folders(self) -> None:
        for folder in self.config.plugin_folders:
            if not folder.is_dir():
                self.problems.append(f"插件文件夹不存在：{folder}（config.toml [plugins] folders）")
                continue
            for path in sorted(folder.iterdir()):
                if path.name.startswith(("_", ".")):
                    continue
                if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").is_file()):
                    name = path.stem if path.is_file() else path.name
                    self._load(name, "folder", str(path), lambda p=path: _module_from_file(p))

    # -- collecting what plugins supply --------------------------------------------------
    def _call(self, hook_name: str, plugin_name: str, **kwargs: Any) -> list[Any]:
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

    def _collect(self) -> None:
        offered: list[tuple[str, Section]] = []
        for name, record in self.records.items():
            if record.state != "loaded":
                continue
            try:
                formats = self._call("nianbao_register_formats", name, config=self.config)
                sections = self._call("nianbao_register_sections", name, config=self.config)
                checks = self._call("nianbao_register_checks", name, config=self.config)
                exporters = self._call("nianbao_register_exporters", name, config=self.config)
                for f in formats:
                    self._validate_format(f)
                for s in sections:
                    self._validate_section(s)
                for c in checks:
                    if not isinstance(c, Check):
                        raise PluginFailure(f"nianbao_register_checks 应返回 Check，返回了 {c!r}")
                for e in exporters:
                    if not isinstance(e, Exporter):
                        raise PluginFailure(f"nianbao_register_exporters 应返回 Exporter，返回了 {e!r}")
            except PluginFailure as exc:
                self._fail(record, str(exc), exc.__cause__)
                self.pm.unregister(name=name)
                continue
            for f in formats:
                if f.id in self.formats:
                    first = self._owner[id(self.formats[f.id])]
                    self.problems.append(f"格式 {f.id} 被 {first} 和 {name} 重复定义；使用先加载的 {first} 的，"
                                         f"{name} 的未使用（要改变文档的写法，请覆盖模板）")
                    record.notes.append(f"格式 {f.id} 与 {first} 的格式重名，未使用")
                    continue
                self.formats[f.id] = f
                self._owner[id(f)] = name
                record.formats.append(f.id)
            for s in sections:
                self._owner[id(s)] = name
                offered.append((name, s))
            for c in checks:
                self._owner[id(c)] = name
                self.checks.append(c)
                record.checks.append(f"{c.section}:{c.id}")
            for e in exporters:
                if e.id in self.exporters:
                    first = self._owner[id(self.exporters[e.id])]
                    self.problems.append(f"导出格式 {e.id} 被 {first} 和 {name} 重复定义；使用先加载的 {first} 的，{name} 的未使用")
                    record.notes.append(f"导出格式 {e.id} 与 {first} 的导出格式重名，未使用")
                    continue
                self._owner[id(e)] = name
                self.exporters[e.id] = e
                record.exporters.append(e.id)
        self._resolve_sections(offered)
        self._note_unreachable()

    def _note_orphan_settings(self) -> None:
        # [plugins.<name>] for no plugin of that name: a misspelt name, or a plugin not installed
        # here; either way its settings are not used (the plugin would run on its defaults).
        for name in self.config.plugin_tables:
            if name not in self.records:
                known = [n for n, r in self.records.items() if r.source != "builtin"]
                hint = closest_hint(name, known) or "（插件名见 nianbao plugins）"
                self.problems.append(f"config.toml [plugins.{name}] 的设置没有插件使用：没有叫 {name} 的插件{hint}")

    def _note_unreachable(self) -> None:
        # A check for a section that is not loaded, or a section of no loaded format, would
        # never run or show; say so instead of ignoring it (a mistyped id is the usual cause).
        for c in self.checks:
            if c.section != META and c.section not in self.sections:
                name = self._owner[id(c)]
                msg = f"插件 {name} 的检查 {c.id} 针对的部分 {c.section} 未加载（不存在、已被替换或未启用），这条检查不会运行"
                self.records[name].notes.append(msg)
                self.problems.append(msg)
        for s in self.sections.values():
            if not any(f in self.formats for f in s.formats):
                name = self._owner[id(s)]
                msg = f"插件 {name} 的部分 {s.id} 所属的格式 {'、'.join(s.formats)} 都未加载，这一部分不会出现在报告中"
                self.records[name].notes.append(msg)
                self.problems.append(msg)

    def _validate_format(self, f: Any) -> None:
        if not isinstance(f, ReportFormat):
            raise PluginFailure(f"nianbao_register_formats 应返回 ReportFormat，返回了 {f!r}")
        if not (Path(f.template_folder) / f.document_template).is_file():
            raise PluginFailure(f"格式 {f.id} 的文档模板不存在：{Path(f.template_folder) / f.document_template}")

    def _validate_section(self, s: Any) -> None:
        if not isinstance(s, Section):
            raise PluginFailure(f"nianbao_register_sections 应返回 Section 实例，返回了 {s!r}")
        for attr in ("id", "api_version", "heading", "formats", "template_folder"):
            if getattr(s, attr, None) in (None, ""):
                raise PluginFailure(f"部分 {s!r} 缺少必需的属性 {attr}")
        if not isinstance(s.id, str) or not _SECTION_ID.fullmatch(s.id) or s.id == META:
            raise PluginFailure(f"部分 id {s.id!r} 不合规（小写字母、数字、下划线，用点分隔，不能是 report）")
        if s.api_version != API_VERSION:
            raise PluginFailure(f"部分 {s.id} 按接口版本 {s.api_version} 编写，本程序的接口版本是 {API_VERSION}")
        if isinstance(s.formats, str) or not all(isinstance(x, str) for x in s.formats):
            raise PluginFailure(f"部分 {s.id} 的 formats 应为格式 id 的元组")
        keys = set()
        for f in s.fields:
            if not isinstance(f, Field):
                raise PluginFailure(f"部分 {s.id} 的字段 {f!r} 不是 nianbao.fields 中的类型")
            if f.key in keys:
                raise PluginFailure(f"部分 {s.id} 的字段键 {f.key} 重复")
            keys.add(f.key)
        assert s.template_folder is not None  # refused above, with the other required attributes
        template = Path(s.template_folder) / s.template
        if not template.is_file():
            raise PluginFailure(f"部分 {s.id} 的模板不存在：{template}")

    def _resolve_sections(self, offered: list[tuple[str, Section]]) -> None:
        by_id: dict[str, list[tuple[str, Section]]] = {}
        for name, s in offered:
            by_id.setdefault(s.id, []).append((name, s))
        replacing: dict[str, list[tuple[str, Section]]] = {}
        for name, s in offered:
            if s.replaces:
                replacing.setdefault(s.replaces, []).append((name, s))
        refused: set[int] = set()
        for target, claims in replacing.items():
            if len(claims) > 1:
                who = "、".join(f"{s.id}（{n}）" for n, s in claims)
                self.problems.append(f"多个部分都要替换 {target}：{who}；都未启用，请在 config.toml 中停用其中一个插件")
                refused.update(id(s) for _, s in claims)
            elif not any(not s.replaces for _, s in by_id.get(target, [])):
                n, s = claims[0]
                self.problems.append(f"{s.id}（{n}）要替换的部分 {target} 不存在；未启用")
                refused.add(id(s))
        for sid, claims in by_id.items():
            originals = [(n, s) for n, s in claims if not s.replaces or s.replaces != sid]
            if len(originals) > 1:
                who = "、".join(n for n, _ in originals)
                self.problems.append(f"部分 id {sid} 被多个插件使用：{who}；都未启用，请在 config.toml 中停用其中一个插件")
                refused.update(id(s) for _, s in originals)
        active = []
        for name, s in offered:
            if id(s) in refused:
                self.records[name].notes.append(f"部分 {s.id} 未启用（见冲突说明）")
            else:
                active.append((name, s))
        for _, s in active:
            if not s.replaces:
                self.sections[s.id] = s
        for name, s in active:
            if s.replaces:
                old = self.sections.pop(s.replaces)
                self.records[self._owner[id(old)]].notes.append(f"部分 {old.id} 已被 {name} 的 {s.id} 替换")
                self.sections[s.id] = s
                self._slot[s.id] = old.number  # a replacement takes the replaced part's place
                if s.replaces != s.id:
                    self._replaced[s.replaces] = s.id
        for name, s in active:
            if self.sections.get(s.id) is s:
                self.records[name].sections.append(s.id)

    # -- queries -------------------------------------------------------------------------
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

    def plugin_of(self, obj: Any) -> str:
        return self._owner.get(id(obj), "?")

    def section(self, section_id: str) -> Section | None:
        return self.sections.get(section_id)

    def format_for(self, report: Report | ReportView) -> ReportFormat | None:
        """The report's declared format; else config.toml's; else the one covering its year."""
        fid = report.format or self.config.format
        if fid:
            return self.formats.get(fid)
        year = report.year or self.config.year
        return self.default_format(year) if year is not None else None

    def default_format(self, year: int) -> ReportFormat | None:
        covering = [f for f in self.formats.values() if f.covers(year)]
        return max(covering, key=lambda f: f.first_year) if covering else None

    def sections_for(self, format_id: str) -> list[Section]:
        """The sections of a format in report order, without those switched off."""
        order = list(self.config.section_order)
        for old, new in self._replaced.items():
            order = [new if x == old else x for x in order]
        rank = {sid: i for i, sid in enumerate(order)}
        chosen = [
            s for s in self.sections.values()
            if format_id in s.formats and s.id not in self.config.disabled_sections
            and not (s.replaces and s.replaces in self.config.disabled_sections)
        ]
        return sorted(chosen, key=lambda s: (rank.get(s.id, len(rank)), self._slot.get(s.id, s.number), s.id))

    def view(self, report: Report, previous: ReportView | None = None) -> ReportView:
        """The report's view without looking for last year's report (cheap); use
        :func:`plugins.engine.history.view_with_previous` for the view with ``previous`` set."""
        return report.view(self.sections, previous)

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
