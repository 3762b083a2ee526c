"""The help screen (F1): every key and how the form behaves (its text: ``Actions.help_text``)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from ..text_layout import WrappedText, hanging_lines


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "", id="help-close", show=False)]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text, self.text = title, text

    def compose(self) -> ComposeResult:
        box = VerticalScroll(id="help-box")
        box.border_title = self.title_text
        with box:
            yield WrappedText(hanging_lines(self.text.split("\n")))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
