"""Property tests: whatever a report file holds, checking and rendering report problems
instead of raising, and ``nianbao check`` answers 0, 1 or 2 without a traceback.

Documents are generated around the real field declarations: every section id of the
format, every declared key, holding sometimes a value of the right type and sometimes
anything at all (strings, numbers, booleans, dates, nested tables and arrays).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import random
import zipfile
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings, strategies as st

from plugins.engine.checks import CheckResult, check_report, meta_fields
from plugins.engine.config import Config
from plugins.exporters import to_markdown, to_text
from plugins.engine.render import RenderedDocument
from plugins.fields import Grid, Records
from plugins.host.manager import PluginHost
from plugins.engine.render import Renderer
from plugins.engine.report import META, Report
from plugins.results import Issue
from tui.cli import main

from test_cli import complete_report

FORMAT = "fujian-2018"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Reports through every exporter: ``NIANBAO_FUZZ_EXAMPLES=5000`` for the long run
#: (bench/README.md), a few hundred in ``make test``.
EXPORT_EXAMPLES = int(os.environ.get("NIANBAO_FUZZ_EXAMPLES", "100"))

BUILTIN = PluginHost(Config(), entry_points=False)
# With whatever plugin packages are installed (the example county plugin in CI): a third
# party's fields and rules get the same documents.
INSTALLED = PluginHost(Config())
HOSTS = {"builtin": BUILTIN, "installed": INSTALLED}
RENDERERS = {id(h): Renderer(h) for h in HOSTS.values()}  # compiled templates are reused

# -- values -------------------------------------------------------------------------------
texts = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", " ", "0", "-1", "1,000", "１２", "12.5", "2019-02-30", "2019年1月8日", "今年来", "无",
                     "::h1 x", "a|b", "{c=0}", "\\", "\x1b[2J", "{{ x }}", "{% for %}", "${x}", "1" * 30,
                     "fujian-2018", "government", "http://x.cn", "瓯政办〔2019〕2号",
                     # what broke the office exporters (issue 11): XML's non-characters, a
                     # spreadsheet's formulas, a title over 255 characters, a long unbroken run
                     "\ufffe", "a\uffffb", "\x00\x01", "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1+1", "@SUM(A1)",
                     "\t=1", "\r=1", "1" * 400, "长" * 300, "a" * 3000, "x@" * 500]),
)
scalars = st.one_of(
    texts,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, 1, 2, 5, 10, 2018, 2008, 2030, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
    st.times(),
)
keys = st.one_of(st.text(min_size=1, max_size=6), st.sampled_from(["year", "total", "count", "name", "title", "body"]))
anything = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=5,
)


def right_value(f):
    """Values of the right shape for a declared field (still often out of range)."""
    if f.kind == "integer":
        return st.one_of(st.integers(-3, 10**6), st.sampled_from(["1,000", "１２", "12.5", "x", 10**16, 10**400]))
    if f.kind == "decimal":
        return st.one_of(st.integers(0, 10**6), st.floats(0, 1e6), st.just("1.25"))
    if f.kind == "date":
        return st.one_of(st.dates(dt.date(2015, 1, 1), dt.date(2021, 12, 31)), st.just("2019-01-08"))
    if f.kind in ("line", "text", "choice"):
        options = [v for v, _ in getattr(f, "options", ())]
        return st.one_of(texts, st.sampled_from(options)) if options else texts
    if isinstance(f, Records):
        row = st.fixed_dictionaries({}, optional={c.key: st.one_of(right_value(c), anything) for c in f.columns})
        return st.lists(row, max_size=4)
    if isinstance(f, Grid):
        cells = st.fixed_dictionaries({}, optional={c.key: st.one_of(right_value(f.cell), anything) for c in f.columns})
        return st.fixed_dictionaries({}, optional={r.key: st.one_of(cells, anything) for r in f.rows})
    return anything


def table_for(fields) -> st.SearchStrategy[dict]:
    """A section (or metadata) table: declared keys with right or wrong values, and extra keys."""
    declared = {f.key: st.one_of(right_value(f), right_value(f), anything) for f in fields}
    return st.builds(lambda known, extra: {**extra, **known},
                     st.fixed_dictionaries({}, optional=declared), st.dictionaries(keys, anything, max_size=2))


def put(doc: dict, dotted: str, value) -> None:
    node = doc
    parts = dotted.split(".")
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = node[part] = {}
        node = nxt
    node[parts[-1]] = value


_TABLES: dict[int, tuple] = {}


def tables(host: PluginHost) -> tuple:
    """The table strategies of a host's metadata and sections, built once."""
    if id(host) not in _TABLES:
        meta = table_for(meta_fields(host, Report({META: {"format": FORMAT}})))
        _TABLES[id(host)] = (meta, [(s.id, table_for(s.fields)) for s in host.sections_for(FORMAT)])
    return _TABLES[id(host)]


