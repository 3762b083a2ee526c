"""The report file: TOML round trips, keys nobody knows, damaged files, atomic saves,
backups and the lock that keeps two operators from overwriting each other."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from plugins.engine import store
from plugins.engine.errors import CannotWrite, InputFileError, ReportLocked
from plugins.engine.report import Report
from plugins.engine.store import ReportLock, backup_path, dump_report, load_report, lock_path, save_report

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = '''\
[report]
unit = "建瓯市人民政府办公室"
year = 2018
format = "fujian-2018"
signed = 2019-01-08
published = 2019-01-10
note = """
（此件主动公开）
第二行"""

[fj.overview]
intro = """
2018年，我市认真贯彻落实《条例》。
  缩进保留，引号"也保留"，反斜杠\\\\也保留。"""
items = [
    { title = "加强组织领导", body = "正文" },
    { title = "完善制度", body = """
第一段
第二段""" },
]

[fj.proactive.counts.total]
year = 2589
cumulative = 46269

[fj.requests.received.online]
year = 5
cumulative = 6
'''


def write(tmp_path: Path, text: str | bytes, name: str = "report.toml") -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    """Files other than ``keep`` and the reports' journals (plugins.engine.journal), which stay by design."""
    return sorted(p.name for p in folder.iterdir() if p.name not in keep and ".journal.sqlite" not in p.name)


# -- round trip ---------------------------------------------------------------------------
def test_round_trip_keeps_everything(tmp_path):
    p = write(tmp_path, SAMPLE)
    first = load_report(p)
    assert first.meta["signed"] == dt.date(2019, 1, 8)
    assert first.section_data("fj.overview")["items"][1]["body"] == "第一段\n第二段"
    save_report(first)
    second = load_report(p)
    assert second.data == first.data
    assert isinstance(second.meta["signed"], dt.date)
    assert second.meta["note"] == "（此件主动公开）\n第二行"
    assert "  缩进保留，引号\"也保留\"，反斜杠\\也保留。" in second.section_data("fj.overview")["intro"]
    # a second save writes the same bytes: saving is stable, diffs stay small
    text = p.read_text(encoding="utf-8")
    save_report(second)
    assert p.read_text(encoding="utf-8") == text
    assert text.startswith("[report]\n")  # metadata first, like the document


def test_round_trip_of_every_toml_type(tmp_path):
    data = {
        "report": {"year": 2018, "signed": dt.date(2019, 1, 8)},
        "x.county": {"ratio": 0.125, "flag": True, "when": dt.datetime(2019, 1, 8, 9, 30, 5),
                     "at": dt.time(8, 30), "nested": {"list": [1, 2, 3], "deep": {"s": "a\tb\x01"}},
                     "empty": {}, "tables": [{"a": 1}, {"b": "二"}], "quote": 'a"""b',
                     "bs": "C:\\dir\\", "lines": "一\n二\n\n三\n"},
    }
    p = tmp_path / "r.toml"
    save_report(Report(data), p)
    assert load_report(p).data == data


def test_bom_is_accepted(tmp_path):
    p = write(tmp_path, "\ufeff" + SAMPLE)
    assert load_report(p).meta["year"] == 2018


def test_dump_puts_metadata_first():
    report = Report({"fj": {"overview": {"intro": "x"}}, "report": {"year": 2018}})
    assert dump_report(report).index("[report]") < dump_report(report).index("[fj.overview]")


# -- keys no plugin knows -----------------------------------------------------------------
UNKNOWN = '''\
[report]
year = 2018
format = "fujian-2018"
county_code = "350783"

[fj.overview]
intro = "概述"
reviewed_by = "张三"

[fj.overview.county_extra]
pages = 3

[fj.proactive.counts.total]
year = 10
cumulative = 20
audited = true

[jo.newmedia]
accounts = 4
weibo = { name = "建瓯发布", posts = 120 }

[[jo.newmedia.items]]
title = "政务微信"
count = 1200

[[jo.newmedia.items]]
title = "政务微博"
count = 800

[jo.newmedia.history.y2017]
accounts = 3
'''


