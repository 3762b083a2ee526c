"""The journal of a report (留痕): every save, who made it, from where, what changed field by
field, and the review conversation (submit, return with remarks, approve) — in one SQLite
file beside the report, ``.<report name>.journal.sqlite``, with the report's group and mode.

Not to be confused with :mod:`plugins.engine.history`, which is about *last year's* report.

Why SQLite, one database per report (docs/journal.md says more): it is in the standard
library, a transaction is all-or-nothing after a ``kill -9`` or a power cut, and one file per
report lets Unix permissions keep each unit's journal exactly as readable as its report (a
folder-wide database would be readable by every unit or none). WAL mode: a commit costs no
fsync (the intent's commit alone is synced, so who saved survives a power cut), where the
rollback journal cost three (measured 20 ms a save on a busy disk, against 0.01 ms); a user
who may read the journal but not write it reads it read-only (see :class:`Journal`).

How a save is recorded (:func:`begin` and :meth:`Pending.finish`, called by
:func:`plugins.engine.store.save_report` around its atomic write)::

    1. intent   one row in ``pending``: who, when, what kind, the SHA-256 the file will have
    2. write    the report file (atomic rename)
    3. record   one chain entry (or the minute's entry coalesced), and the intent deleted

A ``kill -9`` anywhere leaves one of: nothing (before 1), an intent whose file was not
written (between 1 and 2: the file still has the last recorded hash; the intent is dropped),
an intent whose file was written (between 2 and 3: the file has the intent's hash; the entry
is recorded with the intent's author and time). :meth:`Journal.recover` settles both on the
next open, so report and journal never disagree. A file changed behind nianbao's back (an
editor, a copy) is recorded as an ``external`` entry when it is noticed.

Each entry carries the SHA-256 of the one before (``prev_hash``) and of itself: an entry
changed or removed afterwards breaks the chain and :meth:`Journal.verify` names where.

Versions: an entry that changes the file holds a *reverse patch* (this version's text → the
one before), so any earlier version is rebuilt from the latest text; the field-level changes
(old → new) are stored for reading, long texts clipped to the changed part. Saves by the
same person within the same minute make one entry (typing autosaves every second).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .errors import NianbaoError, ReportFrozen

# sqlite3 and difflib are imported where a journal is opened or a patch made: the interface
# reads a report's review state at start-up, and most reports have no journal to open.
if TYPE_CHECKING:
    import sqlite3
from .tomlread import READING_ERRORS, loads as toml_loads

__all__ = [
    "Journal", "Entry", "Change", "Remark", "Pending", "JournalError", "ReportFrozen",
    "journal_path", "begin", "who", "field_changes", "REVIEW_STATES", "KIND_LABELS",
]

SCHEMA = 1

#: Review states (key -> word shown) in the order a report goes through them.
REVIEW_STATES = {"drafting": "填报中", "submitted": "已提交", "returned": "退回", "approved": "已通过"}

#: Entry kinds and how they are shown.
KIND_LABELS = {
    "create": "新建", "baseline": "开始记录", "save": "保存", "restore": "恢复", "external": "外部修改",
    "submit": "提交", "withdraw": "撤回提交", "return": "退回", "approve": "通过", "reopen": "重新打开",
    "remark": "意见", "answer": "答复", "resolve": "解决",
}
#: Kinds that move the review state, and where to.
STATE_AFTER = {"submit": "submitted", "withdraw": "drafting", "return": "returned", "approve": "approved",
               "reopen": "drafting"}
#: States in which the unit's report cannot be changed through nianbao.
FROZEN = {"submitted": "已提交，正在审核", "approved": "已通过"}

CLIP = 160  # strings longer than this are stored in `changes` as the changed part with context
CONTEXT = 24


class JournalError(NianbaoError):
    """The journal cannot be read or written."""


def journal_path(report_path: str | os.PathLike) -> Path:
    """Beside the report's real file (a report opened through a symbolic link has one journal)."""
    p = Path(report_path)
    if p.is_symlink():
        p = Path(os.path.realpath(p))
    return p.with_name("." + p.name + ".journal.sqlite")


