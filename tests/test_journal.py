"""The journal of a report (plugins.engine.journal): every save on record with who, when, from where
and what changed; coalescing; versions and restore; tamper evidence; crash recovery."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli_helpers import isolated, run  # noqa: F401 - isolated is an autouse fixture
from plugins.engine import journal as jn
from plugins.engine.journal import Journal, ReportFrozen, journal_path
from plugins.engine.store import load_report, save_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "jianou-2018.toml"


class Clock:
    """A settable clock for the journal (coalescing is per minute)."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    c = Clock(dt.datetime(2025, 1, 10, 9, 0, 0).astimezone())
    monkeypatch.setattr(jn, "_now", c)
    return c


@pytest.fixture
def report_file(tmp_path):
    p = tmp_path / "jianou.toml"
    p.write_bytes(EXAMPLE.read_bytes())
    return p


def set_intro(report, text):
    report.data["fj"]["overview"]["intro"] = text


def entries(path):
    with Journal(path, create=False) as j:
        return j.entries()


def test_first_save_records_a_baseline_then_the_change_with_who_and_where(report_file, clock, monkeypatch):
    monkeypatch.setenv("SSH_CONNECTION", "10.1.2.3 52000 10.0.0.1 22")
    r = load_report(report_file)
    old = r.data["fj"]["overview"]["intro"]
    set_intro(r, "新的引言。")
    save_report(r)
    es = entries(report_file)
    assert [e.kind for e in es] == ["baseline", "save"]
    save = es[1]
    import pwd

    assert save.user == pwd.getpwuid(os.getuid()).pw_name
    assert save.origin == "ssh 10.1.2.3"
    assert save.at.startswith("2025-01-10T09:00:00")
    [change] = save.changes
    assert change.path == "fj.overview.intro" and change.new == "新的引言。"
    assert change.old.startswith("…") or change.old == old  # long texts clipped to the changed part
    with Journal(report_file) as j:
        assert j.text_at(1) == EXAMPLE.read_text(encoding="utf-8")
        assert j.text_at(2) == report_file.read_text(encoding="utf-8")
        assert j.verify() == []


def test_user_is_the_real_uid_not_the_environment(report_file, clock, monkeypatch):
    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    r = load_report(report_file)
    set_intro(r, "x")
    save_report(r)
    assert entries(report_file)[-1].user != "someone-else"


def test_saves_within_a_minute_make_one_entry_per_field(report_file, clock):
    r = load_report(report_file)
    text = ""
    for ch in "二〇一八年本市":  # one autosave a second, as typing does
        text += ch
        set_intro(r, text)
        save_report(r)
        clock.tick(1)
    r.data["report"]["unit"] = "建瓯市人民政府"
    save_report(r)
    es = entries(report_file)
    assert [e.kind for e in es] == ["baseline", "save"]
    paths = sorted(c.path for c in es[1].changes)
    assert paths == ["fj.overview.intro", "report.unit"]
    intro = next(c for c in es[1].changes if c.path == "fj.overview.intro")
    assert intro.new == "二〇一八年本市"  # the minute's last value, from the value before the minute
    assert es[1].started < es[1].at
    clock.tick(60)
    set_intro(r, "二〇一八年本市认真")
    save_report(r)
    es = entries(report_file)
    assert len(es) == 3 and es[2].changes[0].old == "二〇一八年本市"
    with Journal(report_file) as j:
        assert j.verify() == []
        assert j.text_at(2) != j.text_at(3)


def test_an_unchanged_save_adds_nothing(report_file, clock):
    r = load_report(report_file)
    save_report(r)
    clock.tick(120)
    save_report(r)
    assert [e.kind for e in entries(report_file)] == ["baseline"]  # the same text: no new version


def test_journal_has_the_reports_group_and_mode(report_file, clock):
    os.chmod(report_file, 0o640)
    r = load_report(report_file)
    set_intro(r, "x")
    save_report(r)
    jp = journal_path(report_file)
    assert jp.stat().st_mode & 0o777 == 0o640
    assert jp.stat().st_gid == report_file.stat().st_gid
    os.chmod(report_file, 0o600)  # the report closed to the group later: so is its journal
    set_intro(r, "y")
    save_report(r)
    assert jp.stat().st_mode & 0o777 == 0o600


