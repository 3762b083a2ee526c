"""Reading and writing report files: one TOML file per report.

* :func:`load_report` never shows a traceback: a damaged file raises
  :class:`~plugins.engine.errors.InputFileError` with file, line and column.
* :func:`write_atomic` writes every file nianbao writes (reports, exports, the aggregate
  output and its reference file): an exclusively created temporary file with an unpredictable
  name in the same folder, flushed, synced and renamed over the target, the folder synced; a
  link or file planted by someone else never redirects it (see :func:`write_target`).
* :func:`save_report` writes a report through it, keeps the previous version as
  ``<name>.bak``, rewrites only the values that changed (comments and layout kept) and never
  overwrites a change someone else made to the file meanwhile.
* :class:`ReportLock` is an advisory lock held by whoever edits a file; a second writer gets
  :class:`~plugins.engine.errors.ReportLocked` naming the holder. The operating system releases the
  lock when its process dies, even by SIGKILL, so no stale lock is ever left behind.
"""

from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable

# Only loading is needed by every command: the modules that saving (tempfile, tomlkit) and
# locking (getpass, socket) use are imported where they are used, so that
# ``nianbao check`` does not pay for them at start-up.

from .errors import CannotWrite, InputFileError, ReportChanged, ReportLocked, toml_error
from .report import META, Report
from .tomlread import READING_ERRORS, loads as toml_loads

#: open() flags that keep a planted link or a pipe from being followed or blocking; absent on
#: Windows, where links are not the threat they are in a shared Unix folder
_NO_LINK = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_NO_WAIT = getattr(os, "O_NONBLOCK", 0)

if TYPE_CHECKING:
    from .tomlwrite import TomlText

__all__ = ["load_report", "save_report", "dump_report", "prepare_save", "write_atomic", "write_target", "write_problem",
           "changed_on_disk", "side_copy_path", "ReportLock", "backup_path", "lock_path"]


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def lock_path(path: Path) -> Path:
    return path.with_name("." + path.name + ".lock")


MAX_DEPTH = 64  # a report nests four or five levels; far deeper only exhausts the stack later


def _too_deep(doc: dict, limit: int) -> bool:
    """Whether tables or arrays nest more than ``limit`` levels inside ``doc``."""
    stack: list[tuple[dict | list, int]] = [(doc, 0)]
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
        raise toml_error(p, e, text) from None
    if _too_deep(doc, MAX_DEPTH):
        raise InputFileError(p, f"表或数组嵌套超过{MAX_DEPTH}层，不是报告文件")
    if META in doc and not isinstance(doc[META], dict):
        raise InputFileError(p, f"[{META}] 应为表（文档信息），现在是 {type(doc[META]).__name__}")
    report = Report(doc, p)
    report.stored = text  # the file's text, for saving with its comments and layout
    report.digest = _digest(data)
    return report


def dump_report(report: Report) -> str:
    """The text of the report's file as it would be saved: the file's own text with only
    the changed values rewritten (comments and layout kept; see :mod:`plugins.engine.tomlwrite`)."""
    return _text_of(report).update(report.data)


def prepare_save(report: Report) -> Callable[[], None]:
    """What makes the report's first save as quick as the others (importing tomlkit and
    parsing the file's text with it: 0.1-0.2 s on a loaded machine), to run in a thread;
    the editor starts it once its first screen is up."""
    return _text_of(report).prepare


def _text_of(report: Report) -> "TomlText":
    from .tomlwrite import TomlText

    if report.stored is None:
        report.stored = TomlText(first=META)
    elif not isinstance(report.stored, TomlText):
        # the text as loaded (kept as a string: tomlkit is imported only when saving)
        report.stored = TomlText(report.stored, first=META)
    return report.stored


# -- writing any file -------------------------------------------------------------------------
def _umask() -> int:
    try:  # Linux: read without changing it (os.umask sets it, for every thread)
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_WHY = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "所在的文件系统是只读的",
    errno.ENOENT: "文件夹不存在",
}