def test_unknown_keys_survive_load_edit_save(tmp_path, host):
    p = write(tmp_path, UNKNOWN)
    report = load_report(p)
    overview = host.section("fj.overview")
    # an operator edits a known field through its declaration, as every front end does
    report.set_value(overview.id, "intro", overview.field("intro").dump(overview.field("intro").parse("新的概述")))
    report.set_value("fj.proactive", "scope", "全市43个单位")
    save_report(report)
    back = load_report(p).data
    assert back["report"]["county_code"] == "350783"
    assert back["fj"]["overview"]["intro"] == "新的概述"
    assert back["fj"]["overview"]["reviewed_by"] == "张三"  # a key inside a section table
    assert back["fj"]["overview"]["county_extra"] == {"pages": 3}  # a nested table inside a section
    assert back["fj"]["proactive"]["counts"]["total"] == {"year": 10, "cumulative": 20, "audited": True}
    assert back["fj"]["proactive"]["scope"] == "全市43个单位"
    assert back["jo"] == {  # a whole top-level table of a plugin that is not loaded
        "newmedia": {
            "accounts": 4,
            "weibo": {"name": "建瓯发布", "posts": 120},
            "items": [{"title": "政务微信", "count": 1200}, {"title": "政务微博", "count": 800}],
            "history": {"y2017": {"accounts": 3}},
        }
    }


# -- damaged files ------------------------------------------------------------------------
def test_bad_toml_gives_file_line_and_column(tmp_path):
    text = SAMPLE.replace("year = 5\n", "year = 5 5\n")
    bad_line = text.splitlines().index("year = 5 5") + 1
    p = write(tmp_path, text)
    with pytest.raises(InputFileError) as e:
        load_report(p)
    err = e.value
    assert err.path == p
    assert err.line == bad_line
    assert err.column is not None and err.column > 1
    assert str(err).startswith(f"{p}:{bad_line}:{err.column}: ")
    assert "TOML 格式错误" in str(err)
    assert "(at line" not in str(err)  # the position is given once, in front


@pytest.mark.parametrize(
    "text, line",
    [
        ('[report]\nyear = 2018\nunit = "建瓯\n', 3),  # unterminated string
        ("[report]\nyear = 2018\nyear = 2019\n", 3),  # duplicate key
        ("[report]\n\n\n\n[report]\n", 5),  # duplicate table
        ("[report\n", 1),
    ],
)
def test_bad_toml_lines(tmp_path, text, line):
    with pytest.raises(InputFileError) as e:
        load_report(write(tmp_path, text))
    assert e.value.line == line


@pytest.mark.parametrize(
    "text",
    ["[report]\nyear = " + "1" * 5000 + "\n",  # tomllib's int() refuses it with a ValueError
     "[report]\nx = " + "[" * 3000 + "]" * 3000 + "\n",  # tomllib recurses too deep
     "[" + ".".join(["a"] * 3000) + "]\n"],  # parses, but nothing could walk it recursively
    ids=["long-integer", "deep-arrays", "deep-tables"],
)
def test_absurd_files_are_input_errors(tmp_path, text):
    with pytest.raises(InputFileError) as e:
        load_report(write(tmp_path, text))
    assert str(e.value).startswith(str(tmp_path / "report.toml"))


def test_deep_but_sane_nesting_loads(tmp_path):
    report = load_report(write(tmp_path, "[" + ".".join(["a"] * 30) + "]\nx = [[[[1]]]]\n"))
    assert report.data["a"]["a"]


