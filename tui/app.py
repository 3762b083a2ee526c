"""The Textual interface: the report's pages (metadata, then each section) as forms generated
from their field declarations, live checking, preview, export, and saving that loses nothing.
"""

from __future__ import annotations

import asyncio
import codecs
import signal
import sys
from pathlib import Path
from typing import Any

from rich.text import Text as RichText
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from plugins.checks import describe_field
from plugins.config import Config
from plugins.document import parse_markup
from plugins.errors import NianbaoError
from plugins.exporters import _text_block
from plugins.manager import PluginHost, host_from_env
from plugins.render import Renderer
from plugins.results import Issue
from plugins.store import load_report

from .i18n import Translator
from .session import Session
from .widgets import (ComputedValue, Editor, FieldBox, FieldInput, FieldLeft, FieldSelect, FieldText,
                      GridBox, RecordsBox)

SAVE_DELAY = 1.0  # at most this long between a keystroke and the file on disk
PREVIEW_DELAY = 0.3
STATE_MARK = {"empty": "·", "progress": "…", "errors": "✗", "warnings": "!", "complete": "✓", "broken": "✗"}


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "关闭", id="help-close")]

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(self.text, markup=False)


class ExportScreen(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "dismiss_none", "取消", id="export-cancel")]

    def __init__(self, app_: "NianbaoApp"):
        super().__init__()
        self.nb = app_

    def compose(self) -> ComposeResult:
        t = self.nb.t
        with Vertical(id="export-box"):
            yield Label(t("export_title"), classes="title")
            yield OptionList(*[Option(RichText(f"{e.id:5} {e.name}"), id=e.id) for e in self.nb.host.exporters.values()],
                             id="export-format")
            yield Label(t("export_to"))
            yield Input(value=str(self._path("txt")), id="export-path", compact=True)
            with Horizontal(id="export-buttons"):
                yield Button(t("ok"), id="export-ok", compact=True, variant="primary")
                yield Button(t("cancel"), id="export-cancel", compact=True)

    def _path(self, exporter_id: str) -> Path:
        exporter = self.nb.host.exporters[exporter_id]
        src = self.nb.session.report.path or Path("report.toml")
        return src.with_suffix(exporter.suffix)

    def on_mount(self) -> None:
        self.query_one("#export-format", OptionList).highlighted = 0
        self.query_one("#export-format", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#export-format")
    def _highlight(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#export-path", Input).value = str(self._path(event.option.id))

    @on(OptionList.OptionSelected, "#export-format")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def _ok(self) -> None:
        opts = self.query_one("#export-format", OptionList)
        option = opts.get_option_at_index(opts.highlighted or 0)
        path = Path(self.query_one("#export-path", Input).value.strip())
        self.dismiss(self.nb.export(option.id, path))

    @on(Button.Pressed, "#export-cancel")
    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def make_bindings(t: Translator) -> list[Binding]:
    """Every binding has an id (remappable with ``App.set_keymap``) and uses only keys that
    terminals send over SSH: ctrl+letter and F-keys, each F-key with a ctrl alternative."""
    return [
        Binding("ctrl+s", "save", t("save"), id="save", priority=True),
        Binding("ctrl+q", "quit", t("quit"), id="quit", priority=True),
        Binding("f1,ctrl+o", "help", t("help"), id="help", priority=True, key_display="F1"),
        Binding("f2,ctrl+b", "prev_page", t("prev_section"), id="prev-section", priority=True, key_display="F2"),
        Binding("f3,ctrl+f", "next_page", t("next_section"), id="next-section", priority=True, key_display="F3"),
        Binding("f4,ctrl+g", "next_problem", t("next_problem"), id="next-problem", priority=True, key_display="F4"),
        Binding("f8,ctrl+l", "toggle_issues", t("toggle_issues"), id="toggle-issues", priority=True, key_display="F8"),
        Binding("f9,ctrl+t", "toggle_preview", t("toggle_preview"), id="toggle-preview", priority=True, key_display="F9"),
        Binding("f10", "export", t("export"), id="export", priority=True),
        Binding("ctrl+n", "add_record", t("add_record"), id="add-record", show=False),
        Binding("ctrl+r", "remove_record", t("remove_record"), id="remove-record", show=False),
        Binding("ctrl+up", "move_record(-1)", t("move_up"), id="move-up", show=False),
        Binding("ctrl+down", "move_record(1)", t("move_down"), id="move-down", show=False),
        Binding("ctrl+p", "command_palette", t("commands"), id="command-palette", show=False),
    ]


class NianbaoApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "nianbao"
    ENABLE_COMMAND_PALETTE = True
    AUTO_FOCUS = None  # focus is placed on the first field explicitly (scroll containers steal it)
    BINDINGS = make_bindings(Translator("zh"))

    def __init__(self, session: Session, config: Config | None = None, *, autosave: bool = True):
        self.t = Translator((config or session.host.config).language)
        super().__init__()
        self.session = session
        self.host: PluginHost = session.host
        self.renderer = Renderer(self.host)
        self.autosave = autosave
        self.page_id = session.pages[0].id if len(session.pages) == 1 else session.pages[1].id
        self._save_timer = None
        self._preview_timer = None
        self._problem_index = -1
        self._showing_issues: list[Issue] = []

    # -- layout --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="status", markup=False)
        with Horizontal(id="main"):
            yield OptionList(id="nav")
            yield VerticalScroll(id="form", can_focus=False)
            with VerticalScroll(id="preview", can_focus=False):
                yield Static("", id="preview-text", markup=False)
        yield OptionList(id="issues")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#preview").display = self.size.width >= 120
        self.query_one("#issues").display = self.size.height >= 30
        self._install_signal_handlers()
        self.refresh_nav()
        self.show_page(self.page_id)
        if self.session.read_only:
            self.notify(self.t("readonly_notice", holder=self.session.holder), severity="warning", timeout=10, markup=False)

    def _install_signal_handlers(self) -> None:
        # Textual has no SIGHUP handler: a dropped SSH connection would kill the process
        # without saving. Save, then leave cleanly.
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self._on_hangup)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    def _on_hangup(self) -> None:
        try:
            self.session.save()
        finally:
            self.exit(0)

    # -- pages ---------------------------------------------------------------------------
    def refresh_nav(self) -> None:
        nav = self.query_one("#nav", OptionList)
        highlighted = nav.highlighted
        nav.clear_options()
        for page in self.session.pages:
            state = self.session.state(page.id)
            label = RichText(f"{STATE_MARK[state]} ", style=_STATE_STYLE[state]) + RichText(_fit(page.title, NAV_TEXT_CELLS))
            nav.add_option(Option(label, id=page.id))
        ids = [p.id for p in self.session.pages]
        nav.highlighted = ids.index(self.page_id) if self.page_id in ids else highlighted

    def show_page(self, page_id: str, focus_path: str | None = None) -> None:
        self.flush_save()
        self.page_id = page_id
        page = self.session.page(page_id)
        form = self.query_one("#form", VerticalScroll)
        form.remove_children()
        widgets: list[Any] = [Label(RichText(page.heading), classes="page-title")]
        if page_id in self.session.result.broken:
            widgets.append(Static(self.t("section_broken", msg=self.session.result.broken[page_id]), classes="broken", markup=False))
        widgets += [FieldBox(page_id, f, self.session, self.t, id=f"field-{f.key}") for f in page.fields]
        form.mount_all(widgets)
        form.scroll_home(animate=False)
        self.call_after_refresh(self._after_show, focus_path)

    def _after_show(self, focus_path: str | None) -> None:
        if self.session.read_only:
            for w in self.query("#form Input, #form TextArea, #form Select"):
                w.disabled = True
        self.refresh_issues()
        self.refresh_nav()
        self.focus_path(focus_path)
        self.schedule_preview(0)

    def editors(self) -> list[Any]:
        return [w for w in self.query("#form *") if isinstance(w, Editor)]

    def focus_path(self, path: str | None) -> None:
        editors = self.editors()
        if not editors:
            return
        target = None
        if path:
            target = next((w for w in editors if w.path == path), None)
            if target is None:
                key = path.split("[")[0].split(".")[0]
                target = next((w for w in editors if w.path.split("[")[0].split(".")[0] == key), None)
            if target is None:
                box = self.query(f"#field-{path.split('[')[0].split('.')[0]}")
                if box:
                    box.first().scroll_visible(animate=False)
                    return
        target = target or editors[0]
        if not target.disabled:
            target.focus()
        target.scroll_visible(animate=False)

    # -- editing -------------------------------------------------------------------------
    def _edited(self, widget: Editor, text: str) -> None:
        if self.session.read_only:
            return
        page = self.session.page(widget.page_id)
        current = self._current_text(page, widget.path)
        if text == current:
            return  # the widget just showed what is stored (mount, refresh)
        if "\ufffd" in text:
            self.notify(self.t("bad_encoding"), severity="error", markup=False)
        self.session.set_text(widget.page_id, widget.path, text)
        self.after_change()

    def _current_text(self, page, path: str) -> str:
        from .session import parse_path

        key, index, a, b = parse_path(path)
        field = next(f for f in page.fields if f.key == key)
        raw = self.session.raw(page.id, key)
        if index is not None:
            rows = raw if isinstance(raw, list) else []
            raw = rows[index].get(a) if index < len(rows) and isinstance(rows[index], dict) else None
            field = next(c for c in field.columns if c.key == a)
        elif b is not None:
            raw = (raw or {}).get(a, {}).get(b) if isinstance(raw, dict) and isinstance(raw.get(a), dict) else None
            field = field.cell
        return self.session.display(page.id, field, raw)

    def after_change(self) -> None:
        self.session.check()
        self.refresh_issues()
        self.refresh_nav()
        self.schedule_save()
        self.schedule_preview()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FieldInput):
            self._edited(event.input, event.value)

    @on(TextArea.Changed)
    def _text_changed(self, event: TextArea.Changed) -> None:
        if isinstance(event.text_area, FieldText):
            self._edited(event.text_area, event.text_area.text)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if isinstance(event.select, FieldSelect):
            value = "" if event.value is Select.BLANK else str(event.value)
            self._edited(event.select, value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FieldInput):
            self.screen.focus_next()

    @on(Input.Blurred)
    @on(FieldLeft)
    def _left_field(self) -> None:
        self.flush_save()

    @on(OptionList.OptionSelected, "#nav")
    def _nav_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id != self.page_id:
            self.show_page(event.option.id)

    @on(OptionList.OptionSelected, "#issues")
    def _issue_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id)
        if index < len(self._showing_issues):
            self.jump(self._showing_issues[index])

    # -- issues --------------------------------------------------------------------------
    def ordered_issues(self) -> list[Issue]:
        order = {p.id: i for i, p in enumerate(self.session.pages)}
        rank = {"error": 0, "warning": 1}
        issues = self.session.result.issues
        # Contradictions first, then plausibility, then what is simply not filled in yet.
        return sorted(issues, key=lambda i: (i.rule == "V-REQUIRED", rank[i.severity], order.get(i.section, 99)))

    def refresh_issues(self) -> None:
        result = self.session.result
        by_key: dict[str, list[Issue]] = {}
        for issue in result.for_section(self.page_id):
            key = (issue.field or "").split("[")[0].split(".")[0]
            by_key.setdefault(key, []).append(issue)
        page = self.session.page(self.page_id)
        for box in self.query(FieldBox):
            issues = by_key.get(box.field.key, [])
            lines = []
            for issue in issues:
                where = describe_field(page.fields, issue.field)
                sub = where.split(" · ", 1)[1] + "：" if " · " in where else ""
                kind = "missing" if issue.rule == "V-REQUIRED" else issue.severity
                lines.append(f"{self.t(kind)}：{sub}{issue.message}")
            message = box.query_one(".message", Static)
            message.update("\n".join(lines))
            message.set_class(bool(issues), "-shown")
            message.set_class(any(i.severity == "error" and i.rule != "V-REQUIRED" for i in issues), "-error")
            message.set_class(any(i.severity == "warning" for i in issues), "-warning")
        flagged = {i.field for i in result.for_section(self.page_id) if i.field}
        for w in self.editors():
            w.set_class(w.path in flagged, "-flagged")
        for w in self.query(ComputedValue):
            w.refresh_value(self.host.view(self.session.report))
        for g in self.query(GridBox):
            g.refresh_computed()
        panel = self.query_one("#issues", OptionList)
        self._showing_issues = self.ordered_issues()
        panel.clear_options()
        titles = {p.id: p.title for p in self.session.pages}
        for n, issue in enumerate(self._showing_issues):
            fields = self.session.page(issue.section).fields if issue.section in titles else ()
            where = titles.get(issue.section, issue.section)
            label = describe_field(fields, issue.field)
            kind = "missing" if issue.rule == "V-REQUIRED" else issue.severity
            style = {"error": "bold red", "warning": "yellow", "missing": "dim"}[kind]
            text = RichText(f"[{self.t(kind)}] ", style=style) + RichText(f"{where}{' › ' + label if label else ''}：{issue.message}")
            panel.add_option(Option(text, id=str(n)))
        self.refresh_status()

    def refresh_status(self) -> None:
        s = self.session
        meta = s.report.meta
        real_errors = [i for i in s.result.errors if i.rule != "V-REQUIRED"]
        missing = [i for i in s.result.errors if i.rule == "V-REQUIRED"]
        counts = self.t("problems_count", errors=len(real_errors), warnings=len(s.result.warnings))
        if missing:
            counts += f"，{len(missing)} {self.t('missing')}"
        if s.read_only:
            saved = self.t("read_only", holder=s.holder)
        elif s.dirty:
            saved = self.t("unsaved")
        elif s.last_saved:
            saved = self.t("saved_at", time=s.last_saved.strftime("%H:%M:%S"))
        else:
            saved = ""
        name = s.report.path.name if s.report.path else ""
        unit = str(meta.get("unit", ""))
        year = meta.get("year", "")
        self.query_one("#status", Static).update(f" {unit} {year}  {name}  │ {counts}  │ {saved}")

    def jump(self, issue: Issue) -> None:
        if issue.section != self.page_id:
            self.show_page(issue.section, focus_path=issue.field)
        else:
            self.focus_path(issue.field)

    # -- saving and preview ----------------------------------------------------------------
    def schedule_save(self) -> None:
        # A throttle, not a debounce: continuous typing is still on disk within SAVE_DELAY.
        if self.autosave and self._save_timer is None:
            self._save_timer = self.set_timer(SAVE_DELAY, self.flush_save)

    def flush_save(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        try:
            saved = self.session.save()
        except (OSError, NianbaoError) as e:
            self.notify(self.t("save_failed", error=str(e)), severity="error", markup=False)
            return
        if saved and self.is_mounted:
            self.refresh_status()

    def schedule_preview(self, delay: float = PREVIEW_DELAY) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(delay, self.refresh_preview)

    def refresh_preview(self) -> None:
        self._preview_timer = None
        if not self.query_one("#preview").display:
            return
        self.query_one("#preview-text", Static).update(self.preview_text())

    def preview_text(self) -> str:
        view = self.host.view(self.session.report)
        try:
            if self.page_id == "report":
                blocks = self.renderer.render(self.session.report, view).blocks
                cut = next((i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1), len(blocks))
                blocks = blocks[:cut]
            else:
                position = [p.id for p in self.session.pages].index(self.page_id)
                part = self.renderer.render_part(self.host.section(self.page_id), view, position)
                blocks = parse_markup(f"::h1 {part.heading}\n" + part.markup)
        except Exception as exc:  # noqa: BLE001 - a broken template must not take the app down
            return f"（预览失败：{type(exc).__name__}: {exc}）"
        lines: list[str] = []
        for b in blocks:
            lines += _text_block(b)
        return "\n".join(lines)

    # -- actions -------------------------------------------------------------------------
    def action_save(self) -> None:
        self.session.dirty = self.session.dirty or not self.session.read_only
        self.flush_save()

    async def action_quit(self) -> None:
        self.flush_save()
        self.exit(0)

    def action_help(self) -> None:
        keys = []
        for b in self.BINDINGS:
            keys.append(f"{b.key:22} {b.description}")
        self.push_screen(HelpScreen(self.t("help_intro") + "\n\n" + "\n".join(keys)))

    def _move_page(self, delta: int) -> None:
        ids = [p.id for p in self.session.pages]
        i = ids.index(self.page_id) if self.page_id in ids else 0
        self.show_page(ids[(i + delta) % len(ids)])

    def action_next_page(self) -> None:
        self._move_page(1)

    def action_prev_page(self) -> None:
        self._move_page(-1)

    def action_next_problem(self) -> None:
        issues = self.ordered_issues()
        if not issues:
            self.notify(self.t("no_problems"))
            return
        self._problem_index = (self._problem_index + 1) % len(issues)
        self.jump(issues[self._problem_index])

    def action_toggle_issues(self) -> None:
        panel = self.query_one("#issues", OptionList)
        panel.display = not panel.display
        if panel.display:
            panel.focus()

    def action_toggle_preview(self) -> None:
        preview = self.query_one("#preview")
        preview.display = not preview.display
        self.refresh_preview()

    def action_export(self) -> None:
        def done(path: Path | None) -> None:
            if path is not None:
                self.notify(self.t("export_done", path=path), markup=False)

        self.push_screen(ExportScreen(self), done)

    def export(self, exporter_id: str, path: Path) -> Path | None:
        self.flush_save()
        exporter = self.host.exporters[exporter_id]
        try:
            document = self.renderer.render(self.session.report)
            output = exporter.export(document)
            if exporter.binary:
                path.write_bytes(output)  # type: ignore[arg-type]
            else:
                path.write_text(output, encoding="utf-8")  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            self.notify(self.t("export_failed", error=f"{type(exc).__name__}: {exc}"), severity="error", markup=False)
            return None
        errors = [i for i in self.session.result.errors]
        if errors:
            self.notify(self.t("export_with_errors", n=len(errors)), severity="warning")
        return path

    def _focused_records(self) -> tuple[RecordsBox, int | None] | None:
        focused = self.focused
        node = focused
        while node is not None and not isinstance(node, RecordsBox):
            node = node.parent
        if node is None:
            return None
        return node, node.index_of(focused)

    def _rebuild_records(self, box: RecordsBox, focus_index: int | None) -> None:
        key = box.field.key
        first_col = box.field.columns[0].key if box.field.columns else ""
        self.show_page(self.page_id, focus_path=f"{key}[{focus_index}].{first_col}" if focus_index is not None else key)

    def action_add_record(self) -> None:
        target = self._focused_records()
        if target is None:
            # not inside a list: add to the first list of this page
            box = next(iter(self.query(RecordsBox)), None)
            if box is None:
                return
            target = (box, None)
        box, index = target
        if self.session.read_only:
            return
        at = self.session.add_record(self.page_id, box.field.key, index)
        self.after_change()
        self._rebuild_records(box, at)

    def action_remove_record(self) -> None:
        target = self._focused_records()
        if target is None or target[1] is None or self.session.read_only:
            return
        box, index = target
        self.session.remove_record(self.page_id, box.field.key, index)
        self.after_change()
        remaining = len(self.session.records(self.page_id, box.field.key))
        self._rebuild_records(box, min(index, remaining - 1) if remaining else None)

    def action_move_record(self, delta: int) -> None:
        target = self._focused_records()
        if target is None or target[1] is None or self.session.read_only:
            return
        box, index = target
        to = self.session.move_record(self.page_id, box.field.key, index, delta)
        if to != index:
            self.after_change()
            self._rebuild_records(box, to)


NAV_TEXT_CELLS = 19  # the navigation column is 24 cells wide: mark, space, title, scrollbar


def _fit(text: str, cells: int) -> str:
    """Cut ``text`` to ``cells`` display cells (CJK counts two), ending in … when cut."""
    from plugins.exporters import display_width

    if display_width(text) <= cells:
        return text
    out = ""
    for ch in text:
        if display_width(out + ch) > cells - 1:
            break
        out += ch
    return out + "…"


_STATE_STYLE = {"empty": "dim", "progress": "yellow", "errors": "bold red", "warnings": "yellow",
                "complete": "green", "broken": "bold red"}


def _tolerate_non_utf8_terminals() -> None:
    """A GBK terminal sends bytes Textual's strict UTF-8 decoder dies on (Textual #6456),
    which would end the app and lose what was typed. Decode with replacement instead; the
    app warns when a replacement character arrives."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # pragma: no cover - not on Linux
        return

    def decoder_factory(encoding: str):
        cls = codecs.getincrementaldecoder(encoding)
        return lambda errors="strict": cls(errors="replace")

    linux_driver.getincrementaldecoder = decoder_factory  # type: ignore[assignment]


class NianbaoAppEn(NianbaoApp):
    BINDINGS = make_bindings(Translator("en"))


def build_app(path: str | Path, config: Config, *, safe_mode: bool = False, host: PluginHost | None = None,
              autosave: bool = True) -> NianbaoApp:
    host = host or host_from_env(config, safe_mode=True if safe_mode else None)
    report = load_report(path)
    session = Session(host, report)
    session.acquire()
    app_class = NianbaoAppEn if config.language == "en" else NianbaoApp
    return app_class(session, config, autosave=autosave)


def run_app(path: str | Path, config: Config, *, safe_mode: bool = False) -> int:
    try:
        app = build_app(path, config, safe_mode=safe_mode)
    except NianbaoError as e:
        sys.stderr.write(f"nianbao: {e}\n")
        return 2
    _tolerate_non_utf8_terminals()
    try:
        code = app.run()
    finally:
        try:
            app.session.save()  # whatever way the app ended, nothing typed is left unsaved
        finally:
            app.session.close()
    return code or 0
