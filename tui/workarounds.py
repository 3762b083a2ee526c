"""Every piece of the interface that depends on Textual's internals, in one place: the
start-up and terminal work-arounds. Why Textual is pinned to exactly 8.2.8 (pyproject.toml):
each of these reaches past Textual's public API, and a release may change what they reach
without a word in its changelog (Textual calls several releases "breaking", and some say
they change snapshots). Upgrading Textual means: bump the pin, run the whole suite (its SVG
snapshots, tests/test_startup.py, tests/test_tui_pty*.py in a real terminal), and re-check
each item below against the new source.

What depends on what (Textual 8.2.8):

* :class:`MainScreen` - ``Screen._on_screen_resume`` and ``ScreenResume.refresh_styles``:
  the first show of the screen does not restyle every widget again (~10 ms of the first
  frame at 80x24; tests/test_startup.py checks it changes nothing).
* :func:`footer_ready` - ``Footer._bindings_ready``: the footer's keys are in the first
  frame rather than the one after.
* :func:`compact` - ``Widget.set_reactive`` with ``set_class(update=False)``: compact
  editors without a restyle each (Footer does the same).
* :func:`prewrap_text_area` - ``TextArea._line_cache`` and ``wrapped_document``: a text
  area is wrapped for its width before its first frame.
* :func:`select_parts` - ``textual.widgets._select.SelectCurrent/SelectOverlay`` and
  ``Select._type_to_search``: a select's drop-down list with our words for Esc.
* ``textual.document._wrapped_document.compute_wrap_offsets`` (a module global, replaced
  on import) - text areas break lines as Chinese does (:func:`tui.text_layout.line_starts`);
  and ``WrappedDocument.height`` cached (``_cache_wrapped_height``); ``TextArea.render_line``'s
  test for its placeholder answered without joining the document
  (``_placeholder_test_without_join``). All are applied when this module is imported (the
  editors import it).
* :func:`tolerate_non_utf8_terminals` - ``textual.drivers.linux_driver.getincrementaldecoder``:
  bytes that are not UTF-8 no longer end the app (Textual #6456, open).
* :func:`keep_typed_ahead` - ``LinuxDriver.exit_event``, ``_key_thread``,
  ``_disable_mouse_support``, ``App._pending_message`` and ``App._message_queue``: keys typed after Enter on the import
  offer or the county's list reach the editor that Enter opens, instead of being dropped and
  flushed with the first app.
* :class:`AppWorkarounds` - SIGHUP/SIGTERM handled (Textual has no handler: #5140, open)
  with a watchdog for a shutdown that blocks on a dead terminal; ``App._handle_exception``
  (with ``_return_code``, ``_exception``, ``_exception_event``, ``_close_messages_no_wait``)
  replaced to save and log before the app ends on an unexpected error; ``App._exit`` read
  as :attr:`AppWorkarounds.exiting` (Textual has no public word for it).
"""

from __future__ import annotations

import asyncio
import codecs
import os
import signal
import sys
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from textual import events
from textual.binding import Binding
from textual.document import _wrapped_document
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Select, TextArea
from textual.widgets._select import SelectCurrent, SelectOverlay

from plugins.fields import clean_text

from .state import write_crash_log
from .text_layout import fit, line_starts

if TYPE_CHECKING:
    from .parts import AppParts
else:
    AppParts = object  # (the type checker sees the app's shared state and parts: tui/parts.py)

HANGUP_GRACE = 2.0  # after SIGHUP/SIGTERM, seconds Textual gets to shut down before the process ends
EXIT_CRASH = 3  # the interface ended on an unexpected error (the report saved, the details logged)
#: The interface ended on SIGHUP (the connection dropped) or SIGTERM, everything saved: 128 +
#: the signal, as a shell reports a process the signal ended (129, 143).
HANGUP_EXITS = (128 + signal.SIGHUP, 128 + signal.SIGTERM)


class MainScreen(Screen):
    """The app's screen. Textual restyles a screen's every widget each time the screen is
    shown, the first time too, when all of them have just been styled as they were
    mounted (with the same stylesheet): the first frame waited ~10 ms for it at 80x24.
    Only that first restyle is left out (test_startup checks it changes nothing)."""

    _shown = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # (runs before Screen's own handler: Textual calls one per class in the MRO)
        if not self._shown:
            self._shown = True
            event.refresh_styles = False