def test_tampering_is_detected(report_file, clock, capsys):
    r = load_report(report_file)
    for i in range(3):
        set_intro(r, f"第{i}稿")
        save_report(r)
        clock.tick(61)
    db = sqlite3.connect(journal_path(report_file))
    db.execute("UPDATE entries SET user = 'nobody' WHERE seq = 2")
    db.commit()
    code, out, _ = run(capsys, "history", str(report_file))
    assert code == 1 and "第 2 条记录被改动过" in out
    db.execute("DELETE FROM entries WHERE seq = 3")
    db.commit()
    db.close()
    with Journal(report_file) as j:
        problems = j.verify()
    assert any("不见了" in p for p in problems)


def test_history_and_diff_commands(report_file, clock, capsys, tmp_path):
    r = load_report(report_file)
    set_intro(r, "第一稿")
    save_report(r)
    clock.tick(86400)  # the next day
    set_intro(r, "第二稿")
    r.data["report"]["unit"] = "建瓯市人民政府"
    save_report(r)
    code, out, _ = run(capsys, "history", str(report_file))
    assert code == 0
    assert "#2  2025-01-10 09:00" in out and "概述" in out and "“第一稿”" in out
    code, out, _ = run(capsys, "history", str(report_file), "--json")
    data = json.loads(out)
    assert data["intact"] and [e["kind"] for e in data["entries"]] == ["baseline", "save", "save"]
    code, out, _ = run(capsys, "diff", str(report_file), "--json")
    changes = {c["path"]: (c["old"], c["new"]) for c in json.loads(out)["changes"]}
    assert changes == {"fj.overview.intro": ("第一稿", "第二稿"), "report.unit": ("建瓯市人民政府办公室", "建瓯市人民政府")}
    code, out, _ = run(capsys, "diff", str(report_file), "--since", "2025-01-11", "--json")
    assert {c["path"] for c in json.loads(out)["changes"]} == {"fj.overview.intro", "report.unit"}
    code, out, _ = run(capsys, "diff", str(report_file), "1", "2", "--json")
    assert [c["path"] for c in json.loads(out)["changes"]] == ["fj.overview.intro"]
    code, out, err = run(capsys, "diff", str(report_file), "9")
    assert code == 2 and "没有版本 9" in err
    # last year's report against this year's: field by field
    last = tmp_path / "last.toml"
    last.write_text(EXAMPLE.read_text(encoding="utf-8").replace("year = 2018", "year = 2017"), encoding="utf-8")
    code, out, _ = run(capsys, "diff", str(report_file), str(last), "--json")
    paths = {c["path"] for c in json.loads(out)["changes"]}
    assert {"report.year", "fj.overview.intro"} <= paths
    code, out, _ = run(capsys, "diff", str(report_file), str(last))
    assert "报告年度" in out and "2017 → 2018" in out


def test_restore_is_itself_recorded(report_file, clock, capsys):
    r = load_report(report_file)
    set_intro(r, "第一稿")
    save_report(r)
    clock.tick(61)
    set_intro(r, "第二稿")
    save_report(r)
    code, out, err = run(capsys, "restore", str(report_file), "--to", "2")
    assert code == 0, err
    assert load_report(report_file).data["fj"]["overview"]["intro"] == "第一稿"
    last = entries(report_file)[-1]
    assert last.kind == "restore" and last.note == {"to": 2}
    assert [(c.path, c.old, c.new) for c in last.changes] == [("fj.overview.intro", "第二稿", "第一稿")]


def test_interrupted_save_before_the_write_is_dropped(report_file, clock):
    r = load_report(report_file)
    set_intro(r, "第一稿")
    save_report(r)
    before = report_file.read_bytes()
    clock.tick(61)
    pending = jn.begin(report_file, "[report]\nyear = 1\n")  # intent noted, then the process dies
    pending.journal.close()
    with Journal(report_file) as j:
        assert j.recover() == []
        assert j.verify() == []
        assert jn.sha256(j.tip()[1]) == jn.sha256(before)
    assert len(entries(report_file)) == 2


