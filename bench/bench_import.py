"""Import benchmark: ``nianbao import`` of a typical report, and a folder of 1,000 published
documents added up by ``nianbao aggregate`` (imported in parallel, as aggregate reads files).

    .venv/bin/python bench/bench_import.py [--runs 30] [--folder 1000] [--jobs N] [--json]

* ``per_file_ms``: the median time to import examples/huaian-2024.toml exported as txt, html,
  docx (and as the text of the real 淮安 PDF, tests/fixtures/import/), in one process after a
  first import (the format's layout is learned once per process: ``first_ms``);
* ``folder``: wall time of :func:`plugins.county.aggregate.aggregate` over N .docx files (the
  example's export with each unit's name changed), against the same N as .toml files, checks
  included, in the same run: the ratio says what importing costs on top of reading TOML.

Goal (issue 14): a typical report under 100 ms (docx/html/txt). Figures only: nothing is
asserted, no test depends on a timing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--folder", type=int, default=1000, help="documents in the aggregated folder (0: skip)")
    p.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 8))
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    from plugins.county.aggregate import aggregate
    from plugins.engine.config import load_config
    from plugins.importers import import_file
    from plugins.host.manager import host_from_env
    from plugins.engine.render import Renderer
    from plugins.engine.store import dump_report, load_report

    host = host_from_env(load_config(None), safe_mode=True)
    example = load_report(ROOT / "examples" / "huaian-2024.toml")
    document = Renderer(host).render(example)
    out: dict = {"runs": args.runs, "per_file_ms": {}, "python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sources = {}
        for kind in ("txt", "html", "docx"):
            data = host.exporters[kind].export(document)
            path = folder / f"report.{kind}"
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
            sources[kind] = path
        sources["pdf-text"] = ROOT / "tests" / "fixtures" / "import" / "huaian_city_2024_national.txt"
        t = time.perf_counter()
        import_file(host, sources["txt"])
        out["first_ms"] = round((time.perf_counter() - t) * 1000, 1)
        for kind, path in sources.items():
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                import_file(host, path)
                times.append(time.perf_counter() - t)
            out["per_file_ms"][kind] = round(statistics.median(times) * 1000, 1)

        if args.folder:
            docs, tomls = folder / "docx", folder / "toml"
            docs.mkdir()
            tomls.mkdir()
            # One export, its unit's name changed in the XML per file (rendering 1,000 Word
            # files would take longer than importing them).
            example.meta["unit"] = "某某县某某局"
            example.meta["unit_level"] = "department"
            with zipfile.ZipFile(io.BytesIO(host.exporters["docx"].export(Renderer(host).render(example)))) as z:
                parts = {n: z.read(n) for n in z.namelist()}
            for i in range(args.folder):
                name = f"第{i:04d}号单位"
                example.meta["unit"] = name
                (tomls / f"unit{i:04d}.toml").write_text(dump_report(example), encoding="utf-8")
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                    for n, data in parts.items():
                        z.writestr(n, data.replace("某某县某某局".encode(), name.encode()) if n.endswith(".xml") else data)
                (docs / f"unit{i:04d}.docx").write_bytes(buf.getvalue())
            timings = {}
            for name, where in (("toml", tomls), ("docx", docs)):
                target = folder / f"county-{name}.toml"
                t = time.perf_counter()
                result = aggregate(host, sorted(where.iterdir()), target, jobs=args.jobs)
                timings[name] = time.perf_counter() - t
                assert result.summed == args.folder, (name, result.summed)
            out["folder"] = {"files": args.folder, "jobs": args.jobs,
                             "toml_s": round(timings["toml"], 2), "docx_s": round(timings["docx"], 2),
                             "ratio": round(timings["docx"] / timings["toml"], 1)}
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"import of examples/huaian-2024 (median of {args.runs}; first import in a process {out['first_ms']} ms):")
        for kind, ms in out["per_file_ms"].items():
            print(f"  {kind:9} {ms:7.1f} ms")
        if "folder" in out:
            f = out["folder"]
            print(f"aggregate of {f['files']} files, {f['jobs']} jobs: .toml {f['toml_s']} s, .docx {f['docx_s']} s "
                  f"(×{f['ratio']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
