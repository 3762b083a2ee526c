"""The corpus of real published reports (tests/corpus/, see tests/corpus_tools.py): for each
report, what nianbao's checks find equals the findings a perfect checker gives, except for
the false alarms and misses listed in its sidecar — exactly those. And docs/checks.md lists
every rule with its corpus figures as they are."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from corpus_tools import (CHECKS_DOC, COLUMNS, ROOT, compare, doc_rules, figures, findings_today, host,
                          issue_str, load_corpus, totals_line, with_figures)
from plugins.engine.store import load_report

REPORTS = load_corpus()
# A rule id as the code writes it: "V-SEC5", "N3-8", "OR10", "PLUGIN".
RULE_LITERAL = re.compile(r"[\"'](V-[A-Z0-9]+(?:-[A-Z0-9]+)*|N\d-\d+|OR\d+|PLUGIN)[\"']")


@pytest.fixture(scope="module")
def checker():
    return host()


@pytest.mark.parametrize("report", REPORTS, ids=[r.slug for r in REPORTS])
def test_findings_are_exactly_the_expected_ones_but_the_listed_discrepancies(checker, report):
    issues = findings_today(checker, report)
    c = compare(report, issues)
    gone, new_false = c.false_unlisted(report.false_today)
    problems = []
    problems += [f"new false alarm: {issue_str(i)}" for i in new_false]
    problems += [f"listed false alarm no longer found (delete it from the list): {f}" for f in gone]
    missed, listed = Counter(c.missed), Counter(report.missed_today)
    problems += [f"new miss (expected, not found): {f} — {f.why}" for f in (missed - listed).elements()]
    problems += [f"listed miss now found (delete its `today = \"missed\"`): {f}" for f in (listed - missed).elements()]
    assert not problems, f"{report.slug}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("report", REPORTS, ids=[r.slug for r in REPORTS])
def test_corpus_report_is_a_readable_report_with_its_source_named(report):
    r = load_report(report.report_path)
    assert r.meta.get("unit") and r.meta.get("year"), report.slug
    assert re.search(r"https?://\S+", report.source), f"{report.slug}: `source` (its address) is missing"
    text = report.report_path.read_text(encoding="utf-8")
    assert "平潭" not in text and "沭阳" not in text, "reports of 平潭 and 沭阳 are held out"


def test_corpus_has_both_formats_and_all_three_levels():
    seen = {(load_report(r.report_path).format, load_report(r.report_path).meta.get("unit_level")) for r in REPORTS}
    assert {f for f, _ in seen} >= {"national-2021", "fujian-2018"}
    assert {lvl for _, lvl in seen} >= {"government", "department"}


def rules_in_code() -> set[str]:
    out = set()
    for folder in ("plugins", "sections", "tui"):
        for path in (ROOT / folder).rglob("*.py"):
            out |= set(RULE_LITERAL.findall(path.read_text(encoding="utf-8")))
    return out


def test_checks_doc_lists_every_rule():
    documented = doc_rules(CHECKS_DOC.read_text(encoding="utf-8"))
    corpus_rules = {f.rule for r in REPORTS for f in r.expected + r.false_today}
    missing = (rules_in_code() | corpus_rules) - set(documented)
    assert not missing, f"docs/checks.md has no row for {sorted(missing)}"
    widths = {len(cells) for cells in documented.values()}
    assert len(widths) == 1, "every rule row of docs/checks.md has the same columns"


def test_checks_doc_figures_are_the_corpus_figures(checker):
    text = CHECKS_DOC.read_text(encoding="utf-8")
    per = figures(checker)
    want = with_figures(text, per)
    if want != text:
        changed = [f"{rule}: doc {doc_rules(text)[rule][-len(COLUMNS):]} → corpus {cells[-len(COLUMNS):]}"
                   for rule, cells in doc_rules(want).items() if cells != doc_rules(text)[rule]]
        pytest.fail("docs/checks.md figures are out of date (run `python tests/corpus_tools.py --write`):\n  "
                    + "\n  ".join(changed))
    assert totals_line(per) in text


# -- the comparison itself can fail: a made-up report and made-up findings ----------------------

def _issue(rule, field, message="", severity="error", section="nat.overview"):
    from plugins.results import Issue
    return Issue(severity, section, field, message, rule)


def test_comparison_names_each_kind_of_discrepancy():
    from corpus_tools import CorpusReport, Finding
    expected = [Finding("V-SEC5", "nat.overview", "a", "warning", why="w"),
                Finding("N3-8", "nat.overview", "b", "error", match="结转", why="w")]
    report = CorpusReport("made-up", CHECKS_DOC, expected, missed_today=[], false_today=[
        Finding("N3-8", "nat.overview", "b", "error", match="9件", why="w")])
    found = [_issue("V-SEC5", "a", severity="warning"), _issue("N3-8", "b", "正文写办结9件"),
             _issue("N4-4", "c", "正文写未发生")]
    c = compare(report, found)
    # the N3-8 about 9件 is not the expected one about 结转: that one is missed, 9件 is false
    assert [str(f) for f in c.missed] == ["error N3-8 nat.overview.b «结转»"]
    gone, new_false = c.false_unlisted(report.false_today)
    assert gone == [] and [i.rule for i in new_false] == ["N4-4"]
    # the listed false alarm gone once the rule stops raising it
    gone, new_false = compare(report, found[:1]).false_unlisted(report.false_today)
    assert [str(f) for f in gone] == ["error N3-8 nat.overview.b «9件»"] and new_false == []
