"""Helpers for testing a plugin: render or check one part of a report, written as TOML, in
one call, with the plugins loaded exactly as ``nianbao`` loads them::

    from nianbao.testing import check_part, render_part

    def test_training_part():
        toml = '''
        [jo.training]
        sessions = 3
        trainees = 120
        '''
        text = render_part(toml, "jo.training", format="fujian-2018", folders=["local_plugins"])
        assert "七、政务公开培训情况" in text and "举办政务公开培训班3期" in text
        assert check_part(toml, "jo.training", format="fujian-2018", folders=["local_plugins"]) == []

The TOML is a report file, or only the tables of the parts concerned: without a ``[report]``
table, one is made up for ``format`` (unit 测试单位, the format's last year, or first year
for a format still in use).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from plugins.engine.checks import check_report
from plugins.engine.config import Config
from plugins.document import parse_markup
from plugins.engine.errors import NianbaoError
from plugins.exporters import to_text
from plugins.host.manager import PluginHost
from plugins.engine.render import RenderedDocument, Renderer
from plugins.engine.report import META, Report
from plugins.results import Issue
from plugins.engine.tomlread import TOMLDecodeError, loads

__all__ = ["PartNotRendered", "check_part", "plugin_host", "render_part", "report_from_toml"]


class PartNotRendered(AssertionError):
    """The part is not in the report (its plugin did not load, another format) or its
    template failed; the message says which and why."""


def plugin_host(plugins: Iterable[Any] = (), folders: Iterable[str | os.PathLike] = (),
                entry_points: bool = False, config: Config | None = None) -> PluginHost:
    """The host with the built-in plugins plus: ``plugins`` (modules or objects with
    ``@hookimpl`` functions), the plugin ``folders``, and installed packages when
    ``entry_points``. A plugin that fails to load raises :class:`PartNotRendered` with the
    reason, so a test never runs against a host without it."""
    extra = [(getattr(p, "__name__", type(p).__name__), p) for p in plugins]
    config = config or Config()
    if folders:
        config = config.replace(plugin_folders=config.plugin_folders + tuple(Path(f) for f in folders))
    host = PluginHost(config, entry_points=entry_points, extra=extra)
    failed = [f"{r.name}：{r.reason}" for r in host.records.values() if r.state == "failed"]
    if failed:
        raise PartNotRendered("插件没有加载：" + "；".join(failed))
    return host


def report_from_toml(toml_text: str, host: PluginHost, format: str | None = None) -> Report:
    """The report the TOML text holds (indentation allowed); ``[report]`` made up for
    ``format`` when the text has none."""
    import textwrap

    try:
        data = loads(textwrap.dedent(toml_text))
    except TOMLDecodeError as exc:
        raise ValueError(f"测试报告的 TOML 有错：{exc}") from None
    meta = data.setdefault(META, {})
    if format is not None:
        meta.setdefault("format", format)
    fid = meta.get("format")
    if fid is not None and fid not in host.formats:
        raise PartNotRendered(f"没有报告格式 {fid}；已加载的格式：{'、'.join(host.formats)}")
    if fid is not None and "year" not in meta:
        fmt = host.formats[fid]
        meta["year"] = fmt.last_year or fmt.first_year
    meta.setdefault("unit", "测试单位")
    return Report(data)


def _setup(toml_text: str, section_id: str, format: str | None, host: PluginHost | None,
           plugins: Iterable[Any], folders: Iterable[str | os.PathLike], entry_points: bool) -> tuple[PluginHost, Report]:
    host = host or plugin_host(plugins, folders, entry_points)
    report = report_from_toml(toml_text, host, format)
    fmt = host.format_for(report)
    if fmt is None:
        raise PartNotRendered("无法确定报告格式：给出 format=…，或在 [report] 中写 format 或 year")
    section = host.section(section_id)
    if section is None:
        loaded = "、".join(host.sections) or "无"
        raise PartNotRendered(f"部分 {section_id} 没有加载（已加载的部分：{loaded}）")
    if section not in host.sections_for(fmt.id):
        if fmt.id in section.formats:
            raise PartNotRendered(f"部分 {section_id} 被停用（[sections] disabled）")
        raise PartNotRendered(f"部分 {section_id} 不属于格式 {fmt.id}（它属于 {'、'.join(section.formats)}）")
    return host, report


def render_part(toml_text: str, section_id: str, *, format: str | None = None, host: PluginHost | None = None,
                plugins: Iterable[Any] = (), folders: Iterable[str | os.PathLike] = (),
                entry_points: bool = False) -> str:
    """One part of the report as ``nianbao export --to txt`` prints it: its numbered heading
    (as placed in the whole report) and its body. Raises :class:`PartNotRendered` when the
    part is missing or its template fails."""
    host, report = _setup(toml_text, section_id, format, host, plugins, folders, entry_points)
    try:
        document = Renderer(host).render(report)
    except (ValueError, NianbaoError) as exc:
        raise PartNotRendered(str(exc)) from None
    part = next(p for p in document.parts if p.section.id == section_id)
    if part.error:
        raise PartNotRendered(part.error)
    blocks = parse_markup(f"::h1 {part.heading}\n{part.markup}")
    return to_text(RenderedDocument(blocks, [part], document.meta, document.format_id, document.title))


def check_part(toml_text: str, section_id: str, *, format: str | None = None, host: PluginHost | None = None,
               plugins: Iterable[Any] = (), folders: Iterable[str | os.PathLike] = (),
               entry_points: bool = False) -> list[Issue]:
    """The issues ``nianbao check`` finds in one part (field types, required fields, the
    section's ``validate``, other plugins' checks on it). A ``validate`` that fails raises
    :class:`PartNotRendered` with the reason."""
    host, report = _setup(toml_text, section_id, format, host, plugins, folders, entry_points)
    result = check_report(host, report)
    if section_id in result.broken:
        raise PartNotRendered(result.broken[section_id])
    return result.for_section(section_id)