def _refuse_planted(path: Path) -> None:
    """SQLite follows links when it opens the journal and its -wal and -shm files (and
    truncates the -wal): in a folder others can write, any of the three names could be a
    link planted to a file of the operator's. The journal's files are never links."""
    import stat

    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            continue
        except OSError:
            continue  # SQLite says what is wrong
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
            what = "一个符号链接" if stat.S_ISLNK(st.st_mode) else ("不是普通文件" if not stat.S_ISREG(st.st_mode)
                                                                  else f"有 {st.st_nlink} 个硬链接")
            raise JournalError(f"{p}: 修改记录的文件是{what}（可能是他人放置的），nianbao 不会写入它；请确认后删除它再试")


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def who() -> tuple[str, str]:
    """(login user, where from). The user is the process's real user id's name — never $USER,
    which anyone can set; over SSH, where from is the client's address."""
    import pwd

    try:
        user = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        user = str(os.getuid())
    ssh = os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_CLIENT") or ""
    origin = f"ssh {ssh.split()[0]}" if ssh.split() else "本机"
    return user, origin


def _now() -> _dt.datetime:
    return _dt.datetime.now().astimezone()


# -- field-level changes ------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """A TOML value as JSON (dates and times as ISO text)."""
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def flatten(doc: dict) -> dict[str, Any]:
    """Every field of a parsed report by its address: ``section.key``, ``section.list[2].col``,
    ``section.table.row.col``. Lists of tables are walked by index; other lists are one value."""
    out: dict[str, Any] = {}
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, dict) and node:
            for k, v in node.items():
                stack.append((f"{prefix}.{k}" if prefix else str(k), v))
        elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
            for i, v in enumerate(node):
                stack.append((f"{prefix}[{i}]", v))
        else:
            out[prefix] = _plain(node)
    return out


@dataclass
class Change:
    """One field's change. ``old``/``new`` are ``None`` when the field was absent; ``clipped``
    when long texts are shown as their changed part (``…`` marks what was left out)."""

    path: str
    old: Any
    new: Any
    clipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        d = {"path": self.path, "old": self.old, "new": self.new}
        if self.clipped:
            d["clipped"] = True
        return d


def _common_ends(old: str, new: str) -> tuple[int, int]:
    """How many characters ``old`` and ``new`` share at the start and (after that) at the end."""
    pre = 0
    limit = min(len(old), len(new))
    while pre < limit and old[pre] == new[pre]:
        pre += 1
    suf = 0
    while suf < limit - pre and old[-1 - suf] == new[-1 - suf]:
        suf += 1
    return pre, suf


def _clip(old: str, new: str) -> tuple[str, str]:
    pre, suf = _common_ends(old, new)
    start = max(pre - CONTEXT, 0)

    def cut(s: str) -> str:
        end = min(len(s) - suf + CONTEXT, len(s))
        return ("…" if start else "") + s[start:end] + ("…" if end < len(s) else "")

    return cut(old), cut(new)


def field_changes(before: dict[str, Any], after: dict[str, Any], clip: bool = False) -> list[Change]:
    """What changed between two flattened reports, in the order of ``after`` then removals."""
    out = []
    for path, new in after.items():
        old = before.get(path)
        if path not in before or old != new or type(old) is not type(new):
            out.append(Change(path, old, new))
    out.extend(Change(path, old, None) for path, old in before.items() if path not in after)
    if clip:
        for c in out:
            if isinstance(c.old, str) and isinstance(c.new, str) and max(len(c.old), len(c.new)) > CLIP:
                c.old, c.new = _clip(c.old, c.new)
                c.clipped = True
    return out


def parse_text(text: str | None) -> dict[str, Any]:
    """The flattened fields of a report's text (``{}`` for none or a file that does not parse:
    a damaged file still gets its text recorded, only its field changes are unknown)."""
    if not text:
        return {}
    try:
        return flatten(toml_loads(text.removeprefix("\ufeff")))
    except READING_ERRORS:
        return {}


# -- reverse patches ------------------------------------------------------------------------
def make_patch(new: str, old: str) -> list[list]:
    """Edits that turn ``new`` back into ``old``: ``[start, end, text]`` on ``new``'s
    characters. Found line by line, then trimmed to the characters that differ."""
    import difflib

    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    offsets = [0]
    for line in b:
        offsets.append(offsets[-1] + len(line))
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        olds, news = "".join(a[i1:i2]), "".join(b[j1:j2])
        pre, suf = _common_ends(olds, news)
        ops.append([offsets[j1] + pre, offsets[j2] - suf, olds[pre:len(olds) - suf]])
    return ops


def apply_patch(text: str, ops: list[list]) -> str:
    for start, end, repl in reversed(ops):
        text = text[:start] + repl + text[end:]
    return text