@st.composite
def documents(draw, host: PluginHost):
    """A whole report document as tomllib would return it."""
    doc: dict = {}
    meta_table, section_tables = tables(host)
    meta = draw(meta_table)
    choice = draw(st.sampled_from(["right", "right", "year-only", "wrong", "absent"]))
    if choice == "right":
        meta.update(year=2018, format=FORMAT)
    elif choice == "year-only":
        meta.pop("format", None)
        meta["year"] = draw(st.sampled_from([2008, 2018, 2019, 2030]))
    if draw(st.booleans()) or choice != "absent":
        doc[META] = meta if draw(st.integers(0, 9)) else draw(anything)  # sometimes not a table at all
    for section_id, table in section_tables:
        how = draw(st.integers(0, 9))
        if how == 0:
            continue  # the section is missing
        put(doc, section_id, draw(anything) if how == 1 else draw(table))
    if draw(st.booleans()):
        put(doc, draw(st.sampled_from(["fj", "fj.overview.items", "jo.newmedia", "x"])), draw(anything))
    return doc


def assert_sane(result: CheckResult) -> None:
    assert isinstance(result, CheckResult)
    assert all(isinstance(i, Issue) and i.severity in ("error", "warning") and i.message for i in result.issues)
    assert result.exit_code in (0, 1)


# -- check and render never raise ------------------------------------------------------------
@pytest.mark.parametrize("which", sorted(HOSTS))
@SETTINGS
@given(data=st.data())
def test_check_and_render_never_raise(which, data):
    host = HOSTS[which]
    doc = data.draw(documents(host))
    report = Report(doc)
    result = check_report(host, report)
    assert_sane(result)
    assert not [i for i in result.issues if i.rule == "PLUGIN" and i.plugin.startswith(("sections.", "plugins."))], \
        "a built-in rule raised on this document"
    if host.format_for(report) is None:
        assert any(i.field == "format" and i.severity == "error" for i in result.issues)
        return
    document = RENDERERS[id(host)].render(report)
    broken = [p for p in document.parts if p.error]
    assert not [p for p in broken if host.plugin_of(p.section).startswith(("sections.", "plugins."))], \
        [p.error for p in broken]
    assert to_text(document).endswith("\n")
    assert to_markdown(document).endswith("\n")


def assert_exports(host: PluginHost, document: RenderedDocument) -> None:
    """Every exporter of the host makes a file of its kind from the document: the Word and
    Excel files open again (their XML parts parse), every text cell of a workbook is text."""
    import openpyxl
    from lxml import etree

    for exporter in host.exporters.values():
        out = exporter.export(document)
        assert isinstance(out, bytes if exporter.binary else str), exporter.id
        if exporter.id in ("docx", "xlsx"):
            with zipfile.ZipFile(io.BytesIO(out)) as z:
                for name in z.namelist():
                    if name.endswith((".xml", ".rels")):
                        etree.fromstring(z.read(name))  # raises on what Word or Excel would refuse
        if exporter.id == "xlsx":
            wb = openpyxl.load_workbook(io.BytesIO(out))
            assert not [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


@pytest.mark.parametrize("which", sorted(HOSTS))
@settings(max_examples=EXPORT_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_exporter_on_what_check_reads(which, data):
    """Whatever report `check` can read, every exporter (txt, md, html, docx, xlsx, and an
    installed plugin's) makes its file."""
    host = HOSTS[which]
    report = Report(data.draw(documents(host)))
    assert_sane(check_report(host, report))
    if host.format_for(report) is None:
        return
    assert {"txt", "md", "html", "docx", "xlsx"} <= set(host.exporters)
    assert_exports(host, RENDERERS[id(host)].render(report))


@SETTINGS
@given(data=st.data())
def test_damaging_a_complete_report_never_raises(data):
    """Start from a complete report and replace a few values anywhere in it."""
    host = BUILTIN
    report = complete_report(host)
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append(path + [k])
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append(path + [i])
                walk(v, path + [i])

    walk(report.data, [])
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths))
        node = report.data
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = data.draw(anything)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    result = check_report(host, report)
    assert_sane(result)
    if host.format_for(report) is not None:
        document = RENDERERS[id(host)].render(report)
        assert not [p.error for p in document.parts if p.error]
        to_text(document)
        to_markdown(document)