def test_interrupted_save_after_the_write_is_finished_with_its_author(report_file, clock, monkeypatch):
    r = load_report(report_file)
    set_intro(r, "第一稿")
    save_report(r)
    clock.tick(61)
    monkeypatch.setenv("SSH_CONNECTION", "10.9.9.9 1 2 22")
    set_intro(r, "第二稿")
    from plugins.engine.store import dump_report

    text = dump_report(r)
    pending = jn.begin(report_file, text)
    pending.journal.close()
    report_file.write_text(text, encoding="utf-8")  # the write happened, the entry did not
    monkeypatch.delenv("SSH_CONNECTION")
    clock.tick(3600)
    with Journal(report_file) as j:
        [note] = j.recover()
        assert "补记" in note
        last = j.entries()[-1]
        assert last.origin == "ssh 10.9.9.9" and last.at.startswith("2025-01-10T09:01")
        assert [c.new for c in last.changes] == ["第二稿"]
        assert j.verify() == []


def test_a_change_outside_nianbao_is_recorded_when_noticed(report_file, clock, capsys):
    r = load_report(report_file)
    set_intro(r, "第一稿")
    save_report(r)
    report_file.write_text(report_file.read_text(encoding="utf-8").replace("第一稿", "外部改的"), encoding="utf-8")
    code, out, err = run(capsys, "history", str(report_file), "--json")
    data = json.loads(out)
    last = data["entries"][-1]
    assert last["kind"] == "external" and last["changes"][0]["new"] == "外部改的"
    assert any("之外被修改" in n for n in data["notes"])


def test_a_frozen_report_is_not_written(report_file, clock):
    r = load_report(report_file)
    save_report(r)
    with Journal(report_file) as j:
        j.event("submit")
    set_intro(r, "提交后又改")
    before = report_file.read_bytes()
    with pytest.raises(ReportFrozen, match="已提交"):
        save_report(r)
    assert report_file.read_bytes() == before
    with Journal(report_file) as j:
        j.event("approve")
    with pytest.raises(ReportFrozen, match="已通过"):
        save_report(r)


SAVER = r"""
import sys, random
sys.path.insert(0, sys.argv[2])
from plugins.engine.store import load_report, save_report
r = load_report(sys.argv[1])
i = 0
while True:
    i += 1
    r.data["fj"]["overview"]["intro"] = "第%d稿" % i + "字" * random.randint(0, 300)
    r.data["report"]["unit"] = "单位%d" % (i % 7)
    save_report(r)
    if i == 1:
        print("saved", flush=True)  # the kill comes at a random moment after the first save
"""


def agree(path: Path) -> None:
    """After recovery the journal's latest version is the file, and the chain is intact."""
    with Journal(path) as j:
        j.recover()
        assert j.verify() == []
        assert jn.sha256(j.tip()[1]) == jn.sha256(path.read_bytes())
        assert load_report(path)  # the file itself is whole


def kill_during_saves(path: Path, kills: int, seed: int = 0) -> int:
    """Start a process saving as fast as it can, SIGKILL it at a random moment, check; repeat."""
    rnd = random.Random(seed)
    script = path.with_name("saver.py")
    script.write_text(SAVER, encoding="utf-8")
    for _ in range(kills):
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(ROOT)], stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b"saved"
        time.sleep(rnd.uniform(0.0, 0.3))  # the random moment of the kill (a time meant to pass, not a wait)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        agree(path)
    return kills


def test_kill_9_during_saves_leaves_report_and_journal_in_agreement(report_file):
    kill_during_saves(report_file, kills=4)
    assert len(entries(report_file)) >= 2


def test_a_save_killed_after_keeping_the_backup_does_not_block_the_next(report_file, clock):
    # the backup is a second name for the report until the rename: killed there, the report
    # still has it (as .bak, or as the temporary name the backup is made under)
    for leftover in (report_file.with_name(report_file.name + ".bak"),
                     report_file.with_name(f".{report_file.name}.0123456789abcdef.bak-tmp")):
        os.link(report_file, leftover)
        r = load_report(report_file)
        set_intro(r, f"再次保存 {leftover.name}")
        save_report(r)
        assert load_report(report_file).data["fj"]["overview"]["intro"].startswith("再次保存")
        leftover.unlink(missing_ok=True)


def test_a_journal_that_cannot_be_written_stops_the_save_with_a_message(report_file, clock):
    r = load_report(report_file)
    save_report(r)
    jn.close_all()
    jp = journal_path(report_file)
    jp.write_bytes(b"this is not a database" * 100)  # damaged
    before = report_file.read_bytes()
    set_intro(r, "不会写进去")
    with pytest.raises(jn.JournalError, match="修改记录"):
        save_report(r)
    assert report_file.read_bytes() == before
