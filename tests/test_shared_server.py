"""Safe on a shared county server: whatever another account plants in a folder both can
write (a symbolic link, a hard link, a file under the name of a temporary, lock or output
file), nianbao never writes through it; new files respect the umask; saving respects what
the file is (read-only, a link of one's own, changed by someone else); comments and layout
survive a save.

Every file nianbao writes goes through ``plugins.engine.store.write_atomic``: the report save and
its ``.bak``, the lock, ``export -o``, the TUI's export, the aggregate output and its
reference file. The two-user test creates a second account (as root) and plants as it.
"""

from __future__ import annotations

import difflib
import errno
import os
import shutil
import stat
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest

from cli_helpers import isolated, run  # noqa: F401 - autouse fixture
from plugins.engine import store
from plugins.engine.errors import CannotWrite, ReportChanged
from plugins.engine.store import ReportLock, backup_path, load_report, lock_path, save_report, write_atomic

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [ROOT / "examples" / "jianou-2018.toml", ROOT / "examples" / "huaian-2024.toml"]
JIANOU = EXAMPLES[0]
SECRET = "operator's private file: must never change\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask():
    """Set the umask for one test (restored after)."""
    saved = os.umask(0o022)
    os.umask(saved)

    def set_(value: int) -> None:
        os.umask(value)

    yield set_
    os.umask(saved)


@pytest.fixture
def report(tmp_path) -> Path:
    path = tmp_path / "r.toml"
    shutil.copy(JIANOU, path)
    return path


@pytest.fixture
def private(tmp_path) -> Path:
    """A file of the operator's own, elsewhere (their home, say)."""
    home = tmp_path / "home"
    home.mkdir()
    p = home / "important.txt"
    p.write_text(SECRET, encoding="utf-8")
    return p


def edited(path: Path, unit: str = "改过的单位"):
    r = load_report(path)
    r.meta["unit"] = unit
    return r


# -- item 1: planted links and files never redirect a write ----------------------------------

def test_temporary_names_are_unpredictable_and_planted_ones_are_left_alone(report, private, monkeypatch):
    # every fixed name the old code used, planted as links to the operator's file
    for name in (f"{report.name}.tmp", f".{report.name}.tmp", f".{report.name}.bak-tmp"):
        (report.parent / name).symlink_to(private)
    save_report(edited(report))
    assert private.read_text(encoding="utf-8") == SECRET
    assert load_report(report).meta["unit"] == "改过的单位"
    created = []
    real = tempfile.mkstemp

    def spy(*a, **k):
        fd, name = real(*a, **k)
        created.append(Path(name))
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    save_report(edited(report, "一"))
    save_report(edited(report, "二"))
    assert len({p.name for p in created}) == 2 and all(p.parent == report.parent for p in created)


def test_a_symlink_planted_as_the_output_is_refused_not_followed(tmp_path, private, capsys):
    shutil.copy(JIANOU, tmp_path / "r.toml")
    out = tmp_path / "out.txt"
    out.symlink_to(private)
    os.lchown(out, 12345, 12345)  # made by another account
    code, _, err = run(capsys, "export", "r.toml", "--to", "txt", "-o", str(out))
    assert code == 2 and "符号链接" in err and str(out) in err
    assert private.read_text(encoding="utf-8") == SECRET and out.is_symlink()


def test_a_hard_link_as_the_output_or_the_report_is_refused(tmp_path, private, capsys):
    shutil.copy(JIANOU, tmp_path / "r.toml")
    out = tmp_path / "out.txt"
    os.link(private, out)
    code, _, err = run(capsys, "export", "r.toml", "--to", "txt", "-o", str(out))
    assert code == 2 and "硬链接" in err
    assert private.read_text(encoding="utf-8") == SECRET
    report = tmp_path / "linked.toml"
    os.link(tmp_path / "r.toml", report)
    with pytest.raises(CannotWrite, match="硬链接"):
        save_report(edited(report))
    assert load_report(tmp_path / "r.toml").meta["unit"] == "建瓯市人民政府办公室"


def test_a_planted_lock_link_is_refused_and_never_truncated(report, private):
    lock_path(report).symlink_to(private)
    with pytest.raises(CannotWrite, match="锁文件是一个符号链接"):
        ReportLock(report).acquire()
    assert private.read_text(encoding="utf-8") == SECRET
    lock_path(report).unlink()
    os.link(private, lock_path(report))
    with pytest.raises(CannotWrite, match="硬链接"):
        ReportLock(report).acquire()
    assert private.read_text(encoding="utf-8") == SECRET