def footer_ready(footer: Footer) -> Footer:
    """Textual's footer composes its keys only once the screen has reported its bindings,
    after the first refresh: the first frame would have an empty footer, the keys coming a
    moment later. The app's keys are known when it is composed (check_action does not
    depend on what is mounted or focused for any key the footer shows)."""
    footer._bindings_ready = True  # what Footer.bindings_changed sets
    return footer


def compact(widget: Widget, reactive: Any) -> None:
    """What ``compact=True`` does to an input or a text area, without the restyle that
    Textual's class toggle makes even on a widget not yet mounted (0.3-0.7 ms each: a page
    has dozens of fields, a big table hundreds of cells); Footer does it the same way."""
    widget.set_reactive(reactive, True)
    widget.set_class(True, "-textual-compact", update=False)


def _cache_wrapped_height() -> None:
    """Textual 8.2.8's ``WrappedDocument.height`` adds up every line's wrap offsets each
    time it is read, and a text area reads it for every line it draws: in a prose field of
    1 MB (some 2,800 paragraphs) that was ~30 ms of each keystroke. The height is kept until
    the wrapping changes (``wrap`` and ``wrap_range`` are its only writers)."""
    from textual.document._wrapped_document import WrappedDocument

    if getattr(WrappedDocument, "_nianbao_cached_height", False):
        return
    wrap, wrap_range = WrappedDocument.wrap, WrappedDocument.wrap_range

    def height(self) -> int:
        cached = self.__dict__.get("_height")
        if cached is None:
            cached = self.__dict__["_height"] = sum(len(offsets) + 1 for offsets in self._wrap_offsets)
        return cached

    def rewrapped(method):
        def call(self, *args, **kwargs):
            self.__dict__.pop("_height", None)
            try:
                return method(self, *args, **kwargs)
            finally:
                self.__dict__.pop("_height", None)
        return call

    WrappedDocument.height = property(height, doc=WrappedDocument.height.__doc__)  # type: ignore[assignment]
    WrappedDocument.wrap = rewrapped(wrap)  # type: ignore[method-assign]
    WrappedDocument.wrap_range = rewrapped(wrap_range)  # type: ignore[method-assign]
    WrappedDocument._nianbao_cached_height = True  # type: ignore[attr-defined]


_cache_wrapped_height()


def _placeholder_test_without_join() -> None:
    """Textual 8.2.8's ``TextArea.render_line`` begins with ``if not self.text and
    self.placeholder``: ``text`` joins the whole document into one string, for every line
    drawn only to learn whether it is empty, a dozen times a keystroke (at 1 MB the event
    loop was seen stalled in that join). While a line is drawn (``render_line`` is the one
    reader of ``text`` then), ``text`` answers just that: "" when the document is empty, a
    stand-in otherwise. Everywhere else ``text`` is the document's text, as before."""
    if getattr(TextArea, "_nianbao_placeholder_test", False):
        return
    render_line, text = TextArea.render_line, TextArea.text

    def drawn(self: TextArea, y: int):
        self._nianbao_drawing = True  # type: ignore[attr-defined]
        try:
            return render_line(self, y)
        finally:
            self._nianbao_drawing = False  # type: ignore[attr-defined]

    def read(self: TextArea) -> str:
        if self.__dict__.get("_nianbao_drawing"):
            lines = self.document.lines
            return "" if len(lines) <= 1 and not (lines and lines[0]) else "\n"
        return text.fget(self)  # type: ignore[attr-defined]

    TextArea.render_line = drawn  # type: ignore[method-assign]
    TextArea.text = property(read, text.fset, doc=text.__doc__)  # type: ignore[assignment, attr-defined]
    TextArea._nianbao_placeholder_test = True  # type: ignore[attr-defined]


_placeholder_test_without_join()


def _wrap_offsets(text: str, width: int, tab_size: int, fold: bool = True,
                  precomputed_tab_sections: list[tuple[str, int]] | None = None) -> list[int]:
    """Textual's ``compute_wrap_offsets`` for the text areas, breaking lines by
    :func:`line_starts` (text with tabs, which prose fields never hold, Textual's way)."""
    if "\t" in text or not fold:
        return _textual_wrap_offsets(text, width, tab_size, fold, precomputed_tab_sections)
    return line_starts(text, width)


# The text areas wrap through this module global of Textual's (WrappedDocument.wrap and
# wrap_range): pointed at the rule above, so that a paragraph being typed breaks as it is
# shown everywhere else. Every text area of the interface holds prose.
_textual_wrap_offsets = _wrapped_document.compute_wrap_offsets


_wrapped_document.compute_wrap_offsets = _wrap_offsets


