"""The Textual interface: start-up to the first usable screen, memory, and the time from a
keystroke to its validation being on screen.

    .venv/bin/python bench/bench_tui.py [--runs 7] [--keys 40] [--file REPORT.toml] [--json] [--no-compile]

Start-up and memory: whole processes, interleaved round by round (a busy machine slows
both alike), headless at 80x24:

* a bare Textual form: a Static, six compact Inputs, a TextArea and a Footer; and
* ``nianbao edit`` on a copy of the example report, started as an operator starts it
  (``tui.cli.main``; Textual's headless driver by environment): the first section's form,
  navigation, status, issue list, footer; the plugin host, the check of the whole report,

each timed from the first line of the script (before any import) to its first frame: the
first time the screen is drawn with a field on it (for nianbao: the field with the cursor)
and laid out as it stays (nothing on screen moves or changes size in the ``BENCH_SETTLE``
seconds after, default 0.3). "first drawn" is the first drawing with a field, settled or
not: a bare Textual app draws its footer's keys a frame later, so its first frame comes
after its first drawing. Peak memory is ``getrusage`` max RSS at the end of the settling
time. Ratios are nianbao / bare; the goal (PRODUCT.md) is 1.3 or less.

Bytecode: Textual and the other installed packages have their ``.pyc`` files, as in any
installation; the project's own modules (installed editable) would be compiled from source
in every run when ``PYTHONDONTWRITEBYTECODE`` is set, which is not what an operator's
start-up costs. So the benchmark first compiles them (``compileall`` into ``__pycache__``,
which Python reads even with ``PYTHONDONTWRITEBYTECODE`` set): ``plugins/``, ``sections/``,
``tui/``, the plugin folders and the example plugin; again before every round, since a
file edited meanwhile would otherwise be compiled from source. ``--no-compile`` measures
what is there instead (with no ``__pycache__``, about 65 ms more on the development
machine).

Keystroke to validation, in one process on the example:

* ``Session.set_text`` + ``check`` (the engine's part of a keystroke),
* ``apply_edit`` + ``after_change`` (everything the app does for a keystroke before the next
  frame: store, check the whole report, messages beside the fields, the issue list, the
  navigation, the status bar) on a prose field, a list and a table,
* a Pilot key press round trip (includes Pilot's own waits for idleness, so an upper bound),
* showing a page the first time and again.

Goal: a keystroke's work well under a frame (16 ms). Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_RATIO = 1.3
FRAME_MS = 16.0

# Both apps report the same way, at their first frame: the first time the screen is drawn
# with a field on it (for nianbao: the field with the cursor) laid out as it stays, i.e. no
# widget on screen moves or changes size afterwards (a text area drawn with one line per
# paragraph and wrapped a frame later does not count). Each drawing is recorded; SETTLE
# seconds after the first one with a field the app exits and the earliest drawing from
# which the layout stayed as it ended is reported: time since the first line of the
# script, and max RSS. (Textual's on_ready is not that moment: in nianbao it came before
# the form was laid out.)
FRAMES = """
    import os
    from textual.screen import Screen
    from textual.scrollbar import ScrollBar, ScrollBarCorner

    SETTLE = float(os.environ.get("BENCH_SETTLE", "0.3"))

    def record_frames(has_field):
        frames = []  # (ms since T0, where each widget on screen is, a field (with the cursor) is on it)
        draw = Screen._compositor_refresh

        def drawn(self):
            draw(self)
            app = self.app
            if app._exit or self is not app.screen:
                return
            shown = self._compositor.visible_widgets
            layout = sorted((type(w).__name__, tuple(region.intersection(clip))) for w, (region, clip) in shown.items()
                            if not isinstance(w, (ScrollBar, ScrollBarCorner)))
            frames.append(((time.perf_counter() - T0) * 1000, layout, has_field(app, shown)))
            if frames[-1][2] and sum(f[2] for f in frames) == 1:
                app.set_timer(SETTLE, lambda: report(app)) if SETTLE else report(app)

        def report(app):
            # the earliest drawing with a field from which on the layout stayed as it ended
            settled = [f for f in frames if f[1] == frames[-1][1]]
            first = next(f for f in reversed(frames) if f[1] != frames[-1][1] or f is settled[0])
            first = next(f for f in frames[frames.index(first):] if f[1] == frames[-1][1] and f[2])
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            sys.stderr.write(json.dumps({"first_frame_ms": first[0], "rss_mib": rss,
                                         "first_drawn_ms": next(f[0] for f in frames if f[2])}) + "\\n")
            app.exit()

        Screen._compositor_refresh = drawn
