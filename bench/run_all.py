"""Run every benchmark and print one short table (``make bench``).

    .venv/bin/python bench/run_all.py [--quick] [--runs N] [--iterations N]

Each benchmark runs in its own process (``bench_engine.py``, ``bench_startup.py``); their
figures are collected as JSON. Exit status 0 whether or not the goals are met: these are
measurements to quote, not tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def bench(script: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, str(HERE / script), "--json", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"run_all: {script} failed (exit {proc.returncode})")
    return json.loads(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rounds (3 start-ups, 50 engine rounds)")
    p.add_argument("--runs", type=int, help="start-up runs per command (default 10)")
    p.add_argument("--iterations", type=int, help="engine rounds (default 300)")
    p.add_argument("--file", help="report file (default examples/jianou-2018.toml)")
    args = p.parse_args(argv)
    runs = args.runs or (3 if args.quick else 10)
    iterations = args.iterations or (50 if args.quick else 300)
    extra = ["--file", args.file] if args.file else []

    engine = bench("bench_engine.py", "--iterations", str(iterations), *extra)
    startup = bench("bench_startup.py", "--runs", str(runs), *extra)

    med, p95, goal = engine["median_ms"], engine["p95_ms"], engine["goal_ms"]
    print(f"nianbao benchmarks — {Path(engine['file']).name}, Python {startup['python']}")
    print()
    print(f"engine, in process ({iterations} rounds)      median     p95")
    for stage in ("load", "check", "render", "export", "total"):
        print(f"  {stage:<36}{med[stage]:7.2f} {p95[stage]:7.2f} ms")
    print(f"  goal: median total < {goal:.0f} ms (one frame)    {'met' if med['total'] < goal else 'NOT met'}")
    print()
    print(f"start-up, whole process ({runs} runs)     median  × bare Textual   RSS MiB  × bare")
    for row in startup["rows"]:
        print(f"  {row['command']:<34}{row['median_ms']:6.0f} ms {row['time_vs_bare_textual']:8.2f}"
              f"{row['rss_mib']:14.1f}{row['memory_vs_bare_textual']:8.2f}")
    g = startup["goal_ratio"]
    for what, ratio in (("time", startup["tui_time_ratio"]), ("memory", startup["tui_memory_ratio"])):
        print(f"  goal: TUI first frame {what} within {g}× of a bare Textual app: {ratio:.2f}×"
              f"  {'met' if ratio <= g else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
