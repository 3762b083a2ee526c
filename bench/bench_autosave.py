"""How much typing a SIGKILL loses: the autosave promise, measured.

    .venv/bin/python bench/bench_autosave.py [--runs 50] [--load 2] [--interval 0.1] [--json]

Each run starts ``nianbao edit`` on a fresh copy of the report in a real pseudo-terminal
(80x24), waits for its first screen, types one letter every ``--interval`` seconds into
the field with the cursor (the first prose field), and kills the process with SIGKILL at a
random moment 1.5-4.5 s into the typing. It then reads the file: a run *loses* the time
between the oldest keystroke not on disk and the kill (0 when every key sent is on disk),
and the file must still be whole (it is read back as TOML).

``--load N`` keeps N processes spinning on the CPU during the runs (default: as many as
there are CPUs), the "loaded machine" of the README's promise; ``--load 0`` measures the
machine as it is. Median, 90th percentile and worst loss are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import multiprocessing
import os
import pty
import random
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import threading
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NIANBAO = str(Path(sys.executable).parent / "nianbao")
KEY = "q"  # not in the example's first prose field: every one in it was typed here
READY = "概述".encode()  # on the first screen (the first section's heading)


def spin() -> None:  # pragma: no cover - a load process
    while True:
        pass


def first_prose(data: dict) -> str:
    return data["fj"]["overview"]["intro"]


class Editor:
    """``nianbao edit FILE`` in a pseudo-terminal, its output drained by a thread."""

    def __init__(self, path: Path):
        pid, fd = pty.fork()
        if pid == 0:  # the child: the operator's session
            os.environ.update(TERM="xterm-256color", LANG="C.UTF-8", NIANBAO_SAFE_MODE="1")
            os.chdir(ROOT)
            os.execv(NIANBAO, [NIANBAO, "edit", str(path)])
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.done = False
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while not self.done:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.1)
                if ready:
                    chunk = os.read(self.fd, 65536)
                    if not chunk:
                        return
                    self.output += chunk
            except OSError:
                return

    def wait_ready(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if READY in self.output:
                time.sleep(0.5)  # the first frame is drawn; let the start-up work settle
                return True
            time.sleep(0.05)
        return False

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.done = True
        os.close(self.fd)


def one_run(source: Path, work: Path, interval: float, rng: random.Random) -> dict:
    path = work / "report.toml"
    shutil.copyfile(source, path)
    before = first_prose(tomllib.loads(path.read_text(encoding="utf-8"))).count(KEY)
    editor = Editor(path)
    if not editor.wait_ready():
        editor.kill()
        raise SystemExit("bench_autosave: nianbao edit did not draw its first screen within 60 s")
    sent: list[float] = []
    kill_after = rng.uniform(1.5, 4.5)
    start = time.monotonic()
    while time.monotonic() - start < kill_after:
        os.write(editor.fd, KEY.encode())
        sent.append(time.monotonic())
        time.sleep(interval)
    killed_at = time.monotonic()
    editor.kill()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):  # a torn file: everything typed is lost
        return {"sent": len(sent), "on_disk": 0, "lost_s": killed_at - sent[0], "corrupt": True}
    on_disk = first_prose(data).count(KEY) - before
    lost = 0.0 if on_disk >= len(sent) else killed_at - sent[on_disk]
    return {"sent": len(sent), "on_disk": on_disk, "lost_s": lost, "corrupt": False}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--load", type=int, default=os.cpu_count() or 1, help="CPU-spinning processes alongside")
    p.add_argument("--interval", type=float, default=0.1, help="seconds between keystrokes")
    p.add_argument("--file", default=str(ROOT / "examples" / "jianou-2018.toml"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.load)]
    for s in spinners:
        s.start()
    runs = []
    try:
        with tempfile.TemporaryDirectory(prefix="nianbao-autosave-") as tmp:
            for i in range(args.runs):
                runs.append(one_run(Path(args.file), Path(tmp), args.interval, rng))
                if not args.json:
                    r = runs[-1]
                    print(f"run {i + 1:3d}: {r['on_disk']:3d}/{r['sent']:3d} keys on disk, lost {r['lost_s']:.2f} s",
                          file=sys.stderr)
    finally:
        for s in spinners:
            s.terminate()
    losses = sorted(r["lost_s"] for r in runs)
    summary = {
        "runs": len(runs), "load": args.load, "cpus": os.cpu_count(), "interval_s": args.interval,
        "median_s": statistics.median(losses), "p90_s": losses[int(0.9 * (len(losses) - 1))], "max_s": losses[-1],
        "corrupt": sum(r["corrupt"] for r in runs),
    }
    if args.json:
        json.dump(summary, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"{summary['runs']} SIGKILLs while typing ({args.interval:.2f} s a key; {args.load} spinning processes on "
              f"{summary['cpus']} CPUs): {summary['corrupt']} corrupt files; keystrokes lost: median {summary['median_s']:.2f} s, "
              f"90% {summary['p90_s']:.2f} s, worst {summary['max_s']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