def tolerate_non_utf8_terminals() -> None:
    """A terminal that is not UTF-8 is refused before the app starts (tui/terminal.py), but
    one whose locale says UTF-8 may still send other bytes (a GBK client, a paste from
    elsewhere), on which Textual's strict UTF-8 decoder dies (Textual #6456), ending the app.
    Decode with replacement instead: the editors refuse the replacement character, saying
    so (``Editor``), so none ever reaches the report. Only the Linux terminal driver reads
    bytes this way; the app has imported it if it uses it (``App.get_driver_class``)."""
    linux_driver = sys.modules.get("textual.drivers.linux_driver")
    if linux_driver is None:  # another driver (Windows, web, headless): nothing to patch
        return

    def decoder_factory(encoding: str):
        cls = codecs.getincrementaldecoder(encoding)
        return lambda errors="strict": cls(errors="replace")

    linux_driver.getincrementaldecoder = decoder_factory  # type: ignore[attr-defined]


#: Keys typed after the key that ended one app, for the app that follows (keep_typed_ahead).
_typed_ahead: list[events.Key | events.Paste] = []


async def keep_typed_ahead(app: Any) -> None:
    """Call before ``app.exit`` when another app follows in this terminal (Enter on the import
    offer or on the county's list opens the editor): what the operator types meanwhile is
    kept for it. Textual would drop the keys its driver has read and not handled yet, and
    flush those it has not read (``LinuxDriver.disable_input``: tcflush). Here the driver's
    input thread is stopped at once (``exit_event``, ``_key_thread``; left set, so that
    ``disable_input`` does not flush), what it had read is taken from the app's queue
    (``_pending_message``, ``_message_queue``) for the next app (:func:`post_typed_ahead`;
    they reach it as keys typed while it starts do), and what it had not read stays in the
    terminal for the next app's driver: in the order it was typed."""
    driver = getattr(app, "_driver", None)
    thread = getattr(driver, "_key_thread", None)
    if driver is None or thread is None or not hasattr(driver, "exit_event"):
        return  # not the Linux terminal driver (headless, web, Windows): nothing is read there
    driver.exit_event.set()
    while thread.is_alive():  # (it looks every 0.1 s, and reads once more before it ends)
        await asyncio.sleep(0.01)
    await asyncio.sleep(0)  # its last keys are handed to the event loop: into the queue now
    signal.signal(signal.SIGWINCH, signal.SIG_DFL)  # (what disable_input would have done)
    driver._disable_mouse_support()
    # (the message loop holds the next message aside while it handles one: ``_pending_message``)
    queue, others = app._message_queue, []
    waiting = [app._pending_message] if app._pending_message is not None else []
    app._pending_message = None
    while not queue.empty():
        waiting.append(queue.get_nowait())
    for message in waiting:
        if isinstance(message, events.Key):
            _typed_ahead.append(events.Key(message.key, message.character))
        elif isinstance(message, events.Paste):
            _typed_ahead.append(events.Paste(message.text))
        else:
            others.append(message)
    for message in others:
        queue.put_nowait(message)


def post_typed_ahead(app: Any) -> None:
    """Give ``app`` the keys :func:`keep_typed_ahead` kept, ahead of all its driver reads
    (called while it loads, before its driver starts)."""
    while _typed_ahead:
        app.post_message(_typed_ahead.pop(0))


