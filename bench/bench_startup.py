"""Whole-process start-up benchmark: how long until a command is done (or a TUI has drawn
its first frame), against the floor of the interpreter and of Textual itself.

    .venv/bin/python bench/bench_startup.py [--runs 10] [--json] [--no-compile]

Measured in one run, interleaved round by round so that a busy machine slows every
command alike:

* ``python -c pass``                       the interpreter's own start-up
* ``python -c "from textual.app import App"``  importing Textual
* bare Textual app                          a hello-world app, headless 80x24, exits on its first frame
* nianbao edit (first frame)                ``nianbao edit`` on a copy of the example, headless
                                            80x24, exits on its first frame drawn with the
                                            cursor in a field (bench_tui.NIANBAO)
* ``nianbao check FILE``                    headless check (never imports Textual)
* ``nianbao export FILE --to txt``          headless export

For each: best and median wall time and median peak memory (max RSS) over ``--runs`` runs,
and the ratios to the bare Textual app. Goal (PRODUCT.md): the TUI's first screen within
1.3x of the bare Textual app, memory likewise. Nothing here is asserted; it is a measurement.

The project's own modules are compiled first (``compileall`` into ``__pycache__``), as an
installation has them, and not compiled from source in every run as they would be under
``PYTHONDONTWRITEBYTECODE`` (see ``bench_tui.py``); ``--no-compile`` measures them as found.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from bench_tui import HEADLESS, NIANBAO as NIANBAO_EDIT, compile_project

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
NIANBAO = str(Path(PY).parent / "nianbao")
GOAL_RATIO = 1.3

# Both apps exit through the same door: an autopilot run once the first frame is up.
BARE_APP = textwrap.dedent(
    """
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Hello(App):
        def compose(self) -> ComposeResult:
            yield Static("Hello, world")

    async def first_frame(pilot):
        pilot.app.exit()

    Hello().run(headless=True, size=(80, 24), auto_pilot=first_frame)
    """
)

def commands(example: Path, work: Path) -> list[tuple[str, list[str]]]:
    copy = work / example.name
    shutil.copyfile(example, copy)
    return [
        ("python -c pass", [PY, "-c", "pass"]),
        ("import textual.app", [PY, "-c", "from textual.app import App"]),
        ("bare Textual app", [PY, "-c", BARE_APP]),
        ("nianbao edit (1st frame)", [PY, "-c", NIANBAO_EDIT, str(copy)]),
        ("nianbao check", [NIANBAO, "check", str(example)]),
        ("nianbao export --to txt", [NIANBAO, "export", str(example), "--to", "txt"]),
    ]


def timed(argv: list[str]) -> tuple[float, int, int, str]:
    """Wall seconds, exit status, peak RSS in KiB, stderr of one run."""
    # nianbao edit exits at its first frame drawn with the cursor in a field (no settling
    # time, which bench_tui.py waits for to tell when the layout stopped moving)
    env = {**os.environ, **HEADLESS, "BENCH_SETTLE": "0"} if NIANBAO_EDIT in argv else None
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, proc.returncode, usage.ru_maxrss, err.decode("utf-8", "replace")


def run(example: Path, runs: int, compile_first: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        cmds = commands(example, Path(tmp))
        if compile_first:
            compile_project()
        times: dict[str, list[float]] = {name: [] for name, _ in cmds}
        memory: dict[str, list[int]] = {name: [] for name, _ in cmds}
        codes: dict[str, set[int]] = {name: set() for name, _ in cmds}
        for _name, argv in cmds:  # one unmeasured round: page cache, .pyc files
            timed(argv)
        for _ in range(runs):
            if compile_first:
                compile_project()  # a file edited meanwhile is not compiled in the run
            for name, argv in cmds:
                elapsed, code, rss, err = timed(argv)
                if code not in (0, 1):
                    raise SystemExit(f"bench_startup: {name} exited {code}:\n{err}")
                times[name].append(elapsed * 1000)
                memory[name].append(rss)
                codes[name].add(code)
    base = statistics.median(times["bare Textual app"])
    base_mem = statistics.median(memory["bare Textual app"])
    rows = []
    for name, _ in cmds:
        med = statistics.median(times[name])
        mem = statistics.median(memory[name])
        rows.append({
            "command": name,
            "best_ms": min(times[name]),
            "median_ms": med,
            "rss_mib": mem / 1024,
            "time_vs_bare_textual": med / base,
            "memory_vs_bare_textual": mem / base_mem,
            "exit_codes": sorted(codes[name]),
        })
    tui = next(r for r in rows if r["command"].startswith("nianbao edit"))
    return {
        "file": str(example),
        "runs": runs,
        "bytecode": "project precompiled (compileall)" if compile_first else "as found",
        "python": sys.version.split()[0],
        "rows": rows,
        "goal_ratio": GOAL_RATIO,
        "tui_time_ratio": tui["time_vs_bare_textual"],
        "tui_memory_ratio": tui["memory_vs_bare_textual"],
    }


def report(r: dict) -> str:
    lines = [f"start-up: {r['runs']} runs each, interleaved; Python {r['python']}; file {r['file']}",
             f"bytecode: {r['bytecode']}",
             f"{'command':<26}{'best':>8}{'median':>9}{'× bare':>8}{'RSS MiB':>9}{'× bare':>8}"]
    for row in r["rows"]:
        lines.append(f"{row['command']:<26}{row['best_ms']:>6.0f}ms{row['median_ms']:>7.0f}ms"
                     f"{row['time_vs_bare_textual']:>8.2f}{row['rss_mib']:>9.1f}{row['memory_vs_bare_textual']:>8.2f}")
    for what, ratio in (("time", r["tui_time_ratio"]), ("memory", r["tui_memory_ratio"])):
        lines.append(f"goal: TUI first frame {what} within {r['goal_ratio']}× of the bare Textual app -> "
                     f"{ratio:.2f}× {'met' if ratio <= r['goal_ratio'] else 'NOT met'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--file", default=str(ROOT / "examples" / "jianou-2018.toml"))
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--no-compile", action="store_true",
                   help="do not compile the project's modules first (measure the bytecode as found)")
    args = p.parse_args(argv)
    example = Path(args.file).resolve()
    if not example.is_file():
        print(f"bench_startup: {example} does not exist", file=sys.stderr)
        return 2
    r = run(example, args.runs, not args.no_compile)
    print(json.dumps(r, ensure_ascii=False, indent=2) if args.json else report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
