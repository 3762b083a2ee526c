"""Errors the host reports to people: each says what is wrong and where."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping

from .tomlread import TOMLDecodeError


def closest_hint(key: str, known: Mapping[str, str] | Iterable[str], form: str = "{}") -> str:
    """“，是不是 signed（成文日期）？” for the known key nearest to a misspelt ``key``
    (``known`` maps keys to labels, or is just the keys; ``form`` shows it: ``"[{}]"``),
    or nothing when none is near."""
    import difflib

    labels = dict(known) if isinstance(known, Mapping) else {k: "" for k in known}
    near = difflib.get_close_matches(key, list(labels), n=1, cutoff=0.6)
    if not near:
        lowered = {k.lower(): k for k in labels}
        near = [lowered[key.lower()]] if key.lower() in lowered else []
    if not near:
        return ""
    label = labels[near[0]]
    return f"，是不是 {form.format(near[0])}" + (f"（{label}）" if label and label != near[0] else "") + "？"


class NianbaoError(Exception):
    """Base class: ``str(error)`` is a complete message for the operator."""


class InputFileError(NianbaoError):
    """A file that cannot be read or parsed; carries the file, line and column, and for a
    syntax error the line itself with a caret under the place (``excerpt``)."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, column: int | None = None,
                 excerpt: str = ""):
        self.path = Path(path)
        self.line = line
        self.column = column
        self.message = message
        self.excerpt = excerpt
        where = str(self.path)
        if line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}" + (f"\n{excerpt}" if excerpt else ""))


# The TOML parser's messages (tomli/tomllib) in words for the operator; ``{0}`` is what the
# parser quoted. Tried in order; the first that matches the whole message is used.
_TOML_MESSAGES = (
    (r"Illegal character '\\n'", "这一行的字符串没有结束：少了右边的英文双引号 \""),
    (r"Illegal character (.+)", "这里不能有字符 {0}（文字要放在英文双引号 \"…\" 里）"),
    (r"Found invalid character (.+)", "这里不能有字符 {0}"),
    (r"Invalid value", "值写得不对：文字要加英文双引号（\"某某局\"），数字、日期不加引号"),
    (r"Invalid date or datetime", "日期不对：应写成 2025-01-20 这样，而且要是真实存在的日子"),
    (r"Expected '=' after a key in a key/value pair", "键名后面应有等号：写成 键 = 值（如 unit = \"某某局\"）"),
    (r"Invalid initial character for a key part", "键名写得不对：键名用英文字母、数字、_ 或 -（中文键名要加英文双引号）"),
    (r"Invalid statement", "这一行既不是“键 = 值”，也不是“[表名]”"),
    (r"Expected newline or end of document after a statement", "一行只能写一项：这一项后面应换行"),
    (r"Cannot declare (.+) twice", "表 [{0}] 写了两次"),
    (r"Cannot overwrite a value", "同一个键写了两次"),
    (r"Cannot mutate immutable namespace (.+)", "{0} 已经整体写好（行内表或数组），不能再往里添加"),
    (r"Cannot redefine namespace (.+)", "{0} 已经定义过，不能重新定义"),
    (r"Duplicate inline table key (.+)", "花括号里的键 {0} 写了两次"),
    (r"Unclosed array", "数组少了右方括号 ]"),
    (r"Unclosed inline table", "花括号 {{ }} 没有闭合"),
    (r"Unterminated string", "字符串没有结束：少了右边的引号"),
    (r"Unescaped '\\' in a string", "字符串里的反斜杠 \\ 要写成 \\\\（或改用单引号 '…'）"),
    (r"Invalid hex value|Unescaped .*|Invalid escape.*", "字符串里的转义（\\ 开头的写法）不对"),
    (r"Expected (.+)", "这里应有 {0}"),
)


def _key_words(quoted: str) -> str:
    # tomli quotes a key as a tuple of its parts: ('nat', 'other') -> nat.other
    parts = re.findall(r"'([^']*)'", quoted) if quoted.startswith("(") else []
    return ".".join(parts) if parts else quoted


def _toml_reason(reason: str) -> str:
    for pattern, words in _TOML_MESSAGES:
        m = re.fullmatch(pattern, reason)
        if m:
            return words.format(*(_key_words(g) for g in m.groups()))  # the words' own braces are doubled
    return reason


def _excerpt(text: str, line: int, column: int | None) -> str:
    """The line itself and a caret under ``column`` (counted in characters; the caret is
    placed by display width, so it stands under the character on a terminal)."""
    from ..text import cell_width

    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    # What the file holds is shown, never obeyed: a control character (an escape sequence)
    # becomes one visible mark, so the caret still stands under the place.
    shown = "".join(ch if ch.isprintable() else "\ufffd" for ch in lines[line - 1].rstrip("\r"))
    at = max((column or 1) - 1, 0)
    if len(shown) > _EXCERPT:  # a window around the place of a very long line
        start = max(0, min(at - _EXCERPT // 2, len(shown) - _EXCERPT))
        shown, at = ("…" if start else "") + shown[start:start + _EXCERPT] + "…", at - start + (1 if start else 0)
    prefix = f"  {line} | "
    if column is None:
        return prefix + shown
    return f"{prefix}{shown}\n{' ' * cell_width(prefix)}{' ' * cell_width(shown[:at])}^"


_EXCERPT = 60  # characters of a line shown around the place of an error


def toml_error(path: Path | str, exc: Exception, text: str | None = None) -> InputFileError:
    """Turn the TOML parser's error into one in Chinese with line and column, and the line
    itself with a caret under the place (tomllib of 3.11 only puts the position in the text;
    tomli also has ``lineno``/``colno``/``doc``). A ``ValueError`` or ``RecursionError`` from
    the parser (an integer of thousands of digits, arrays nested hundreds deep) has no
    position."""
    if not isinstance(exc, TOMLDecodeError):
        return InputFileError(path, "TOML 格式错误：数字位数或嵌套层数超出范围")
    message = str(exc)
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "colno", None)
    m = re.search(r"\(at line (\d+), column (\d+)\)", message)
    if m and line is None:
        line, col = int(m.group(1)), int(m.group(2))
    reason = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", message)
    if "at end of document" in message and reason.startswith("Illegal character"):
        reason = "Unterminated string"
    if "(at end of document)" in message:
        reason_text = f"文件在结尾处不完整：{_toml_reason(reason)}"
    else:
        reason_text = _toml_reason(reason)
    source = text if text is not None else getattr(exc, "doc", None)
    excerpt = _excerpt(source, line, col) if isinstance(source, str) and line is not None else ""
    return InputFileError(path, f"TOML 格式错误：{reason_text}", line, col, excerpt)


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


class ReportFrozen(NianbaoError):
    """The report is submitted or approved (plugins.engine.review): nianbao does not change it."""
