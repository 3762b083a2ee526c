"""Is the operator's terminal UTF-8? Checked before the interface draws anything.

Textual reads the keyboard as UTF-8 whatever the locale says, and writes in the locale's
encoding: on a terminal set to GBK (Xshell or SecureCRT left at GBK, ``LANG=zh_CN.GBK``)
typed Chinese would arrive as garbage and the screen would be unreadable. Such a terminal
is told, in words it can show (ASCII, and Chinese in its own encoding), how to switch to
UTF-8, and nothing is opened. Textual-free: it runs before Textual is imported.
"""

from __future__ import annotations

import locale
import os
from typing import Mapping

_ZH = """\
nianbao：终端的字符编码不是 UTF-8（{setting}），中文会成为乱码；没有打开任何文件，也没有改动。
请把 SSH 客户端的字符编码改为 UTF-8，重新连接后再运行：
  Xshell：文件 → 属性 → 终端 → 编码：Unicode (UTF-8)
  SecureCRT：选项 → 会话选项 → 外观 → 字符编码：UTF-8
  PuTTY：Window → Translation → Remote character set：UTF-8
并在服务器上设置 export LANG=zh_CN.UTF-8（或 C.UTF-8）。
"""

_EN = """\
nianbao: this terminal is not UTF-8 ({setting}): nothing was opened or changed.
Set your SSH client's character encoding to UTF-8 (Xshell: File > Properties > Terminal >
Encoding; SecureCRT: Options > Session Options > Appearance > Character encoding; PuTTY:
Window > Translation), reconnect, then: export LANG=zh_CN.UTF-8 (or C.UTF-8)
"""


def declared_locale(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """The variable that decides the character encoding (``LC_ALL``, else ``LC_CTYPE``,
    else ``LANG``) and its value, or None when none is set."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        if env.get(name):
            return name, env[name]
    return None


def codeset(value: str) -> str | None:
    """The character encoding a locale name stands for (``zh_CN.GBK`` -> ``gbk``,
    ``zh_CN`` -> ``gb2312`` as the C library reads it), or None for C/POSIX (which Python
    itself runs as UTF-8)."""
    if value in ("C", "POSIX"):
        return None
    name = locale.normalize(value.split("@")[0])
    if "." not in name:
        return None
    return name.split(".", 1)[1].lower()


def not_utf8_message(environ: Mapping[str, str] | None = None) -> bytes | None:
    """What to show instead of the interface when the locale says the terminal is not
    UTF-8 (None when it is): the Chinese in the terminal's own encoding when it has one
    for Chinese, the English always (ASCII reaches any terminal)."""
    declared = declared_locale(environ)
    if declared is None:
        return None
    name, value = declared
    charset = codeset(value)
    if charset is None or charset.replace("-", "") == "utf8":
        return None
    setting = f"{name}={value}"
    english = _EN.format(setting=setting).encode("ascii", "replace")
    try:
        chinese = _ZH.format(setting=setting).encode(charset)
    except (LookupError, UnicodeEncodeError):  # an encoding with no Chinese (latin-1 ...)
        return english
    return chinese + b"\n" + english