def test_a_lock_file_is_never_truncated_and_says_who_holds_it(report):
    lock = ReportLock(report).acquire()
    first = lock_path(report).read_bytes()
    lock.release()
    assert lock_path(report).read_bytes() == first  # released without emptying it
    lock_path(report).write_bytes(b"x" * 500)  # a longer note of an earlier holder
    with ReportLock(report) as lock:
        assert f"进程 {os.getpid()}" in lock.holder()
        assert len(lock_path(report).read_bytes()) == 500


def test_aggregate_output_and_reference_never_follow_planted_links(tmp_path, private, capsys):
    units = tmp_path / "units"
    units.mkdir()
    shutil.copy(JIANOU, units / "a.toml")
    out = tmp_path / "county.toml"
    for name in (".county.toml.reference.md.tmp", "county.toml.tmp", ".county.toml.tmp"):
        (tmp_path / name).symlink_to(private)
    run(capsys, "aggregate", "units", "-o", str(out))
    assert out.is_file() and (tmp_path / "county.toml.reference.md").is_file()
    assert private.read_text(encoding="utf-8") == SECRET
    reference = tmp_path / "county.toml.reference.md"
    reference.unlink()
    reference.symlink_to(private)
    os.lchown(reference, 12345, 12345)
    code, _, err = run(capsys, "aggregate", "units", "-o", str(out))
    assert code == 2 and "符号链接" in err
    assert private.read_text(encoding="utf-8") == SECRET


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_links_planted_as_the_journals_files_are_refused(report, private, suffix):
    from plugins.engine.journal import JournalError, journal_path

    planted = Path(str(journal_path(report)) + suffix)
    planted.symlink_to(private)
    before = report.read_bytes()
    with pytest.raises(JournalError, match="符号链接"):
        save_report(edited(report))
    assert private.read_text(encoding="utf-8") == SECRET and report.read_bytes() == before


def test_a_file_of_someone_else_under_the_output_name_is_replaced_as_ones_own(tmp_path, umask):
    umask(0o077)
    out = tmp_path / "out.txt"
    out.write_text("planted", encoding="utf-8")
    os.chown(out, 12345, 12345)
    os.chmod(out, 0o666)
    write_atomic(out, "导出的内容")
    st = os.stat(out)
    assert st.st_uid == os.geteuid() and out.read_text(encoding="utf-8") == "导出的内容"
    assert stat.S_IMODE(st.st_mode) == 0o600  # its world access not inherited past the umask


def test_a_symlink_of_ones_own_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "store" / "r.toml"
    real.parent.mkdir()
    shutil.copy(JIANOU, real)
    link = tmp_path / "r.toml"
    link.symlink_to(Path("store") / "r.toml")
    s = load_report(link)
    s.meta["unit"] = "经链接保存"
    save_report(s)
    assert link.is_symlink() and load_report(real).meta["unit"] == "经链接保存"
    assert backup_path(real).is_file() and not backup_path(link).exists()
    with ReportLock(link):  # the lock is the target's: a second name cannot open it twice
        with pytest.raises(Exception, match="正在被他人编辑"):
            ReportLock(real).acquire()


# -- item 1: the same with a real second account ------------------------------------------

@pytest.fixture
def second_user():
    if os.geteuid() != 0:
        pytest.skip("the two-account test creates a user: it needs root (run as root in CI)")
    if not shutil.which("useradd"):
        pytest.skip("useradd is not installed")
    name = f"nbplant{os.getpid() % 100000}"
    made = subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"useradd failed: {made.stderr.strip()}")
    import pwd

    entry = pwd.getpwnam(name)
    try:
        yield entry
    finally:
        subprocess.run(["userdel", name], capture_output=True)


def as_user(user, script: str) -> None:
    """Run a shell ``script`` as ``user`` (the planting account)."""
    subprocess.run(["/bin/sh", "-c", script], check=True, user=user.pw_uid, group=user.pw_gid,
                   extra_groups=[], env={"PATH": "/usr/bin:/bin"}, cwd="/")


