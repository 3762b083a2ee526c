"""In-process engine benchmark: load + check + render + text export of one report, and an
autosave.

    .venv/bin/python bench/bench_engine.py [--file examples/jianou-2018.toml] [--iterations 300]

Each iteration does what ``nianbao export --to txt`` does after start-up: read and parse the
TOML file, run every check (field types, section rules, county rules), render every section
and the document, and export plain text. The plugin host and the renderer are built once,
as in the TUI. Goal: the whole round well under a frame, median < 16 ms.

Runs from the repository root, so its ``config.toml`` applies (as for ``make bench``);
``--safe-mode`` loads the built-in plugins only.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_MS = 16.0
STAGES = ("load", "check", "render", "export")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def run(path: Path, iterations: int, warmup: int, safe_mode: bool) -> dict:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    from plugins.engine.checks import check_report
    from plugins.engine.config import load_config
    from plugins.host.manager import host_from_env
    from plugins.engine.render import Renderer
    from plugins.engine.store import load_report

    t1 = time.perf_counter()
    host = host_from_env(load_config(None), safe_mode=True if safe_mode else None)
    renderer = Renderer(host)
    exporter = host.exporters["txt"]
    t2 = time.perf_counter()

    samples: dict[str, list[float]] = {s: [] for s in STAGES + ("total",)}
    first: dict[str, float] = {}
    issues = broken = 0
    for i in range(warmup + iterations):
        a = time.perf_counter()
        report = load_report(path)
        b = time.perf_counter()
        result = check_report(host, report)
        c = time.perf_counter()
        document = renderer.render(report)
        d = time.perf_counter()
        text = exporter.export(document)
        e = time.perf_counter()
        times = dict(zip(STAGES + ("total",), ((b - a), (c - b), (d - c), (e - d), (e - a))))
        if i == 0:
            first = {k: v * 1000 for k, v in times.items()}
            issues, broken = len(result.issues), sum(1 for p in document.parts if p.error)
            assert text.strip(), "the export is empty"
        if i >= warmup:
            for k, v in times.items():
                samples[k].append(v * 1000)
    gc.collect()
    saves = save_times(path, min(iterations, 100))
    return {
        "save_ms": saves,
        "file": str(path),
        "iterations": iterations,
        "plugins": sorted(name for name, r in host.records.items() if r.state == "loaded"),
        "sections": len(host.sections_for(host.format_for(report).id)),
        "issues": issues,
        "broken_parts": broken,
        "import_ms": (t1 - t0) * 1000,
        "setup_ms": (t2 - t1) * 1000,
        "first_ms": first,
        "median_ms": {k: statistics.median(v) for k, v in samples.items()},
        "p95_ms": {k: percentile(v, 95) for k, v in samples.items()},
        "max_ms": {k: max(v) for k, v in samples.items()},
        "goal_ms": GOAL_MS,
    }


def _longest_text(node: dict) -> tuple[dict, str]:
    """The table and key of the longest string in a report (the prose an operator types in)."""
    best: tuple[int, dict, str] = (-1, node, "")
    stack = [node]
    while stack:
        table = stack.pop()
        for k, v in table.items():
            if isinstance(v, str) and len(v) > best[0]:
                best = (len(v), table, k)
            elif isinstance(v, dict):
                stack.append(v)
            elif isinstance(v, list):
                stack.extend(x for x in v if isinstance(x, dict))
    return best[1], best[2]


def save_times(path: Path, iterations: int) -> dict:
    """An autosave as the editor does it, one character typed into the longest prose field
    between saves: the text to write (now: the file's own text with the changed line
    rewritten, tomlkit; before: the whole file written afresh, tomli-w) and the whole save
    (text, hash of what is on disk, temporary file, fsync, rename, .bak link, folder fsync).
    The first save also parses the file with tomlkit."""
    import shutil
    import tempfile

    import tomli_w

    from plugins.engine.report import META
    from plugins.engine.store import dump_report, load_report, save_report

    def whole_file(data: dict) -> str:  # what the store wrote before it kept the file's text
        ordered = {META: data[META], **{k: v for k, v in data.items() if k != META}} if META in data else data
        return tomli_w.dumps(ordered, multiline_strings=True)

    out: dict[str, list[float]] = {"text_before": [], "text_now": [], "save_now": []}
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        report = load_report(copy)
        table, key = _longest_text(report.data)
        table[key] += "字"
        a = time.perf_counter()
        save_report(report)
        first = (time.perf_counter() - a) * 1000
        for _ in range(iterations):
            table[key] += "字"
            a = time.perf_counter()
            whole_file(report.data)
            b = time.perf_counter()
            dump_report(report)
            c = time.perf_counter()
            save_report(report)
            d = time.perf_counter()
            out["text_before"].append((b - a) * 1000)
            out["text_now"].append((c - b) * 1000)
            out["save_now"].append((d - c) * 1000)
    return {"first_save_ms": first, **{k: statistics.median(v) for k, v in out.items()}}


def report(r: dict) -> str:
    lines = [
        f"engine: {r['file']} ({r['sections']} sections, {r['issues']} issues, {r['broken_parts']} broken parts)",
        f"plugins: {', '.join(r['plugins'])}",
        f"imports {r['import_ms']:.0f} ms, host + renderer {r['setup_ms']:.0f} ms, "
        f"first round {r['first_ms']['total']:.1f} ms (templates compiled)",
        f"{r['iterations']} rounds:      median     p95     max",
    ]
    for k in STAGES + ("total",):
        lines.append(f"  {k:<8}        {r['median_ms'][k]:7.2f} {r['p95_ms'][k]:7.2f} {r['max_ms'][k]:7.2f} ms")
    sv = r["save_ms"]
    lines.append(f"autosave (median of {min(r['iterations'], 100)}): text to write {sv['text_now']:.2f} ms "
                 f"(whole file by tomli-w, as before: {sv['text_before']:.2f} ms, "
                 f"{sv['text_now'] / sv['text_before']:.2f}x), whole save with fsync {sv['save_now']:.2f} ms; "
                 f"first save {sv['first_save_ms']:.1f} ms")
    ok = r["median_ms"]["total"] < r["goal_ms"]
    lines.append(f"goal: median < {r['goal_ms']:.0f} ms -> {'met' if ok else 'NOT met'}"
                 f" ({r['median_ms']['total'] / r['goal_ms'] * 100:.0f}% of a frame)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--file", default=str(ROOT / "examples" / "jianou-2018.toml"))
    p.add_argument("--iterations", type=int, default=300)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--safe-mode", action="store_true", help="built-in plugins only")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    path = Path(args.file).resolve()
    if not path.is_file():
        print(f"bench_engine: {path} does not exist", file=sys.stderr)
        return 2
    r = run(path, args.iterations, args.warmup, args.safe_mode)
    print(json.dumps(r, ensure_ascii=False, indent=2) if args.json else report(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
