"""What makes ``nianbao edit`` start sooner, checked for keeping the behaviour it replaces:
the host reads installed packages' entry points itself (importlib.metadata, 10-15 ms to
import, is asked only for what that reading does not cover), and the garbage collector is
off from the command until the first frame (``bench/bench_tui.py`` measures the time)."""

from __future__ import annotations

import gc
import importlib.metadata
import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from plugins import ENTRY_POINT_GROUP
from plugins.host import entrypoints, manager
from tui_helpers import shown, wait_until

ROOT = Path(__file__).resolve().parent.parent


def _as_tuples(eps) -> list[tuple[str, str, str, str]]:
    return sorted((e.name, e.value, e.dist.name, e.dist.version) for e in eps)


@pytest.mark.parametrize("group", [ENTRY_POINT_GROUP, "console_scripts", "pytest11"])
def test_entry_points_are_those_importlib_metadata_finds(group):
    found = entrypoints.installed_entry_points(group)
    assert found is not None
    assert _as_tuples(found) == _as_tuples(importlib.metadata.entry_points(group=group))


def _dist(folder: Path, dirname: str, name: str, version: str, entry_points: str, meta: str = "METADATA") -> None:
    info = folder / dirname
    info.mkdir(parents=True)
    (info / meta).write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: x\n"
                             f" continued: Version: 9\n\nName: body text\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_entry_points_of_a_made_up_path(tmp_path, monkeypatch):
    first, second, third = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _dist(first, "County_Rules-1.2.dist-info", "county-rules", "1.2",
          "# a comment\n[console_scripts]\nx = y:z\n\n[nianbao]\n  rules = county_rules_mod : plugin [extra]  \nwhole=county_rules_mod\n")
    _dist(second, "county.rules-2.0.dist-info", "county.rules", "2.0", "[nianbao]\nshadowed = county_rules_mod\n")
    _dist(third, "old_style.egg-info", "old-style", "0.1", "[nianbao]\nold = county_rules_mod:plugin\n", meta="PKG-INFO")
    (first / "county_rules_mod.py").write_text("plugin = object()\n", encoding="utf-8")
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second), str(third)])
    found = entrypoints.installed_entry_points(ENTRY_POINT_GROUP)
    assert _as_tuples(found) == _as_tuples(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    assert _as_tuples(found) == [("old", "county_rules_mod:plugin", "old-style", "0.1"),
                                 ("rules", "county_rules_mod : plugin [extra]", "county-rules", "1.2"),
                                 ("whole", "county_rules_mod", "county-rules", "1.2")]
    loaded = {e.name: e.load() for e in found}
    module = sys.modules["county_rules_mod"]
    assert loaded == {"old": module.plugin, "rules": module.plugin, "whole": module}
    del sys.modules["county_rules_mod"]


def test_a_zip_on_the_path_is_left_to_importlib_metadata(tmp_path, monkeypatch):
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n")
        z.writestr("zipped-1.0.dist-info/entry_points.txt", "[nianbao]\nzipped = zipped\n")
    monkeypatch.setattr(sys, "path", [str(archive)])
    assert entrypoints.installed_entry_points(ENTRY_POINT_GROUP) is None
    host = manager.PluginHost(manager.Config(plugin_folders=()), entry_points=True)
    assert host.records["zipped"].location == "zipped (zipped)"
    assert host.records["zipped"].state == "failed"  # no module inside: found, then refused


def test_building_the_host_does_not_import_importlib_metadata(tmp_path):
    script = textwrap.dedent("""
        import json, sys
        from plugins.engine.config import Config
        from plugins.host.manager import PluginHost
        host = PluginHost(Config(), entry_points=True)
        print(json.dumps(["importlib.metadata" in sys.modules, sorted(host.records)]))
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    imported, records = json.loads(run.stdout)
    assert imported is False
    assert "newmedia" in records


def test_nianbao_edit_holds_the_collector_until_the_first_frame(tmp_path, monkeypatch):
    import tui.app
    from tui import cli

    seen = []

    def run_app(path, config, safe_mode=False, gc_held=False, host=None):
        seen.append((gc.isenabled(), gc_held))
        return 0

    monkeypatch.setattr(tui.app, "run_app", run_app)
    report, config = tmp_path / "r.toml", tmp_path / "config.toml"
    report.write_text("[report]\nyear = 2018\n", encoding="utf-8")
    config.write_text("", encoding="utf-8")
    assert gc.isenabled()
    assert cli.main(["--config", str(config), "edit", str(report)]) == 0
    assert seen == [(False, True)]
    assert gc.isenabled()


async def test_the_app_switches_the_collector_back_on_at_its_first_frame(tmp_path):
    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost
    from tui.app import build_app

    report = tmp_path / "r.toml"
    report.write_text("[report]\nyear = 2018\n", encoding="utf-8")
    app = build_app(report, Config(), host=PluginHost(Config(), entry_points=False), autosave=False)
    app.gc_held = True
    gc.disable()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.started, what="the first frame")
            assert app.started
            assert gc.isenabled()
            assert not app.gc_held
    finally:
        gc.enable()
        app.session.close()


@pytest.mark.parametrize("wanted", [True, False])
async def test_what_start_up_built_is_frozen_once_the_first_page_is_whole(tmp_path, monkeypatch, wanted):
    # (run_app sets freeze_start_up; here gc.freeze is stood in for: frozen garbage of the
    # tests' many apps would never be freed)
    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost
    from tui.app import build_app

    report = tmp_path / "r.toml"
    shutil.copy(ROOT / "examples" / "jianou-2018.toml", report)  # (its first page has a list: built after the first frame)
    app = build_app(report, Config(), host=PluginHost(Config(), entry_points=False), autosave=False)
    app.freeze_start_up = wanted
    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(first_page_built(app)))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: first_page_whole(app), what="the first page whole")
            await wait_until(pilot, lambda: frozen or not wanted, what="gc.freeze()")
    finally:
        app.session.close()
    assert frozen == ([True] if wanted else [])


def first_page_whole(app) -> bool:
    """The app is done starting: the first page built whole (what lies below the screen is
    mounted after the first frame, ``_complete_first_page``), its check and preview shown."""
    return first_page_built(app) and shown(app)


def first_page_built(app) -> bool:
    """Every field of the first page mounted, every record of its lists."""
    from tui.form.field_box import FieldBox
    from tui.form.records import RecordsBox

    page = app._pages.get(app._first_page_id)
    return (app.started and page is not None
            and len(page.query(FieldBox)) == len(app.session.page(app._first_page_id).fields)
            and all(box.limit is None for box in page.query(RecordsBox)))


@pytest.mark.parametrize("example,size", [("jianou-2018.toml", (80, 24)), ("jianou-2018.toml", (100, 30)),
                                          ("huaian-2024.toml", (80, 24))])
async def test_the_first_frame_is_laid_out_as_it_stays(tmp_path, monkeypatch, example, size):
    """The first frame drawn with the cursor in a field already has what the screen keeps:
    text areas wrapped (not one line per paragraph until their resize), the form's scroll
    bar, the footer's keys. Only what lies below the screen is mounted after it."""
    import shutil

    from textual.screen import Screen
    from textual.scrollbar import ScrollBar, ScrollBarCorner

    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost
    from tui.app import build_app
    from tui.form.editors import Editor

    report = tmp_path / example
    shutil.copyfile(ROOT / "examples" / example, report)
    frames = []
    draw = Screen._compositor_refresh

    def drawn(self):
        draw(self)
        app = self.app
        shown = self._compositor.visible_widgets
        if self is app.screen and isinstance(app.focused, Editor) and app.focused in shown:
            frames.append(sorted((type(w).__name__, tuple(region.intersection(clip))) for w, (region, clip) in shown.items()
                                 if not isinstance(w, (ScrollBar, ScrollBarCorner))))

    monkeypatch.setattr(Screen, "_compositor_refresh", drawn)
    app = build_app(report, Config(), host=PluginHost(Config(), entry_points=False), autosave=False)
    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: frames and first_page_whole(app), what="the first page built whole")
            assert frames
            assert frames[0] == frames[-1]
            assert sum(name == "FooterKey" for name, _ in frames[0]) >= 5
    finally:
        app.session.close()


@pytest.mark.parametrize("example,size", [("jianou-2018.toml", (80, 24)), ("jianou-2018.toml", (120, 40)),
                                          ("huaian-2024.toml", (80, 24)), ("huaian-2024.toml", (120, 40))])
async def test_leaving_out_the_first_restyle_changes_no_style(tmp_path, example, size):
    """The screen's first show does not restyle every widget (tui.workarounds.MainScreen): styling
    them all again afterwards changes nothing."""
    import shutil

    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost
    from tui.app import build_app
    from tui.workarounds import MainScreen

    report = tmp_path / example
    shutil.copyfile(ROOT / "examples" / example, report)
    app = build_app(report, Config(), host=PluginHost(Config(), entry_points=False), autosave=False)

    def styles():
        return {id(node): (repr(node), node._css_styles.get_rules(),
                           {name: s.get_rules() for name, s in node._component_styles.items()})
                for node in app.screen.walk_children(with_self=True)}

    try:
        async with app.run_test(size=size) as pilot:
            await wait_until(pilot, lambda: first_page_whole(app), what="the first page built whole")
            assert isinstance(app.screen, MainScreen) and app.screen._shown
            before = styles()
            app.stylesheet.update_nodes(app.screen.walk_children(with_self=True), animate=False)
            after = styles()
            assert [before[k][0] for k in before if before[k] != after[k]] == []
    finally:
        app.session.close()
