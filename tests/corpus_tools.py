"""The corpus of real published reports (tests/corpus/): loading each report with the findings
a perfect checker gives, comparing them with what nianbao finds today, and the per-rule figures
of docs/checks.md.

Each report ``tests/corpus/<slug>.toml`` (or another file named by ``report = "…"``) has a
sidecar ``tests/corpus/<slug>.expected.toml``::

    [[expected]]            # one finding a perfect checker gives, judged against the source
    rule = "V-SEC5"
    section = "nat.problems"
    field = "last_year"     # omitted for a finding about the section as a whole
    severity = "warning"
    match = "9件"           # optional: text the message must contain (tells apart findings
                            # of one rule at one place)
    why = "…"               # one line: why this is a finding (what the source says)
    today = "missed"        # only while today's checker does not find it

    [[false_alarm]]         # what today's checker finds although it is no finding
    rule = …; section = …; field = …; severity = …; match = …; why = "…"

A finding is identified by rule, section, field and severity (messages change; ``match``
narrows one when needed). ``test_corpus.py`` asserts, report by report, that today's
false alarms and misses are exactly the listed ones: a new discrepancy fails, and so does a
listed one that has gone (then delete it from the list).

``python tests/corpus_tools.py`` prints the per-rule table; ``--write`` puts it into
docs/checks.md; ``--diff`` prints, report by report, how today's findings differ from the
listed discrepancies (what to add to or delete from a sidecar after a rule changed);
``--prune`` deletes from the sidecars the listed discrepancies that have gone (a new
discrepancy is never written: it needs judging against the source).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from plugins.engine.checks import check_report  # noqa: E402
from plugins.engine.config import Config  # noqa: E402
from plugins.host.manager import PluginHost  # noqa: E402
from plugins.results import Issue  # noqa: E402
from plugins.engine.store import load_report  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
CHECKS_DOC = ROOT / "docs" / "checks.md"
SEVERITIES = ("error", "warning")
#: Keys of an [[expected]] / [[false_alarm]] entry.
ENTRY_KEYS = {"rule", "section", "field", "severity", "match", "why", "today"}


@dataclass(frozen=True)
class Finding:
    """One finding as the corpus names it."""

    rule: str
    section: str
    field: str | None
    severity: str
    match: str = ""
    why: str = ""

    @property
    def key(self) -> tuple[str, str, str | None, str]:
        return (self.rule, self.section, self.field, self.severity)

    def fits(self, issue: Issue) -> bool:
        return (issue.rule, issue.section, issue.field, issue.severity) == self.key and self.match in issue.message

    def __str__(self) -> str:
        place = f"{self.section}.{self.field}" if self.field else self.section
        extra = f" «{self.match}»" if self.match else ""
        return f"{self.severity} {self.rule} {place}{extra}"


def issue_str(i: Issue) -> str:
    place = f"{i.section}.{i.field}" if i.field else i.section
    return f"{i.severity} {i.rule} {place}: {i.message}"


@dataclass
class CorpusReport:
    slug: str
    report_path: Path
    expected: list[Finding]
    missed_today: list[Finding]  # the expected entries marked today = "missed"
    false_today: list[Finding]
    source: str = ""


def _entry(raw: dict, where: str) -> Finding:
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("rule", "section", "severity", "why"):
        if not raw.get(key):
            raise ValueError(f"{where}: `{key}` missing")
    if raw["severity"] not in SEVERITIES:
        raise ValueError(f"{where}: severity must be one of {SEVERITIES}")
    if raw.get("today") not in (None, "missed"):
        raise ValueError(f"{where}: today may only be \"missed\"")
    return Finding(raw["rule"], raw["section"], raw.get("field"), raw["severity"], raw.get("match", ""), raw["why"])


def load_corpus() -> list[CorpusReport]:
    out = []
    for sidecar in sorted(CORPUS.glob("*.expected.toml")):
        slug = sidecar.name.removesuffix(".expected.toml")
        data = tomllib.loads(sidecar.read_text(encoding="utf-8"))
        unknown = set(data) - {"report", "source", "expected", "false_alarm"}
        if unknown:
            raise ValueError(f"{sidecar.name}: unknown keys {sorted(unknown)}")
        path = ROOT / data["report"] if "report" in data else CORPUS / f"{slug}.toml"
        expected, missed = [], []
        for n, raw in enumerate(data.get("expected", []), 1):
            f = _entry(raw, f"{sidecar.name} expected #{n}")
            expected.append(f)
            if raw.get("today") == "missed":
                missed.append(f)
        false = []
        for n, raw in enumerate(data.get("false_alarm", []), 1):
            if "today" in raw:
                raise ValueError(f"{sidecar.name} false_alarm #{n}: `today` belongs to [[expected]]")
            false.append(_entry(raw, f"{sidecar.name} false_alarm #{n}"))
        out.append(CorpusReport(slug, path, expected, missed, false, data.get("source", "")))
    return out


def host() -> PluginHost:
    return PluginHost(Config(), entry_points=False)


def findings_today(h: PluginHost, report: CorpusReport) -> list[Issue]:
    return check_report(h, load_report(report.report_path)).issues


def pair(entries: list[Finding], issues: list[Issue]) -> tuple[list[Finding], list[Issue]]:
    """Entries no issue fits, and issues no entry takes. Entries with ``match`` choose first,
    so that a plain entry does not take the issue a narrower one names."""
    left = list(issues)
    unpaired = []
    for e in sorted(entries, key=lambda e: not e.match):
        hit = next((i for i in left if e.fits(i)), None)
        if hit is None:
            unpaired.append(e)
        else:
            left.remove(hit)
    return unpaired, left


@dataclass
class Comparison:
    missed: list[Finding]  # expected, not found
    false: list[Issue]  # found, not expected
    found: list[Issue] = field(default_factory=list)

    def false_unlisted(self, listed: list[Finding]) -> tuple[list[Finding], list[Issue]]:
        """(listed false alarms that are gone, false alarms that are not listed)."""
        return pair(listed, self.false)


def compare(report: CorpusReport, issues: list[Issue]) -> Comparison:
    missed, false = pair(report.expected, issues)
    return Comparison(missed, false, issues)


# -- per-rule figures ------------------------------------------------------------------------

def figures(h: PluginHost | None = None) -> dict[str, Counter]:
    """Per rule: expected, found, false (found, not expected), missed (expected, not found)."""
    h = h or host()
    per: dict[str, Counter] = {}
    for r in load_corpus():
        issues = findings_today(h, r)
        c = compare(r, issues)
        for e in r.expected:
            per.setdefault(e.rule, Counter())["expected"] += 1
        for i in issues:
            per.setdefault(i.rule, Counter())["found"] += 1
        for i in c.false:
            per[i.rule]["false"] += 1
        for e in c.missed:
            per[e.rule]["missed"] += 1
    return per


COLUMNS = ("expected", "found", "false", "missed")
_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*)\|\s*$")


def doc_rules(text: str) -> dict[str, list[str]]:
    """Rows of the rule table of docs/checks.md: rule id -> its cells after the id."""
    out = {}
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            out[m.group(1)] = [c.strip() for c in m.group(2).split("|")]
    return out


def with_figures(text: str, per: dict[str, Counter]) -> str:
    """docs/checks.md with the last four cells of every rule row set to the figures."""
    lines = []
    for line in text.splitlines():
        m = _ROW.match(line)
        if m:
            cells = [c.strip() for c in m.group(2).split("|")]
            counts = per.get(m.group(1), Counter())
            cells[-len(COLUMNS):] = [str(counts[c]) for c in COLUMNS]
            line = f"| `{m.group(1)}` | " + " | ".join(cells) + " |"
        lines.append(line)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else "")


def totals_line(per: dict[str, Counter]) -> str:
    t = Counter()
    for c in per.values():
        t.update(c)
    return (f"Corpus total: {t['expected']} findings expected, {t['found']} found, "
            f"{t['false']} false alarms, {t['missed']} missed.")


def print_diff(h: PluginHost) -> int:
    """Per report: discrepancies not listed, and listed ones that are gone; 1 if any."""
    changed = 0
    for r in load_corpus():
        c = compare(r, findings_today(h, r))
        gone, new_false = c.false_unlisted(r.false_today)
        missed, listed = Counter(c.missed), Counter(r.missed_today)
        lines = [f"  new false alarm: {issue_str(i)}" for i in new_false]
        lines += [f"  listed false alarm gone: {f}" for f in gone]
        lines += [f"  new miss: {f}" for f in (missed - listed).elements()]
        lines += [f"  listed miss now found: {f}" for f in (listed - missed).elements()]
        if lines:
            changed = 1
            print(f"{r.slug}:")
            print("\n".join(lines))
    return changed


_BLOCK = re.compile(r"(?ms)^\[\[(expected|false_alarm)\]\]\n.*?(?=^\[\[|\Z)")


def prune(h: PluginHost) -> list[str]:
    """Delete gone false alarms and the ``today = "missed"`` of findings now found from every
    sidecar; the names of the sidecars changed."""
    changed = []
    for r in load_corpus():
        c = compare(r, findings_today(h, r))
        gone, _ = c.false_unlisted(r.false_today)
        found_now = Counter(r.missed_today) - Counter(c.missed)
        if not gone and not found_now:
            continue
        gone_left, found_left = Counter(gone), found_now
        path = CORPUS / f"{r.slug}.expected.toml"
        text = path.read_text(encoding="utf-8")

        # called by _BLOCK.sub right below, within this iteration: binds its counters as defaults
        def edit(m: re.Match, path=path, gone_left=gone_left, found_left=found_left) -> str:
            raw = tomllib.loads(m.group(0))[m.group(1)][0]
            f = _entry({k: v for k, v in raw.items()}, path.name)
            if m.group(1) == "false_alarm" and gone_left[f]:
                gone_left[f] -= 1
                return ""
            if m.group(1) == "expected" and raw.get("today") == "missed" and found_left[f]:
                found_left[f] -= 1
                return re.sub(r'(?m)^today = "missed"\n', "", m.group(0))
            return m.group(0)

        path.write_text(_BLOCK.sub(edit, text).rstrip("\n") + "\n", encoding="utf-8")
        changed.append(path.name)
    return changed


def main(argv: list[str]) -> int:
    if "--prune" in argv:
        for name in prune(host()):
            print(f"pruned {name}")
        return 0
    if "--diff" in argv:
        return print_diff(host())
    per = figures()
    if "--write" in argv:
        text = CHECKS_DOC.read_text(encoding="utf-8")
        text = with_figures(text, per)
        text = re.sub(r"^Corpus total: .*$", totals_line(per), text, flags=re.M)
        CHECKS_DOC.write_text(text, encoding="utf-8")
    width = max(map(len, per)) if per else 4
    print(f"{'rule':<{width}}  " + "  ".join(f"{c:>8}" for c in COLUMNS))
    for rule in sorted(per):
        print(f"{rule:<{width}}  " + "  ".join(f"{per[rule][c]:>8}" for c in COLUMNS))
    print(totals_line(per))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
