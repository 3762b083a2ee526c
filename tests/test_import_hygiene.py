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
