"""Command-line side of the journal and the review (:mod:`plugins.engine.journal`, :mod:`plugins.engine.review`):
``history``, ``diff``, ``restore``, ``submit``, ``remark``, ``return``, ``approve``, ``reopen``
and ``review``. Headless (no Textual) except ``review`` without ``--json``/``--list``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugins.engine.errors import NianbaoError, ReportLocked
from plugins.engine.report import META
from plugins.engine.store import ReportLock, load_report
from tui.cli_common import EXIT_ERRORS, EXIT_OK, UsageError, config_and_host, data_stream, err, issue_rows, out

# plugins.engine.journal (sqlite3, difflib) is imported by the commands that use it, not by every
# start of nianbao (this module registers its commands on the parser).
if TYPE_CHECKING:
    from plugins.engine.journal import Change, Journal


def _dump(data: Any) -> None:
    # to the command's data stream: with --json, sys.stdout carries plugins' output to stderr
    stream = data_stream()
    json.dump(data, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def _roles(args: argparse.Namespace, path: Path):
    from plugins.engine.config import load_config
    from plugins.engine.review import roles_for

    config = load_config(args.config)
    try:
        report = load_report(path)
    except NianbaoError:
        report = None
    return config, roles_for(config, path, report)


def open_journal(path: Path, *, repair: bool = True) -> tuple["Journal", list[str]]:
    """The report's journal for reading; settled with the file first when nobody is editing
    the report (whoever holds the lock settles it on their next save)."""
    from plugins.engine.journal import Journal, JournalError, journal_path

    if not path.exists() and not journal_path(path).exists():
        raise JournalError(f"{path}: 文件不存在")
    jp = journal_path(path)
    if not jp.exists():
        raise JournalError(f"{path}: 还没有修改记录（用 nianbao 保存过一次之后才有）")
    import os

    if not os.access(jp, os.R_OK):
        raise JournalError(f"{jp}: 没有权限读取修改记录（与报告文件的权限相同）")
    journal = Journal(path, create=False)
    notes: list[str] = []
    if repair and os.access(jp, os.W_OK) and path.exists():
        lock = ReportLock(path)
        try:
            lock.acquire()
        except (ReportLocked, OSError):
            notes.append("报告正在编辑中：显示的是到上次保存为止的记录")
        else:
            try:
                notes.extend(journal.recover())
            finally:
                lock.release()
    return journal, notes


class Labels:
    """Field addresses (``fj.overview.intro``) in words (``一、概述 › 引言``)."""

    def __init__(self, host: Any, text: str | None):
        from plugins.engine.checks import describe_field, meta_fields
        from plugins.engine.report import Report
        from plugins.formatting import cn_numeral

        self.describe = describe_field
        self.sections: list[tuple[str, str, Any]] = []
        from plugins.engine.tomlread import loads

        try:
            report = Report(loads(text or ""))
        except Exception:  # noqa: BLE001 - a damaged text: addresses stay as they are
            report = Report({})
        self.sections.append((META, "文档信息", meta_fields(host, report)))
        fmt = host.format_for(report)
        if fmt is not None:
            for i, s in enumerate(host.sections_for(fmt.id), start=1):
                self.sections.append((s.id, f"{cn_numeral(i)}、{s.heading}", s.fields))
        self.sections.sort(key=lambda x: -len(x[0]))

    def __call__(self, path: str) -> str:
        for sid, heading, fields in self.sections:
            if path.startswith(sid + ".") or path.startswith(sid + "["):
                rest = path[len(sid) + 1:]
                words = self.describe(fields, rest)
                return f"{heading} › {words}" if words and words != rest else f"{heading} › {rest}"
        return path


def _change_lines(changes: list["Change"], labels: Labels) -> list[str]:
    from plugins.engine.journal import describe

    lines = []
    for c, line in zip(changes, describe(changes)):
        label = labels(c.path)
        lines.append(line.replace(c.path, label if label == c.path else f"{label}（{c.path}）", 1))
    return lines


# -- history ----------------------------------------------------------------------------------
def cmd_history(args: argparse.Namespace) -> int:
    from plugins.engine.journal import KIND_LABELS
    from plugins.engine.review import may_read

    path = Path(args.file)
    config, roles = _roles(args, path)
    may_read(roles)
    journal, notes = open_journal(path)
    with journal:
        entries = journal.entries()
        problems = journal.verify()
        review = journal.review()
        if args.json:
            _dump({"file": str(path), "journal": str(journal.path), "entries": [e.as_dict() for e in entries],
                   "review": review.as_dict(), "intact": not problems, "tamper": problems, "notes": notes,
                   "size": journal.size()})
            return EXIT_ERRORS if problems else EXIT_OK
        _, host = config_and_host(args)
        tip = journal.tip()
        labels = Labels(host, tip[1] if tip else None)
    for note in notes:
        err(note)
    out(f"{path}：{len(entries)} 条记录，审核状态：{review.label}"
             + (f"（{review.since[:16].replace('T', ' ')} {review.by}）" if review.since else ""))
    for e in entries:
        when = e.at[:16].replace("T", " ")
        if e.started != e.at:
            when = e.started[:16].replace("T", " ") + "–" + e.at[11:16]
        head = f"#{e.seq}  {when}  {e.user}（{e.origin}）  {KIND_LABELS.get(e.kind, e.kind)}"
        extra = ""
        n = e.note
        if e.kind == "remark":
            extra = f" #{e.seq} {n.get('section', '')}{':' + n['path'] if n.get('path') else ''}：{n.get('text', '')}"
        elif e.kind == "answer":
            extra = f" 第 {n.get('remark')} 号意见：{n.get('text', '')}"
        elif e.kind == "resolve":
            extra = f" 第 {n.get('remark')} 号意见"
        elif e.kind == "restore":
            extra = f" 到版本 {n.get('to')}"
        elif e.kind == "external":
            extra = f"（{n.get('noticed_by', '')} 发现）"
        elif e.kind in ("baseline", "create"):
            extra = "（全文）"
        out(head + extra)
        for line in _change_lines(e.changes, labels):
            out(f"    {line}")
    if problems:
        out("修改记录被改动过：")
        for p in problems:
            out(f"  {p}")
        return EXIT_ERRORS
    return EXIT_OK


# -- diff -------------------------------------------------------------------------------------
def _side(journal: "Journal | None", value: str | None, path: Path) -> tuple[str, str]:
    """(label, text) of one side of a diff: a version number or another report file."""
    if value is None:
        return "当前文件", path.read_text(encoding="utf-8")
    if value.isdigit():
        if journal is None:
            raise UsageError(f"{path} 没有修改记录，不能按版本比较")
        return f"版本 {value}", journal.text_at(int(value))
    other = Path(value)
    if not other.is_file():
        raise UsageError(f"“{value}”既不是版本号，也不是报告文件")
    load_report(other)  # a damaged file gets its own message
    return str(other), other.read_text(encoding="utf-8")


def cmd_diff(args: argparse.Namespace) -> int:
    from plugins.engine.journal import field_changes, parse_text
    from plugins.engine.review import may_read

    path = Path(args.file)
    config, roles = _roles(args, path)
    may_read(roles)
    versions = list(args.versions)
    if len(versions) > 2:
        raise UsageError("最多比较两个版本：nianbao diff 文件 [A [B]]")
    if args.since and versions:
        raise UsageError("--since 与版本号只能用一个")
    needs_journal = args.since or not versions or any(v.isdigit() for v in versions)
    journal = open_journal(path)[0] if needs_journal else None
    try:
        if args.since:
            assert journal is not None  # needs_journal
            try:
                day = _dt.date.fromisoformat(args.since)
            except ValueError:
                raise UsageError(f"--since 应为日期，如 2025-01-15，现在是 {args.since!r}") from None
            moment = _dt.datetime.combine(day, _dt.time()).astimezone()
            v = journal.version_before(moment)
            if v is None:  # the record starts after that day: from its first version
                first = journal.versions()[0]
                old = (f"第一个版本（版本 {first}；{day.isoformat()} 之前没有记录）", journal.text_at(first))
            else:
                old = (f"{day.isoformat()} 之前的最后版本（版本 {v}）", journal.text_at(v))
            new = _side(journal, None, path)
        elif not versions:
            assert journal is not None  # needs_journal
            known = journal.versions()
            if len(known) < 2:
                old = ("（没有更早的版本）", journal.text_at(known[0]) if known else "")
            else:
                old = _side(journal, str(known[-2]), path)
            new = _side(journal, None, path)
        else:
            old = _side(journal, versions[0], path)
            new = _side(journal, versions[1] if len(versions) > 1 else None, path)
    finally:
        if journal is not None:
            journal.close()
    changes = field_changes(parse_text(old[1]), parse_text(new[1]), clip=not args.json)
    if args.json:  # whole values for scripts; long texts are shown as their changed part
        _dump({"file": str(path), "from": old[0], "to": new[0], "changes": [c.as_dict() for c in changes]})
        return EXIT_OK
    _, host = config_and_host(args)
    out(f"{old[0]} → {new[0]}：{len(changes)} 处不同" if changes else f"{old[0]} → {new[0]}：没有不同")
    for line in _change_lines(changes, Labels(host, new[1])):
        out(f"  {line}")
    return EXIT_OK


# -- restore ----------------------------------------------------------------------------------
def cmd_restore(args: argparse.Namespace) -> int:
    from plugins.engine.report import Report
    from plugins.engine.review import ReviewError
    from plugins.engine.store import save_report
    from plugins.engine.tomlread import loads

    path = Path(args.file)
    config, roles = _roles(args, path)
    if not roles.unit:
        raise ReviewError(f"{roles.describe()} 不能恢复这份报告：只有{roles.unit_name or '该单位'}的账号可以修改它")
    with ReportLock(path):
        journal, notes = open_journal(path)
        with journal:
            text = journal.text_at(args.to)
        report = Report(loads(text), path)
        save_report(report, record="restore", note={"to": args.to})
    out(f"已把 {path} 恢复到版本 {args.to}（这次恢复本身也记入了修改记录）")
    return EXIT_OK


# -- review steps -----------------------------------------------------------------------------
def _print_review(args: argparse.Namespace, path: Path, review: Any, message: str) -> int:
    if getattr(args, "json", False):
        _dump({"file": str(path), **review.as_dict()})
    else:
        out(message)
    return EXIT_OK


def cmd_submit(args: argparse.Namespace) -> int:
    from plugins.engine import review as rv
    from plugins.engine.checks import check_report

    path = Path(args.file)
    config, roles = _roles(args, path)
    if args.withdraw:
        return _print_review(args, path, rv.withdraw(path, roles), f"已撤回 {path} 的提交，可以继续修改")
    _, host = config_and_host(args)
    report = load_report(path)
    rows = issue_rows(host, report, check_report(host, report))
    errors = [r["section_heading"] + (f" › {r['field_label']}" if r["field_label"] else "") + f"：{r['message']}"
              for r in rows if r["severity"] == "error"]
    state = rv.submit(path, roles, errors)
    return _print_review(args, path, state, f"已提交 {path}（{roles.unit_name or '本单位'}），等待县政府办审核；"
                                            "审核期间报告不能修改（nianbao submit --withdraw 撤回）")


def _target(args: argparse.Namespace, path: Path, target: str) -> tuple[str, str]:
    from plugins.engine.review import parse_target

    _, host = config_and_host(args)
    return parse_target(host, load_report(path), target)


def cmd_remark(args: argparse.Namespace) -> int:
    from plugins.engine import review as rv

    path = Path(args.file)
    config, roles = _roles(args, path)
    if args.answer is not None:
        number, text = args.answer
        r = rv.answer(path, roles, _number(number), text)
        message = f"已答复第 {r.id} 号意见"
    elif args.resolve is not None:
        r = rv.resolve(path, roles, args.resolve)
        message = f"第 {r.id} 号意见已解决"
    elif args.at is not None:
        target, text = args.at
        section, field_path = _target(args, path, target)
        r = rv.add_remark(path, roles, section, field_path, text)
        message = f"已记下第 {r.id} 号意见（{r.where}）"
    else:
        raise UsageError("提意见：nianbao remark 文件 --at 部分[:字段] 意见；答复：--answer 编号 答复；解决：--resolve 编号")
    if args.json:
        _dump(r.as_dict())
    else:
        out(message)
    return EXIT_OK


def _number(text: str) -> int:
    if not text.lstrip("#").isdigit():
        raise UsageError(f"意见编号应为数字（nianbao review 文件 --list 列出），现在是 {text!r}")
    return int(text.lstrip("#"))


def cmd_return(args: argparse.Namespace) -> int:
    from plugins.engine import review as rv

    path = Path(args.file)
    config, roles = _roles(args, path)
    if not roles.office:
        rv.return_report(path, roles)  # raises with the reason
    for target, text in args.remark or []:
        section, field_path = _target(args, path, target)
        rv.add_remark(path, roles, section, field_path, text)
    state = rv.return_report(path, roles)
    return _print_review(args, path, state, f"已退回 {path}，附 {len(state.open_remarks)} 条意见")


def cmd_approve(args: argparse.Namespace) -> int:
    from plugins.engine import review as rv

    path = Path(args.file)
    config, roles = _roles(args, path)
    return _print_review(args, path, rv.approve(path, roles), f"已通过 {path}：单位不能再修改（nianbao reopen 重新打开）")


def cmd_reopen(args: argparse.Namespace) -> int:
    from plugins.engine import review as rv

    path = Path(args.file)
    config, roles = _roles(args, path)
    return _print_review(args, path, rv.reopen(path, roles), f"已重新打开 {path}，单位可以修改")


def cmd_review(args: argparse.Namespace) -> int:
    from plugins.engine.review import may_read, read_review

    path = Path(args.file)
    config, roles = _roles(args, path)
    may_read(roles)
    load_report(path)
    review = read_review(path)
    if args.json:
        _dump({"file": str(path), "roles": {"user": roles.person.user, "office": roles.office, "unit": roles.unit},
               **review.as_dict()})
        return EXIT_OK
    if args.list:
        out(f"{path}：{review.label}" + (f"（{review.since[:16].replace('T', ' ')} {review.by}）" if review.since else ""))
        states = {"open": "待答复", "answered": "已答复", "resolved": "已解决"}
        for r in review.remarks:
            out(f"  #{r.id} [{states[r.state]}] {r.where}：{r.text}（{r.by} {r.at[:16].replace('T', ' ')}）")
            for a in r.answers:
                out(f"      答复（{a['by']}）：{a['text']}")
        return EXIT_OK
    from tui.app import run_app

    return run_app(str(path), config, safe_mode=args.safe_mode, review=True)


def add_commands(sub: Any) -> None:
    """Register the journal and review commands on ``nianbao``'s subparsers."""
    s = sub.add_parser("history", help="报告的修改记录：谁、何时、从哪里、改了什么")
    s.add_argument("file")
    s.add_argument("--json", action="store_true", help="输出 JSON")
    s.set_defaults(func=cmd_history)

    s = sub.add_parser("diff", help="逐项比较：两个版本，或某日以来，或上一年度的报告")
    s.add_argument("file")
    s.add_argument("versions", nargs="*", metavar="A B",
                   help="版本号（nianbao history 列出）或另一份报告文件；只给 A 则与当前文件比较；都不给则比较上一版本")
    s.add_argument("--since", metavar="DATE", help="某日（如 2025-01-15）之前的最后版本与当前文件比较")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_diff)

    s = sub.add_parser("restore", help="把报告恢复到某个版本（恢复本身也记入修改记录）")
    s.add_argument("file")
    s.add_argument("--to", type=int, required=True, metavar="VERSION")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("submit", help="提交报告给县政府办审核（有错误时不能提交）")
    s.add_argument("file")
    s.add_argument("--withdraw", action="store_true", help="撤回提交（县政府办还没有退回或通过时）")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_submit)

    s = sub.add_parser("remark", help="审核意见：提意见（县政府办）、答复或解决（单位）")
    s.add_argument("file")
    s.add_argument("--at", nargs=2, metavar=("部分[:字段]", "意见"),
                   help="对部分、字段或表格单元格提意见，如 --at fj.overview:intro \"请写明年度\"")
    s.add_argument("--answer", nargs=2, metavar=("编号", "答复"), help="答复这条意见")
    s.add_argument("--resolve", type=int, metavar="编号", help="把这条意见标为已解决")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_remark)

    s = sub.add_parser("return", help="退回报告（县政府办，附审核意见）")
    s.add_argument("file")
    s.add_argument("--remark", nargs=2, action="append", metavar=("部分[:字段]", "意见"), help="可重复")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_return)

    s = sub.add_parser("approve", help="通过报告（县政府办）；之后单位不能再修改")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_approve)

    s = sub.add_parser("reopen", help="重新打开已通过或已提交的报告（县政府办）")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_reopen)

    s = sub.add_parser("review", help="审核：只读打开报告，在所选字段上提意见；--list/--json 列出意见")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.add_argument("--list", action="store_true", help="以文本列出审核状态和意见")
    # without --json/--list it is the interface: run as nianbao edit is (tui.cli.main)
    s.set_defaults(func=cmd_review, interface=lambda a: not (a.json or a.list))