def _cannot(path: Path, e: OSError, folder: Path | None = None) -> CannotWrite:
    why = _WHY.get(e.errno or 0, e.strerror or str(e))
    if folder is not None and e.errno in (errno.EACCES, errno.EPERM):
        why = f"没有在文件夹 {folder} 中建立文件的权限"
    elif folder is not None and e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.ENOENT):
        why = f"{why}（{folder}）"
    return CannotWrite(path, f"无法保存：{why}", e.errno)


def _user(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return f"uid {uid}"


def _may_write(st: os.stat_result) -> bool:
    """Whether the permission bits let this user write the file. Root counts as the owner:
    a file marked read-only is read-only for root too."""
    uid = os.geteuid()
    if uid == st.st_uid or uid == 0:
        return bool(st.st_mode & stat.S_IWUSR)
    if st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        return bool(st.st_mode & stat.S_IWGRP)
    return bool(st.st_mode & stat.S_IWOTH)


def write_target(path: str | os.PathLike) -> Path:
    """The file a write to ``path`` goes to: ``path`` itself, or the target of a symbolic
    link made by this user, root or the folder's owner. Raises :class:`CannotWrite` for a
    link anyone else made (a second user who can write a shared folder must never be able
    to send a write elsewhere), and for what is not a regular file with a single name."""
    p = Path(path)
    for _ in range(40):  # as many links as the system follows
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            return p
        except OSError as e:
            raise _cannot(p, e) from None
        if not stat.S_ISLNK(st.st_mode):
            break
        folder = p.parent if str(p.parent) else Path(".")
        try:
            folder_owner = os.stat(folder).st_uid
        except OSError:
            folder_owner = -1
        if st.st_uid not in (os.geteuid(), 0, folder_owner):
            raise CannotWrite(p, f"这是用户 {_user(st.st_uid)} 建立的符号链接（指向 {os.readlink(p)}），"
                                 "nianbao 不会跟随别人的链接写入；请确认后删除这个链接再试")
        p = folder / os.readlink(p)
    else:
        raise CannotWrite(Path(path), "符号链接层数过多")
    if not stat.S_ISREG(st.st_mode):
        raise CannotWrite(p, "不是普通文件，不会写入")
    if st.st_nlink > 1 and not _names_are_own_backups(p, st):
        raise CannotWrite(p, f"这个文件有 {st.st_nlink} 个硬链接（可能是他人放置的），替换它会把这些名字分开；"
                             "请先复制为独立的文件再保存")
    return p


def _names_are_own_backups(p: Path, st: os.stat_result) -> bool:
    """Whether a file's other names are nianbao's own: a save killed between keeping the
    backup (a hard link, :func:`_keep_backup`) and the rename leaves the report also named
    ``<name>.bak`` or ``.<name>.*.bak-tmp``. Without this, every later save was refused."""
    import glob

    folder = p.parent if str(p.parent) else Path(".")
    names = 1
    for other in [backup_path(p), *folder.glob(f".{glob.escape(p.name)}.*.bak-tmp")]:
        try:
            o = os.lstat(other)
        except OSError:
            continue
        if (o.st_ino, o.st_dev) == (st.st_ino, st.st_dev):
            names += 1
    return names == st.st_nlink


def write_problem(path: str | os.PathLike) -> str | None:
    """Why a save to ``path`` would be refused or fail (read-only file, someone else's
    link, folder without write permission), or ``None``: the editor opens read-only with
    this reason instead of failing at the first save."""
    try:
        target = write_target(path)
        st = os.stat(target)
    except CannotWrite as e:
        return e.reason
    except FileNotFoundError:
        return None
    except OSError as e:
        return _cannot(Path(path), e).reason
    if not _may_write(st):
        return f"文件是只读的（权限 {stat.filemode(st.st_mode)}），不会覆盖；如需修改请先 chmod u+w {target.name}"
    folder = target.parent if str(target.parent) else Path(".")
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"没有写入文件夹 {folder} 的权限（保存要在其中建立临时文件和备份），以只读方式打开"
    return None


def write_atomic(path: str | os.PathLike, content: bytes | str | Callable[[BinaryIO], None], *,
                 backup: bool = False, new: bool = False, private: bool = False) -> Path:
    """Write a file so that it is at every moment either the old or the new file, whole:
    every file nianbao writes goes through here (reports, exports, the aggregate output and
    its reference file).

    ``content``: bytes, text (UTF-8) or a function writing to a binary file. A temporary file
    with an unpredictable name is created exclusively in the target's folder, written,
    synced and renamed over the target, so a link or file planted under a fixed name never
    receives the data. :func:`write_target` decides what the target is (a symbolic link made
    by someone else is refused, not followed); a file marked read-only is refused.

    Permissions: a new file gets 0666 less the umask (and the folder's group when the
    folder is set-group-ID); a replaced file keeps its mode and group (less the umask when
    it belonged to someone else). ``backup``: the file being replaced becomes
    ``<name>.bak`` (a second name for it: no disk space needed, same permissions).
    ``new``: refuse if the file exists. ``private``: a new file readable by its owner only
    (a rescue copy in a shared temporary folder). Returns the path written."""
    target = write_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _cannot(target, e) from None
    if st is not None and new:
        raise CannotWrite(target, "文件已存在，不会覆盖")
    if st is not None and not _may_write(st):
        raise CannotWrite(target, f"文件是只读的（权限 {stat.filemode(st.st_mode)}），没有覆盖")
    umask = _umask()
    if st is None:
        mode, gid = (0o600 if private else 0o666) & ~umask, None
    elif st.st_uid == os.geteuid():
        mode, gid = stat.S_IMODE(st.st_mode) & 0o777, st.st_gid
    else:
        mode, gid = stat.S_IMODE(st.st_mode) & 0o777 & ~umask, st.st_gid
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix="." + target.name + ".", suffix=".tmp", dir=folder)
    except OSError as e:
        raise _cannot(target, e, folder) from None
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(content):
                content(f)
            else:
                f.write(content.encode("utf-8") if isinstance(content, str) else content)
            f.flush()
            if gid is not None and gid != os.fstat(fd).st_gid:
                try:
                    os.fchown(fd, -1, gid)
                except OSError:  # not a member of the file's group: its bits would go to ours
                    mode &= ~umask
            os.fchmod(fd, mode)
            os.fsync(fd)
        if backup and st is not None:
            _keep_backup(target, folder)
        if new:
            os.link(tmp, target)  # fails if the name was taken meanwhile
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, FileExistsError) and new:
            raise CannotWrite(target, "文件已存在，不会覆盖") from None
        if isinstance(e, OSError) and not isinstance(e, CannotWrite):
            raise _cannot(target, e, folder) from None
        raise
    _fsync_dir(folder)
    return target