def _pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def _unpack(blob: bytes | None) -> Any:
    return None if blob is None else json.loads(zlib.decompress(blob).decode("utf-8"))


# -- entries ----------------------------------------------------------------------------------
@dataclass
class Entry:
    """One line of the journal. ``sha`` is the file's hash after it (``None`` for review
    entries, which do not change the file); ``version`` is ``seq`` for entries that do."""

    seq: int
    kind: str
    started: str
    at: str
    user: str
    origin: str
    sha: str | None
    changes: list[Change]
    note: dict[str, Any]
    prev_hash: str
    hash: str
    patch: list[list] | None = None

    @property
    def changes_file(self) -> bool:
        return self.sha is not None

    def as_dict(self) -> dict[str, Any]:
        d = {"version": self.seq, "kind": self.kind, "kind_label": KIND_LABELS.get(self.kind, self.kind),
             "at": self.at, "user": self.user, "origin": self.origin,
             "changes": [c.as_dict() for c in self.changes], "file_sha256": self.sha, "hash": self.hash}
        if self.started != self.at:
            d["since"] = self.started
        if self.note:
            d["note"] = self.note
        return d


def _entry_hash(prev_hash: str, seq: int, kind: str, started: str, at: str, user: str, origin: str,
                sha: str | None, changes: bytes | None, patch: bytes | None, note: str) -> str:
    h = hashlib.sha256()
    for part in (prev_hash, str(seq), kind, started, at, user, origin, sha or "", note):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    for blob in (changes, patch):
        h.update(hashlib.sha256(blob or b"").digest())
    return h.hexdigest()


@dataclass
class Remark:
    """An office remark on a part, field or table cell, and what the unit did about it."""

    id: int
    section: str
    path: str  # "" = the whole part
    text: str
    by: str
    at: str
    state: str = "open"  # open | answered | resolved
    answers: list[dict[str, str]] = field(default_factory=list)
    resolved_by: str = ""
    resolved_at: str = ""

    @property
    def where(self) -> str:
        return self.section + (f":{self.path}" if self.path else "")

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "section": self.section, "path": self.path, "text": self.text, "by": self.by,
                "at": self.at, "state": self.state, "answers": self.answers, "resolved_by": self.resolved_by,
                "resolved_at": self.resolved_at}


@dataclass
class Review:
    """Where the report stands: state, since when, and the remarks."""

    state: str = "drafting"
    since: str = ""
    by: str = ""
    remarks: list[Remark] = field(default_factory=list)

    @property
    def label(self) -> str:
        return REVIEW_STATES[self.state]

    @property
    def open_remarks(self) -> list[Remark]:
        return [r for r in self.remarks if r.state != "resolved"]

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "state_label": self.label, "since": self.since, "by": self.by,
                "open_remarks": len(self.open_remarks), "remarks": [r.as_dict() for r in self.remarks]}


