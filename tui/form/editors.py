"""The widgets that edit one value, one per field kind: :class:`FieldInput` (line, integer,
decimal, date), :class:`FieldText` (prose), :class:`FieldSelect` (choice) and
:class:`ComputedValue` (computed, read-only). Tables are in ``grid.py``, lists of records in
``records.py``; :meth:`tui.form.field_box.FieldBox._editor` picks the widget for a kind. A
new field kind gets its widget here (an :class:`Editor`) and a line there.

Typing reaches the session synchronously, inside the editor's own message loop (see
:class:`Editor`): what was typed is stored before any later key (a record moved, a page
changed) is acted on, so nothing typed can land in the wrong place or be lost."""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText
from textual import events
from textual.message import Message
from textual.strip import Strip
from textual.geometry import Size
from textual.widgets import Input, Select, TextArea

from plugins.host import guard
from plugins.document import Table
from plugins.fields import Field, clean_text
from plugins.engine.report import ReportView

from ..text_layout import TableText, WrappedText, fit
from ..workarounds import compact, prewrap_text_area, select_parts


NUMERIC = ("integer", "decimal", "date")
INLINE = ("line", "integer", "decimal", "date", "choice", "computed")
UNDECODABLE = "\ufffd"  # what bytes the terminal sent that are not UTF-8 become (see workarounds.tolerate_non_utf8_terminals)


class FieldLeft(Message):
    """An editor lost focus: a good moment to save."""


class Editor:
    """Mixin for the widgets that edit one value: where it lives (page and field path), and
    the hand-over of every change to the app *before* the change message is queued."""

    page_id: str
    path: str

    def current_text(self) -> str:  # pragma: no cover - each editor overrides
        raise NotImplementedError

    def _hand_over(self) -> None:
        if getattr(self, "path", None) is None or not self.is_mounted:  # type: ignore[attr-defined]
            return  # the initial value, set while the widget is built
        hook = getattr(self.app, "apply_edit", None)  # type: ignore[attr-defined]
        if hook is not None:
            hook(self, self.current_text())

    def _on_blur(self, event: events.Blur) -> None:
        # (Textual calls the handler of every class in the MRO: the widget's own runs too.)
        self.post_message(FieldLeft())  # type: ignore[attr-defined]

    async def _on_key(self, event: events.Key) -> None:
        # Runs before the widget's own handler; preventing the default keeps it from
        # inserting the character. (async like the handlers it goes before: Textual awaits each.)
        if getattr(self.app, "review_mode", False) and (  # type: ignore[attr-defined]
                event.is_printable or event.key in ("backspace", "delete", "enter", "ctrl+v", "ctrl+x", "ctrl+u", "ctrl+k", "ctrl+w")):
            event.prevent_default()  # the office reviews: the cursor moves, nothing is typed
            return
        if event.character == UNDECODABLE:
            event.prevent_default()
            event.stop()
            self._refuse()

    def _readable(self, text: str) -> str:
        """Pasted text without what could not be decoded (refused, saying so)."""
        if UNDECODABLE in text:
            self._refuse()
            return text.replace(UNDECODABLE, "")
        return text

    def _refuse(self) -> None:
        hook = getattr(self.app, "refuse_undecodable", None)  # type: ignore[attr-defined]
        if hook is not None:
            hook()


class FieldInput(Editor, Input):
    """One line: names, numbers, dates. Pasted text loses control characters and escape
    sequences, and several pasted lines become one (nothing after the first line is lost)."""

    def __init__(self, page_id: str, path: str, value: str, placeholder: str = "", *, numeric: bool = False, **kw: Any):
        # Numbers are re-typed whole (focus selects them); names and prose are edited in place.
        # A value is checked as it is set: with no validators it is valid, and the class
        # saying so is given here, so that the check finds nothing to restyle.
        if value and not kw.get("validators"):
            kw["classes"] = " ".join(filter(None, (kw.get("classes"), "-valid")))
        super().__init__(value=value, select_on_focus=numeric, **kw)
        compact(self, Input.compact)
        self.page_id, self.path, self.numeric = page_id, path, numeric
        self.hint = clean_text(placeholder)
        self._hint_width = -1

    def render_line(self, y: int) -> Strip:
        # A placeholder wider than the field would be wrapped onto a second line by Rich,
        # and that line break would reach the terminal: cut it to the width instead, as the
        # field is drawn (so the first frame has it, not the one after the field's resize).
        if self.hint:
            width = max(self.scrollable_content_region.width - 1, 1)
            if width != self._hint_width:
                self._hint_width = width
                self.set_reactive(Input.placeholder, fit(self.hint, width))
        return super().render_line(y)

    def current_text(self) -> str:
        return self.value

    def post_message(self, message: Message) -> bool:
        if isinstance(message, Input.Changed) and message.input is self:
            self._hand_over()
        return super().post_message(message)

    def _on_paste(self, event: events.Paste) -> None:
        # Runs before Input's own handler (Textual calls one per class in the MRO), which
        # then inserts the cleaned text.
        event.text = "" if getattr(self.app, "review_mode", False) else self._readable(clean_text(event.text))


class FieldText(Editor, TextArea):
    """Multi-line prose: each line is a paragraph."""

    def __init__(self, page_id: str, path: str, value: str, **kw: Any):
        super().__init__(value, soft_wrap=True, tab_behavior="focus", show_line_numbers=False, **kw)
        compact(self, TextArea.compact)
        self.page_id, self.path = page_id, path

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        prewrap_text_area(self, width)  # the first frame wrapped as the next ones (workarounds.py)
        return super().get_content_height(container, viewport, width)

    def current_text(self) -> str:
        return self.text

    def post_message(self, message: Message) -> bool:
        if isinstance(message, TextArea.Changed) and message.text_area is self:
            self._hand_over()
        return super().post_message(message)

    async def _on_paste(self, event: events.Paste) -> None:
        event.text = ("" if getattr(self.app, "review_mode", False)
                      else self._readable(clean_text(event.text, multiline=True)))  # then TextArea's own handler


class FieldSelect(Editor, Select):
    """One of a field's options; empty (``Select.NULL``) until one is chosen."""

    def __init__(self, page_id: str, path: str, options: list[tuple[str, str]], value: str | None, prompt: str,
                 close: str, **kw: Any):
        super().__init__(options, prompt=prompt, allow_blank=True, compact=True,
                         value=value if value in {v for _, v in options} else Select.NULL, **kw)
        self.page_id, self.path = page_id, path
        self.close = close

    def compose(self):
        yield from select_parts(self, self.close)  # Select's own parts, the list's words in our language

    def current_text(self) -> str:
        return "" if self.value is Select.NULL else str(self.value)

    def post_message(self, message: Message) -> bool:
        if isinstance(message, Select.Changed) and message.select is self:
            self._hand_over()
        return super().post_message(message)


class ComputedValue(WrappedText):
    """A computed field, shown read-only and recomputed after every change."""

    def __init__(self, page_id: str, field: Field, t, **kw: Any):
        super().__init__([(RichText("—"), 0, True)], classes="computed", **kw)
        self.page_id, self.field, self.t = page_id, field, t

    def refresh_value(self, view: ReportView) -> None:
        try:
            value = guard.call(view.computed, self.page_id, self.field.key)  # a plugin's computation
        except guard.PluginError as exc:
            self.set_text(self.t("cannot_compute", error=str(exc)), "red")
            return
        if isinstance(value, Table):
            self.set_lines([(TableText(value), 0, False)])
        else:
            self.set_text("—" if value is None else clean_text(f"{value} {self.field.unit}".strip()))
