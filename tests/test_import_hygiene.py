"""Plugins never import Textual: the plugin contract, the built-in sections, the worked
example and the headless commands (check, plugins, export) run without Textual or Rich
ever being imported, so they start fast and work anywhere (PRODUCT.md, "The plugin
contract")."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "plugins"
FRONT_ENDS = ("textual", "rich")
#: Code that plugins may import: none of it may import a front end.
HEADLESS = (ROOT / "plugins", ROOT / "sections", ROOT / "nianbao", ROOT / "examples" / "nianbao-newmedia" / "nianbao_newmedia")


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_the_module_lists_are_not_empty():
    core = [module_name(p) for d in HEADLESS[:3] for p in python_files(d)]
    assert {"plugins", "plugins.host.manager", "plugins.engine.render", "sections.fujian2018", "sections.common", "nianbao", "nianbao.fields"} <= set(core)


def test_core_and_headless_commands_never_import_textual_or_rich(tmp_path):
    modules = [module_name(p) for d in HEADLESS[:3] for p in python_files(d)]
    config = tmp_path / "config.toml"
    config.write_text(f"[plugins]\nfolders = [{json.dumps(str(FIXTURES / 'good'))}]\n", encoding="utf-8")
    result = tmp_path / "result.json"
    script = textwrap.dedent(f"""
        import contextlib, importlib, io, json, sys
        FRONT_ENDS = {FRONT_ENDS!r}

        def front_ends():
            return sorted(m for m in sys.modules if m.split(".")[0] in FRONT_ENDS)

        out = {{"modules": {{}}}}
        import plugins
        for name in {modules!r}:
            importlib.import_module(name)
            out["modules"][name] = front_ends()
        import tui.cli
        import nianbao_newmedia
        out["after_imports"] = front_ends()
        codes = {{}}
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            codes["check"] = tui.cli.main(["--config", {str(config)!r}, "check", {str(FIXTURES / 'report.toml')!r}])
            codes["plugins"] = tui.cli.main(["--config", {str(config)!r}, "plugins", "--json"])
            codes["export"] = tui.cli.main(["--config", {str(config)!r}, "export", {str(FIXTURES / 'report.toml')!r}, "--to", "md"])
        out["codes"] = codes
        out["output"] = sink.getvalue()
        out["after_commands"] = front_ends()
        import textual.app  # the control: the detection does see a front end once imported
        out["control"] = front_ends()
        with open({str(result)!r}, "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False)
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(result.read_text(encoding="utf-8"))
    leaking = {name: loaded for name, loaded in out["modules"].items() if loaded}
    assert leaking == {}, f"importing these modules pulled in a front end: {leaking}"
    assert out["after_imports"] == []
    assert out["codes"]["check"] in (0, 1), out["output"]  # 2 would mean the command itself failed
    assert out["codes"]["plugins"] == 0 and out["codes"]["export"] == 0, out["output"]
    assert '"name": "newmedia"' in out["output"] and '"name": "county_pkg"' in out["output"]
    assert "七、政务新媒体情况" in out["output"]
    assert out["after_commands"] == []
    assert "textual" in out["control"]


def test_check_and_export_of_a_toml_report_never_import_the_document_readers(tmp_path):
    # (their modules and patterns cost ~6 ms of every start; only importing needs them)
    script = textwrap.dedent(f"""
        import contextlib, io, json, sys
        import tui.cli
        with contextlib.redirect_stdout(io.StringIO()):
            codes = [tui.cli.main(["check", {str(ROOT / 'examples' / 'jianou-2018.toml')!r}]),
                     tui.cli.main(["export", {str(ROOT / 'examples' / 'jianou-2018.toml')!r}, "--to", "txt"])]
        print(json.dumps([codes, sorted(m for m in sys.modules if m.startswith("plugins.importers."))]))
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    codes, readers = json.loads(run.stdout.splitlines()[-1])
    assert codes[0] in (0, 1) and codes[1] == 0
    assert not {"plugins.importers.readers", "plugins.importers.mapping"} & set(readers), readers


@pytest.mark.parametrize("path", [p for d in HEADLESS for p in python_files(d)],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_plugin_code_imports_a_front_end(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__"):
            imported += [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    bad = [m for m in imported if m.split(".")[0] in FRONT_ENDS + ("tui",)]
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_every_code_folder_is_a_package():
    """pyproject.toml finds packages by their __init__.py: a folder of code without one would
    be left out of the wheel silently (it only shows once nianbao is installed, not here)."""
    missing = sorted(str(folder.relative_to(ROOT)) for top in ("nianbao", "plugins", "sections", "tui")
                     for folder in [ROOT / top, *(ROOT / top).rglob("*")]
                     if folder.is_dir() and folder.name != "__pycache__"
                     and any(f.suffix in (".py", ".j2", ".tcss") for f in folder.iterdir())
                     and not (folder / "__init__.py").exists())
    assert not missing, f"folders of code without __init__.py (not in the wheel): {missing}"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, at the top or inside a function, as absolute names."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            out.append((node.lineno, module))
            out += [(node.lineno, f"{module}.{a.name}") for a in node.names]  # from pkg import submodule
    return out


def test_the_host_never_imports_a_plugin_or_a_front_end():
    """plugins/ is the host: the built-in sections are plugins like a county's and the TUI
    is one front end, so neither may be something the host needs (the deadlines, say)."""
    found = [f"{p.relative_to(ROOT)}:{line} imports {name}" for p in python_files(ROOT / "plugins")
             for line, name in imported_modules(p) if name.split(".")[0] in ("sections", "tui", "textual", "rich")]
    assert found == []


OUR_PACKAGES = ("plugins", "sections", "tui", "nianbao")


def test_no_private_name_crosses_a_module():
    """A name with a leading _ is its module's own: another module neither imports it nor
    reaches it through the module (``cli._host``). What two modules share is public in one place."""
    found = []
    for top in OUR_PACKAGES:
        for path in python_files(ROOT / top):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            bound = set()  # names this file binds to one of our modules
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    package = module_name(path).split(".")[: None if path.name == "__init__.py" else -1]
                    base = ".".join((package[: len(package) - node.level + 1] if node.level else [])
                                    + ([node.module] if node.module else []))
                    if base.split(".")[0] not in OUR_PACKAGES:
                        continue
                    for a in node.names:
                        if a.name.startswith("_") and not a.name.startswith("__"):
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno} from {base} import {a.name}")
                        bound.add(a.asname or a.name)
                elif isinstance(node, ast.Import):
                    bound |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in OUR_PACKAGES}
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}" for node in ast.walk(tree)
                      if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
                      and node.attr.startswith("_") and not node.attr.startswith("__")]
    assert found == []


#: The one cycle left, through imports inside functions: last year's report may be a Word or
#: web document (history reads it with the importers), and the importers learn a format's
#: layout by rendering its templates (render, which asks history for last year's report).
KNOWN_CYCLE_EDGES = {("plugins.engine.history", "plugins.importers")}


def test_no_import_cycle_among_the_host_modules():
    """The modules of plugins/ import each other in one direction, counting imports inside
    functions too (exporters ↔ exporters_office was such a cycle)."""
    paths = {module_name(p): p for p in python_files(ROOT / "plugins")}
    graph = {}
    for name, path in paths.items():
        targets = set()
        for _, imported in imported_modules(path):
            while imported and imported not in paths:  # from plugins.x import name -> plugins.x
                imported = imported.rpartition(".")[0]
            if imported and imported != name and imported != "plugins" and (name, imported) not in KNOWN_CYCLE_EDGES:
                targets.add(imported)
        graph[name] = targets

    def cycle_from(start):
        path, seen = [start], set()

        def walk(node):
            for nxt in sorted(graph[node]):
                if nxt == start:
                    return path + [start]
                if nxt not in seen:
                    seen.add(nxt)
                    path.append(nxt)
                    if found := walk(nxt):
                        return found
                    path.pop()
            return None
        return walk(start)

    cycles = [" → ".join(c) for name in sorted(graph) if (c := cycle_from(name))]
    assert cycles == []


#: What the built-in sections may import of nianbao's own packages: the public contract a
#: county plugin imports (docs/plugins.md section 3), and their own modules. ``nianbao.testing``
#: is for plugin tests, and ``plugins.*`` is the host's inside (the old ``from plugins import``
#: spelling still works for county plugins, but the built-in ones show the documented way).
SECTIONS_MAY_IMPORT = ("nianbao", "nianbao.fields")


def outside_the_contract(folder: Path) -> list[str]:
    """Each import in ``folder`` of our packages that is not :data:`SECTIONS_MAY_IMPORT`,
    counting imports inside functions; relative imports (the sections' own modules) pass."""
    found = []
    for path in python_files(folder):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # `from nianbao import testing` imports a module, not a name of the contract
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if _is_module(f"{node.module}.{a.name}")]
            else:
                continue
            found += [f"{path.relative_to(folder.parent)}:{node.lineno} imports {name}" for name in names
                      if name.split(".")[0] in OUR_PACKAGES and name.split(".")[0] != "sections"
                      and name not in SECTIONS_MAY_IMPORT]
    return found


def _is_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def test_sections_use_only_the_public_contract():
    """Built-in sections are plugins like a county's: everything they need from the host is
    in the contract, so a county plugin can do the same (META_FIELDS, percent, OTHER_SHARE
    were once reached through engine modules)."""
    assert outside_the_contract(ROOT / "sections") == []


def test_the_contract_check_refuses_what_a_county_plugin_could_not_import(tmp_path):
    """It sees an engine import (at the top or in a function) and ``nianbao.testing``, and
    lets the contract and the sections' own modules through."""
    folder = tmp_path / "sections"
    folder.mkdir()
    (folder / "probe.py").write_text(
        "from nianbao import percent, rules\nfrom nianbao.fields import Integer\nfrom . import other\n"
        "from plugins.engine.prose import sentence_sums\nfrom nianbao import testing\n"
        "def f():\n    import plugins.engine.meta\n", encoding="utf-8")
    assert outside_the_contract(folder) == ["sections/probe.py:4 imports plugins.engine.prose",
                                            "sections/probe.py:5 imports nianbao.testing",
                                            "sections/probe.py:7 imports plugins.engine.meta"]