def test_gbk_file_says_not_utf8(tmp_path):
    text = '[report]\nyear = 2018\nunit = "建瓯市人民政府办公室"\n'
    p = write(tmp_path, text.encode("gbk"))
    with pytest.raises(InputFileError) as e:
        load_report(p)
    assert "UTF-8" in str(e.value) and "GBK" in str(e.value)
    assert e.value.line == 3  # the first byte that is not UTF-8
    assert str(p) in str(e.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputFileError, match="文件不存在") as e:
        load_report(tmp_path / "nope.toml")
    assert e.value.path == tmp_path / "nope.toml"
    with pytest.raises(InputFileError, match="文件夹"):
        load_report(tmp_path)


def test_unreadable_file(tmp_path, monkeypatch):
    p = write(tmp_path, SAMPLE)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod 0 does not stop root
    with pytest.raises(InputFileError, match="无法读取：Permission denied"):
        load_report(p)


def test_report_table_of_wrong_type(tmp_path):
    with pytest.raises(InputFileError, match=r"\[report\] 应为表"):
        load_report(write(tmp_path, 'report = "x"\n'))


# -- atomic save and backup ---------------------------------------------------------------
def test_save_leaves_no_temporary_files(tmp_path):
    p = tmp_path / "r.toml"
    report = Report({"report": {"year": 2018}})
    save_report(report, p)
    assert leftovers(tmp_path, {"r.toml"}) == []  # no backup of a file that did not exist
    assert oct(p.stat().st_mode & 0o777) == oct(0o644)
    for n in range(3):
        report.meta["year"] = 2019 + n
        save_report(report)
    assert leftovers(tmp_path, {"r.toml", "r.toml.bak"}) == []
    assert load_report(p).meta["year"] == 2021


def test_backup_holds_previous_version(tmp_path):
    p = write(tmp_path, SAMPLE)
    before = p.read_bytes()
    report = load_report(p)
    report.meta["year"] = 2017
    save_report(report)
    assert backup_path(p).read_bytes() == before
    assert load_report(p).meta["year"] == 2017
    middle = p.read_bytes()
    report.meta["year"] = 2016
    save_report(report)
    assert backup_path(p).read_bytes() == middle  # always the version just replaced
    save_report(report, backup=False)
    assert backup_path(p).read_bytes() == middle


def test_save_keeps_file_mode(tmp_path):
    p = write(tmp_path, SAMPLE)
    p.chmod(0o600)
    save_report(load_report(p))
    assert p.stat().st_mode & 0o777 == 0o600


def test_save_to_new_path_sets_report_path(tmp_path):
    report = load_report(write(tmp_path, SAMPLE))
    out = save_report(report, tmp_path / "copy.toml")
    assert out == tmp_path / "copy.toml" and report.path == out
    with pytest.raises(ValueError):
        save_report(Report({}))