def test_a_second_account_planting_links_and_files_in_a_shared_folder(second_user, capsys, monkeypatch):
    # A folder both accounts can write (no sticky bit: the kernel's own link protection does
    # not apply, only nianbao's), and a private file of the operator's.
    shared = Path(tempfile.mkdtemp(prefix="nianbao-shared-", dir="/tmp"))
    home = Path(tempfile.mkdtemp(prefix="nianbao-home-"))
    try:
        os.chmod(shared, 0o777)
        monkeypatch.chdir(shared)
        precious = home / "precious.txt"
        precious.write_text(SECRET, encoding="utf-8")
        shutil.copy(JIANOU, shared / "r.toml")
        (shared / "units").mkdir(mode=0o777)
        shutil.copy(JIANOU, shared / "units" / "a.toml")
        os.chmod(shared / "units", 0o777)
        plants = {  # name in the shared folder -> what the other account makes of it
            "out.txt": "symlink", ".r.toml.lock": "symlink", "r.toml.bak": "symlink",
            "out.txt.tmp": "symlink", ".out.txt.tmp": "symlink", "county.toml.reference.md": "symlink",
            ".county.toml.reference.md.tmp": "symlink", "out.md": "file",
        }
        code = "".join(
            f"ln -s '{precious}' '{shared / name}'\n" if kind == "symlink"
            else f"echo planted > '{shared / name}' && chmod 666 '{shared / name}'\n"
            for name, kind in plants.items())
        as_user(second_user, code)
        assert os.lstat(shared / "out.txt").st_uid == second_user.pw_uid

        # the operator's ordinary commands
        rc, _, err = run(capsys, "export", "r.toml", "--to", "txt", "-o", "out.txt")
        assert rc == 2 and "符号链接" in err
        rc, _, err = run(capsys, "export", "r.toml", "--to", "md", "-o", "out.md")
        assert rc == 0 and os.stat(shared / "out.md").st_uid == 0 and mode(shared / "out.md") & 0o002 == 0
        with pytest.raises(CannotWrite, match="锁文件是一个符号链接"):
            ReportLock(shared / "r.toml").acquire()
        rc, _, err = run(capsys, "aggregate", "units", "-o", "county.toml")
        assert rc == 2 and "符号链接" in err
        assert precious.read_text(encoding="utf-8") == SECRET  # nothing written, emptied or replaced
        assert (shared / "out.txt").is_symlink()

        # the .bak link is simply replaced by the old report (a rename never writes through)
        (shared / ".r.toml.lock").unlink()
        save_report(edited(shared / "r.toml"))
        assert backup_path(shared / "r.toml").is_file() and not backup_path(shared / "r.toml").is_symlink()
        assert precious.read_text(encoding="utf-8") == SECRET
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)


# -- item 2: permissions ---------------------------------------------------------------------

def test_new_files_respect_the_umask(tmp_path, umask, capsys):
    umask(0o077)
    rc, _, _ = run(capsys, "new", "a.toml", "--unit", "测试局", "--year", "2024")
    assert rc == 0
    assert mode(tmp_path / "a.toml") == 0o600 and mode(tmp_path / ".a.toml.lock") == 0o600
    run(capsys, "export", "a.toml", "--to", "txt", "-o", "a.txt")
    assert mode(tmp_path / "a.txt") == 0o600
    (tmp_path / "units").mkdir()
    shutil.copy(JIANOU, tmp_path / "units" / "u.toml")
    run(capsys, "aggregate", "units", "-o", "county.toml")
    assert mode(tmp_path / "county.toml") == 0o600 and mode(tmp_path / "county.toml.reference.md") == 0o600
    umask(0o007)
    rc, _, _ = run(capsys, "new", "b.toml", "--unit", "测试局", "--year", "2024")
    assert mode(tmp_path / "b.toml") == 0o660


def test_a_saved_report_keeps_its_mode_and_group_and_bak_and_lock_are_no_more_readable(report, umask):
    umask(0o022)
    groups = [g for g in os.getgroups() if g != os.getegid()] or [os.getegid()]
    if os.geteuid() == 0:
        groups = [4242]  # root may give a file any group: a county office's group
    os.chown(report, -1, groups[0])
    os.chmod(report, 0o640)
    with ReportLock(report):
        save_report(edited(report))
        save_report(edited(report, "再改一次"))
        assert mode(lock_path(report)) & ~0o640 == 0
    st = os.stat(report)
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_gid == groups[0]
    assert mode(backup_path(report)) == 0o640