"""

BARE = textwrap.dedent(
    """
    import time
    T0 = time.perf_counter()
    import json, resource, sys
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Input, Static, TextArea
    """
) + textwrap.dedent(FRAMES) + textwrap.dedent(
    """
    class Form(App):
        BINDINGS = [("ctrl+s", "save", "Save"), ("f1", "help", "Help")]

        def compose(self) -> ComposeResult:
            yield Static("A bare form")
            for i in range(6):
                yield Input(placeholder=f"field {i}", compact=True)
            yield TextArea("prose", compact=True)
            yield Footer()

        def on_ready(self) -> None:
            self.query_one(Input).focus()

    record_frames(lambda app, shown: any(isinstance(w, Input) for w in shown))
    Form().run(headless=True, size=(80, 24))
    """
)

# ``nianbao edit FILE`` as an operator starts it (tui.cli.main), headless at 80x24 (Textual's
# headless driver chosen by environment, see HEADLESS). The screen's drawing is wrapped once
# tui.app is imported (Textual with it), so that nothing is imported earlier than the command
# itself does.
NIANBAO = textwrap.dedent(
    """
    import time
    T0 = time.perf_counter()
    import importlib.util, json, resource, sys

    def wrap(module):
        from tui.form.editors import Editor
    """
) + textwrap.indent(textwrap.dedent(FRAMES), "    ") + textwrap.dedent(
    """
        record_frames(lambda app, shown: isinstance(app.focused, Editor) and app.focused in shown)

    class WrapOnImport:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if name != "tui.app":
                return None
            sys.meta_path.remove(WrapOnImport)
            spec = importlib.util.find_spec(name)
            load = spec.loader.exec_module

            def exec_module(module):
                load(module)
                wrap(module)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, WrapOnImport)
    from tui.cli import main
    sys.exit(main(["edit", sys.argv[1]]))
    """
)
HEADLESS = {"TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver", "COLUMNS": "80", "LINES": "24"}


# The project's own code, as an installation would have it compiled (see the docstring).
COMPILED = ("plugins", "sections", "tui", "local_plugins", "examples/nianbao-newmedia/nianbao_newmedia")


def compile_project() -> None:
    """Compile the project's modules into ``__pycache__`` (only those changed since)."""
    for folder in COMPILED:
        if (ROOT / folder).is_dir():
            compileall.compile_dir(ROOT / folder, quiet=1)


def _run(script: str, *args: str) -> dict:
    env = {**os.environ, **HEADLESS} if script is NIANBAO else None
    proc = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"bench_tui: a start-up run failed:\n{proc.stderr}")
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("{")][-1]
    return json.loads(line)


