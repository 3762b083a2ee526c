"""The ``nianbao`` command line.

Headless commands (``new``, ``check``, ``export``, ``plugins``) never import Textual, so they
start fast and run anywhere; ``edit`` (and ``nianbao`` alone) imports the interface lazily.

Exit status: 0 clean or warnings only, 1 errors found, 2 unreadable input or wrong usage, 3 the
interface ended on an unexpected error (the report saved first, the details in a log), 4 a
plugin did not run (``check``, ``export``, ``aggregate``, ``plugins``: a plugin failed and was
disabled, plugins conflict, a check aims at no section, a plugin folder is missing, or a
plugin's code failed while checking or rendering), so the result lacks what it would have
added; 4 replaces 0 and 1 (the counts say which), 2 stays 2.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from plugins.host import guard
from plugins.engine.checks import MISSING_RULE, blank_groups, check_report, meta_fields
from plugins.engine.config import UNIT_LEVELS, Config, load_config
from plugins.engine.errors import NianbaoError
from plugins.host.loader import SOURCE_LABELS, STATE_LABELS
from plugins.host.manager import PluginHost, host_from_env
from plugins.engine.report import META, Report
from plugins.engine.store import ReportLock, load_report, save_report, write_atomic
from tui.cli_common import (EXIT_ERRORS, EXIT_OK, EXIT_PLUGINS, EXIT_USAGE, UsageError, blank_group_row, config_and_host,
                            data_stream, err, issue_rows, out, output_kept_for_data)


def _say_not_running(host: PluginHost) -> None:
    """At the end of ``check`` and ``aggregate``: each plugin not running, the host's problems."""
    lines = host.not_running()
    if lines:
        out("插件：")
        for line in lines:
            out(f"  {line}")


def _say_safe_mode(host: PluginHost) -> None:
    """Asked for, so not a failure (``--json`` has ``safe_mode``); but a county's own rules
    and parts do not run, which the operator must not forget."""
    if host.safe_mode:
        err("安全模式：只加载内置插件，已安装的包和插件文件夹中的插件都没有运行")


def _with_plugins(status: int, host: PluginHost, broken: bool = False) -> int:
    """EXIT_PLUGINS instead of 0 or 1 when a plugin did not run (``broken``: a plugin's code
    failed while checking or rendering this time); 2 stays."""
    if status in (EXIT_OK, EXIT_ERRORS) and (broken or not host.complete):
        return EXIT_PLUGINS
    return status


class Progress:
    """One line on a terminal's stderr for a long command: count, rate and time left
    (``已处理 120/10000 个文件 · 每秒 85 个 · 约需 1分56秒``), redrawn at most ten times a
    second while it stays (at once after other output). Silent when stderr is not a terminal (piped, redirected) or ``quiet`` (--json)."""

    def __init__(self, what: str = "文件", quiet: bool = False, stream=None, clock=None):
        import time

        self.stream = stream or sys.stderr
        self.clock = clock or time.monotonic
        self.what = what
        isatty = getattr(self.stream, "isatty", None)
        self.on = not quiet and bool(isatty and isatty())
        self.start = self.clock()
        self.shown_at = -1.0
        self.visible = False

    @staticmethod
    def _duration(seconds: float) -> str:
        s = int(seconds + 0.5)
        if s >= 3600:
            return f"{s // 3600}小时{s % 3600 // 60}分"
        return f"{s // 60}分{s % 60}秒" if s >= 60 else f"{s}秒"

    def line(self, done: int, total: int) -> str:
        elapsed = max(self.clock() - self.start, 1e-9)
        rate = done / elapsed
        text = f"已处理 {done}/{total} 个{self.what}"
        if done and elapsed >= 0.5:  # a rate from the first instants says nothing
            text += f" · 每秒 {rate:.0f} 个" if rate >= 10 else f" · 每秒 {rate:.1f} 个"
            if done < total:
                text += f" · 约需 {self._duration((total - done) / rate)}"
        return text

    def update(self, done: int, total: int) -> None:
        if not self.on:
            return
        now = self.clock()
        if self.visible and done < total and now - self.shown_at < 0.1:
            return
        self.shown_at = now
        self.stream.write("\r\x1b[K" + self.line(done, total))
        self.stream.flush()
        self.visible = True

    def clear(self) -> None:
        """Takes the line away (before other output, and at the end)."""
        if self.visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.visible = False


