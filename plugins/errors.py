"""Errors the host reports to people: each says what is wrong and where."""

from __future__ import annotations

import re
from pathlib import Path

from .tomlread import TOMLDecodeError


class NianbaoError(Exception):
    """Base class: ``str(error)`` is a complete message for the operator."""


class InputFileError(NianbaoError):
    """A file that cannot be read or parsed; carries the file, line and column."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, column: int | None = None):
        self.path = Path(path)
        self.line = line
        self.column = column
        self.message = message
        where = str(self.path)
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}")


def toml_error(path: Path | str, exc: Exception) -> InputFileError:
    """Turn the TOML parser's error into one with line and column (tomllib of 3.11 only puts
    them in the text; tomli also has ``lineno``/``colno``). A ``ValueError`` or
    ``RecursionError`` from the parser (an integer of thousands of digits, arrays nested
    hundreds deep) has no position."""
    if not isinstance(exc, TOMLDecodeError):
        return InputFileError(path, "TOML 格式错误：数字位数或嵌套层数超出范围")
    text = str(exc)
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "colno", None)
    m = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if m and line is None:
        line, col = int(m.group(1)), int(m.group(2))
    reason = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", text)
    return InputFileError(path, f"TOML 格式错误：{reason}", line, col)


class ReportLocked(NianbaoError):
    """Someone else holds the report open for writing."""

    def __init__(self, path: Path, holder: str):
        self.path = path
        self.holder = holder
        super().__init__(f"{path}: 正在被他人编辑（{holder}），为避免互相覆盖，本次只能只读打开。")


class CannotWrite(NianbaoError):
    """A file nianbao will not or cannot write: read-only, a link planted by someone else,
    a folder without write permission, a full disk. ``reason`` says which, for people."""

    def __init__(self, path: Path | str, reason: str, errno: int | None = None):
        self.path = Path(path)
        self.reason = reason
        self.errno = errno
        super().__init__(f"{self.path}: {reason}")


class ReportChanged(NianbaoError):
    """The report file was changed by someone else since it was read or last saved; it was
    not overwritten, and what this session holds was written to ``side_copy``."""

    def __init__(self, path: Path, side_copy: Path | None, why: str = ""):
        self.path = path
        self.side_copy = side_copy
        kept = f"您的内容另存为 {side_copy}" if side_copy is not None else "您的内容未能另存（见上一条消息）"
        super().__init__(f"{path}: 文件已被他人或其他程序改动{why}，没有覆盖它；{kept}。"
                         f"请关闭后重新打开 {path.name} 查看对方的改动，再把您的内容合并进去。")
