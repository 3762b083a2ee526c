"""County aggregation benchmark: ``nianbao aggregate`` over N generated unit files.

    .venv/bin/python bench/bench_aggregate.py [--sizes 1000 10000] [--formats national-2021 fujian-2018]
                                              [--jobs N] [--tracemalloc] [--json]

For each format and size, N unit reports are generated in a temporary folder (complete, with
random but consistent figures: a complete report of the format, every figure multiplied by a
random factor per unit, so every sum and identity still holds; prose of a realistic length)
and added up with :func:`plugins.county.aggregate.aggregate`, checks included, exactly as the
command does. Each measurement runs in its own process, so its peak memory is its own:

* ``seconds``: wall time of the aggregation (file generation not included);
* ``rss_mb``: peak resident memory of the aggregating process (``ru_maxrss``);
* ``workers_rss_mb``: the largest peak of its worker processes (``RUSAGE_CHILDREN``);
* ``traced_peak_mb`` (``--tracemalloc``): peak of Python allocations in the aggregating
  process, measured in a second run (tracemalloc slows the run down, so not timed).

Goals (issue 6): 1,000 files ≈ 1 s, 10,000 ≈ 10 s, memory flat in the number of files.
Figures only — nothing is asserted, and no test depends on a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMATS = {
    # format id -> (report year, 成文日期, 公开日期): dates that satisfy the deadline rules
    "fujian-2018": (2018, dt.date(2019, 1, 8), dt.date(2019, 1, 10)),
    "national-2021": (2024, dt.date(2025, 1, 8), dt.date(2025, 1, 10)),
}
# Each paragraph also quotes the unit's own figures, as real reports do, so the rules that
# read figures in prose (N2-5, N3-8, N4-3) do their full work; {name}s are filled per unit.
FIGURES = {
    "national-2021": "全年新收政府信息公开申请{new}件，办结{processed}件，其中予以公开{granted}件，结转下年度{carried_out}件；"
                     "本年制发行政规范性文件{issued}件，现行有效{in_force}件；行政复议{review}件。",
    "fujian-2018": "全年组织业务培训{k}期，参训{k30}人次，更新公开目录{k45}条。",
}
PROSE = ("坚持以公开为常态、不公开为例外，健全制度，规范流程，加强培训与督查，推动政府信息公开工作持续深入开展。"
         "全年按照上级部署落实各项任务，及时更新公开目录，做好政策解读和回应关切工作。")


def _sample(f, total: int, year: int, signed: dt.date, figures: str = "") -> Any:
    from plugins.fields import Grid, Records

    if f.kind == "integer":
        return max(f.minimum or 0, 2) if not f.unit else total
    if f.kind == "decimal":
        return f.parse("1.5")
    if f.kind == "date":
        return signed
    if f.kind == "choice":
        return f.options[0][0]
    if f.kind == "text":
        return f"{f.label}方面，" + PROSE * 3 + figures
    if f.kind == "line":
        return f.label[: f.max_length] if f.max_length else f.label
    if isinstance(f, Records):
        n = max(f.min_rows, 1)
        return [{c.key: total // n if c.kind == "integer" else _sample(c, total, year, signed, figures) for c in f.columns}
                for _ in range(n)]
    if isinstance(f, Grid):
        parts = {k: len(r.sum_of) for r in f.rows for k in r.sum_of}
        inputs = [c for c in f.columns if not c.sum_of]
        out = {}
        for r in f.rows:
            if not r.sum_of:
                share = total // parts[r.key] if r.key in parts else total // 2 if r.indent else total
                out[r.key] = {c.key: share * 10 ** i for i, c in enumerate(inputs)}
        return out
    raise AssertionError(f"no sample for {f.kind}")


def base_report(host, format_id: str) -> tuple[dict, dict[str, int]]:
    """A complete, clean report of ``format_id`` as a TOML document (a dict) whose prose holds
    ``{name}`` placeholders, and the figures they stand for (see :func:`_scaled`)."""
    from plugins.engine.checks import check_report, meta_fields
    from plugins.fields import Grid
    from plugins.engine.report import META, Report

    year, signed, published = FORMATS[format_id]
    total = 20
    for s in host.sections_for(format_id):
        for f in s.fields:
            if isinstance(f, Grid):
                for r in f.rows:
                    if r.sum_of:
                        total = math.lcm(total, len(r.sum_of) * 10)
    report = Report({META: {"format": format_id}})
    for f in meta_fields(host, report):
        report.meta[f.key] = f.dump(_sample(f, total, year, signed))
    report.meta.update({"year": year, "format": format_id, "unit_level": "department", "signed": signed,
                        "published": published, "doc_number": f"建政办〔{signed.year}〕1号",
                        "website_url": "http://www.example.gov.cn/", "email": "gk@example.cn", "postcode": "353100"})
    for s in host.sections_for(format_id):
        for f in s.fields:
            if f.kind != "computed":
                report.set_value(s.id, f.key, f.dump(_sample(f, total, year, signed, FIGURES[format_id])))
    # Table 三 of the national format: 本年新收 + 上年结转 = 办结 + 结转下年 (N3-1), and 规章 is 0
    # for a county unit (N2-3): the generic filler cannot know these rules.
    if format_id == "national-2021":
        table = report.section_data("nat.requests")["table"]
        results = [k for k in table if k not in ("new", "carried_in", "carried_out")]
        for col in table["new"]:
            done = sum(table[k][col] for k in results)
            table["carried_in"][col] = done // 4
            table["carried_out"][col] = done // 4
            table["new"][col] = done
        report.section_data("nat.proactive")["documents"]["rules"] = {"issued": 0, "abolished": 0, "in_force": 0}
        report.set_value("nat.other", "fee", "本年度未收取信息处理费。")
    figures = _figures(report, format_id)
    errors = check_report(host, Report(_scaled(report.data, 1, figures))).errors
    if errors:
        raise SystemExit(f"bench: the generated {format_id} report is not clean: {errors[:3]}")
    return report.data, figures


def _figures(report, format_id: str) -> dict[str, int]:
    """The base report's figures that its prose quotes (scaled with the tables per unit)."""
    if format_id != "national-2021":
        return {"k": 1, "k30": 30, "k45": 45}
    table = report.section_data("nat.requests")["table"]
    total = {row: sum(cells.values()) for row, cells in table.items()}
    results = [k for k in table if k not in ("new", "carried_in", "carried_out")]
    normative = report.section_data("nat.proactive")["documents"]["normative"]
    return {"new": total["new"], "processed": sum(total[k] for k in results), "granted": total["granted"],
            "carried_out": total["carried_out"], "issued": normative["issued"], "in_force": normative["in_force"],
            "review": sum(report.section_data("nat.appeals")["cases"]["review"].values())}