def _keep_backup(target: Path, folder: Path) -> None:
    """``<name>.bak`` becomes the file about to be replaced: a second name for it (a hard
    link: no space needed on a full disk, its permissions exactly the report's), or a copy
    where links are not possible. Never in the way of the save: if no backup can be made,
    the previous ``.bak`` stays."""
    import secrets

    bak = backup_path(target)
    tmp = folder / f".{target.name}.{secrets.token_hex(8)}.bak-tmp"
    try:
        try:
            os.link(target, tmp, follow_symlinks=False)  # exclusive: fails if the name exists
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                return
            _copy_exclusive(target, tmp)
        os.replace(tmp, bak)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _copy_exclusive(source: Path, tmp: Path) -> None:
    src = os.open(source, os.O_RDONLY | _NO_LINK)
    try:
        mode = stat.S_IMODE(os.fstat(src).st_mode) & 0o666
        dst = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NO_LINK, 0o600)
        try:
            while chunk := os.read(src, 1 << 20):
                os.write(dst, chunk)
            os.fchmod(dst, mode)  # never more readable than the report
            os.fsync(dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)


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


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def changed_on_disk(report: Report, path: Path) -> bool:
    """Whether the file at ``path`` differs from what this report last read or wrote there
    (its content: a file touched or rewritten with the same bytes has not changed). A file
    that is gone has not changed: saving writes it again."""
    if report.digest is None:
        return False
    try:
        with open(path, "rb") as f:
            return _digest(f.read()) != report.digest
    except FileNotFoundError:
        return False
    except OSError:
        return False  # unreadable now: the write itself will say why