def startup(example: Path, runs: int, compile_first: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / example.name
        rows: dict[str, list[dict]] = {"bare": [], "nianbao": []}
        if compile_first:
            compile_project()
        _run(BARE), _run(NIANBAO, str(shutil.copyfile(example, copy)))  # warm the caches (.pyc, disk)
        for _ in range(runs):
            if compile_first:
                compile_project()  # a file edited meanwhile is not compiled in the run
            rows["bare"].append(_run(BARE))
            shutil.copyfile(example, copy)
            rows["nianbao"].append(_run(NIANBAO, str(copy)))
    out: dict = {}
    for name, runs_ in rows.items():
        out[name] = {k: statistics.median(r[k] for r in runs_) for k in ("first_frame_ms", "first_drawn_ms", "rss_mib")}
        out[name]["best_first_frame_ms"] = min(r["first_frame_ms"] for r in runs_)
    out["ratio_first_frame"] = out["nianbao"]["first_frame_ms"] / out["bare"]["first_frame_ms"]
    out["ratio_first_drawn"] = out["nianbao"]["first_drawn_ms"] / out["bare"]["first_drawn_ms"]
    out["ratio_rss"] = out["nianbao"]["rss_mib"] / out["bare"]["rss_mib"]
    return out


def _stats(samples: list[float]) -> dict:
    samples = sorted(samples)
    return {"median_ms": statistics.median(samples), "p95_ms": samples[int(0.95 * (len(samples) - 1))],
            "max_ms": samples[-1]}


def latency(example: Path, keys: int) -> dict:
    import asyncio

    sys.path.insert(0, str(ROOT))
    from plugins.engine.config import load_config
    from plugins.engine.store import load_report
    from tui.app import build_app
    from tui.session import Session

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / example.name
        shutil.copyfile(example, copy)
        config = load_config(None)

        app = build_app(copy, config, autosave=False)
        host = app.host
        session = Session(host, load_report(copy))
        samples = []
        for i in range(keys):
            t = time.perf_counter()
            session.set_text("fj.appeals", "cases.reviews.year", str(i))
            session.check()
            samples.append((time.perf_counter() - t) * 1000)
        out["session_set_text_check"] = _stats(samples)

        async def drive() -> None:
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                for label, page, path in (("prose field", "fj.problems", "problems"),
                                          ("list cell", "fj.proactive", "categories[0].count"),
                                          ("table cell", "fj.requests", "received.online.year")):
                    await app.show_page(page, path)
                    await pilot.pause()
                    widget = app.focused
                    samples = []
                    for i in range(keys):
                        t = time.perf_counter()
                        app.apply_edit(widget, widget.current_text() + str(i % 10))
                        await app.after_change()
                        samples.append((time.perf_counter() - t) * 1000)
                    out[f"app_keystroke_{label.replace(' ', '_')}"] = _stats(samples)
                samples = []
                for i in range(min(keys, 20)):
                    t = time.perf_counter()
                    await pilot.press(str(i % 10))
                    samples.append((time.perf_counter() - t) * 1000)
                out["pilot_keypress_round_trip"] = _stats(samples)
                first, again = [], []
                for page in [p.id for p in app.session.pages]:
                    t = time.perf_counter()
                    await app.show_page(page)
                    await pilot.pause()
                    (again if page in ("fj.problems", "fj.proactive", "fj.requests") else first).append(
                        (time.perf_counter() - t) * 1000)
                for page in [p.id for p in app.session.pages]:
                    t = time.perf_counter()
                    await app.show_page(page)
                    await pilot.pause()
                    again.append((time.perf_counter() - t) * 1000)
                out["show_page_first_visit"] = _stats(first)
                out["show_page_again"] = _stats(again)

        try:
            asyncio.run(drive())
        finally:
            app.session.close()
    return out


def big_report(example: Path, target: Path, size: int = 1_000_000) -> Path:
    """``example`` with its first prose field grown to ``size`` bytes of distinct paragraphs
    (as a long 概述 would be: each paragraph numbered, so none repeats)."""
    from plugins.engine.config import Config
    from plugins.host.manager import PluginHost
    from plugins.engine.store import load_report, save_report

    host = PluginHost(Config(), entry_points=False)
    report = load_report(example)
    fmt = host.format_for(report)
    section, key = next((s.id, f.key) for s in host.sections_for(fmt.id) for f in s.fields if f.kind == "text")
    para = "本机关坚持以人民为中心，全面推进政务公开工作，依法依规做好政府信息公开申请办理工作。" * 3
    paras, used, i = [], 0, 0
    while used < size:
        paras.append(f"（{i}）{para}")
        used += len(paras[-1].encode()) + 1
        i += 1
    report.set_value(section, key, "\n".join(paras))
    report.path = None
    save_report(report, target, backup=False)
    return target


def latency_big(example: Path, keys: int, size: int = 1_000_000, no_freeze: bool = False) -> dict:
    """Typing into the 1 MB prose field itself (the page with the 1 MB field, the preview
    of that page beside the form at 120x40), autosave off at first (the save is timed on
    its own): per Pilot key press, the main thread's CPU time (``thread_time``: the event
    loop's own work, drawing included, and Pilot's waits on every widget of the screen;
    the checking and preview threads are not in it) and its wall time; the app's own part
    of a keystroke (``apply_edit`` + ``after_change``); one save; then typing as an operator
    does (below); and ctrl+q to the app's end."""
    import asyncio

    sys.path.insert(0, str(ROOT))
    from textual import events

    from plugins.engine.config import load_config
    from tui.app import build_app

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = big_report(example, Path(tmp) / "big.toml", size)
        out["file_bytes"] = copy.stat().st_size
        app = build_app(copy, load_config(None), autosave=False)
        app.freeze_start_up = not no_freeze  # as run_app does: `nianbao edit` owns its process

        async def drive() -> None:
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                # the field big_report grew: the first prose field of a section (not the
                # metadata page's 备注)
                page, big = next((p.id, f) for p in app.session.pages[1:] for f in p.fields if f.kind == "text")
                await app.show_page(page, big.key)
                await pilot.pause()
                await asyncio.sleep(1.0)  # the first preview of the page
                await pilot.pause()
                assert len(app.focused.current_text()) > size // 4, "not the 1 MB field"  # type: ignore[union-attr]
                cpu, wall = [], []
                for _ in range(keys):
                    c, t = time.thread_time(), time.perf_counter()
                    await pilot.press("x")
                    cpu.append((time.thread_time() - c) * 1000)
                    wall.append((time.perf_counter() - t) * 1000)
                out["big_keystroke_main_thread_cpu"] = _stats(cpu)
                out["big_pilot_keypress_round_trip"] = _stats(wall)
                # the app's own part, as app_keystroke_* above: store, check (in its thread,
                # waited for at most CHECK_WAIT), messages; main-thread CPU and wall time
                await app.show_page(page, big.key)
                await pilot.pause()
                widget, cpu, wall = app.focused, [], []
                assert widget is not None and getattr(widget, "path", "") == big.key, widget
                for i in range(keys):
                    while getattr(app, "_checking", None) is not None:  # (the last key's check, untimed)
                        await asyncio.sleep(0.01)
                    c, t = time.thread_time(), time.perf_counter()
                    app.apply_edit(widget, widget.current_text() + str(i % 10))
                    await app.after_change()
                    cpu.append((time.thread_time() - c) * 1000)
                    wall.append((time.perf_counter() - t) * 1000)
                out["big_app_keystroke_own_cpu"] = _stats(cpu)
                out["big_app_keystroke_wall"] = _stats(wall)
                c, t = time.thread_time(), time.perf_counter()
                app.action_save()
                out["big_save_on_event_loop"] = _stats([(time.perf_counter() - t) * 1000])
                # Typing as an operator does: a key every 0.1 s for 3 s, each sent as the
                # terminal's driver sends it (no Pilot waits), autosave on: the main thread's
                # CPU per key (drawing, checks started, autosaves, the preview shown), and the
                # longest time the event loop could not run (a 10 ms heartbeat's lateness).
                # The same heartbeat for 3 s before, not typing, gives the machine's own
                # stalls (a loaded machine delays any process).
                import tui.session

                saves, save = [], tui.session.save_report
                tui.session.save_report = lambda *a, **k: (saves.append(1), save(*a, **k))[1]
                await app.show_page(page, big.key)
                await pilot.pause()
                app.autosave = True

                async def heartbeat(typing: bool, presses: int = 30) -> tuple[float, list[float]]:
                    stalls: list[float] = []
                    beating = True

                    async def beat() -> None:
                        while beating:
                            t = time.perf_counter()
                            await asyncio.sleep(0.01)
                            stalls.append((time.perf_counter() - t - 0.01) * 1000)

                    task = asyncio.create_task(beat())
                    c = time.thread_time()
                    for _ in range(presses):
                        if typing:
                            app._driver.send_message(events.Key("y", "y"))  # (into the 1 MB field)
                        await asyncio.sleep(0.1)
                    cpu = (time.thread_time() - c) * 1000 / presses
                    beating = False
                    await task
                    return cpu, sorted(stalls)

                _, idle = await heartbeat(False)
                per_key, stalls = await heartbeat(True)
                out["big_typing_autosave_main_thread_cpu_per_key"] = _stats([per_key])
                out["big_typing_longest_event_loop_stall"] = _stats([stalls[-1]])
                out["big_typing_event_loop_stall_p95"] = _stats([stalls[int(0.95 * (len(stalls) - 1))]])
                out["idle_longest_event_loop_stall"] = _stats([idle[-1]])
                while app.session.dirty and getattr(app.session, "saving", False):
                    await asyncio.sleep(0.05)
                out["big_typing_saves"] = len(saves)
                t = time.perf_counter()
                await pilot.press("ctrl+q")
            out["big_quit"] = _stats([(time.perf_counter() - t) * 1000])

        try:
            asyncio.run(drive())
        finally:
            app.session.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=7, help="start-up runs of each app (default 7)")
    p.add_argument("--keys", type=int, default=40, help="keystrokes per latency figure (default 40)")
    p.add_argument("--file", default=str(ROOT / "examples" / "jianou-2018.toml"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--big", action="store_true", help="also type into a 1 MB report at 120x40 (preview shown)")
    p.add_argument("--big-only", action="store_true", help="only the 1 MB report")
    p.add_argument("--no-freeze", action="store_true",
                   help="the 1 MB report without gc.freeze() after the first page (as before 2026-12-03 evening)")
    p.add_argument("--no-compile", action="store_true",
                   help="do not compile the project's modules first (measure the bytecode as found)")
    args = p.parse_args(argv)
    example = Path(args.file)
    bytecode = "as found" if args.no_compile else "project precompiled (compileall)"
    result = {"python": sys.version.split()[0], "file": str(example), "bytecode": bytecode,
              "startup": {} if args.big_only else startup(example, args.runs, not args.no_compile),
              "latency": {} if args.big_only else latency(example, args.keys)}
    if args.big or args.big_only:
        result["latency"].update(latency_big(example, min(args.keys, 20), no_freeze=args.no_freeze))
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    s = result["startup"]
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    if not s:
        print_latency(result["latency"], args.keys, met)
        return 0
    print(f"TUI start-up: {args.runs} runs each, interleaved, headless 80x24; Python {result['python']}; {example.name}")
    print(f"bytecode: {bytecode}" + ("" if args.no_compile else "; --no-compile to measure it as found"))
    print(f"{'':28}{'first frame':>12}{'(best)':>9}{'first drawn':>13}{'max RSS':>10}")
    for name, label in (("bare", "bare Textual form"), ("nianbao", "nianbao edit")):
        r = s[name]
        print(f"{label:28}{r['first_frame_ms']:10.0f}ms{r['best_first_frame_ms']:7.0f}ms{r['first_drawn_ms']:11.0f}ms"
              f"{r['rss_mib']:7.1f}MiB")
    print(f"{'ratio nianbao / bare':28}{s['ratio_first_frame']:11.2f}×{'':9}{s['ratio_first_drawn']:12.2f}×"
          f"{s['ratio_rss']:9.2f}×")
    print(f"goal: first frame within {GOAL_RATIO}x -> {s['ratio_first_frame']:.2f}x {met(s['ratio_first_frame'] <= GOAL_RATIO)};"
          f" memory within {GOAL_RATIO}x -> {s['ratio_rss']:.2f}x {met(s['ratio_rss'] <= GOAL_RATIO)}")
    print()
    print_latency(result["latency"], args.keys, met)
    return 0


def print_latency(latency: dict, keys: int, met) -> None:
    print(f"Keystroke to validation ({keys} keys each){'':6}{'median':>9}{'p95':>9}{'max':>9}")
    for key, r in latency.items():
        if isinstance(r, dict):
            print(f"{key.replace('_', ' '):47}{r['median_ms']:7.1f}ms{r['p95_ms']:7.1f}ms{r['max_ms']:7.1f}ms")
    app = [r["median_ms"] for k, r in latency.items() if k.startswith("app_keystroke")]
    if app:
        print(f"goal: a keystroke's work under a frame ({FRAME_MS:.0f} ms) -> {max(app):.1f} ms {met(max(app) < FRAME_MS)}"
              " (the Pilot round trip adds Pilot's own waits)")
    if "big_app_keystroke_own_cpu" in latency:
        cpu = latency["big_app_keystroke_own_cpu"]["median_ms"]
        print(f"goal: {latency['file_bytes']:,}-byte report, the app's own work for a keystroke on the event loop"
              f" under a frame ({FRAME_MS:.0f} ms) -> {cpu:.1f} ms {met(cpu < FRAME_MS)}")
    if "big_typing_longest_event_loop_stall" in latency:
        stall = latency["big_typing_longest_event_loop_stall"]["max_ms"]
        idle = latency["idle_longest_event_loop_stall"]["max_ms"]
        print(f"typing into it: longest event-loop stall {stall:.0f} ms (the same 3 s not typing: {idle:.0f} ms,"
              f" the machine's own); main thread {latency['big_typing_autosave_main_thread_cpu_per_key']['max_ms']:.1f} ms"
              f" of CPU per key; {latency['big_typing_saves']} autosaves")


if __name__ == "__main__":
    sys.exit(main())