def _scaled(value: Any, k: int, figures: dict[str, int]) -> Any:
    """``value`` with every figure times ``k``, and the figures quoted in its prose too."""
    if isinstance(value, str):
        return value.format_map({name: n * k for name, n in figures.items()}) if "{" in value else value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value * k
    if isinstance(value, float):
        return round(value * k, 4)
    if isinstance(value, dict):
        return {key: _scaled(v, k, figures) for key, v in value.items()}
    if isinstance(value, list):
        return [_scaled(v, k, figures) for v in value]
    return value


def generate(folder: Path, n: int, format_id: str, seed: int = 6) -> None:
    """``n`` unit files: the base report with every figure times a random factor (1-40)."""
    import tomli_w

    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost

    host = PluginHost(Config(), safe_mode=True)
    base, figures = base_report(host, format_id)
    from plugins.county.aggregate import field_role

    settings = [(tuple(s.id.split(".", 1)), f.key, base[s.id.split(".")[0]][s.id.split(".", 1)[1]][f.key])
                for s in host.sections_for(format_id) for f in s.fields
                if field_role(f) == "setting" and f.key in base[s.id.split(".")[0]][s.id.split(".", 1)[1]]]
    rnd = random.Random(seed)
    for i in range(n):
        k = rnd.randint(1, 40)
        doc = {key: _scaled(value, k, figures) for key, value in base.items() if key != "report"}
        # the metadata's figures (year, …) are not scaled; its prose (附注) quotes the unit's figures
        doc["report"] = {key: _scaled(value, k, figures) if isinstance(value, str) else value for key, value in base["report"].items()}
        for (first, second), key, value in settings:  # settings (占比保留小数位) are not figures
            doc[first][second][key] = value
        doc["report"]["unit"] = f"测试县第{i + 1:05d}单位"
        doc["report"]["unit_level"] = rnd.choice(("department", "township"))
        (folder / f"unit-{i + 1:05d}.toml").write_text(tomli_w.dumps(doc, multiline_strings=True), encoding="utf-8")