class AppWorkarounds(AppParts):
    """The app's side of the terminal work-arounds: a hang-up saves and leaves, an
    unexpected error saves, logs and leaves with one sentence."""

    def on_load(self) -> None:
        post_typed_ahead(self)  # keys typed after Enter on the app before this one

    @property
    def exiting(self) -> bool:
        """The app is ending (``App.exit`` was called): nothing more to show."""
        return self._exit

    @property
    def can_show(self) -> bool:
        """The app runs and is not ending: an outcome that comes now (a save, a render) can
        still be shown. (``App.is_mounted`` is no such flag: it is a method taking a widget,
        always true as a condition.)"""
        return self.is_running and not self.exiting

    def _install_signal_handlers(self) -> None:
        # Textual has no SIGHUP handler: a dropped SSH connection would kill the process
        # without saving. Save, then leave cleanly.
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(sig, self._on_hangup, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    def _handle_exception(self, error: Exception) -> None:
        """An exception nothing handled, anywhere in the app (Textual's one place for them;
        it ends the app). Save first, write the details to a log in the state directory,
        and leave with a non-zero status and one plain sentence instead of a traceback
        (``run_app`` prints it once the terminal is restored, unwrapped: paths in it can be
        copied whole)."""
        if not self.crash_message:
            self.crash_message = self._record_crash(error)
        self._return_code = EXIT_CRASH
        if self._exception is None:  # as Textual does: a test run re-raises it
            self._exception = error
            self._exception_event.set()
        self._close_messages_no_wait()

    def _record_crash(self, error: Exception) -> str:
        s = self.session
        try:
            s.save()
            saved = self.t("crash_read_only") if s.read_only else self.t("crash_saved", file=s.report.path)
            how = "read-only" if s.read_only else "yes"
        except Exception as exc:  # noqa: BLE001 - say so; run_app tries once more
            saved = self.t("crash_not_saved", error=f"{type(exc).__name__}: {exc}")
            how = f"no: {type(exc).__name__}: {exc}"
        try:
            self.remember_position()
        except Exception:  # noqa: BLE001 - where the cursor was matters less than what follows
            pass
        try:
            log = write_crash_log(error, s.report.path, how)
        except Exception:  # noqa: BLE001 - the sentence is shown all the same
            log = None
        what = fit(clean_text(f"{type(error).__name__}: {error}"), 60)
        details = self.t("crash_log", log=log) if log is not None else self.t("crash_no_log")
        return self.t("crash", error=what, saved=saved, log=details)

    def _on_hangup(self, signum: int = signal.SIGHUP) -> None:
        """SIGHUP (the connection dropped) or SIGTERM: save first, then leave, with 128 + the
        signal (``HANGUP_EXITS``: the county's list, which opened this editor, then knows the
        terminal is gone and ends too). Textual's shutdown can block for ever writing to a
        terminal that is gone (its writer thread waits on a full queue); with
        ``exit_watchdog`` set (``run_app`` sets it), the process then ends by itself once
        everything is saved and the lock released."""
        try:
            self.session.save()
        except Exception:  # noqa: BLE001 - leave anyway; run_app tries once more
            pass
        self.remember_position()
        if self.exit_watchdog is not None and self._watchdog is None:
            def force() -> None:
                try:
                    self.session.save()
                except Exception:  # noqa: BLE001
                    pass
                try:
                    if self.session.dirty:  # no terminal left to tell: the copy is the word
                        self.session.rescue()
                except Exception:  # noqa: BLE001
                    pass
                finally:
                    self.session.close()
                    os._exit(0)

            self._watchdog = threading.Timer(self.exit_watchdog, force)
            self._watchdog.daemon = True
            self._watchdog.start()
        self.exit(return_code=128 + signum)


def prewrap_text_area(area: TextArea, width: int) -> None:
    """Textual wraps a text area's lines only once the area has its size, so its first
    frame would show each paragraph on one line, and the layout would change in the next.
    Before that, wrap the text here for the width it is being given, as the resize will
    (less the scroll bar it will have if the text is taller than the area may be): the
    resize then finds the wrapping done, and nothing moves (``FieldText.get_content_height``)."""
    if area.soft_wrap and width > 0 and not area.size.width:
        styles = area.styles
        wrap = max(width - area.gutter_width - 1, 1)  # one column for the cursor (TextArea.wrap_width)
        area.wrapped_document.wrap(wrap, tab_width=area.indent_width)
        most = styles.max_height
        scroll = styles.overflow_y == "scroll" or (styles.overflow_y == "auto" and most is not None and most.is_cells
                                                   and area.wrapped_document.height > most.value - styles.gutter.height)
        if scroll:
            area.wrapped_document.wrap(max(wrap - styles.scrollbar_size_vertical, 1), tab_width=area.indent_width)
        area._line_cache.clear()
        area.set_reactive(Widget.virtual_size, Size(0, area.wrapped_document.height))
        area.set_reactive(Widget.show_vertical_scrollbar, scroll)


@lru_cache(maxsize=None)
def _select_list(close: str) -> type[SelectOverlay]:
    """A select's drop-down list whose Esc is described in the interface's language (the
    footer shows it while the list is open)."""
    return type("SelectList", (SelectOverlay,), {"BINDINGS": [Binding("escape", "dismiss", close)]})


def select_parts(select: Select, close: str) -> tuple[Widget, Widget]:
    """Select's own two parts (as ``Select.compose``), the list's Esc called ``close``."""
    return (SelectCurrent(select.prompt),
            _select_list(close)(type_to_search=select._type_to_search).data_bind(compact=Select.compact))