# -- item 3: read-only, links, changes by someone else ------------------------------------

def test_a_read_only_report_is_refused(report):
    os.chmod(report, 0o444)
    before = report.read_bytes()
    with pytest.raises(CannotWrite, match="只读"):
        save_report(edited(report))
    assert report.read_bytes() == before
    assert "只读" in store.write_problem(report)


def test_a_change_made_by_someone_else_is_never_overwritten(report):
    mine = edited(report, "我的版本")
    theirs = report.read_text(encoding="utf-8").replace("建瓯市人民政府办公室", "同事的版本", 1)
    report.write_text(theirs, encoding="utf-8")  # git pull, a colleague, another program
    with pytest.raises(ReportChanged) as e:
        save_report(mine)
    assert report.read_text(encoding="utf-8") == theirs
    side = e.value.side_copy
    assert side is not None and side.name.startswith("r.toml.conflict-") and not side.name.endswith(".toml")
    assert tomllib.loads(side.read_text(encoding="utf-8"))["report"]["unit"] == "我的版本"
    assert str(side) in str(e.value) and "没有覆盖" in str(e.value)
    assert "文件属于用户" in str(e.value)  # their story: when, and whose the file is


def test_a_file_rewritten_with_the_same_bytes_is_not_a_change(report):
    r = edited(report)
    report.write_bytes(report.read_bytes())  # touched, same content
    save_report(r)
    assert load_report(report).meta["unit"] == "改过的单位"


# -- item 4: a failed save leaves nothing behind; the backup never stops a save that fits --

def test_a_full_disk_during_the_save_leaves_no_temporary_files(report, monkeypatch):
    before = report.read_bytes()
    real = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", full)
    with pytest.raises(CannotWrite, match="磁盘已满"):
        save_report(edited(report))
    monkeypatch.setattr(store.os, "fsync", real)
    assert report.read_bytes() == before
    # (the report's journal, plugins.engine.journal, is not a temporary file: it stays by design)
    assert sorted(p.name for p in report.parent.iterdir() if ".journal.sqlite" not in p.name) == ["r.toml"]


def test_the_backup_takes_no_space_so_a_save_that_fits_is_not_stopped(report, monkeypatch):
    # The backup is a second name for the old file: if copying were needed it would fail here.
    def no_copy(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "_copy_exclusive", no_copy)
    save_report(edited(report))
    assert load_report(report).meta["unit"] == "改过的单位"
    assert load_report(backup_path(report)).meta["unit"] == "建瓯市人民政府办公室"
    # where links are impossible and the copy does not fit, the save still happens
    monkeypatch.setattr(store.os, "link", no_copy)
    save_report(edited(report, "第三版"))
    assert load_report(report).meta["unit"] == "第三版"
    assert not [p for p in report.parent.iterdir() if p.name.endswith((".tmp", ".bak-tmp"))]


