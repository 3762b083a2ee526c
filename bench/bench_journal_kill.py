"""kill -9 at random moments during saves with the journal: report and journal always agree.

    .venv/bin/python bench/bench_journal_kill.py [--kills 100] [--file examples/jianou-2018.toml] [--json]

A child process saves the report as fast as it can (each save changes a text and a figure; its
clock moves 0–90 s a save, so some saves are coalesced into the entry before, as the TUI's
are within a minute, and others make a new entry);
after a random delay (0–300 ms) it gets SIGKILL. Then, as the next nianbao to open the
report would, the journal is settled with the file (:meth:`Journal.recover`) and checked:
the chain is intact, the latest version's text is the file's, byte for byte, the file is a
whole report, and the version just before rebuilds to a text with its recorded hash. Counts
how often the kill fell where recovery had something to do.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAVER = r"""
import sys, random, datetime
sys.path.insert(0, sys.argv[2])
from plugins.engine import journal
from plugins.engine.store import load_report, save_report
# a clock 0-90 s further on at each save: some saves fall in the minute of the one before
# (coalesced: the entry is rewritten), others start a new entry
now = [datetime.datetime(2025, 1, 15, 9, 0).astimezone() + datetime.timedelta(days=int(sys.argv[3]))]
def clock():
    now[0] += datetime.timedelta(seconds=random.uniform(0, 90))
    return now[0]
journal._now = clock
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--file", default=str(ROOT / "examples" / "jianou-2018.toml"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    from plugins.engine import journal as jn
    from plugins.engine.store import load_report

    rnd = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="bench-journal-kill-"))
    failures: list[str] = []
    repaired = 0
    start = time.perf_counter()
    try:
        report = folder / "report.toml"
        shutil.copyfile(args.file, report)
        script = folder / "saver.py"
        script.write_text(SAVER, encoding="utf-8")
        for k in range(args.kills):
            proc = subprocess.Popen([sys.executable, str(script), str(report), str(ROOT), str(k)], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL)
            if proc.stdout.readline().strip() != b"saved":
                proc.wait()
                failures.append(f"kill {k}: the report could not be saved after the last kill")
                continue
            time.sleep(rnd.uniform(0.0, 0.3))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
            with jn.Journal(report) as j:
                done = j.recover()
                repaired += bool(done)
                problems = j.verify()
                tip = j.tip()
                if problems:
                    failures.append(f"kill {k}: chain: {problems}")
                if tip is None or jn.sha256(tip[1]) != jn.sha256(report.read_bytes()):
                    failures.append(f"kill {k}: the journal's latest version is not the file")
                versions = j.versions()
                if len(versions) > 1:
                    j.text_at(versions[-2])  # raises if it does not rebuild to its hash
            try:
                load_report(report)
            except Exception as e:  # noqa: BLE001 - any damage is the finding
                failures.append(f"kill {k}: report unreadable: {e}")
        with jn.Journal(report) as j:
            versions = len(j.versions())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = {"kills": args.kills, "failures": failures, "recoveries_with_work": repaired,
              "versions": versions, "seconds": round(time.perf_counter() - start, 1)}
    if args.json:
        json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(f"{args.kills} kills, {len(failures)} disagreements, {repaired} recoveries that had work to do, "
              f"{versions} versions, {result['seconds']} s")
        for f in failures:
            print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
