"""Writing TOML: a save changes the file's own text only where a value changed.

A report is a text file people also read and diff, with comments. Reading goes through tomli
(:mod:`plugins.engine.tomlread`, fast); saving edits the file's text with tomlkit, which keeps
comments, key order, string style (``'''`` or ``\"\"\"``), inline tables and the final
newline. tomlkit parses ≈15× slower than tomli, so the file's text is parsed by it only when
it is first saved, and the parsed document is then kept and edited in place.

:class:`TomlText` compares the data with what was last written (plain values, fast) and
touches only the keys that differ: an edit that changes one value changes one line.
Whatever it writes is read back with tomli and must equal the data exactly; if it ever does
not (a tomlkit bug), the whole text is written afresh from the data, so nothing is lost.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping

import tomlkit
from tomlkit.items import AoT, InlineTable, String, StringType, Table
from tomlkit.toml_document import TOMLDocument

from .tomlread import loads as toml_loads

__all__ = ["TomlText", "same"]


def same(a: Any, b: Any) -> bool:
    """Equal values of the same TOML types (``1``, ``1.0`` and ``true`` are three values)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def _string(value: str, like: Any) -> String:
    """A string item written the way the one it replaces was (literal or basic, one line or
    several, a line break after the opening quotes), or as \"\"\"…\"\"\" when it has line breaks."""
    kinds = []
    if isinstance(like, String):
        kinds.append(like.type)
    kinds += [StringType.MLB] if "\n" in value else [StringType.SLB]
    for kind in kinds:
        if not kind.is_multiline() and "\n" in value:
            continue
        try:
            item = String.from_raw(value, kind)
        except Exception:  # noqa: BLE001 - the style cannot hold this value (a ''' in a literal)
            continue
        text = item.as_string()
        opening = kind.value  # ''' or """ (or ' or ")
        new_style = not isinstance(like, String)
        after_quote = like.as_string()[len(opening):len(opening) + 1] if not new_style else "\n"
        if kind.is_multiline() and after_quote == "\n" and not text[len(opening):].startswith("\n"):
            item = String(kind, value, "\n" + text[len(opening):-len(opening)], item.trivia)
        return item
    return String.from_raw(value, StringType.SLB)  # every value fits a basic string (escaped)


def _item(value: Any, like: Any = None) -> Any:
    """The tomlkit item for a plain value (strings in the style of ``like``)."""
    if isinstance(value, str):
        return _string(value, like)
    if isinstance(value, dict):
        if isinstance(like, InlineTable):
            inline = tomlkit.inline_table()
            for k, v in value.items():
                inline.append(k, _item(v))
            return inline
        only_tables = bool(value) and all(isinstance(v, dict) for v in value.values())
        table = tomlkit.table(is_super_table=only_tables)
        for k, v in value.items():
            table.append(k, _item(v))
        return table
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value) and not isinstance(like, tomlkit.items.Array):
            aot = tomlkit.aot()
            for v in value:
                aot.append(_item(v))
            return aot
        array = tomlkit.array()
        for v in value:
            array.append(_item(v))
        if any(isinstance(v, str) and "\n" in v for v in value):
            array.multiline(True)
        return array
    return tomlkit.item(value)


def _apply(container: Any, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    """Make ``container`` (a tomlkit table or document holding ``old``) hold ``new``,
    touching only the keys whose values differ."""
    for key in [k for k in old if k not in new]:
        del container[key]
    for key, value in new.items():
        if key in old and same(old[key], value):
            continue
        current = container.get(key) if key in old else None
        before = old.get(key)
        if type(value) is dict and type(before) is dict and isinstance(current, (Table, InlineTable)):
            _apply(current, before, value)
        elif (type(value) is list and type(before) is list and isinstance(current, AoT) and value
              and all(type(v) is dict for v in value)):
            _apply_records(current, before, value)
        else:
            item = _item(value, current)
            if key in old:
                if (current is not None and hasattr(current, "trivia") and hasattr(item, "trivia")
                        and not isinstance(item, (Table, AoT))):
                    item.trivia.comment = current.trivia.comment  # keep a comment on the line
                    item.trivia.comment_ws = current.trivia.comment_ws
                container[key] = item
            else:
                container.append(key, item)


def _apply_records(aot: AoT, old: list, new: list) -> None:
    """A list of records (``[[a.b]]`` tables): records edited in place, added at the end,
    removed from the end."""
    for i, (before, after) in enumerate(zip(old, new)):
        if not same(before, after):
            _apply(aot[i], before, after)
    for after in new[len(old):]:
        aot.append(_item(after))
    for i in range(len(old) - 1, len(new) - 1, -1):
        del aot[i]


def _ordered(data: Mapping[str, Any], first: str) -> dict:
    # The metadata table first, so a new file reads like the document it describes.
    out = {first: data[first]} if first in data else {}
    out.update((k, v) for k, v in data.items() if k != first)
    return out


#: Above this many characters (≈700 KB of Chinese prose) a file is written afresh at every save, comments and layout
#: not kept: tomlkit's parser is quadratic in the number of ``[[tables]]`` (a 270 KB file
#: 0.28 s, 1 MB 3.4 s, on a quiet machine). Real reports are 7-25 KB.
LARGE = 256 * 1024


class TomlText:
    """The text of one TOML file and the data it holds, kept in step as the data is saved.

    ``TomlText(text)``: a file's text; ``TomlText()`` for a file not written yet. ``first``:
    the table a new file starts with. ``update(data)`` returns the text holding ``data`` and
    remembers it as written. A file larger than :data:`LARGE` is written afresh (tomli-w)."""

    def __init__(self, text: str | None = None, *, first: str = ""):
        self._text = text
        self._doc: TOMLDocument | None = None
        # what the text holds, as plain values (a copy: the caller's data changes under it);
        # read when first needed (prepare() or the first save)
        self._written: dict | None = None if text is not None else {}
        self._first = first
        self._lock = threading.Lock()  # prepare() may run in a thread while a save comes

    @property
    def text(self) -> str | None:
        return self._text

    @property
    def large(self) -> bool:
        return self._text is not None and len(self._text) > LARGE

    def _document(self) -> TOMLDocument:
        if self._written is None:
            self._written = toml_loads(self._text) if self._text is not None else {}
        if self._doc is None:
            self._doc = tomlkit.parse(self._text) if self._text is not None else tomlkit.document()
        return self._doc

    def prepare(self) -> None:
        """Parse the text now (in a thread), so the first save does not have to."""
        with self._lock:
            if not self.large:
                self._document()

    def update(self, data: Mapping[str, Any]) -> str:
        with self._lock:
            if self.large:
                import tomli_w

                self._doc, self._written = None, None
                self._text = tomli_w.dumps(_ordered(data, self._first), multiline_strings=True)
                return self._text
            return self._update(data)

    def _update(self, data: Mapping[str, Any]) -> str:
        new = _ordered(data, self._first) if self._text is None else data
        doc = self._document()
        before = self._written
        assert before is not None  # _document() read it
        if self._text is not None and same(before, dict(data)):
            return self._text
        try:
            _apply(doc, before, new)
            text = doc.as_string()
            written = toml_loads(text)
        except Exception:  # noqa: BLE001 - a value tomlkit cannot place: write afresh below
            written = None
        if written is None or not same(written, dict(data)):
            doc = tomlkit.document()
            _apply(doc, {}, _ordered(data, self._first))
            text = doc.as_string()
            written = toml_loads(text)
        self._doc, self._text, self._written = doc, text, written
        return text
