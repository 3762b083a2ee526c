"""What each key does: the ``action_*`` methods the bindings of ``tui/bindings.py`` name, which
keys apply where (:meth:`Actions.check_action`), the help screen's text and the command
palette. A new key: a binding there, its action here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from textual.actions import SkipAction
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import OptionList

from plugins.host import guard
from plugins.engine.errors import NianbaoError
from plugins.text import cell_width
from plugins.fields import Records
from plugins.engine.history import view_with_previous
from plugins.engine.store import write_atomic

from .session import parse_path
from .form.editors import Editor, FieldInput
from .form.field_box import FieldBox
from .form.grid import CellNavigation, GridCell
from .form.records import RecordsBox
from .bindings import BROWSER_KEEPS, BROWSER_KEY_DISPLAY, LONG_NAMES, RECORD_ACTIONS, key_name
from .screens.export import ExportScreen
from .screens.help import HelpScreen

if TYPE_CHECKING:
    from .parts import AppParts
else:
    AppParts = object  # (the type checker sees the app's shared state and parts: tui/parts.py)


class Actions(AppParts):
    """The app's actions (one per binding id's action)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if isinstance(self.screen, ModalScreen) and action not in ("save", "quit", "command_palette"):
            return False  # a dialog is open: its own keys apply
        if action == "close_issues":  # wherever the focus is (a field, a cell, the list itself)
            return self.query_one("#issues").display
        if action == "enter_field":
            # Enter moves on only from one-line fields (it is a new line in prose, opens a list)
            return isinstance(self.focused, (FieldInput, GridCell))
        if action == "cell":
            return isinstance(self.focused, (FieldInput, GridCell)) and any(isinstance(a, CellNavigation) for a in self.focused.ancestors)
        if action.startswith(RECORD_ACTIONS):
            if self.session.read_only:
                return False
            if action == "add_record":  # (the page's fields, not its widgets: the footer asks before they are mounted)
                return self._focused_records() is not None or any(
                    isinstance(f, Records) for p in self.session.pages if p.id == self.page_id for f in p.fields)
            target = self._focused_records()
            return target is not None and target[1] is not None
        return True

    def action_remark(self) -> None:
        from .review import act

        act(self)

    def action_submit(self) -> None:
        from .review import submit

        submit(self)

    def action_save(self) -> None:
        self.session.dirty = self.session.dirty or not self.session.read_only
        self.flush_save()

    async def action_quit(self) -> None:
        await self._drain_focused()
        self.flush_save()
        if self.session.dirty and not self._quit_unsaved:
            # The save failed (a full disk, the folder's permissions): what was typed is only
            # here. Say so, and quit only when asked again.
            self._quit_unsaved = True
            reason = (self.session.save_error or self.session.why_read_only).removeprefix("无法保存：")
            self.notify(self.t("quit_unsaved", reason=reason), severity="error", timeout=30, markup=False)
            return
        self.remember_position()
        self.exit(0)

    def action_help_quit(self) -> None:
        self.notify(self.t("quit_hint"), markup=False)

    def help_text(self, width: int = 74) -> str:
        """The plugins that do not run, and why (or safe mode), when so; then every key (the
        app's own in two columns when they fit), then how the form behaves."""
        def table(rows: list[tuple[str, str]]) -> list[str]:
            key_w = max(cell_width(k) for k, _ in rows) + 2
            return [k + " " * (key_w - cell_width(k)) + d for k, d in rows]

        fields = table([(self.t("key_tab"), self.t("key_tab_desc")), (self.t("key_enter"), self.t("key_enter_desc")),
                        (self.t("key_arrows"), self.t("key_arrows_desc"))])
        cells = table([(" / ".join(key_name(k) for k in b.key.split(",") if not (self.is_web and k in BROWSER_KEEPS)),
                         self.t(LONG_NAMES[b.action]))
                       for b in self.BINDINGS if isinstance(b, Binding) and b.action in LONG_NAMES])
        col_w = max(cell_width(c) for c in cells) + 3
        if 2 * col_w <= width:
            half = (len(cells) + 1) // 2
            left, right = cells[:half], cells[half:]
            cells = [a + " " * (col_w - cell_width(a)) + (right[i] if i < len(right) else "") for i, a in enumerate(left)]
        plugins = ([self.t("safe_mode_notice")] if self.host.safe_mode else []) + self.host.not_running()
        head = [self.t("help_plugins_title")] + ["  " + line for line in plugins] + [""] if plugins else []
        return "\n".join(line.rstrip() for line in head + fields + [""] + cells) + "\n\n" + self.t("help_intro")

    def get_key_display(self, binding: Binding) -> str:
        """In a browser the footer names a key the browser lets through (``Ins``, not ``^n``)."""
        if self.is_web and binding.id in BROWSER_KEY_DISPLAY:
            return BROWSER_KEY_DISPLAY[binding.id]
        return super().get_key_display(binding)

    def action_help(self) -> None:
        width = min(78, self.size.width) - 4  # the box's border and padding
        self.push_screen(HelpScreen(f"{self.t('help_title')} · {self.t('help_close')}", self.help_text(width)))

    async def action_enter_field(self) -> None:
        await self.action_next_field(1)

    async def action_next_field(self, delta: int) -> None:
        await self._drain_focused()
        if delta > 0:
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    async def action_cell(self, key: str) -> None:
        widget = self.focused
        await self._drain_focused()
        box = next((a for a in widget.ancestors if isinstance(a, CellNavigation)), None) if widget else None
        target = box.neighbour(widget, key) if box is not None and widget is not None else None
        if target is None:
            raise SkipAction()  # the key does what it does in the field
        self.screen.set_focus(target)

    async def _move_page(self, delta: int) -> None:
        ids = [p.id for p in self.session.pages]
        i = ids.index(self.page_id) if self.page_id in ids else 0
        await self.show_page(ids[(i + delta) % len(ids)])

    async def action_next_page(self) -> None:
        await self._move_page(1)

    async def action_prev_page(self) -> None:
        await self._move_page(-1)

    async def action_goto_page(self, page_id: str) -> None:
        await self.show_page(page_id)

    async def action_next_problem(self) -> None:
        issues = self.ordered_issues()
        if not issues:
            self.notify(self.t("no_problems"))
            return
        # The problem after the one at the cursor, in the list's order (errors first); from
        # a field with no problem (just corrected), the first: counting on from the last
        # problem visited would skip the next error once the list got shorter.
        last, where = self._last_jump
        here = getattr(self.focused, "path", None)
        if where is not None and where is self.focused and last in issues:
            at: int | None = issues.index(last)
        else:
            at = next((n for n, i in enumerate(issues) if i.section == self.page_id and here and i.field == here), None)
        self._problem_index = 0 if at is None else (at + 1) % len(issues)
        issue = issues[self._problem_index]
        panel = self.query_one("#issues", OptionList)
        if panel.display and self._problem_index < panel.option_count:
            panel.highlighted = self._problem_index
        await self.jump(issue)
        self._last_jump = (issue, self.focused)

    def action_toggle_issues(self) -> None:
        """Show the list and go to it; from the list, hide it and go back to the field."""
        panel = self.query_one("#issues", OptionList)
        if panel.display and not panel.has_focus:
            self._focus_before_panel = self.focused
            panel.focus()
            return
        if panel.display:
            self.action_close_issues()
            return
        self._user_issues = True
        self._focus_before_panel = self.focused
        self._apply_layout()
        panel.focus()

    def action_close_issues(self) -> None:
        had_focus = self.query_one("#issues").has_focus
        self._user_issues = False
        self._apply_layout()
        if not had_focus:
            return  # the cursor stays where it is
        before = self._focus_before_panel
        if isinstance(before, Editor) and before.is_attached and before.page_id == self.page_id:
            self.screen.set_focus(before)
        elif not isinstance(self.focused, Editor):
            self.focus_path(None)

    def action_toggle_nav(self) -> None:
        """Collapse the part list to its marks and numerals, or show the titles again."""
        self._user_nav = not self.query_one("#nav").has_class("-narrow")
        self._apply_layout()

    def action_toggle_preview(self) -> None:
        self._user_preview = not self.query_one("#preview").display
        self._apply_layout()
        self.refresh_preview()

    def action_export(self) -> None:
        def done(path: Path | None) -> None:
            if path is None:
                return
            if self.is_web:  # nianbao serve: the file is on the server; the operator wants it in the browser
                self.deliver_binary(path)
                self.notify(self.t("export_delivered", path=path), markup=False)
            else:
                self.notify(self.t("export_done", path=path), markup=False)

        self.push_screen(ExportScreen(self), done)

    def export_job(self, exporter_id: str, path: Path) -> Callable[[], Path]:
        """The export of the report as it is now, to run in a thread: renders it from a
        frozen copy (typing may go on meanwhile) and writes the file atomically
        (:func:`plugins.engine.store.write_atomic`, like every file written). Raises on failure."""
        exporter = self.host.exporters[exporter_id]
        report = self.session.report
        view = view_with_previous(self.host, report)[0]

        def job() -> Path:
            document = self.renderer.render(report, view)
            return write_atomic(path, guard.call(exporter.export, document))  # (a plugin's exporter may sys.exit())
        return job

    def export(self, exporter_id: str, path: Path) -> Path | None:
        """Export at once, in this thread (the dialog uses :meth:`export_job` in a worker)."""
        self.flush_save()
        try:
            return self.export_job(exporter_id, path)()
        except NianbaoError as exc:
            self.notify(self.t("export_failed", error=str(exc)), severity="error", markup=False)
        except Exception as exc:  # noqa: BLE001
            self.notify(self.t("export_failed", error=f"{type(exc).__name__}: {exc}"), severity="error", markup=False)
        return None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p) in the interface's language: every action, and a
        way to each page."""
        for b in self.BINDINGS:
            if isinstance(b, Binding) and b.action in LONG_NAMES and b.action != "command_palette" \
                    and not b.action.startswith(RECORD_ACTIONS):
                key = b.key_display or b.key.split(",")[0]
                yield SystemCommand(self.t(LONG_NAMES[b.action]), key,
                                    lambda a=b.action: self.call_later(self.run_action, a))
        for page in self.session.pages:
            yield SystemCommand(self.t("goto_page", title=page.title), "",
                                lambda p=page.id: self.call_later(self.show_page, p))

    def _focused_records(self) -> tuple[RecordsBox, int | None] | None:
        focused = self.focused
        node = focused
        while node is not None and not isinstance(node, RecordsBox):
            node = node.parent  # type: ignore[assignment]
        if node is None:
            return None
        return node, node.index_of(focused)

    async def _rebuild_records(self, box: RecordsBox, focus: str | None) -> None:
        box.limit = None
        await box.recompose()
        self._prepare_editors(box)
        for field_box in box.ancestors:
            if isinstance(field_box, FieldBox):
                field_box.forget_editors()
        await self.after_change()
        self.focus_path(focus or box.field.key)

    def _column_of(self, widget: Any) -> str | None:
        path = getattr(widget, "path", "")
        return parse_path(path)[2] if path else None

    async def action_add_record(self) -> None:
        await self._drain_focused()
        target = self._focused_records()
        if target is None:
            box = next(iter(self.query_page(RecordsBox)), None)
            if box is None:
                return
            target = (box, None)
        box, index = target
        at = self.session.add_record(self.page_id, box.field.key, index)
        first = box.field.columns[0].key if box.field.columns else ""
        await self._rebuild_records(box, f"{box.field.key}[{at}].{first}")

    async def _focused_record(self) -> tuple[RecordsBox, int, str | None] | None:
        """The list, record index and column the cursor is in, after what was typed there is
        applied; None outside a record."""
        await self._drain_focused()
        target = self._focused_records()
        if target is None or target[1] is None:
            return None
        return target[0], target[1], self._column_of(self.focused)

    async def action_remove_record(self) -> None:
        record = await self._focused_record()
        if record is None:
            return
        box, index, column = record
        self.session.remove_record(self.page_id, box.field.key, index)
        remaining = len(self.session.records(self.page_id, box.field.key))
        focus = f"{box.field.key}[{min(index, remaining - 1)}].{column}" if remaining else None
        await self._rebuild_records(box, focus)

    async def action_move_record(self, delta: int) -> None:
        record = await self._focused_record()
        if record is None:
            return
        box, index, column = record
        to = self.session.move_record(self.page_id, box.field.key, index, delta)
        if to != index:
            await self._rebuild_records(box, f"{box.field.key}[{to}].{column}")
