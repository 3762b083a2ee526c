"""The export dialog (F10): a format, a file name, and the export run in a thread."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text as RichText
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from plugins.engine.errors import NianbaoError

if TYPE_CHECKING:
    from ..parts import AppParts


class ExportScreen(ModalScreen[Path | None]):
    """Choose a format and press Enter: the report is exported to the file shown (Tab goes
    to the file name to change it). A report that still has errors is exported only after
    a second Enter on the question saying how many. Exporting runs in a thread, the dialog
    counting the seconds, so that a slow Word export never looks like a hang."""

    BINDINGS = [Binding("escape", "dismiss_none", "", id="export-cancel", show=False)]

    def __init__(self, app_: AppParts):
        super().__init__()
        self.nb = app_
        self.asked = False  # the question about errors has been put
        self.busy = False
        self._started = 0.0
        self._ticker: Any = None

    def compose(self) -> ComposeResult:
        t = self.nb.t
        box = Vertical(id="export-box")
        box.border_title = t("export_title")
        with box:
            yield OptionList(*[Option(RichText(f"{e.id:6}{e.name}"), id=e.id) for e in self.nb.host.exporters.values()],
                             id="export-format", compact=True)
            yield Label(t("export_to"))
            yield Input(value=str(self._path(next(iter(self.nb.host.exporters), ""))), id="export-path", compact=True)
            yield Static("", id="export-status", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button(t("export_go"), id="export-ok", compact=True, variant="primary")
                yield Button(t("cancel"), id="export-cancel", compact=True)

    def _path(self, exporter_id: str) -> Path:
        exporter = self.nb.host.exporters.get(exporter_id)
        src = self.nb.session.report.path or Path("report.toml")
        return src.with_suffix(exporter.suffix) if exporter is not None else src.with_suffix(".txt")

    def on_mount(self) -> None:
        options = self.query_one("#export-format", OptionList)
        options.highlighted = 0
        options.focus()
        self._say(self.nb.t("export_hint"))

    def _say(self, text: str, style: str = "dim") -> None:
        self.query_one("#export-status", Static).update(RichText(text, style=style))

    @on(OptionList.OptionHighlighted, "#export-format")
    def _highlight(self, event: OptionList.OptionHighlighted) -> None:
        if not self.busy:
            self.query_one("#export-path", Input).value = str(self._path(event.option.id or ""))

    @on(OptionList.OptionSelected, "#export-format")
    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def _ok(self) -> None:
        if self.busy:
            return
        opts = self.query_one("#export-format", OptionList)
        if not opts.option_count:
            self.dismiss(None)
            return
        errors = len(self.nb.session.result.errors)
        if errors and not self.asked:
            self.asked = True
            self._say(self.nb.t("export_ask", n=errors), "bold yellow")
            self.query_one("#export-ok", Button).label = self.nb.t("export_anyway")
            self.query_one("#export-ok", Button).focus()
            return
        option = opts.get_option_at_index(opts.highlighted or 0)
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        exporter_id = option.id or ""
        self.busy = True
        for widget in self.query("#export-format, #export-path, #export-ok").results(Widget):
            widget.disabled = True
        self._started = time.monotonic()
        self._tick()
        self._ticker = self.set_interval(0.5, self._tick)
        self.nb.flush_save()
        job = self.nb.export_job(exporter_id, path)
        self.nb.in_background("export", job, self._finished)  # (a daemon thread: a hung exporter never keeps the app from quitting)

    def _tick(self) -> None:
        name = self.nb.host.exporters[self._exporter_id()].name if self._exporter_id() in self.nb.host.exporters else ""
        self._say(self.nb.t("exporting", name=name, s=int(time.monotonic() - self._started)), "bold")

    def _exporter_id(self) -> str:
        opts = self.query_one("#export-format", OptionList)
        return (opts.get_option_at_index(opts.highlighted or 0).id or "") if opts.option_count else ""

    def _finished(self, result: Path | BaseException) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        self.busy = False
        if isinstance(result, BaseException):
            error = str(result) if isinstance(result, NianbaoError) else f"{type(result).__name__}: {result}"
            self._say(self.nb.t("export_failed", error=error), "bold red")
            for widget in self.query("#export-format, #export-path, #export-ok").results(Widget):
                widget.disabled = False
            self.query_one("#export-path", Input).focus()
            return
        self.dismiss(result)

    @on(Button.Pressed, "#export-cancel")
    def action_dismiss_none(self) -> None:
        if not self.busy:  # (a file half written is never left: the write is atomic)
            self.dismiss(None)