def _who_changed(path: Path) -> str:
    """（HH:MM:SS，用户 NAME）: when the file was last changed, and whose it is now (the
    account that rewrote it, when it was replaced as a new file)."""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    when = _dt.datetime.fromtimestamp(st.st_mtime).strftime("%H:%M:%S")
    return f"（{when}，文件属于用户 {_user(st.st_uid)}）"


def side_copy_path(path: Path, when: _dt.datetime | None = None) -> Path:
    """Where a session's text goes when the file changed under it: ``NAME.conflict-DATE-TIME``
    (not ``*.toml``, so folder scans and ``aggregate`` never take it for a unit's report)."""
    stamp = (when or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.name}.conflict-{stamp}")


def save_report(report: Report, path: str | os.PathLike | None = None, backup: bool = True,
                new: bool = False, *, record: str | None = "save", note: dict | None = None) -> Path:
    """Write the report (:func:`write_atomic`; the previous version kept as ``<name>.bak``).
    The caller should hold a :class:`ReportLock` (the TUI holds one for the whole session;
    the command line takes one around this call).

    Saving to the file the report was read from: if someone else changed that file since
    (another program, ``git pull``), it is not overwritten: the report's text is written to
    :func:`side_copy_path` instead and :class:`~plugins.engine.errors.ReportChanged` says both.
    Only the values that changed are rewritten in the file's text; comments and layout stay.

    ``record``: the kind of entry this save makes in the report's journal
    (:mod:`plugins.engine.journal`: the intent noted before the write, the entry after it); ``None``
    writes without one. A report that is submitted or approved raises
    :class:`~plugins.engine.journal.ReportFrozen` and is not written."""
    p = Path(path) if path is not None else report.path
    if p is None:
        raise ValueError("report has no path")
    text = dump_report(report)
    data = text.encode("utf-8")
    same_file = report.path is not None and Path(p) == report.path
    target = write_target(p)
    if same_file and changed_on_disk(report, target):
        side = side_copy_path(target)
        try:
            write_atomic(side, data, new=True)
        except CannotWrite:
            raise ReportChanged(target, None, _who_changed(target)) from None
        raise ReportChanged(target, side, _who_changed(target))
    pending = None
    if record is not None:
        from . import journal

        try:
            pending = journal.begin(target, text, record, note)
        except Exception as e:  # noqa: BLE001 - SQLite's "database or disk is full", however it comes
            if "disk is full" in str(e) or getattr(e, "sqlite_errorcode", None) == 13:  # SQLITE_FULL
                raise CannotWrite(target, "无法保存：磁盘已满（连修改记录也写不下）", errno.ENOSPC) from None
            raise
    try:
        written = write_atomic(p, data, backup=backup, new=new)
    except BaseException:
        if pending is not None:
            pending.abandon()
        raise
    if pending is not None:
        pending.finish()
    report.path = Path(p)
    report.digest = _digest(data)
    return written


_LOCKED_BYTE = 1 << 30  # Windows may lock a byte past the end of a file


