"""What the loaded plugins supplied: formats, sections, checks and exporters, each checked
against the contract (all of a plugin's contributions or none), replacements and id
conflicts settled, and the lookups every command and the interface use (a report's format,
a format's sections in report order, which plugin supplied what).
Order never comes from pluggy: sections are ordered by ``config.toml``, then by number.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from .. import API_VERSION
from ..engine.config import Config
from ..engine.report import META, Report, ReportView
from ..fields import Field
from ..section import Check, Exporter, ReportFormat, Section
from .loader import PluginRecord

__all__ = ["PluginFailure", "Registry", "validate_format", "validate_section"]

SECTION_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


class PluginFailure(Exception):
    """A plugin broke the contract while registering: it is disabled with this message."""


def validate_format(f: Any) -> None:
    if not isinstance(f, ReportFormat):
        raise PluginFailure(f"nianbao_register_formats 应返回 ReportFormat，返回了 {f!r}")
    if not (Path(f.template_folder) / f.document_template).is_file():
        raise PluginFailure(f"格式 {f.id} 的文档模板不存在：{Path(f.template_folder) / f.document_template}")


def validate_section(s: Any) -> None:
    if not isinstance(s, Section):
        raise PluginFailure(f"nianbao_register_sections 应返回 Section 实例，返回了 {s!r}")
    for attr in ("id", "api_version", "heading", "formats", "template_folder"):
        if getattr(s, attr, None) in (None, ""):
            raise PluginFailure(f"部分 {s!r} 缺少必需的属性 {attr}")
    if not isinstance(s.id, str) or not SECTION_ID.fullmatch(s.id) or s.id == META:
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


class Registry:
    """The formats, sections, checks and exporters of the plugins in ``records``."""

    def __init__(self, config: Config, records: dict[str, PluginRecord], problems: list[str],
                 unregister: Callable[[str], Any]):
        self.config = config
        self.records = records
        self.problems = problems  # host-level messages (refused ids, missing folders)
        self.unregister = unregister  # takes a plugin that broke the contract out of pluggy
        self.formats: dict[str, ReportFormat] = {}
        self.sections: dict[str, Section] = {}
        self.checks: list[Check] = []
        self.exporters: dict[str, Exporter] = {}
        self._owner: dict[int, str] = {}
        self._replaced: dict[str, str] = {}  # replaced id -> replacing id
        self._slot: dict[str, int] = {}  # replacing id -> number of the section it replaced

    def collect(self, call: Callable[..., list[Any]]) -> None:
        """Asks each loaded plugin for what it supplies (``call(hook, plugin, **arguments)``),
        keeps all of a plugin's contributions or none, then settles replacements and conflicts."""
        offered: list[tuple[str, Section]] = []
        for name, record in self.records.items():
            if record.state != "loaded":
                continue
            try:
                formats = call("nianbao_register_formats", name, config=self.config)
                sections = call("nianbao_register_sections", name, config=self.config)
                checks = call("nianbao_register_checks", name, config=self.config)
                exporters = call("nianbao_register_exporters", name, config=self.config)
                for f in formats:
                    validate_format(f)
                for s in sections:
                    validate_section(s)
                for c in checks:
                    if not isinstance(c, Check):
                        raise PluginFailure(f"nianbao_register_checks 应返回 Check，返回了 {c!r}")
                for e in exporters:
                    if not isinstance(e, Exporter):
                        raise PluginFailure(f"nianbao_register_exporters 应返回 Exporter，返回了 {e!r}")
            except PluginFailure as exc:
                record.fail(str(exc), exc.__cause__)
                self.unregister(name)
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