# -- item 5: comments and layout survive a save -------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_both_examples_round_trip_byte_for_byte(tmp_path, example):
    path = tmp_path / example.name
    shutil.copy(example, path)
    r = load_report(path)
    r.meta["unit"] = r.meta["unit"]
    save_report(r)
    assert path.read_bytes() == example.read_bytes()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_changing_one_value_changes_only_that_line(tmp_path, example):
    path = tmp_path / example.name
    shutil.copy(example, path)
    r = load_report(path)
    r.meta["phone"] = "0599-0000000"
    save_report(r)
    diff = [line for line in difflib.unified_diff(example.read_text(encoding="utf-8").splitlines(),
                                                  path.read_text(encoding="utf-8").splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(diff) == 2 and diff[0].startswith("-phone") and diff[1] == '+phone = "0599-0000000"'


def test_string_style_comments_and_inline_tables_survive_edits(tmp_path):
    path = tmp_path / "r.toml"
    text = ("# 说明\n[report]\nunit = '单位'  # 填全称\nyear = 2024\n\n[x]\nintro = '''\n第一段\n'''\n"
            "t = { a = 1, b = 2 }\n\n[[x.items]]\ntitle = \"一\"\n\n[[x.items]]\ntitle = \"二\"\n")
    path.write_text(text, encoding="utf-8")
    r = load_report(path)
    r.meta["unit"] = "新单位"
    r.data["x"]["intro"] = "改过的第一段\n第二段\n"
    r.data["x"]["t"]["b"] = 3
    r.data["x"]["items"][1]["title"] = "二改"
    save_report(r)
    out = path.read_text(encoding="utf-8")
    assert out == ("# 说明\n[report]\nunit = '新单位'  # 填全称\nyear = 2024\n\n[x]\nintro = '''\n改过的第一段\n第二段\n'''\n"
                   "t = { a = 1, b = 3 }\n\n[[x.items]]\ntitle = \"一\"\n\n[[x.items]]\ntitle = \"二改\"\n")
    r.data["x"]["items"].append({"title": "三"})
    del r.data["x"]["items"][0]
    r.data["x"]["intro"] = "含有'''的段落\n"  # a literal string cannot hold it: written as a basic one
    save_report(r)
    assert tomllib.loads(path.read_text(encoding="utf-8"))["x"] == {
        "intro": "含有'''的段落\n", "t": {"a": 1, "b": 3}, "items": [{"title": "二改"}, {"title": "三"}]}
    assert path.read_text(encoding="utf-8").startswith("# 说明\n")


def test_unknown_keys_and_types_are_kept_exactly(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text("[report]\nyear = 2024\n[jo.county]\nfigure = 7\nratio = 7.0\nflag = true\n", encoding="utf-8")
    r = load_report(path)
    r.data["jo"]["county"]["figure"] = 8
    r.data["jo"]["county"]["ratio"] = 8  # an integer now: written as one
    save_report(r)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["jo"]["county"] == {"figure": 8, "ratio": 8, "flag": True}
    assert type(data["jo"]["county"]["ratio"]) is int


def fill(folder: Path, leave: int) -> Path:
    """Fill the disk of ``folder`` until ``leave`` bytes are free."""
    filler = folder / "filler"
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with open(filler, "ab") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


def test_a_real_full_disk(tiny_disk):
    # (the store's write alone: record=None leaves the report's journal out, whose own file
    # needs room too)
    report = tiny_disk / "r.toml"
    shutil.copy(JIANOU, report)
    size = report.stat().st_size
    page = os.statvfs(tiny_disk).f_frsize
    pages = -(-size // page)
    r = edited(report, "满盘时改的单位")
    filler = fill(tiny_disk, 0)
    with pytest.raises(CannotWrite, match="磁盘已满"):
        save_report(r, record=None)
    assert report.read_bytes() == JIANOU.read_bytes()
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "r.toml"]  # no .tmp, no .bak-tmp
    # room for the new file, not for a copy of the old one beside it: the save still happens
    filler.unlink()
    fill(tiny_disk, (pages + 1) * page)
    save_report(r, record=None)
    assert load_report(report).meta["unit"] == "满盘时改的单位"
    assert load_report(backup_path(report)).meta["unit"] == "建瓯市人民政府办公室"


def test_a_file_too_large_for_tomlkit_is_written_afresh_and_whole(tmp_path, monkeypatch):
    from plugins.engine import tomlwrite

    path = tmp_path / "big.toml"
    items = "".join(f"\n[[fj.overview.items]]\ntitle = \"第{i}条\"\nbody = '''\n{'市政府高度重视政府信息公开工作。' * 20}\n'''\n"
                    for i in range(900))
    path.write_text(JIANOU.read_text(encoding="utf-8") + items, encoding="utf-8")
    assert len(path.read_text(encoding="utf-8")) > tomlwrite.LARGE
    monkeypatch.setattr(tomlwrite.tomlkit, "parse", lambda text: pytest.fail("tomlkit parsed a large file"))
    r = load_report(path)
    r.data["fj"]["overview"]["items"][7]["body"] += "又一句。"
    save_report(r)
    assert tomllib.loads(path.read_text(encoding="utf-8")) == r.data


def test_a_full_disk_with_the_journal_says_the_disk_is_full(tiny_disk):
    report = tiny_disk / "r.toml"
    shutil.copy(JIANOU, report)
    r = edited(report, "满盘时改的单位")
    fill(tiny_disk, 0)
    with pytest.raises(CannotWrite, match="磁盘已满"):
        save_report(r)
    assert report.read_bytes() == JIANOU.read_bytes()
    assert not [p for p in tiny_disk.iterdir() if p.name.endswith((".tmp", ".bak-tmp"))]
