"""What every ``nianbao`` command shares (:mod:`tui.cli` and :mod:`tui.journal_cli`): the exit
status, wrong usage, where a command's output and data go, the config and plugin host, and
the rows ``--json`` gives for problems. Headless, like the commands that use it."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Any, Iterator

from plugins.engine.checks import BlankGroup, CheckResult, describe_field, meta_fields
from plugins.engine.config import Config, load_config
from plugins.host.manager import PluginHost, host_from_env
from plugins.engine.report import META, Report

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_PLUGINS = 4  # (3 is the interface's crash, tui.app.EXIT_CRASH)


class UsageError(Exception):
    pass


_data_out: list[Any] = []  # where a command's data goes while plugins' output is kept off it


def data_stream():
    """Standard output as it was when the command started: the stream for its data."""
    return _data_out[-1] if _data_out else sys.stdout


@contextlib.contextmanager
def output_kept_for_data(active: bool) -> Iterator[None]:
    """While a command writes data to standard output (``--json``, an export to ``-``),
    anything else that would go there (a plugin's ``print()``, a library or a child
    process writing to file descriptor 1) goes to standard error instead."""
    if not active:
        yield
        return
    data, saved_fd = sys.stdout, None
    try:
        is_fd1 = data.fileno() == 1
    except (AttributeError, OSError, ValueError):  # a StringIO (tests) or a closed stream
        is_fd1 = False
    if is_fd1:
        data.flush()
        saved_fd = os.dup(1)
        os.dup2(2, 1)
        data = open(saved_fd, "w", encoding=sys.stdout.encoding, errors=sys.stdout.errors, closefd=False)
    _data_out.append(data)
    real = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout = real
        _data_out.pop()
        if saved_fd is not None:
            try:
                data.close()  # (flushes; the descriptor stays open: closefd=False)
            finally:
                os.dup2(saved_fd, 1)
                os.close(saved_fd)


def out(text: str = "", stream=None) -> None:
    (stream or sys.stdout).write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(f"nianbao: {text}\n")


def config_and_host(args: argparse.Namespace, announce: bool = True) -> tuple[Config, PluginHost]:
    """The config and plugin host; ``announce``: failed plugins and host problems said on
    stderr now (a command that lists them in its own output says False)."""
    config = getattr(args, "loaded_config", None) or load_config(args.config)
    host = host_from_env(config, safe_mode=True if args.safe_mode else None)
    if os.environ.get("NIANBAO_TRACE_PLUGINS") == "1":
        host.trace()
    if announce:
        for record in host.failed:
            err(f"插件 {record.name} 已停用：{record.reason}（nianbao plugins 查看详情）")
        for problem in host.problems:
            err(problem)
    return config, host


def issue_rows(host: PluginHost, report: Report, result: CheckResult) -> list[dict[str, Any]]:
    rows = []
    fmt_fields = meta_fields(host, report)
    for issue in result.issues:
        section = host.section(issue.section)
        if issue.section == META:
            heading, fields = "文档信息", fmt_fields
        elif section is not None:
            heading, fields = section.heading, section.fields
        else:
            heading, fields = issue.section, ()
        row = issue.as_dict()
        row["section_heading"] = heading
        row["field_label"] = describe_field(fields, issue.field)
        rows.append(row)
    return rows


def blank_group_row(host: PluginHost, report: Report, group: BlankGroup) -> dict[str, Any]:
    section = host.section(group.section)
    grid = section.field(group.field) if section is not None else None
    label = " · ".join(x for x in ((grid.label if grid else group.field), group.label.removeprefix("其中：")) if x)
    return {**group.as_dict(), "section_heading": section.heading if section else group.section, "field_label": label}