class _FailingFile:
    """Writes half of what it is given, then fails like a full disk."""

    def __init__(self, real):
        self.real = real

    def write(self, text):
        self.real.write(text[: len(text) // 2])
        self.real.flush()
        raise OSError(28, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.real.close()


def test_failed_write_leaves_old_file_intact(tmp_path, monkeypatch):
    p = write(tmp_path, SAMPLE)
    before = p.read_bytes()
    report = load_report(p)
    report.meta["unit"] = "另一个单位" * 50
    real_fdopen = os.fdopen
    monkeypatch.setattr(store.os, "fdopen", lambda *a, **k: _FailingFile(real_fdopen(*a, **k)))
    with pytest.raises(CannotWrite, match="磁盘已满"):
        save_report(report)
    monkeypatch.undo()
    assert p.read_bytes() == before
    assert leftovers(tmp_path, {"report.toml", "report.toml.bak"}) == []
    assert load_report(p).meta["unit"] == "建瓯市人民政府办公室"


def test_failed_fsync_or_rename_leaves_old_file_intact(tmp_path, monkeypatch):
    p = write(tmp_path, SAMPLE)
    before = p.read_bytes()
    report = load_report(p)
    report.meta["year"] = 2000

    def no_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(store.os, "fsync", no_fsync)
    with pytest.raises(CannotWrite):
        save_report(report)
    monkeypatch.undo()
    assert p.read_bytes() == before
    assert leftovers(tmp_path, {"report.toml", "report.toml.bak"}) == []

    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == p:
            raise OSError(13, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", replace)
    with pytest.raises(CannotWrite):
        save_report(report)
    monkeypatch.undo()
    assert p.read_bytes() == before
    assert leftovers(tmp_path, {"report.toml", "report.toml.bak"}) == []


def test_interrupted_save_is_cleaned_up(tmp_path, monkeypatch):
    """A KeyboardInterrupt (or SystemExit from a signal handler) mid-save removes the
    temporary file too."""
    p = write(tmp_path, SAMPLE)
    before = p.read_bytes()

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_report(load_report(p))
    monkeypatch.undo()
    assert p.read_bytes() == before
    assert leftovers(tmp_path, {"report.toml", "report.toml.bak"}) == []


# -- the lock -----------------------------------------------------------------------------
HOLDER = textwrap.dedent(
    """
    import sys, time
    from plugins.engine.store import ReportLock
    lock = ReportLock(sys.argv[1]).acquire()
    print("locked", flush=True)
    if sys.argv[2] == "release":
        sys.stdin.readline()
        lock.release()
        print("released", flush=True)
    sys.stdin.readline()
    """
)


def hold_lock(path: Path, mode: str = "hold") -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode], cwd=ROOT,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "locked"
    return child


def test_lock_in_another_process_names_the_holder(tmp_path):
    p = write(tmp_path, SAMPLE)
    child = hold_lock(p)
    try:
        with pytest.raises(ReportLocked) as e:
            ReportLock(p).acquire()
        assert f"进程 {child.pid}" in e.value.holder
        assert e.value.holder in str(e.value) and str(p) in str(e.value)
        assert lock_path(p).exists()
    finally:
        child.kill()
        child.wait()


def test_lock_released_by_release(tmp_path):
    p = write(tmp_path, SAMPLE)
    child = hold_lock(p, "release")
    try:
        with pytest.raises(ReportLocked):
            ReportLock(p).acquire()
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "released"
        lock = ReportLock(p).acquire()  # the child is still running, but let go
        assert lock.held
        assert f"进程 {os.getpid()}" in lock.holder()
        lock.release()
        assert not lock.held
    finally:
        child.kill()
        child.wait()


def test_lock_released_when_holder_is_killed(tmp_path):
    p = write(tmp_path, SAMPLE)
    child = hold_lock(p)
    with pytest.raises(ReportLocked):
        ReportLock(p).acquire()
    child.send_signal(signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    with ReportLock(p) as lock:  # no stale lock: the kernel let go with the process
        assert lock.held
        assert f"进程 {os.getpid()}" in lock.holder()
    assert not lock.held


def test_lock_within_one_process(tmp_path):
    p = write(tmp_path, SAMPLE)
    first = ReportLock(p).acquire()
    assert first.acquire() is first  # acquiring twice is harmless
    with pytest.raises(ReportLocked):
        ReportLock(p).acquire()  # another open file: refused like another process
    first.release()
    first.release()  # releasing twice too
    with ReportLock(p):
        with pytest.raises(ReportLocked):
            ReportLock(p).acquire()
    ReportLock(p).acquire().release()


def test_save_under_lock(tmp_path):
    p = write(tmp_path, SAMPLE)
    with ReportLock(p):
        report = load_report(p)
        report.meta["year"] = 2017
        save_report(report)
    assert load_report(p).meta["year"] == 2017
    assert leftovers(tmp_path, {"report.toml", "report.toml.bak", lock_path(p).name}) == []



# -- the parser: tomli (compiled) when installed, else the standard library's tomllib ------------
@pytest.mark.parametrize("name", ["jianou-2018.toml", "huaian-2024.toml"])
def test_the_chosen_parser_reads_reports_as_tomllib_does(name):
    import tomllib

    from plugins.engine import tomlread

    text = (ROOT / "examples" / name).read_text(encoding="utf-8")
    assert tomlread.loads(text) == tomllib.loads(text)


def test_without_tomli_the_standard_library_reads_and_places_errors(tmp_path):
    """What the operator is told does not depend on which parser is installed."""
    bad = write(tmp_path, "[report]\nyear = 2018\nyear = 2019\n")
    script = textwrap.dedent(f"""
        import sys
        sys.modules["tomli"] = None  # as if it were not installed
        from plugins.engine import tomlread
        from plugins.engine.errors import InputFileError
        from plugins.engine.store import load_report
        assert tomlread.loads.__module__.startswith("tomllib"), tomlread.loads.__module__
        assert load_report({str(ROOT / "examples" / "huaian-2024.toml")!r}).year == 2024
        for text in ["[report]\\nyear = " + "1" * 5000, "x = " + "[" * 3000 + "]" * 3000]:
            open({str(tmp_path / "absurd.toml")!r}, "w").write(text)
            try:
                load_report({str(tmp_path / "absurd.toml")!r})
            except InputFileError as e:
                assert "超出范围" in e.message, e
            else:
                raise AssertionError("loaded")
        try:
            load_report({str(bad)!r})
        except InputFileError as e:
            print(e.line, e.column, e.message)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    with pytest.raises(InputFileError) as e:
        load_report(bad)
    assert proc.stdout.strip() == f"{e.value.line} {e.value.column} {e.value.message}"
    assert e.value.line == 3 and e.value.message.startswith("TOML 格式错误：")


def test_without_fcntl_check_export_and_aggregate_run_and_the_lock_holds(tmp_path):
    """Windows has no fcntl: the engine imports it only where it locks, and locks through
    msvcrt there. Here fcntl is made missing and msvcrt is a stand-in that refuses a byte
    another handle locked (as Windows does): check, export and aggregate (which locks its
    output) run, a second lock on a report is refused naming the holder, and released it is free."""
    report = tmp_path / "r.toml"
    report.write_text((ROOT / "examples" / "jianou-2018.toml").read_text(encoding="utf-8"), encoding="utf-8")
    script = textwrap.dedent("""
        import os, sys, types
        import concurrent.futures.process, subprocess  # before the stand-in: they take msvcrt for Windows
        sys.modules["fcntl"] = None  # import fcntl raises ImportError, as on Windows
        held = {}  # (file, offset) -> the handle holding it

        def locking(fd, mode, nbytes):
            st = os.fstat(fd)
            key = (st.st_dev, st.st_ino, os.lseek(fd, 0, os.SEEK_CUR))
            if mode == msvcrt.LK_UNLCK:
                del held[key]
            elif key in held and held[key] != fd:
                raise PermissionError(13, "locked")
            else:
                held[key] = fd
        msvcrt = types.SimpleNamespace(LK_NBLCK=2, LK_UNLCK=0, locking=locking)
        sys.modules["msvcrt"] = msvcrt

        import tui.cli
        from plugins.engine.errors import ReportLocked
        from plugins.engine.store import ReportLock
        codes = [tui.cli.main(["check", "r.toml"]),
                 tui.cli.main(["export", "r.toml", "--to", "txt", "-o", "r.txt"]),
                 tui.cli.main(["aggregate", "r.toml", "-o", "county.toml", "--unit", "建瓯市", "--no-check"])]
        assert "fcntl" not in [m for m, v in sys.modules.items() if v is not None], "fcntl imported"
        with ReportLock("r.toml"):
            assert held, "nothing was locked"
            try:
                ReportLock("r.toml").acquire()
            except ReportLocked as e:
                print("REFUSED", e)
        assert not held
        with ReportLock("r.toml"):
            pass
        print("CODES", codes)
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert "CODES [1, 0, 0]" in run.stdout, run.stdout + run.stderr  # check: the example has errors (exit 1)
    assert "REFUSED" in run.stdout and "进程" in run.stdout, run.stdout
    assert "2018年政府信息公开工作年度报告" in (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert (tmp_path / "county.toml").exists()