_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries(
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, started TEXT NOT NULL, at TEXT NOT NULL,
    user TEXT NOT NULL, origin TEXT NOT NULL, sha TEXT, changes BLOB, patch BLOB,
    note TEXT NOT NULL DEFAULT '', prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tip(id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, text BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pending(id INTEGER PRIMARY KEY CHECK (id = 1), kind TEXT NOT NULL,
    at TEXT NOT NULL, user TEXT NOT NULL, origin TEXT NOT NULL, sha TEXT NOT NULL, note TEXT NOT NULL);
"""

GENESIS = "0" * 64


class Journal:
    """The journal of one report. ``clock`` and ``author`` are for tests and benchmarks."""

    def __init__(self, report_path: str | os.PathLike, *, create: bool = True,
                 clock: Callable[[], _dt.datetime] | None = None, author: tuple[str, str] | None = None):
        self.report_path = Path(report_path)
        self.path = journal_path(self.report_path)
        self.clock = clock
        self.author = author
        if not create and not self.path.exists():
            raise JournalError(f"{self.report_path}: 没有修改记录（{self.path.name} 不存在）")
        import sqlite3

        self.closed = False
        new = not self.path.exists()
        self.read_only = not new and not os.access(self.path, os.W_OK)
        try:
            if self.read_only:
                self.db = self._connect_read_only()
            else:
                _refuse_planted(self.path)
                # not tied to its thread: the editor saves a large report in a thread and the
                # rest on the event loop, one save at a time (tui/session.py), so the cached
                # connection is used by one thread at a time (safe: SQLite is built serialized)
                self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                if new:
                    self._match_report_permissions()
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                # the log folded in every 200 pages and cut back to 1 MB: a day of typing
                # autosaves must not leave a log larger than the journal
                self.db.execute("PRAGMA wal_autocheckpoint=200")
                self.db.execute("PRAGMA journal_size_limit=1048576")
                self.db.executescript(_SCHEMA_SQL)
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
        except sqlite3.Error as e:
            if getattr(self, "db", None) is not None:
                self.db.close()
            raise JournalError(f"{self.path}: 修改记录无法读取（{e}）") from None

    def _connect_read_only(self) -> "sqlite3.Connection":
        """For a reader who may not write the journal. WAL needs its shared-memory file: when
        it is there (someone is writing) SQLite reads through it; when it is not, nobody is
        writing and every commit is in the database file, which is then read as it is."""
        import sqlite3
        from urllib.parse import quote

        uri = "file:" + quote(str(self.path.resolve()))
        wal = self.path.with_name(self.path.name + "-wal")
        db = sqlite3.connect(uri + ("?mode=ro" if wal.exists() else "?immutable=1"), uri=True,
                             timeout=30, isolation_level=None)
        db.execute("SELECT count(*) FROM entries").fetchone()
        return db

    def close(self) -> None:
        self.closed = True
        self.db.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _match_report_permissions(self) -> None:
        """Same group and mode as the report: whoever may read the report may read its journal,
        nobody else (SQLite gives its -wal and -shm files the database's mode and owner)."""
        try:
            st = self.report_path.stat()
        except OSError:
            st = None
        if st is None:
            return
        for path in (self.path, *(self.path.with_name(self.path.name + s) for s in ("-wal", "-shm"))):
            try:
                mine = os.stat(path)
                if mine.st_gid != st.st_gid:
                    os.chown(path, -1, st.st_gid)
                if mine.st_mode & 0o777 != st.st_mode & 0o666:
                    os.chmod(path, st.st_mode & 0o666)
            except OSError:
                pass  # not ours, or not in the group: the floor stays Unix's

    def _author(self) -> tuple[str, str]:
        return self.author or who()

    # -- reading ------------------------------------------------------------------------------
    def _row_entry(self, row: tuple, with_patch: bool = False) -> Entry:
        seq, kind, started, at, user, origin, sha, changes, patch, note, prev_hash, h = row
        return Entry(seq, kind, started, at, user, origin, sha,
                     [Change(c["path"], c.get("old"), c.get("new"), c.get("clipped", False))
                      for c in (_unpack(changes) or [])],
                     json.loads(note) if note else {}, prev_hash, h,
                     _unpack(patch) if with_patch else None)

    _COLS = "seq, kind, started, at, user, origin, sha, changes, patch, note, prev_hash, hash"

    def entries(self, since: int = 0) -> list[Entry]:
        rows = self.db.execute(f"SELECT {self._COLS} FROM entries WHERE seq > ? ORDER BY seq", (since,))
        return [self._row_entry(r) for r in rows]

    def entry(self, seq: int) -> Entry | None:
        row = self.db.execute(f"SELECT {self._COLS} FROM entries WHERE seq = ?", (seq,)).fetchone()
        return self._row_entry(row) if row else None

    def tip(self) -> tuple[int, str] | None:
        """(version, text) of the latest recorded version of the file."""
        row = self.db.execute("SELECT seq, text FROM tip").fetchone()
        return (row[0], zlib.decompress(row[1]).decode("utf-8")) if row else None

    def versions(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT seq FROM entries WHERE sha IS NOT NULL ORDER BY seq")]

    def text_at(self, version: int) -> str:
        """The file's text as version ``version`` left it, rebuilt from the latest text."""
        tip = self.tip()
        if tip is None:
            raise JournalError(f"{self.report_path}: 还没有任何版本")
        seq, text = tip
        row = self.db.execute("SELECT sha FROM entries WHERE seq = ?", (version,)).fetchone()
        if row is None or row[0] is None or version > seq:
            known = self.versions()
            span = f"{known[0]}–{known[-1]}" if known else "无"
            raise JournalError(f"{self.report_path}: 没有版本 {version}（文件的版本：{span}，nianbao history 查看）")
        for (blob,) in self.db.execute(
                "SELECT patch FROM entries WHERE seq > ? AND seq <= ? AND sha IS NOT NULL ORDER BY seq DESC",
                (version, seq)):
            text = apply_patch(text, _unpack(blob) or [])
        if sha256(text) != row[0]:
            raise JournalError(f"{self.report_path}: 版本 {version} 无法复原（记录与校验值不符，可能被改动过）")
        return text

    def version_before(self, moment: _dt.datetime) -> int | None:
        """The last version saved before ``moment``."""
        best = None
        for seq, at in self.db.execute("SELECT seq, at FROM entries WHERE sha IS NOT NULL ORDER BY seq"):
            if _dt.datetime.fromisoformat(at) < moment:
                best = seq
        return best

    def verify(self) -> list[str]:
        """Problems with the chain (empty when intact): an entry changed, removed or inserted."""
        problems = []
        prev, expected_seq = GENESIS, 1
        last_file = None
        for row in self.db.execute(f"SELECT {self._COLS} FROM entries ORDER BY seq"):
            seq, kind, started, at, user, origin, sha, changes, patch, note, prev_hash, h = row
            if seq != expected_seq:
                problems.append(f"第 {expected_seq}–{seq - 1} 条记录不见了")
            if prev_hash != prev:
                problems.append(f"第 {seq} 条记录之前的记录被改动或删除过（链接的校验值不符）")
            if _entry_hash(prev_hash, seq, kind, started, at, user, origin, sha, changes, patch, note) != h:
                problems.append(f"第 {seq} 条记录被改动过（{at} {user} {KIND_LABELS.get(kind, kind)}）")
            if sha is not None:
                last_file = seq
            prev, expected_seq = h, seq + 1
        tip = self.tip()
        if tip is not None and tip[0] != last_file:
            problems.append(f"最新版本应为第 {last_file} 条，记录的是第 {tip[0]} 条")
        elif tip is not None and last_file is not None:
            want = self.db.execute("SELECT sha FROM entries WHERE seq = ?", (last_file,)).fetchone()[0]
            if sha256(tip[1]) != want:
                problems.append(f"最新版本的全文与第 {last_file} 条记录的校验值不符")
        return problems

    def review(self) -> Review:
        """The review state and the remarks, read from the journal's entries."""
        rv = Review()
        remarks: dict[int, Remark] = {}
        for seq, kind, at, user, note in self.db.execute(
                "SELECT seq, kind, at, user, note FROM entries WHERE sha IS NULL ORDER BY seq"):
            n = json.loads(note) if note else {}
            if kind in STATE_AFTER:
                rv.state, rv.since, rv.by = STATE_AFTER[kind], at, user
            if kind == "remark":
                remarks[seq] = Remark(seq, n.get("section", ""), n.get("path", ""), n.get("text", ""), user, at)
            elif kind in ("answer", "resolve") and n.get("remark") in remarks:
                r = remarks[n["remark"]]
                if kind == "answer":
                    r.answers.append({"by": user, "at": at, "text": n.get("text", "")})
                    if r.state == "open":
                        r.state = "answered"
                else:
                    r.state, r.resolved_by, r.resolved_at = "resolved", user, at
        rv.remarks = list(remarks.values())
        return rv

    # -- writing --------------------------------------------------------------------------------
    def _append(self, kind: str, *, at: str, started: str | None = None, user: str, origin: str,
                sha: str | None = None, changes: list[Change] | None = None, patch: list | None = None,
                note: dict | None = None, replace_seq: int | None = None) -> int:
        """Add an entry (inside the caller's transaction), or rewrite the last one
        (``replace_seq``: a coalesced save), keeping the chain."""
        last = self.db.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        if replace_seq is not None:
            prev = self.db.execute("SELECT hash FROM entries WHERE seq < ? ORDER BY seq DESC LIMIT 1",
                                   (replace_seq,)).fetchone()
            seq, prev_hash = replace_seq, (prev[0] if prev else GENESIS)
        else:
            seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        cblob = _pack([c.as_dict() for c in changes]) if changes else None
        pblob = _pack(patch) if patch is not None else None
        ntext = json.dumps(note, ensure_ascii=False, sort_keys=True) if note else ""
        started = started or at
        h = _entry_hash(prev_hash, seq, kind, started, at, user, origin, sha, cblob, pblob, ntext)
        self.db.execute("INSERT OR REPLACE INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (seq, kind, started, at, user, origin, sha, cblob, pblob, ntext, prev_hash, h))
        return seq

    def _set_tip(self, seq: int, text: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO tip VALUES (1, ?, ?)", (seq, zlib.compress(text.encode("utf-8"), 6)))

    def _record_version(self, kind: str, text: str, *, at: str, user: str, origin: str,
                        note: dict | None = None, coalesce: bool = True) -> int:
        """Record ``text`` as the file's new version (inside a transaction)."""
        tip = self.tip()
        last = self.db.execute(f"SELECT {self._COLS} FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        base_text, replace_seq, started = (tip[1] if tip else None), None, at
        if (coalesce and tip is not None and last is not None and last[0] == tip[0] and last[1] == "save"
                and kind == "save" and last[4] == user and last[5] == origin and last[2][:16] == at[:16]):
            # The same person's saves within one minute: one entry, from the text before it.
            base_text = apply_patch(tip[1], _unpack(last[8]) or []) if last[8] is not None else None
            replace_seq, started = last[0], last[2]
        if base_text == text and replace_seq is None:
            return tip[0] if tip else 0
        # A first version's changes would be the whole file: its text is the record.
        changes = field_changes(parse_text(base_text), parse_text(text), clip=True) if base_text is not None else []
        patch = make_patch(text, base_text) if base_text is not None else None
        seq = self._append(kind, at=at, started=started, user=user, origin=origin, sha=sha256(text),
                           changes=changes, patch=patch, note=note, replace_seq=replace_seq)
        self._set_tip(seq, text)
        return seq

    def _stamp(self) -> str:
        return (self.clock or _now)().isoformat(timespec="seconds")

    def recover(self) -> list[str]:
        """Bring the journal in line with the file (call it holding the report's lock): finish
        or drop an interrupted save, record a change made outside nianbao. What it did, in words."""
        try:
            data = self.report_path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as e:
            raise JournalError(f"{self.report_path}: 无法读取：{e.strerror}") from None
        text = data.decode("utf-8", errors="replace")
        file_sha = sha256(data)
        done = []
        self.db.execute("BEGIN IMMEDIATE")
        try:
            pending = self.db.execute("SELECT kind, at, user, origin, sha, note FROM pending").fetchone()
            tip = self.tip()
            tip_sha = sha256(tip[1]) if tip else None
            if pending is not None:
                kind, at, user, origin, want, note = pending
                self.db.execute("DELETE FROM pending")
                if want == file_sha and tip_sha != file_sha:
                    self._record_version(kind, text, at=at, user=user, origin=origin,
                                         note=json.loads(note) if note else None)
                    done.append(f"补记了 {at} {user} 的保存（保存时被中断）")
                    tip_sha = file_sha
            if tip is None and tip_sha is None:
                user, origin = self._author()
                self._record_version("baseline", text, at=self._stamp(), user=user, origin=origin)
                done.append("开始记录：当前文件作为第一个版本")
            elif tip_sha != file_sha:
                user, origin = self._author()
                st = os.stat(self.report_path)
                try:
                    import pwd

                    owner = pwd.getpwuid(st.st_uid).pw_name
                except KeyError:
                    owner = str(st.st_uid)
                mtime = _dt.datetime.fromtimestamp(st.st_mtime).astimezone().isoformat(timespec="seconds")
                self._record_version("external", text, at=self._stamp(), user=owner, origin="未经 nianbao",
                                     note={"noticed_by": user, "file_mtime": mtime}, coalesce=False)
                done.append(f"文件在 nianbao 之外被修改过（{mtime}，文件属主 {owner}），已记为新版本")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return done

    def begin(self, text: str, kind: str = "save", note: dict | None = None) -> "Pending":
        """Step 1 of a save: settle the past, refuse if the report is frozen, note the intent.
        The journal follows the report's group and mode (a ``chmod`` of the report since)."""
        self._match_report_permissions()
        self.recover()
        state = self.review().state
        if state in FROZEN and kind in ("save", "restore"):
            raise ReportFrozen(f"{self.report_path}: 报告{FROZEN[state]}，不能修改"
                               + ("（撤回提交后才能修改：nianbao submit --withdraw）" if state == "submitted"
                                  else "（只有县政府办可以重新打开：nianbao reopen）"))
        user, origin = self._author()
        # The one synced commit of a save: who saved survives a power cut even if the entry
        # after the write does not (recovery then records it from this intent).
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("INSERT OR REPLACE INTO pending VALUES (1, ?, ?, ?, ?, ?, ?)",
                        (kind, self._stamp(), user, origin, sha256(text),
                         json.dumps(note, ensure_ascii=False) if note else ""))
        self.db.execute("PRAGMA synchronous=NORMAL")
        return Pending(self, text)

    def event(self, kind: str, note: dict | None = None) -> int:
        """Record a review event (it does not change the file)."""
        user, origin = self._author()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            seq = self._append(kind, at=self._stamp(), user=user, origin=origin, note=note)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return seq

    def size(self) -> int:
        """Bytes on disk: the database and its write-ahead log."""
        return sum(p.stat().st_size for p in (self.path, self.path.with_name(self.path.name + "-wal"))
                   if p.exists())


class Pending:
    """A save between its intent and its entry (see the module's steps)."""

    def __init__(self, journal: Journal, text: str, shared: bool = False):
        self.journal, self.text, self.shared = journal, text, shared

    def _done(self) -> None:
        if not self.shared:
            self.journal.close()

    def finish(self) -> None:
        """Step 3: the file is written; record it and drop the intent (one transaction). Never
        raises: the file is saved, and if the entry cannot be written now, the intent stays
        and the next opening records it (:meth:`Journal.recover`)."""
        import sqlite3

        try:
            self._finish()
        except sqlite3.Error:
            _forget(self.journal.report_path)

    def _finish(self) -> None:
        j = self.journal
        j.db.execute("BEGIN IMMEDIATE")
        try:
            pending = j.db.execute("SELECT kind, at, user, origin, sha, note FROM pending").fetchone()
            if pending is not None:
                kind, at, user, origin, _, note = pending
                j._record_version(kind, self.text, at=at, user=user, origin=origin,
                                  note=json.loads(note) if note else None)
                j.db.execute("DELETE FROM pending")
            j.db.execute("COMMIT")
        except BaseException:
            j.db.execute("ROLLBACK")
            raise
        finally:
            self._done()

    def abandon(self) -> None:
        """The file was not written: forget the intent (if even that fails, the next opening
        sees the file without the intent's hash and drops it)."""
        import sqlite3

        try:
            self.journal.db.execute("DELETE FROM pending")
        except sqlite3.Error:
            pass
        finally:
            self._done()


#: Journals kept open by this process between saves (a session saves every second while the
#: operator types; opening a WAL database and closing it again costs a checkpoint each time).
_open: dict[str, tuple[Journal, int]] = {}


def _shared(report_path: Path) -> Journal:
    key = str(journal_path(report_path).absolute())
    held = _open.get(key)
    try:
        ino = os.stat(key).st_ino
    except OSError:
        ino = -1
    if held is not None and (held[0].closed or held[1] != ino or held[0].report_path != report_path):
        if not held[0].closed:
            held[0].close()
        held = None
    if held is None:
        journal = Journal(report_path)
        _open[key] = held = (journal, os.stat(key).st_ino)
    return held[0]


def begin(report_path: Path, text: str, kind: str = "save", note: dict | None = None) -> Pending:
    """Start recording a save of ``text`` in the report's journal (see the steps); the journal
    stays open for the next save. A journal that cannot be written stops the save (report and
    journal must agree): :class:`JournalError` says which file and why."""
    import sqlite3

    try:
        journal = _shared(report_path)
        pending = journal.begin(text, kind, note)
    except sqlite3.Error as e:
        _forget(report_path)
        raise JournalError(f"{journal_path(report_path)}: 修改记录写不进去（{e}），报告没有保存") from None
    pending.shared = True
    return pending


def _forget(report_path: Path) -> None:
    held = _open.pop(str(journal_path(report_path).absolute()), None)
    if held is not None and not held[0].closed:
        try:
            held[0].close()
        except Exception:  # noqa: BLE001 - a broken connection: nothing left to close
            pass


def close_all() -> None:
    """Close the journals this process keeps open (the last one out folds the log in)."""
    while _open:
        journal, _ = _open.popitem()[1]
        if not journal.closed:
            journal.close()


def describe(changes: Iterable[Change]) -> list[str]:
    """Changes as lines of text: ``path: old → new``."""
    def show(v: Any) -> str:
        if v is None:
            return "（空）"
        if isinstance(v, str):
            return "“" + v.replace("\n", "⏎") + "”"
        return json.dumps(v, ensure_ascii=False)

    return [f"{c.path}：{show(c.old)} → {show(c.new)}" for c in changes]
