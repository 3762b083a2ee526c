"""The journal of a report over a whole working day (plugins.engine.journal).

    .venv/bin/python bench/bench_journal.py [--keystrokes 30000] [--file examples/jianou-2018.toml] [--json]

An operator types for a day: ``--keystrokes`` keystrokes, 0.3–0.6 s apart, in bursts of
50–400 on one field (paragraphs of the report's text fields, with a backspace now and then,
and cells of its tables), a pause of 1–10 minutes between bursts; the TUI saves at most once a
second while typing (its autosave throttle), through ``save_report`` as it does. The clock
is simulated (a day passes in minutes); saves are real. For speed the day's saves run without
the report file's fsyncs (they do not change what is stored); a separate sample times saves as they are, with
fsync, with and without the journal.

Reports: keystrokes, saves, journal entries, the journal's size on disk, and how long
``nianbao history FILE --json`` and ``nianbao diff`` take on it (whole processes, best of 5,
the project precompiled as installed; ``nianbao check`` beside them for the start-up they
share), and the journal's own share of that in one process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def text_fields(data: dict, prefix=()):  # (path, value) of every string leaf longer than 20
    for k, v in data.items():
        if isinstance(v, dict):
            yield from text_fields(v, prefix + (k,))
        elif isinstance(v, str) and len(v) > 20:
            yield prefix + (k,)


def number_cells(data: dict, prefix=()):
    for k, v in data.items():
        if isinstance(v, dict):
            yield from number_cells(v, prefix + (k,))
        elif isinstance(v, int) and not isinstance(v, bool) and k != "year" or (k == "year" and prefix and prefix[0] != "report" and isinstance(v, int)):
            yield prefix + (k,)


def get(data, path):
    for k in path[:-1]:
        data = data[k]
    return data[path[-1]]


def put(data, path, value):
    for k in path[:-1]:
        data = data[k]
    data[path[-1]] = value


def day(path: Path, keystrokes: int, seed: int) -> dict:
    from plugins.engine import journal as jn
    from plugins.engine.store import load_report, save_report

    rnd = random.Random(seed)
    now = [dt.datetime(2025, 1, 15, 8, 30).astimezone()]
    jn._now = lambda: now[0]
    real_fsync = os.fsync
    os.fsync = lambda fd: None  # the report's fsyncs; the journal's one synced commit stays
    report = load_report(path)
    texts = list(text_fields(report.data))
    numbers = list(number_cells(report.data))
    saves = 0
    last_save = now[0]
    dirty = False
    typed = 0
    save_times = []
    while typed < keystrokes:
        burst = rnd.randint(50, 400)
        if rnd.random() < 0.75 or not numbers:
            target = rnd.choice(texts)
            value = get(report.data, target)
            pos = rnd.randint(0, len(value))
            for _ in range(min(burst, keystrokes - typed)):
                if rnd.random() < 0.08 and pos > 0:
                    value = value[:pos - 1] + value[pos:]
                    pos -= 1
                else:
                    value = value[:pos] + rnd.choice("政府信息公开工作年度报告本机关依申请条") + value[pos:]
                    pos += 1
                put(report.data, target, value)
                typed += 1
                dirty = True
                now[0] += dt.timedelta(seconds=rnd.uniform(0.3, 0.6))
                if (now[0] - last_save).total_seconds() >= 1.0:
                    a = time.perf_counter()
                    save_report(report)
                    save_times.append(time.perf_counter() - a)
                    saves += 1
                    last_save, dirty = now[0], False
        else:
            for _ in range(max(1, burst // 20)):
                cell = rnd.choice(numbers)
                for _digit in str(rnd.randint(0, 999)):
                    typed += 1
                    now[0] += dt.timedelta(seconds=rnd.uniform(0.3, 0.6))
                put(report.data, cell, rnd.randint(0, 999))
                dirty = True
                if (now[0] - last_save).total_seconds() >= 1.0:
                    a = time.perf_counter()
                    save_report(report)
                    save_times.append(time.perf_counter() - a)
                    saves += 1
                    last_save, dirty = now[0], False
        now[0] += dt.timedelta(minutes=rnd.uniform(0.5, 3))  # a working day: ~8 hours in all
    if dirty:
        save_report(report)
        saves += 1
    os.fsync = real_fsync
    wal_open = jn.journal_path(path).with_name(jn.journal_path(path).name + "-wal")
    wal_bytes = wal_open.stat().st_size if wal_open.exists() else 0
    jn.close_all()  # as when the operator closes nianbao: the log is folded in
    with jn.Journal(path) as j:
        entries = len(j.entries())
        versions = j.versions()
        intact = not j.verify()
    size = jn.journal_path(path).stat().st_size
    return {"keystrokes": typed, "saves": saves, "entries": entries, "versions": len(versions),
            "journal_bytes": size, "wal_bytes_while_open": wal_bytes, "report_bytes": path.stat().st_size, "intact": intact,
            "simulated_hours": round((now[0] - dt.datetime(2025, 1, 15, 8, 30).astimezone()).total_seconds() / 3600, 1),
            "first_version": versions[0], "last_version": versions[-1],
            "save_ms_median_nofsync": round(statistics.median(save_times) * 1000, 2)}


def save_sample(path: Path, n: int) -> dict:
    """Saves as they are (fsync on): with the journal and without, interleaved."""
    from plugins.engine.store import load_report, save_report

    out = {}
    for record in ("save", None):
        out[record or "none"] = []
    report = load_report(path)
    for i in range(n):
        for record in ("save", None):
            report.data.setdefault("bench", {})["n"] = i * 2 + (record is None)
            a = time.perf_counter()
            save_report(report, record=record)
            out[record or "none"].append(time.perf_counter() - a)
    with_j, without = statistics.median(out["save"]) * 1000, statistics.median(out["none"]) * 1000
    return {"save_ms_with_journal": round(with_j, 2), "save_ms_without": round(without, 2),
            "ratio": round(with_j / without, 2)}


def in_process(path: Path, first: int) -> dict:
    """The journal's own share, without the start-up: reading and checking every entry, and
    rebuilding the first version and comparing it field by field with the last."""
    from plugins.engine import journal as jn

    a = time.perf_counter()
    with jn.Journal(path) as j:
        entries = j.entries()
        problems = j.verify()
        j.review()
        b = time.perf_counter()
        old = j.text_at(first)
        jn.field_changes(jn.parse_text(old), jn.parse_text(path.read_text(encoding="utf-8")))
        c = time.perf_counter()
    assert entries and not problems
    return {"read_verify_ms": round((b - a) * 1000, 1), "rebuild_first_and_diff_ms": round((c - b) * 1000, 1)}


def timed(cmd: list[str], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        a = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        best = min(best, time.perf_counter() - a)
        if proc.returncode not in (0, 1):  # 1: check found errors (the day's typing makes some)
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr}")
    return best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keystrokes", type=int, default=30000)
    p.add_argument("--file", default=str(ROOT / "examples" / "jianou-2018.toml"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.add_argument("--keep", metavar="FOLDER", help="copy the day's report and journal there")
    args = p.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-journal-"))
    try:
        report = folder / "report.toml"
        shutil.copyfile(args.file, report)
        a = time.perf_counter()
        result = day(report, args.keystrokes, args.seed)
        result["day_seconds"] = round(time.perf_counter() - a, 1)
        from bench_tui import compile_project

        compile_project()  # as installed: not compiled from source in every run
        nianbao = [sys.executable, "-m", "tui", "--safe-mode"]
        result["check_s"] = round(timed([*nianbao, "check", str(report)]), 3)  # the same start-up, for scale
        result.update(in_process(report, result["first_version"]))
        result["history_json_s"] = round(timed([*nianbao, "history", str(report), "--json"]), 3)
        result["history_text_s"] = round(timed([*nianbao, "history", str(report)]), 3)
        result["diff_first_last_s"] = round(timed([*nianbao, "diff", str(report), str(result["first_version"]),
                                                   str(result["last_version"]), "--json"]), 3)
        result["diff_since_s"] = round(timed([*nianbao, "diff", str(report), "--since", "2025-01-15"]), 3)
        result["python_pass_s"] = round(timed([sys.executable, "-c", "pass"]), 3)
        sample = folder / "sample.toml"
        shutil.copyfile(args.file, sample)
        result.update(save_sample(sample, 30))
        if args.keep:
            shutil.copytree(folder, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for k, v in result.items():
            print(f"{k:28} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
