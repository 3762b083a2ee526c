"""What the interface keeps for one user between runs, outside any report: where each report
was left (to come back there) and what went wrong when the program failed.

Everything lives in the user's state directory, ``$XDG_STATE_HOME/nianbao`` or
``~/.local/state/nianbao`` (readable by the user only): never in the report, which others
open too. Textual-free, so it is tested without a screen.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from plugins.engine.store import write_atomic

POSITIONS = "positions.json"
KEEP_POSITIONS = 200  # reports remembered (the most recently left ones)


def state_dir() -> Path:
    """The user's nianbao state directory (not created here). A relative
    ``XDG_STATE_HOME`` is ignored, as the XDG specification says."""
    base = os.environ.get("XDG_STATE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "nianbao"


def _ensure(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


# -- where each report was left ---------------------------------------------------------------

def _report_key(report: str | os.PathLike) -> str:
    return str(Path(report).resolve())


def _positions() -> dict[str, Any]:
    try:
        data = json.loads((state_dir() / POSITIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: start at the top, as the first time
    return data if isinstance(data, dict) else {}


def load_position(report: str | os.PathLike) -> tuple[str, str] | None:
    """(page id, field path) where this user last left ``report``, or None."""
    entry = _positions().get(_report_key(report))
    if isinstance(entry, dict) and isinstance(entry.get("page"), str) and isinstance(entry.get("field", ""), str):
        return entry["page"], entry.get("field", "")
    return None


def save_position(report: str | os.PathLike, page: str, field: str) -> bool:
    """Remember where this user left ``report``; False if the state directory cannot be
    written (nothing else depends on it)."""
    data = _positions()
    key = _report_key(report)
    data.pop(key, None)  # re-inserted last: the most recent at the end
    data[key] = {"page": page, "field": field, "at": _dt.datetime.now().isoformat(timespec="seconds")}
    for old in list(data)[:-KEEP_POSITIONS]:
        del data[old]
    try:
        write_atomic(_ensure(state_dir()) / POSITIONS, json.dumps(data, ensure_ascii=False, indent=1))
    except Exception:  # noqa: BLE001 - a read-only home must not stop anyone from quitting
        return False
    return True


# -- what went wrong ----------------------------------------------------------------------------

def write_crash_log(error: BaseException, report: str | os.PathLike | None, saved: str) -> Path | None:
    """Write the details of an unexpected error (traceback, versions, the report and whether
    it was saved) to a new file in the state directory (the temporary directory if that
    cannot be written); returns its path (None if nowhere could be written)."""
    from importlib import metadata

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    now = _dt.datetime.now()
    text = "\n".join([
        f"nianbao {version('nianbao')} 意外错误 / unexpected error, {now.isoformat(timespec='seconds')}",
        f"report: {report or '-'}",
        f"saved: {saved}",
        f"python {platform.python_version()}, textual {version('textual')}, {platform.platform()}",
        f"argv: {' '.join(sys.argv)}",
        f"LANG={os.environ.get('LANG', '')} LC_ALL={os.environ.get('LC_ALL', '')} TERM={os.environ.get('TERM', '')}",
        "",
        "".join(traceback.format_exception(type(error), error, error.__traceback__)),
    ])
    name = f"crash-{now:%Y%m%d-%H%M%S}-{os.getpid()}.log"
    for target in (lambda: _ensure(state_dir()) / name, lambda: Path(tempfile.gettempdir()) / f"nianbao-{name}"):
        try:
            return write_atomic(target(), text, new=True)
        except Exception:  # noqa: BLE001 - try the next place
            continue
    return None
