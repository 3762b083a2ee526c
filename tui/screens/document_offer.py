"""``nianbao edit last-year.docx``: the offer to import a published document before anything
is written. The import has already been done in memory; the screen shows what it found
(unit, year, format, the table cells read, every deviation and every piece of text that
mapped nowhere) and asks. The document itself is never written; the report goes beside it."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from ..i18n import Translator
from ..text_layout import WrappedText, hanging_lines
from ..workarounds import keep_typed_ahead

__all__ = ["DocumentOfferApp", "ask_to_import", "offer_bindings"]


def offer_bindings(t: Translator) -> list[BindingType]:
    """Every binding has an id; y/n as well as Enter/Esc, as a terminal question would take."""
    return [
        Binding("enter,y", "answer(True)", t("offer_import"), id="offer-import", priority=True, key_display="⏎"),
        Binding("escape,n", "answer(False)", t("offer_decline"), id="offer-decline", priority=True, key_display="Esc"),
        Binding("ctrl+q", "answer(False)", t("quit"), id="quit", priority=True, key_display="^q", show=False),
    ]


class DocumentOfferApp(App[bool]):
    """Returns ``True`` when the operator chose to import, ``False`` otherwise."""

    CSS_PATH = "../app.tcss"  # the one stylesheet of the interface
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = offer_bindings(Translator("zh"))

    def __init__(self, t: Translator, document: Path, target: Path, found: str, details: list[str],
                 cursor_blink: bool = False):
        super().__init__()
        self.t = t
        self.document, self.target, self.found, self.details = document, target, found, details
        self.cursor_blink = cursor_blink
        self.title = "nianbao edit"

    def compose(self) -> ComposeResult:
        t = self.t
        yield Static(t("offer_title", document=self.document.name), id="offer-title", markup=False)
        yield Static(t("offer_question", document=self.document.name, target=self.target.name),
                     id="offer-question", markup=False)
        box = VerticalScroll(id="offer-found")
        box.border_title = t("offer_found")
        with box:
            yield WrappedText(hanging_lines([self.found] + self.details))
        yield Footer(compact=True, show_command_palette=False)

    async def action_answer(self, yes: bool) -> None:
        if yes:
            await keep_typed_ahead(self)  # typed right after Enter: for the editor it opens
        self.exit(yes)


class DocumentOfferAppEn(DocumentOfferApp):
    BINDINGS = offer_bindings(Translator("en"))


def ask_to_import(language: str, document: Path, target: Path, found: str, details: list[str]) -> bool:
    """Show the offer on the terminal; ``True``: import. Closing it any other way is a no."""
    app_class = DocumentOfferAppEn if language == "en" else DocumentOfferApp
    return bool(app_class(Translator(language), document, target, found, details).run())
