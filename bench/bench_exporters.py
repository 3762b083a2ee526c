"""Every exporter on the example and on what made them slow or fail (issue 11, item 8).

    .venv/bin/python bench/bench_exporters.py [--file REPORT.toml] [--rounds 5] [--json]

For each built-in exporter (txt, md, html, docx, xlsx), the best of ``--rounds`` exports of:

* the report as it is (default ``examples/jianou-2018.toml``);
* the report with its first prose field replaced by an unbroken run of 100,000 ASCII
  letters (the html export searched it for e-mail addresses from every position: 8-21 s);
* the same with 100,000 characters of "x@" (an address search's worst case).

The document is rendered once per case; only the export is timed. Figures only.

The long fuzz run of every exporter (a few hundred cases run in ``make test``):

    NIANBAO_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_properties.py -k every_exporter
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plugins.engine.config import Config  # noqa: E402
from plugins.host.manager import PluginHost  # noqa: E402
from plugins.engine.render import Renderer  # noqa: E402
from plugins.engine.store import load_report  # noqa: E402

EXPORTERS = ("txt", "md", "html", "docx", "xlsx")


def first_text_field(host: PluginHost, report) -> tuple[str, str]:
    fmt = host.format_for(report)
    for s in host.sections_for(fmt.id):
        for f in s.fields:
            if f.kind == "text":
                return s.id, f.key
    raise SystemExit("no prose field in this report's format")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--file", default=str(ROOT / "examples" / "jianou-2018.toml"))
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    host = PluginHost(Config(), entry_points=False)
    renderer = Renderer(host)
    cases = {"report": None, "ascii run 100k": "a" * 100_000, "'x@' × 50k": "x@" * 50_000}
    rows = []
    for case, text in cases.items():
        report = load_report(args.file)
        if text is not None:
            section, key = first_text_field(host, report)
            report.set_value(section, key, text)
        document = renderer.render(report)
        for exporter_id in EXPORTERS:
            exporter = host.exporters[exporter_id]
            best = min(_timed(exporter.export, document) for _ in range(args.rounds))
            rows.append({"case": case, "exporter": exporter_id, "best_ms": round(best * 1000, 1)})
    if args.json:
        json.dump({"file": args.file, "rows": rows}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    print(f"exporters on {Path(args.file).name}: best of {args.rounds}, ms")
    print(f"  {'case':<18}" + "".join(f"{e:>9}" for e in EXPORTERS))
    for case in cases:
        print(f"  {case:<18}" + "".join(f"{r['best_ms']:9.1f}" for r in rows if r["case"] == case))
    return 0


def _timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
