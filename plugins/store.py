"""Reading and writing report files: one TOML file per report.

* :func:`load_report` never shows a traceback: a damaged file raises
  :class:`~plugins.errors.InputFileError` with file, line and column.
* :func:`save_report` is atomic (temporary file in the same folder, flush, fsync, rename,
  fsync of the folder) and keeps the previous version as ``<name>.bak``.
* :class:`ReportLock` is an advisory lock held by whoever edits a file; a second writer gets
  :class:`~plugins.errors.ReportLocked` naming the holder. The operating system releases the
  lock when its process dies, even by SIGKILL, so no stale lock is ever left behind.
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import os
from pathlib import Path

# Only loading is needed by every command: the modules that saving (shutil, tempfile,
# tomli_w) and locking (getpass, socket) use are imported where they are used, so that
# ``nianbao check`` does not pay for them at start-up.

from .errors import InputFileError, ReportLocked, toml_error
from .report import META, Report
from .tomlread import READING_ERRORS, loads as toml_loads

__all__ = ["load_report", "save_report", "dump_report", "ReportLock", "backup_path", "lock_path"]


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def lock_path(path: Path) -> Path:
    return path.with_name("." + path.name + ".lock")


MAX_DEPTH = 64  # a report nests four or five levels; far deeper only exhausts the stack later


def _too_deep(doc: dict, limit: int) -> bool:
    """Whether tables or arrays nest more than ``limit`` levels inside ``doc``."""
    stack = [(doc, 0)]
    while stack:  # a loop, not recursion: the depth is what is in question
        node, depth = stack.pop()
        for v in node.values() if type(node) is dict else node:
            if type(v) is dict or type(v) is list:
                if depth + 1 >= limit:
                    return True
                stack.append((v, depth + 1))
    return False


def load_report(path: str | os.PathLike) -> Report:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputFileError(p, "文件不存在") from None
    except IsADirectoryError:
        raise InputFileError(p, "这是一个文件夹，不是报告文件") from None
    except OSError as e:
        raise InputFileError(p, f"无法读取：{e.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputFileError(p, "不是 UTF-8 编码（可能是用 GBK 保存的），请另存为 UTF-8", line) from None
    text = text.removeprefix("\ufeff")
    try:
        doc = toml_loads(text)
    except READING_ERRORS as e:
        raise toml_error(p, e) from None
    if _too_deep(doc, MAX_DEPTH):
        raise InputFileError(p, f"表或数组嵌套超过{MAX_DEPTH}层，不是报告文件")
    if META in doc and not isinstance(doc[META], dict):
        raise InputFileError(p, f"[{META}] 应为表（文档信息），现在是 {type(doc[META]).__name__}")
    return Report(doc, p)


def _ordered(data: dict) -> dict:
    # The metadata table first, so the file reads like the document it describes.
    out = {}
    if META in data:
        out[META] = data[META]
    out.update((k, v) for k, v in data.items() if k != META)
    return out


def dump_report(report: Report) -> str:
    import tomli_w

    return tomli_w.dumps(_ordered(report.data), multiline_strings=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_report(report: Report, path: str | os.PathLike | None = None, backup: bool = True) -> Path:
    """Write the report atomically. The caller should hold a :class:`ReportLock` (the TUI
    holds one for the whole session; the command line takes one around this call)."""
    p = Path(path) if path is not None else report.path
    if p is None:
        raise ValueError("report has no path")
    import shutil
    import tempfile

    text = dump_report(report)
    folder = p.parent if str(p.parent) else Path(".")
    if backup and p.exists():
        bak = backup_path(p)
        fd, tmp = tempfile.mkstemp(prefix="." + p.name + ".", suffix=".bak-tmp", dir=folder)
        os.close(fd)
        shutil.copyfile(p, tmp)
        os.replace(tmp, bak)
    fd, tmp = tempfile.mkstemp(prefix="." + p.name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if p.exists():
            shutil.copymode(p, tmp)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(folder)
    report.path = p
    return p


class ReportLock:
    """An exclusive advisory lock on a report file (``.<name>.lock`` beside it).

    ``acquire()`` raises :class:`ReportLocked` with the holder's user, host, process and
    time when someone else holds it. Usable as a context manager.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.lock_file = lock_path(self.path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def holder(self) -> str:
        try:
            return self.lock_file.read_text(encoding="utf-8").strip() or "未知"
        except OSError:
            return "未知"

    def acquire(self) -> "ReportLock":
        if self._fd is not None:
            return self
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ReportLocked(self.path, self.holder()) from None
        import getpass
        import socket

        try:
            user = getpass.getuser()
        except Exception:  # no user name in some containers
            user = str(os.getuid())
        since = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        info = f"{user}@{socket.gethostname()} 进程 {os.getpid()}，自 {since} 起"
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode("utf-8"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "ReportLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