def measure(folder: Path, jobs: int, traced: bool, check: bool = True) -> dict:
    """One measurement of aggregating ``folder``, in this process (called through ``--one``)."""
    from plugins.county.aggregate import aggregate, collect_files
    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost

    host = PluginHost(Config(), safe_mode=True)
    files, _ = collect_files([folder])
    with tempfile.TemporaryDirectory(prefix="nianbao-bench-out-") as tmp:
        out = Path(tmp) / "county.toml"
        t0 = time.perf_counter()
        result = aggregate(host, files, out, jobs=jobs, check=check)
        seconds = time.perf_counter() - t0
        row = {
            "format": result.format_id, "files": len(files), "jobs": jobs, "check": check, "seconds": round(seconds, 3),
            "ms_per_file": round(seconds / len(files) * 1000, 3), "summed": result.summed, "problems": len(result.notes),
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "workers_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "out_kb": round(out.stat().st_size / 1024, 1),
            "reference_mb": round(result.reference.stat().st_size / 2**20, 1),
        }
        if traced:
            import tracemalloc

            out.unlink()
            tracemalloc.start()
            aggregate(host, files, out, jobs=jobs, check=check)
            row["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
            tracemalloc.stop()
        return row


def _measure_in_child(folder: str, jobs: int, traced: bool, no_check: bool) -> dict | None:
    cmd = [sys.executable, __file__, "--one", folder, str(jobs)]
    cmd += (["--tracemalloc"] if traced else []) + (["--no-check"] if no_check else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return None
    return json.loads(proc.stdout)


def _line(r: dict) -> str:
    traced = f"  traced peak {r['traced_peak_mb']:6.2f} MB" if "traced_peak_mb" in r else ""
    return (f"{r['format']:<14} {r['files']:>6} files  jobs {r['jobs']}{'' if r['check'] else ' no-check'}"
            f"  {r['seconds']:7.2f} s ({r['ms_per_file']:.2f} ms/file)  rss {r['rss_mb']:6.1f} MB"
            f"  workers {r['workers_rss_mb']:6.1f} MB{traced}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--formats", nargs="+", default=list(FORMATS), choices=list(FORMATS))
    p.add_argument("--jobs", type=int, nargs="+", default=[1, min(os.cpu_count() or 1, 8)],
                   help="process counts to measure (default: 1 and the number of CPUs, at most 8)")
    p.add_argument("--tracemalloc", action="store_true", help="also measure Python's allocation peak (second run)")
    p.add_argument("--no-check", action="store_true", help="add up without checking each report (aggregate --no-check)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--one", nargs=2, metavar=("FOLDER", "JOBS"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(measure(Path(args.one[0]), int(args.one[1]), args.tracemalloc, not args.no_check)))
        return 0
    rows = []
    for fmt in args.formats:
        for n in args.sizes:
            with tempfile.TemporaryDirectory(prefix="nianbao-bench-") as tmp:
                generate(Path(tmp), n, fmt)  # here, so that a measuring process does nothing else
                for jobs in sorted(set(args.jobs)):
                    row = _measure_in_child(tmp, jobs, args.tracemalloc, args.no_check)
                    if row is None:
                        return 1
                    rows.append(row)
                    if not args.json:
                        print(_line(row), flush=True)
    if args.json:
        print(json.dumps({"python": sys.version.split()[0], "cpus": os.cpu_count(), "rows": rows}, indent=2))
    else:
        print(f"goals: 1,000 files ≈ 1 s, 10,000 ≈ 10 s, memory flat; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