# -- the command line on arbitrary bytes ------------------------------------------------------
def toml_bytes(doc: dict) -> bytes:
    def clean(v):  # TOML keys are strings
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    try:
        return tomli_w.dumps(clean(doc), multiline_strings=True).encode("utf-8")
    except (TypeError, ValueError):
        return b""


@st.composite
def file_contents(draw):
    kind = draw(st.sampled_from(["bytes", "toml", "damaged", "damaged", "encoded"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    base = toml_bytes(draw(documents(BUILTIN)))
    if kind == "toml":
        return base
    if kind == "encoded":
        return base.decode("utf-8").encode(draw(st.sampled_from(["gbk", "utf-16", "utf-8-sig"])), errors="replace")
    rnd = random.Random(draw(st.integers(0, 2**32)))
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 5))):
        action = rnd.choice(["flip", "cut", "insert", "delete"])
        pos = rnd.randrange(len(data) + 1)
        if action == "flip" and data:
            data[min(pos, len(data) - 1)] = rnd.randrange(256)
        elif action == "cut":
            del data[pos:]
        elif action == "insert":
            data[pos:pos] = rnd.choice([b"[", b"]", b"=", b'"', b"\n", b"\xff", b"\xe5\xb9", b"[[report]]\n", b"'''"])
        elif data:
            del data[pos:pos + rnd.randrange(1, 10)]
    return bytes(data)


@pytest.fixture
def workdir(tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("check")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("NIANBAO_CONFIG", raising=False)
    monkeypatch.delenv("NIANBAO_SAFE_MODE", raising=False)
    return folder


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=file_contents())
def test_check_command_on_arbitrary_bytes(workdir, content):
    path = Path(workdir) / "report.toml"
    path.write_bytes(content)
    code, out, err = run_cli("check", str(path))  # an exception here fails the test
    assert code in (0, 1, 2)
    assert "Traceback" not in out + err
    if code == 2:
        # where and what in one line; a syntax error adds the line itself and a caret, printable
        first, *excerpt = out.splitlines()
        assert out.startswith(f"{path}") and len(excerpt) in (0, 2), out
        assert all(x.startswith("  ") and x.isprintable() for x in excerpt), excerpt
    code_json, out_json, _ = run_cli("check", "--json", str(path))
    assert code_json == code
    doc = json.loads(out_json)
    assert doc["status"] == code and doc["files"][0]["readable"] == (code != 2)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(content=file_contents(), to=st.sampled_from(["txt", "md", "html", "docx", "xlsx"]))
def test_export_command_on_arbitrary_bytes(workdir, content, to):
    path = Path(workdir) / "report.toml"
    path.write_bytes(content)
    code, out, err = run_cli("export", str(path), "--to", to, "-o", str(Path(workdir) / f"out.{to}"))
    assert code in (0, 2)
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "text",
    [
        "[report]\nyear = " + "1" * 5000 + "\n",  # more digits than int() converts
        '[report]\nyear = 2018\nformat = "fujian-2018"\n[fj.proactive.counts.total]\nyear = "' + "1" * 5000 + '"\n',
        "[report]\nx = " + "[" * 3000 + "]" * 3000 + "\n",  # nesting deeper than the parser recurses
        "[" + ".".join(["a"] * 3000) + "]\n",  # parses, but deeper than any report
        '[report]\nyear = 2018\nformat = "fujian-2018"\n[fj.requests.received.online]\nyear = 1e400\n',
        '[report]\nyear = 2018\nformat = "fujian-2018"\n[fj.proactive.counts.total]\nyear = inf\n',
        '[report]\nyear = 9999\n',
        '[report]\nyear = 2018\nformat = "fujian-2018"\nsigned = 0001-01-01\npublished = 9999-12-31\n',
    ],
    ids=["long-int-literal", "long-int-string", "deep-arrays", "deep-tables", "float-overflow", "inf", "year-9999",
         "extreme-dates"],
)
def test_check_command_on_extreme_files(workdir, text):
    path = Path(workdir) / "report.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("check", str(path))
    assert code in (1, 2)
    code, out, err = run_cli("export", str(path))
    assert code in (0, 2)


def test_unknown_format_cannot_be_exported(workdir):
    path = Path(workdir) / "report.toml"
    path.write_text('[report]\nunit = "建瓯市人民政府办公室"\n', encoding="utf-8")
    code, out, err = run_cli("check", str(path))
    assert code == 1 and "无法确定报告格式" in out
    code, out, err = run_cli("export", str(path))
    assert code == 2 and "无法确定报告格式" in err and out == ""