# -- new --------------------------------------------------------------------------------
def cmd_new(args: argparse.Namespace) -> int:
    config, host = config_and_host(args)
    path = Path(args.file)
    if path.exists():
        raise UsageError(f"{path} 已存在，不会覆盖（换一个文件名，或先移走原文件）")
    previous = _load_any(host, args.from_file) if args.from_file else None
    previous_year = previous.year if previous is not None else None
    if previous is not None and previous_year is None and not args.year:
        raise UsageError(f"{args.from_file} 没有填写报告年度，请用 --year 指定新报告的年度")
    year = args.year or (previous_year + 1 if previous_year is not None else None) or config.year or (_dt.date.today().year - 1)
    fmt = host.formats.get(args.format) if args.format else host.default_format(year)
    if fmt is None:
        known = "；".join(f"{f.id} = {f.name}，" + (f"{f.first_year}–{f.last_year}年度" if f.last_year else f"{f.first_year}年度起")
                         for f in sorted(host.formats.values(), key=lambda f: f.first_year)) or "无"
        raise UsageError(f"没有适用于{year}年的报告格式：请用 --format 指定一种（可用：{known}）" if not args.format
                         else f"未知格式 {args.format}：--format 可用 {known}")
    typed: dict[str, Any] = {"unit": args.unit, "unit_level": args.level, "year": year, "format": fmt.id}
    report = Report({META: {k: v for k, v in typed.items() if v}}, path)
    carried = None
    if previous is not None:
        from plugins.engine.history import carry_forward

        if previous_year is not None and year != previous_year + 1:
            err(f"注意：{args.from_file} 是{previous_year}年度的报告，新报告是{year}年度，不是下一年度")
        carried = carry_forward(host, previous, report, fmt.id)
    for key, default in (("unit", config.unit), ("unit_level", config.unit_level), ("region", config.region)):
        if default and not report.meta.get(key):
            report.meta[key] = default
    order = [f.key for f in meta_fields(host, report)]
    meta = report.data[META] = dict(sorted(report.meta.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    for s in host.sections_for(fmt.id):
        report.section_data(s.id, create=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with ReportLock(path):
        save_report(report, path, backup=False, new=True, record="create")
    out(f"已创建 {path}：{meta.get('unit') or '（未填单位）'} {year}年，格式 {fmt.id}（{fmt.name}）")
    if carried is not None:
        out(f"上年报告：{args.from_file}（{previous_year}年）" + (f"，已记入 [report] previous = \"{carried.previous_key}\""
                                                                if carried.previous_key else ""))
        out("结转的文档信息：" + ("、".join(label for _, label in carried.meta) or "无"))
        out("结转的数字：" + ("" if carried.values else "无"))
        for line in carried.values:
            out(f"  {line}")
        out("未结转：各部分的文字（须按本年度撰写，与上年相似度超过50%时检查会警告）、本年度的数字、发文字号和日期")
        out("跨年度关系（历年累计、上年结转、现行有效件数、同比变化）由 nianbao check 对照上年报告核对")
        for problem in carried.problems:
            err(problem)
    out(f"下一步：nianbao edit {path}")
    return EXIT_OK


# -- import (published documents) -------------------------------------------------------
def _load_any(host: PluginHost, name: str) -> Report:
    """A TOML report, or a published document (.docx .html .pdf .txt) imported in memory."""
    from plugins.importers import load_any

    return load_any(host, name)


def _import_target(args: argparse.Namespace, source: Path) -> Path:
    if args.output:
        return Path(args.output)
    folder = Path(args.into) if args.into else source.parent
    return folder / (source.stem + ".toml")


def cmd_import(args: argparse.Namespace) -> int:
    from plugins.importers import ImportFailed, import_file

    config, host = config_and_host(args)
    if args.output and len(args.files) > 1:
        raise UsageError("导入多个文件时不能用 -o，请用 --into 文件夹")
    if args.into:
        Path(args.into).mkdir(parents=True, exist_ok=True)
    status = EXIT_OK
    for name in args.files:
        source = Path(name)
        target = _import_target(args, source)
        if target.exists():
            err(f"{target} 已存在，不会覆盖（用 -o 或 --into 指定别的位置）")
            status = EXIT_USAGE
            continue
        try:
            imported = import_file(host, source, format_id=args.format, year=args.year, unit=args.unit, level=args.level)
        except ImportFailed as e:
            err(str(e))
            status = EXIT_USAGE
            continue
        write_imported(imported, target)
        for line in import_summary(host, imported, source, target):
            out(line)
    return status


def write_imported(imported: Any, target: Path) -> None:
    """The imported report, as a new report file (the caller made sure there is none)."""
    report = imported.report
    report.path = target
    target.parent.mkdir(parents=True, exist_ok=True)
    with ReportLock(target):
        save_report(report, target, backup=False)


def import_summary(host: PluginHost, imported: Any, source: Path, target: Path) -> list[str]:
    """What an import found, for the operator: format, unit, year, the cells filled, and
    every deviation and every piece of text that mapped nowhere."""
    found, details = describe_import(host, imported)
    return [f"已导入 {source} → {target}：{found}"] + details + [f"下一步：nianbao check {target}，nianbao edit {target}"]


def describe_import(host: PluginHost, imported: Any) -> tuple[str, list[str]]:
    """One line of what was recognised (unit, year, format, cells read) and the lines of
    every deviation and every piece of text that mapped nowhere: for ``nianbao import`` and
    for the offer of ``nianbao edit last-year.docx``."""
    report = imported.report
    meta = report.meta
    fmt = host.formats.get(report.format or "")
    filled, total = imported.record.get("cells_read", 0), imported.record.get("cells_printed", 0)
    found = (f"{meta.get('unit') or '（未识别单位）'} {meta.get('year') or '（未识别年度）'}年，"
             f"格式 {report.format}（{fmt.name if fmt else ''}），表格数字 {filled}/{total} 格")
    lines = []
    deviations = imported.deviations
    if deviations:
        lines.append(f"与格式不同之处（{len(deviations)}处，原样记录在 [import] 中，nianbao check 会列出）：")
        lines += [f"  [{d['rule']}] {d['where']}：{d['message']}" for d in deviations]
    from plugins.importers.record import body_unmapped

    body = body_unmapped(imported.record)
    if body:
        lines.append(f"没有对应位置的原文（{len(body)}段，保留在 [import] unmapped 中）：")
        lines += [f"  {u['where']}：{u['text'][:40]}{'…' if len(u['text']) > 40 else ''}" for u in body]
    return found, lines


# -- check ------------------------------------------------------------------------------
def cmd_check(args: argparse.Namespace) -> int:
    config, host = config_and_host(args, announce=args.json)  # (the text lists them at the end)
    if not args.json:
        _say_safe_mode(host)
    status = EXIT_OK
    broken = False
    reports_json = []
    meter = Progress("文件", quiet=args.json or len(args.files) < 2)
    for done, name in enumerate(args.files):
        meter.update(done, len(args.files))  # stays while this file is read and checked
        try:
            report = _load_any(host, name)
        except NianbaoError as e:
            meter.clear()
            status = EXIT_USAGE
            if args.json:
                reports_json.append({"file": name, "readable": False, "error": str(e), "issues": []})
            else:
                out(f"{e}")
            continue
        result = check_report(host, report)
        meter.clear()  # the results are printed where the line was
        rows = issue_rows(host, report, result)
        groups = blank_groups(host, result)
        broken = broken or bool(result.broken)
        if result.errors and status == EXIT_OK:
            status = EXIT_ERRORS
        if args.json:  # one entry per cell, and the groups they make
            reports_json.append({"file": name, "readable": True, "errors": len(result.errors),
                                 "missing": len(result.missing), "warnings": len(result.warnings), "issues": rows,
                                 "groups": [blank_group_row(host, report, g) for g in groups],
                                 "broken": result.broken})
            continue
        if not rows:
            out(f"{name}: 没有发现问题")
            continue
        out(f"{name}: {result.summary()}")
        group_of = {n: g for g in groups for n in g.indices}
        for n, row in enumerate(rows):
            group = group_of.get(n)
            if group is not None:  # said once, where its first cell would be
                if n == min(group.indices):
                    g = blank_group_row(host, report, group)
                    out(f"  错误  {g['section_heading']} › {g['field_label']}：{g['message']} [{MISSING_RULE}]")
                continue
            mark = "错误" if row["severity"] == "error" else "警告"
            where = row["section_heading"] + (f" › {row['field_label']}" if row["field_label"] else "")
            rule = f" [{row['rule']}]" if row["rule"] else ""
            out(f"  {mark}  {where}：{row['message']}{rule}")
    meter.clear()
    status = _with_plugins(status, host, broken)
    if args.json:
        json.dump({"files": reports_json, "status": status, "plugins": host.plugin_state()}, data_stream(),
                  ensure_ascii=False, indent=2, default=str)
        data_stream().write("\n")
        return status
    _say_not_running(host)
    if status == EXIT_PLUGINS:
        out("检查不完整：有插件没有运行或出错，它的规则没有检查（退出码 4；nianbao plugins 查看详情）")
    return status


# -- export -----------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    from plugins.engine.render import Renderer

    config, host = config_and_host(args)
    _say_safe_mode(host)
    exporter = host.exporters.get(args.to)
    if exporter is None:
        raise UsageError(f"未知导出格式 {args.to}（可用：{'、'.join(sorted(host.exporters))}）")
    report = load_report(args.file)
    result = check_report(host, report)
    try:
        document = Renderer(host).render(report)
    except Exception as exc:  # noqa: BLE001 - no format for this report, or a broken document template
        raise UsageError(f"{args.file}: 无法生成文档：{exc}") from None
    broken = [p for p in document.parts if p.error]
    for part in broken:
        err(f"第{part.numeral}部分 {part.section.heading}：{part.error}")
    try:
        output = guard.call(exporter.export, document)
        if not isinstance(output, bytes if exporter.binary else str):
            raise guard.PluginError(f"应返回 {'bytes' if exporter.binary else 'str'}，返回了 {type(output).__name__}")
    except guard.PluginError as exc:
        raise UsageError(f"导出格式 {args.to}（插件 {host.plugin_of(exporter)}）出错：{exc}") from None
    if args.output in (None, "-"):
        if exporter.binary:
            raise UsageError(f"{args.to} 是二进制格式，请用 -o 指定输出文件")
        data_stream().write(output)
    else:
        written = write_atomic(args.output, output)
        err(f"已导出 {written}")
    if result.errors:
        err(f"注意：报告还有 {len(result.errors)} 个错误（nianbao check {args.file} 查看）")
    status = _with_plugins(EXIT_OK, host, bool(broken or result.broken))
    if status == EXIT_PLUGINS:
        err("注意：有插件没有运行或出错，导出的文档可能缺少它的部分（退出码 4；nianbao plugins 查看详情）")
    return status


# -- plugins ----------------------------------------------------------------------------
def cmd_plugins(args: argparse.Namespace) -> int:
    from plugins.engine.render import template_overrides

    config, host = config_and_host(args, announce=False)  # (listed below)
    records = list(host.records.values())
    overrides = template_overrides(host)
    if args.json:
        json.dump({"safe_mode": host.safe_mode, "complete": host.complete, "plugins": [r.as_dict() for r in records],
                   "problems": host.problems,
                   "template_overrides": [{"name": o.name, "path": str(o.path), "plugin": o.plugin,
                                           "replaces": str(o.replaces) if o.replaces else None} for o in overrides]},
                  data_stream(), ensure_ascii=False, indent=2)
        data_stream().write("\n")
        return _with_plugins(EXIT_OK, host)
    states, sources = STATE_LABELS, SOURCE_LABELS
    if host.safe_mode:
        out("安全模式：只加载内置插件")
    for r in records:
        version = f" {r.version}" if r.version else ""
        out(f"{r.name}{version}  [{sources.get(r.source, r.source)}] {states.get(r.state, r.state)}")
        out(f"    来源：{r.location}")
        if r.reason:
            out(f"    原因：{r.reason}")
        for label, items in (("报告格式", r.formats), ("部分", r.sections), ("检查", r.checks), ("导出", r.exporters)):
            if items:
                out(f"    {label}：{', '.join(items)}")
        for note in r.notes:
            out(f"    注：{note}")
        if args.verbose and r.detail:
            out("    " + r.detail.replace("\n", "\n    "))
    if args.verbose and overrides:
        out(f"模板覆盖（{config.template_folder}）：")
        for o in overrides:
            if o.replaces is None:
                out(f"    {o.name}  不会被使用：没有叫这个名字的模板（nianbao fields 列出模板的名字）")
            else:
                out(f"    {o.name}  代替插件 {o.plugin} 的 {o.replaces}")
    for p in host.problems:
        out(f"问题：{p}")
    return _with_plugins(EXIT_OK, host)


# -- fields ------------------------------------------------------------------------------
def cmd_fields(args: argparse.Namespace) -> int:
    from plugins.host.reference import reference, reference_markdown, reference_text

    config, host = config_and_host(args)
    if args.format and args.format not in host.formats:
        known = "、".join(host.formats) or "（没有加载任何格式）"
        raise UsageError(f"没有报告格式 {args.format}；已加载的格式：{known}")
    ref = reference(host, [args.format] if args.format else None, root=Path.cwd())
    if args.json:
        json.dump(ref, data_stream(), ensure_ascii=False, indent=2)
        data_stream().write("\n")
    else:
        data_stream().write(reference_markdown(ref) if args.markdown else reference_text(ref))
    return _with_plugins(EXIT_OK, host)  # a plugin that did not load is missing from the list


# -- aggregate (county office) ------------------------------------------------------------

def cmd_aggregate(args: argparse.Namespace) -> int:
    from plugins.county.aggregate import AggregateError, aggregate, collect_files
    from plugins.county.status import common_error_lines, waiting_lines

    config, host = config_and_host(args, announce=args.json)  # (the text lists them at the end)
    if not args.json:
        _say_safe_mode(host)
    inputs = args.inputs or ([str(config.county_folder)] if config.county_folder else [])
    if not inputs:
        raise UsageError("没有指定要汇总的文件：nianbao aggregate 文件… 或 文件夹 -o 汇总.toml"
                         "（或在 config.toml [county] folder 中指定文件夹）")
    target = Path(args.output)
    files, problems = collect_files(inputs, exclude=[target])
    for problem in problems:
        err(problem)
    jobs = args.jobs if args.jobs is not None else min(os.cpu_count() or 1, 8)
    meter = Progress("文件", quiet=args.json or len(files) < 2)
    try:
        result = aggregate(host, files, target, year=args.year, unit=args.unit, config=config, jobs=jobs,
                           check=not args.no_check, progress=meter.update)
    except AggregateError as e:
        raise UsageError(str(e)) from None
    finally:
        meter.clear()
    from plugins.engine.review import not_approved

    refused = {str(n.path) for n in result.of_kind("unreadable", "refused", "duplicate")}
    waiting = not_approved([Path(f) for f in files if str(f) not in refused])
    status = _with_plugins(result.exit_code, host)
    if args.json:
        json.dump({**result.as_dict(), "not_approved": waiting, "plugins": host.plugin_state(), "status": status},
                  data_stream(), ensure_ascii=False, indent=2)
        data_stream().write("\n")
        return status
    out(f"已汇总 {result.summed} 个单位的报告（{result.year}年度，格式 {result.format_id}）→ {result.out}")
    out(f"各单位的文字材料（供撰写参考，未放入报告）→ {result.reference}")
    if result.kept_existing:
        out("输出文件已存在：只更新了汇总的数字，文档信息和已写的文字保持不变（原文件备份为 .bak）")
    not_added = result.of_kind("unreadable", "refused", "duplicate")
    if not_added:
        out(f"未计入的文件（{len(not_added)}个）：")
        for n in not_added:
            out(f"  {n.path}：{n.message}")
    with_errors = result.of_kind("errors")
    if with_errors:
        out(f"报告有错误的单位（{len(with_errors)}个，已计入；改正后请重新汇总）：")
        summary = common_error_lines(len(with_errors), result.common_errors())
        if summary:  # what many share first, then unit by unit
            for line in summary:
                out(line)
            out("  逐个单位：")
        for n in with_errors:
            out(f"  {n.unit or '（未填单位名称）'}（{n.path}）：{n.message}")
            for line in n.first_errors:
                out(f"      {line}")
    if result.missing:
        out(f"未交报告的单位（config.toml [[units]]，{len(result.missing)}个）：{'、'.join(result.missing)}")
    for line in waiting_lines(waiting):
        out(line)
    if result.unlisted:
        out(f"不在 config.toml [[units]] 名单中的单位（已计入）：{'、'.join(result.unlisted)}")
    _say_not_running(host)
    if status == EXIT_PLUGINS:
        out("汇总不完整：有插件没有运行，它的部分没有汇总、它的规则没有检查（退出码 4；nianbao plugins 查看详情）")
    out(f"下一步：撰写本级报告的文字（nianbao edit {result.out}），再 nianbao check {result.out}")
    return status


# -- status (county office) ---------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    from plugins.county.status import common_errors, status_lines, status_year, unit_status

    config, host = config_and_host(args)
    if not config.units:
        where = config.path or "config.toml"
        raise UsageError(f"{where} 中没有 [[units]]：请列出各单位（name、level，及 [county] folder 或 file），见 README“For the county office”")
    if getattr(args, "tui", False):
        if _terminal_refused():
            return EXIT_USAGE
        from tui.screens.status import run_status  # Textual is imported only here

        return run_status(config, host, args.year, safe_mode=args.safe_mode)
    today = _dt.date.today()
    year = status_year(config, args.year, today)
    rows = unit_status(config, host, year, today)
    if args.json:
        json.dump({"year": year, "today": today.isoformat(), "units": [r.as_dict() for r in rows],
                   "summary": {"units": len(rows), "handed_in": sum(r.handed_in for r in rows),
                               "missing": sum(not r.handed_in for r in rows),
                               "with_errors": sum(1 for r in rows if r.errors)},
                   "common_errors": [{"units": n, "error": kind} for n, kind in common_errors(rows)],
                   "plugins": host.plugin_state()},  # (a dashboard: exits 0 all the same)
                  data_stream(), ensure_ascii=False, indent=2)
        data_stream().write("\n")
    else:
        for line in status_lines(rows, year, today):
            out(line)
    return EXIT_OK


# -- edit -------------------------------------------------------------------------------
def _terminal_refused() -> bool:
    """Before the interface draws anything: a terminal that is not UTF-8 gets a message it
    can show (tui/terminal.py), and nothing is opened."""
    from tui.terminal import not_utf8_message

    message = not_utf8_message()
    if message is None:
        return False
    sys.stderr.flush()
    sys.stderr.buffer.write(message)
    sys.stderr.buffer.flush()
    return True


def cmd_edit(args: argparse.Namespace) -> int:
    if _terminal_refused():
        return EXIT_USAGE
    config = load_config(args.config)
    target = args.file or (str(config.report) if config.report else None)
    if not target:
        raise UsageError("没有指定报告文件：nianbao edit 文件.toml，或在 config.toml [site] report 中指定")
    from plugins.importers import is_document

    host = None
    if is_document(target):
        chosen = _document_to_edit(args, config, Path(target))
        if chosen is None:
            return EXIT_OK
        target, host = chosen  # (the host that imported it: not loaded a second time)
    # Start-up creates some 100,000 objects that live as long as the interface, and the
    # cyclic garbage collector would go through them again and again before the first frame
    # for almost nothing to free (a few hundred objects): about a tenth of the start-up.
    # It is off until the first frame is up (run_app switches it back on).
    held = gc.isenabled()
    gc.disable()
    try:
        from tui.app import run_app  # Textual is imported only here

        return run_app(target, config, safe_mode=args.safe_mode, gc_held=held, host=host)
    finally:
        if held:
            gc.enable()


# -- serve ------------------------------------------------------------------------------
def _session_command(args: argparse.Namespace, config: Config) -> tuple[Callable[[str | None], list[str] | None], str]:
    """What a browser tab runs, as a function of the unit named in its address (None at the
    top): ``nianbao edit`` on a report; or, for a folder holding a county's config.toml, the
    status screen at the top and each unit's report at its own page (from the status screen's
    Enter). And the page's title. Checked here, so that a wrong path is said once, in the
    terminal, not in every tab."""
    base = [sys.executable, "-m", "tui.cli"] + (["--safe-mode"] if args.safe_mode else [])
    target = args.file or (str(config.report) if config.report else None)
    if target is None:
        raise UsageError("没有指定报告文件：nianbao serve 文件.toml（或县级文件夹），或在 config.toml [site] report 中指定")
    path = Path(target).resolve()
    if path.is_dir():
        county = path / "config.toml"
        if not county.is_file():
            raise UsageError(f"{target} 是文件夹，但其中没有 config.toml：县级文件夹应有列出各单位（[[units]]）的 config.toml")
        if not load_config(county).units:
            raise UsageError(f"{county} 中没有 [[units]]：请列出各单位（name、level，及 [county] folder 或 file）")
        base += ["--config", str(county)]

        def county_command(unit: str | None) -> list[str] | None:
            if unit is None:
                return base + ["status", "--tui"]
            from plugins.county.status import locate_units

            files = locate_units(load_config(county)).get(unit)  # (as the status screen finds them, now)
            return base + ["edit", str(files[0])] if files else None
        return county_command, f"nianbao · {path.name}"
    from plugins.importers import is_document

    if is_document(target):
        raise UsageError(f"{target} 是已发布的文档：先 nianbao import {target}，再 nianbao serve 导入的 .toml")
    if not path.is_file():
        raise UsageError(f"{target}: 文件不存在（新建请用 nianbao new）")
    if config.path is not None:
        base += ["--config", str(Path(config.path).resolve())]
    edit = base + ["edit", str(path)]
    return (lambda unit: edit if unit is None else None), f"nianbao · {path.name}"


def cmd_serve(args: argparse.Namespace) -> int:
    if args.hash_password is not None:
        return _hash_password(args.hash_password)
    config = load_config(args.config)
    host = args.host or config.serve_host
    port = args.port if args.port is not None else config.serve_port
    command, title = _session_command(args, config)
    try:
        from tui.serve import check_passwords, is_loopback, serve  # the web extra, imported only here
    except ImportError as e:
        raise UsageError(f"nianbao serve 需要网页组件（{e.name}）：pip install 'nianbao[web]'") from None
    where = str(config.path or "config.toml")
    problems = check_passwords(config.serve_passwords, where)
    if problems:
        raise UsageError("；".join(problems))
    if not is_loopback(host) and not config.serve_passwords:
        raise UsageError(f"监听 {host} 时任何人都能连上，须先设置登录密码：在 {where} [serve.passwords] 中为每个单位写入"
                         f" nianbao serve --hash-password 单位名 生成的一行；或只监听 127.0.0.1，由带 TLS 和登录的反向代理"
                         f"转发（见 README“nianbao serve”）")
    shown = f"[{host}]" if ":" in host else host
    login = "" if is_loopback(host) else f"（须登录：{len(config.serve_passwords)} 个单位有密码）"
    announce = f"nianbao serve：在浏览器中打开 http://{shown}:{port}/ {login}· 按 ctrl+c 停止（各窗口先保存）"
    return serve(command, host=host, port=port, title=title, passwords=config.serve_passwords, announce=announce)


def _hash_password(name: str) -> int:
    """``nianbao serve --hash-password 单位名``: the line to put under [serve.passwords]."""
    import getpass

    from tui.weblogin import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass(f"{name or '单位'} 的密码：")
        if password != getpass.getpass("再输入一次："):
            raise UsageError("两次输入的密码不一致，没有生成")
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 8:
        raise UsageError("密码太短：至少 8 个字符")
    line = f"{json.dumps(name, ensure_ascii=False)} = \"{hash_password(password)}\""
    out(line if name else hash_password(password))
    if name:
        err("把上面一行写在 config.toml 的 [serve.passwords] 下（原密码不会保存在任何地方）")
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """A parser whose help may end with text worked out only when help is asked for
    (``more_help``: e.g. the report formats, which come from the plugins)."""

    more_help: Any = None

    def format_help(self) -> str:
        text = super().format_help()
        return text + "\n" + self.more_help() if self.more_help is not None else text


def _new_help() -> str:
    """The unit levels and the report formats the loaded plugins offer, for ``nianbao new
    --help`` (one a line: argparse would wrap Chinese in the middle of a meaning)."""
    lines = ["单位层级（--level 的取值）："] + [f"  {k:15} {label}" for k, label in UNIT_LEVELS]
    lines.append("报告格式（--format 的取值；不指定时按年度选择）：")
    try:
        host = host_from_env(load_config(None))
        lines += [f"  {f.id:15} {f.name}" for f in sorted(host.formats.values(), key=lambda f: f.first_year)]
    except Exception as exc:  # noqa: BLE001 - the rest of the help is shown all the same
        lines.append(f"  （无法列出：{exc}）")
    return "\n".join(lines) + "\n"


def _document_to_edit(args: argparse.Namespace, config: Config, document: Path) -> tuple[str, PluginHost | None] | None:
    """``nianbao edit last-year.docx``: a published document is never written. It is
    imported in memory, what was found is shown with the offer to import it into a report
    file beside it, which is then edited: that file, and the plugin host that imported it
    (None if the file was there already). ``None``: declined."""
    from plugins.importers import ImportFailed, import_file

    target = document.with_suffix(".toml")
    if target.exists():
        err(f"{document} 是已发布的文档（不会被修改）：打开已导入的 {target}")
        return str(target), None
    if not document.exists():
        raise UsageError(f"{document}: 文件不存在")
    if not sys.stdin.isatty():
        raise UsageError(f"{document} 是已发布的文档，不能直接编辑：先 nianbao import {document}，再 nianbao edit {target}")
    args.loaded_config = config
    config, host = config_and_host(args)
    try:
        imported = import_file(host, document)
    except ImportFailed as e:
        raise UsageError(str(e)) from None
    found, details = describe_import(host, imported)
    from tui.screens.document_offer import ask_to_import  # Textual is imported only here

    if not ask_to_import(config.language, document, target, found, details):
        out(f"未导入，{document} 没有改动。")
        return None
    if target.exists():  # made meanwhile (another window): never overwritten
        raise UsageError(f"{target} 已存在，不会覆盖：nianbao edit {target}")
    write_imported(imported, target)
    out(f"已导入 {document} → {target}")
    return str(target), host


def exit_help(ok: str, errors: str | None, plugins: str) -> str:
    """The exit statuses of a command, for its help (one a line: argparse would wrap
    Chinese in the middle of a meaning)."""
    lines = ["退出码：", f"  0  {ok}"] + ([f"  1  {errors}"] if errors else []) + [
        "  2  文件无法读取，或用法错误",
        "  4  有插件没有运行：出错被停用、插件冲突、检查针对的部分不存在、",
        f"     插件文件夹不存在{plugins}；结果缺少它的部分或规则。",
        "     代替 0 和 1（错误数见输出）",
        "  （3：界面 nianbao edit 意外结束；129/143：连接断开或被终止，内容已保存；130：Ctrl+C）"]
    return "\n".join(lines)


_RAW = argparse.RawDescriptionHelpFormatter


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="nianbao", description="政府信息公开工作年度报告：填写、检查、导出",
                                epilog=exit_help("没有问题，或只有警告", "报告有错误", "，或检查、生成时插件出错"),
                                formatter_class=_RAW)
    p.add_argument("--config", help="配置文件（默认 ./config.toml 或 $NIANBAO_CONFIG）")
    p.add_argument("--safe-mode", action="store_true", help="只加载内置插件")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    s = sub.add_parser("new", help="新建报告文件")
    s.more_help = _new_help
    s.add_argument("file")
    s.add_argument("--unit", help="单位名称")
    s.add_argument("--year", type=int, help="报告年度")
    s.add_argument("--format", help="报告格式 id（默认按年度选择；取值见下）")
    s.add_argument("--level", choices=[k for k, _ in UNIT_LEVELS], help="单位层级（取值见下）")
    s.add_argument("--from", dest="from_file", metavar="LAST_YEAR.toml",
                   help="以上一年度的报告为起点：结转单位信息和跨年度的数字（年度加一；不结转正文）；"
                        "也可以是上年发布的 Word、网页、PDF 或文本")
    s.set_defaults(func=cmd_new)

    s = sub.add_parser("import", help="导入已发布的报告（Word .docx、网页 .html、PDF、文本）为报告文件")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("-o", "--output", metavar="OUT.toml", help="输出文件（默认与原文件同名的 .toml，放在原文件旁）")
    s.add_argument("--into", metavar="FOLDER", help="输出到此文件夹（导入多个文件时）")
    s.add_argument("--format", help="报告格式 id（默认从标题和章节识别）")
    s.add_argument("--unit", help="单位名称（默认取自标题）")
    s.add_argument("--year", type=int, help="报告年度（默认取自标题）")
    s.add_argument("--level", choices=[k for k, _ in UNIT_LEVELS], help="单位层级")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("check", help="检查报告，列出错误和警告（也可直接检查已发布的 .docx .html .pdf .txt）", epilog=exit_help("没有问题，或只有警告", "报告有错误", "，或检查时插件出错"),
                       formatter_class=_RAW)
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("export", help="导出报告", epilog=exit_help("已导出（报告还有错误时在标准错误中提示）", None, "，或生成时出错（文件照样写出）"),
                       formatter_class=_RAW)
    s.add_argument("file")
    s.add_argument("--to", default="txt", help="导出格式：txt、md 等（nianbao plugins 查看全部）")
    s.add_argument("-o", "--output", help="输出文件（默认标准输出）")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("plugins", help="列出插件及其状态", epilog=exit_help("所有插件都按配置运行", None, ""),
                       formatter_class=_RAW)
    s.add_argument("--json", action="store_true")
    s.add_argument("--verbose", "-v", action="store_true", help="显示出错插件的完整回溯")
    s.set_defaults(func=cmd_plugins)

    s = sub.add_parser("fields", help="列出各部分的 id、字段键、名称、类型、单位和模板（含县里的插件）",
                       epilog=exit_help("已列出所有插件的部分", None, ""), formatter_class=_RAW)
    s.add_argument("format", nargs="?", metavar="FORMAT", help="只列出这种报告格式（默认全部）")
    shown = s.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="输出 JSON")
    shown.add_argument("--markdown", action="store_true", help="输出 Markdown（docs/reference.md 即由此生成）")
    s.set_defaults(func=cmd_fields)

    s = sub.add_parser("aggregate", help="汇总各单位的报告（县级汇总）", epilog=exit_help("已汇总，各单位的报告没有错误且都已交", "已汇总，但有单位的报告有错误、未计入或未交", ""),
                       formatter_class=_RAW)
    s.add_argument("inputs", nargs="*", metavar="FILE|FOLDER",
                   help="各单位的报告文件或所在文件夹（默认 config.toml [county] folder）")
    s.add_argument("-o", "--output", required=True, metavar="OUT.toml", help="汇总报告文件（已存在时只更新数字）")
    s.add_argument("--unit", help="汇总报告的单位名称（默认 config.toml [site] unit）")
    s.add_argument("--year", type=int, help="报告年度（默认取输出文件或第一个文件的年度）")
    s.add_argument("--jobs", "-j", type=int, help="并行读取的进程数（默认 CPU 核数，最多8）")
    s.add_argument("--no-check", action="store_true", help="不检查各单位的报告，只汇总数字（更快；不列出有错误的单位）")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.set_defaults(func=cmd_aggregate)

    s = sub.add_parser("status", help="各单位报告的提交情况和期限")
    s.add_argument("--year", type=int, help="报告年度（默认 config.toml [site] year，否则上一年）")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.add_argument("--tui", action="store_true", help="在终端界面中查看；回车打开所选单位的报告")
    s.set_defaults(func=cmd_status)

    from tui.journal_cli import add_commands

    add_commands(sub)  # history, diff, restore, submit, remark, return, approve, reopen, review

    s = sub.add_parser("serve", help="在浏览器中填写（与终端界面相同）：nianbao serve 文件.toml，再打开 http://127.0.0.1:8000/")
    s.add_argument("file", nargs="?", metavar="FILE|FOLDER",
                   help="报告文件（默认 config.toml [site] report），或县级文件夹（其中的 config.toml 列出各单位：各单位提交情况）")
    s.add_argument("--host", help="监听的地址（默认 config.toml [serve] host，否则 127.0.0.1；其他地址须设置登录密码）")
    s.add_argument("--port", type=int, help="端口（默认 config.toml [serve] port，否则 8000）")
    s.add_argument("--hash-password", nargs="?", const="", metavar="单位名",
                   help="生成登录密码的散列（写入 config.toml [serve.passwords]），不启动服务")
    s.set_defaults(func=cmd_serve, interface=lambda a: True)

    s = sub.add_parser("edit", help="在终端界面中编辑报告（给出已发布的 .docx 等文档时，先询问是否导入为旁边的 .toml）")
    s.add_argument("file", nargs="?")
    s.set_defaults(func=cmd_edit)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    if args.command is None:
        args.file = None
        args.func = cmd_edit
    try:
        if args.func is cmd_edit or getattr(args, "interface", lambda a: False)(args):
            # the interface runs plugins in threads (tui.app)
            return args.func(args)
        # Headless: plugins' output kept off the data, their calls limited (plugins.host.guard)
        args.loaded_config = config = load_config(args.config)
        data = getattr(args, "json", False) or (args.command == "export" and args.output in (None, "-"))
        with guard.contained(config.plugin_time_limit, config.plugin_memory_limit), output_kept_for_data(data):
            return args.func(args)
    except UsageError as e:
        err(str(e))
        return EXIT_USAGE
    except NianbaoError as e:
        err(str(e))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into head/less that closed early
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