def _lock_file(fd: int) -> None:
    """Lock the open file ``fd`` for this process, or raise BlockingIOError when another holds
    it. flock on Unix (released by the system when the process ends, however it ends); on
    Windows, which has no fcntl, msvcrt's lock of one byte far past the holder's line (a locked
    byte cannot be read by others, and they read the line), released likewise."""
    try:
        import fcntl
    except ImportError:
        import msvcrt  # Windows

        os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
        try:
            # typeshed declares msvcrt's functions on Windows only; this runs there (and in
            # tests/test_store.py with a stand-in)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError as e:
            raise BlockingIOError(e.errno, "locked") from None
    else:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock_file(fd: int) -> None:
    try:
        import fcntl
    except ImportError:
        import msvcrt  # Windows

        os.lseek(fd, _LOCKED_BYTE, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]  # (Windows only: see _lock_file)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _write_at_start(fd: int, data: bytes) -> None:
    if hasattr(os, "pwrite"):
        os.pwrite(fd, data, 0)
    else:  # Windows
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)


class ReportLock:
    """An exclusive advisory lock on a report file (``.<name>.lock`` beside it).

    ``acquire()`` raises :class:`ReportLocked` with the holder's user, host, process and
    time when someone else holds it, and :class:`CannotWrite` when no lock can be taken (a
    folder without write permission, a link or strange file planted under the lock's name).
    The lock file is opened without following links and never truncated: a name planted by
    someone else can never make it empty or write into another file. It is created no more
    readable than the report. Usable as a context manager.
    """

    WIDTH = 160  # the holder's line is padded to this many bytes: a shorter one overwrites a longer

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        try:
            self.path = write_target(self.path)  # a report reached through its own link: lock the file itself
        except CannotWrite:
            pass  # acquire() and the save say why
        self.lock_file = lock_path(self.path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def holder(self) -> str:
        try:
            fd = os.open(self.lock_file, os.O_RDONLY | _NO_LINK | _NO_WAIT)
        except OSError:
            return "未知"
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return "未知"
            text = os.read(fd, 4096).decode("utf-8", "replace")
        finally:
            os.close(fd)
        return text.strip().split("\n")[0].strip() or "未知"

    def _open(self) -> tuple[int, bool]:
        """The lock file, opened without following a link: (fd, writable)."""
        try:
            mode = stat.S_IMODE(os.stat(self.path).st_mode) & 0o666  # never more readable than the report
        except OSError:
            mode = 0o666
        flags = _NO_LINK | _NO_WAIT
        try:
            return os.open(self.lock_file, flags | os.O_RDWR | os.O_CREAT, mode), True
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise CannotWrite(self.lock_file, "锁文件是一个符号链接（可能是他人放置的），nianbao 不会跟随它；"
                                                  "请确认后删除它再试") from None
            if e.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise _cannot(self.lock_file, e) from None
            try:  # a colleague's lock file we may read: flock works on it all the same
                return os.open(self.lock_file, flags | os.O_RDONLY), False
            except OSError:
                folder = self.lock_file.parent if str(self.lock_file.parent) else Path(".")
                raise CannotWrite(self.lock_file, f"无法建立锁文件：{_WHY.get(e.errno or 0, e.strerror)}"
                                                  f"（文件夹 {folder}）", e.errno) from None

    def acquire(self) -> "ReportLock":
        if self._fd is not None:
            return self
        fd, writable = self._open()
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1:
            os.close(fd)
            what = "不是普通文件" if not stat.S_ISREG(st.st_mode) else f"有 {st.st_nlink} 个硬链接"
            raise CannotWrite(self.lock_file, f"锁文件{what}（可能是他人放置的），nianbao 不会写入它；请确认后删除它再试")
        try:
            _lock_file(fd)
        except BlockingIOError:
            os.close(fd)
            raise ReportLocked(self.path, self.holder()) from None
        if writable:
            import getpass
            import socket

            try:
                user = getpass.getuser()
            except Exception:  # no user name in some containers
                user = str(os.getuid()) if hasattr(os, "getuid") else "?"
            since = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
            info = f"{user}@{socket.gethostname()} 进程 {os.getpid()}，自 {since} 起\n".encode("utf-8")
            try:
                _write_at_start(fd, info.ljust(max(self.WIDTH, st.st_size), b" "))
            except OSError:
                pass  # a full disk: the lock holds without its note
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            _unlock_file(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "ReportLock":
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
