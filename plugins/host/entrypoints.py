"""The installed packages' entry points of a group, read directly from the ``*.dist-info``
and ``*.egg-info`` folders on ``sys.path`` instead of through :mod:`importlib.metadata`.

Why: importing importlib.metadata (email, zipfile, csv and more) was measured at 10–15 ms,
about a tenth of the interface's start-up, and the host reads only two small files per
distribution. Where this reader is not enough (a zip archive or an .egg on sys.path, another
finder that lists distributions) :func:`entry_points` asks importlib.metadata; the tests
compare the two on the real environment and on made-up paths (tests/test_startup.py).

Measured again when it got this module of its own (a whole process each, 6 rounds
interleaved on a heavily loaded 2-core machine, medians): with importlib.metadata instead of
this reader, ``nianbao check`` on the example took 1.13x as long and the interface's first
frame 1.08x. The start-up goal (first frame within 1.3x of a bare Textual app, bench/
bench_startup.py) leaves no such margin, so the reader stays.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from typing import Any, Iterable

__all__ = ["Distribution", "EntryPoint", "entry_points", "installed_entry_points"]


def entry_points(group: str) -> Iterable[Any]:
    """The entry points of ``group``, as importlib.metadata.entry_points(group=…) gives them."""
    found: Iterable[Any] | None = installed_entry_points(group)
    if found is None:  # something installed_entry_points does not read: ask importlib.metadata
        import importlib.metadata

        found = importlib.metadata.entry_points(group=group)
    return found


_EP_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


class Distribution:
    __slots__ = ("name", "version")

    def __init__(self, name: str, version: str):
        self.name, self.version = name, version


class EntryPoint:
    """An entry point as ``importlib.metadata.EntryPoint`` gives it (what the host uses)."""

    __slots__ = ("name", "value", "dist")

    def __init__(self, name: str, value: str, dist: Distribution):
        self.name, self.value, self.dist = name, value, dist

    def load(self) -> Any:
        match = _EP_VALUE.match(self.value)
        if match is None:
            raise ValueError(f"入口点的值不合规：{self.value!r}")
        obj: Any = importlib.import_module(match.group("module"))
        for attr in filter(None, (match.group("attr") or "").split(".")):
            obj = getattr(obj, attr)
        return obj


def installed_entry_points(group: str) -> list[EntryPoint] | None:
    """The entry points of ``group`` as ``importlib.metadata.entry_points(group=...)``
    finds them: the ``*.dist-info`` and ``*.egg-info`` of each folder on ``sys.path`` in
    turn, only the first distribution of a name. None if the path holds anything else
    that may list distributions."""
    from importlib.machinery import PathFinder

    if any(f is not PathFinder and hasattr(f, "find_distributions") for f in sys.meta_path):
        return None
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for entry in sys.path:
        folder = entry or "."
        if os.path.basename(folder).lower().endswith(".egg"):
            return None
        try:
            children = os.listdir(folder)
        except NotADirectoryError:
            return None  # a zip archive
        except OSError:
            continue
        infos: dict[str, list[str]] = {}
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")):
                name = re.sub(r"[-_.]+", "_", low.rpartition(".")[0].partition("-")[0])
                infos.setdefault(name, []).append(child)
        for name, paths in infos.items():
            for info in paths:
                if name in seen:
                    continue
                seen.add(name)
                text = _read(os.path.join(folder, info, "entry_points.txt"))
                points = _entry_point_lines(text, group) if f"[{group}]" in text else []
                if points:
                    dist = _distribution(os.path.join(folder, info))
                    found += [EntryPoint(n, v, dist) for n, v in points]
    return found


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return ""


def _entry_point_lines(text: str, group: str) -> list[tuple[str, str]]:
    """``name = value`` lines of the ``[group]`` section of an entry_points.txt."""
    out, section = [], None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group:
            name, _, value = line.partition("=")
            out.append((name.strip(), value.strip()))
    return out


def _distribution(info: str) -> Distribution:
    """Name and version from the headers of METADATA (PKG-INFO in an .egg-info)."""
    text = _read(os.path.join(info, "METADATA")) or _read(os.path.join(info, "PKG-INFO"))
    headers: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, sep, value = line.partition(":")
        if sep and not line[:1].isspace():
            headers.setdefault(key.strip(), value.strip())
    return Distribution(headers.get("Name", ""), headers.get("Version", ""))
