"""What follows a keystroke: the session has it at once, the report is checked again in a
thread (its result shown with the keystroke if it comes within ``CHECK_WAIT``), and saved
within a second (autosave; a large report in a thread)."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from typing import TYPE_CHECKING, Any, Callable


from plugins.engine.errors import NianbaoError, ReportChanged

from .session import check_frozen
from .form.editors import Editor

if TYPE_CHECKING:
    from .parts import AppParts
else:
    AppParts = object  # (the type checker sees the app's shared state and parts: tui/parts.py)


# Between a keystroke and the save that writes it: half a second, so that on a loaded
# machine (the event loop late, the disk slow to sync) a keystroke is still on disk within
# a second (bench/bench_autosave.py). A save rewrites only the changed lines.
SAVE_DELAY = 0.5
CHECK_WAIT = 0.1  # a check's result comes with the keystroke if it takes less (it runs in a thread)


class Background:
    """Daemon threads that run one job after another, kept waiting between jobs: starting
    a thread waits until it runs, which on a loaded machine held the event loop for ~10 ms
    at every keystroke's check. A thread whose job never returns (plugin code that hangs)
    is simply never idle again; the next job gets another thread."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], None], str]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def run(self, job: Callable[[], None], name: str) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1  # taken by this job
        self._jobs.put((job, f"nianbao-{name}"))
        if start:
            threading.Thread(target=self._serve, name=f"nianbao-{name}", daemon=True).start()

    def _serve(self) -> None:
        while True:
            job, threading.current_thread().name = self._jobs.get()
            job()  # (it hands its own outcome on, exceptions too: in_background's run)
            with self._lock:
                self._idle += 1


_background = Background()


class Editing(AppParts):
    """The app's part that takes each edit, checks and saves."""

    def apply_edit(self, widget: Editor, text: str) -> None:
        """Called by an editor, in its own message loop, whenever its text changes: the
        session has every keystroke before the next key is handled anywhere."""
        if self.session.read_only:
            return
        try:
            if text == self.session.text_at(widget.page_id, widget.path):
                return  # the widget just showed what is stored (mount, refresh)
        except KeyError:
            return  # the page changed under it (format or year edited)
        self.session.set_text(widget.page_id, widget.path, text)
        self.schedule_save()  # from the keystroke itself, not after the check that follows it
        if not self._pending_check:
            self._pending_check = True
            self.call_later(self.after_change)

    async def after_change(self) -> None:
        """Check again and show the result; keystrokes that came in meanwhile are checked
        together. The check runs in a thread (plugin code may hang, and nothing typed may
        wait for it): its result is shown here when it comes within ``CHECK_WAIT``, as
        soon as it comes otherwise."""
        self._pending_check = False
        pages = tuple(p.id for p in self.session.pages)
        if pages != tuple(id_ for id_, _, _ in self._nav_keys):
            self._nav_keys = ()
            await self._forget_pages()
        done = self.start_check()
        if done is not None:
            try:
                await asyncio.wait_for(asyncio.shield(done), CHECK_WAIT)
            except asyncio.TimeoutError:
                pass  # shown when it comes (_check_done)
        self.schedule_save()
        self.schedule_preview()

    def start_check(self) -> asyncio.Future | None:
        """Check the report as it is now in a thread, one check at a time: asked for while
        one runs, the next starts when it ends, on the text as it is then. Returns the
        future of the check started (None if one was running)."""
        if self._checking is not None:
            self._check_again = True
            return None
        host = self.host
        # frozen here (typing may go on meanwhile); last year's report is found in the thread
        view = host.view(self.session.report)
        self._checking = self._checking_since = time.monotonic()
        return self.in_background("check", lambda: (check_frozen(host, view), view), self._check_done)

    def _check_done(self, outcome: Any) -> None:
        self._checking = None
        if self._check_slow_shown:
            self._check_slow_shown = False
            self.notify(self.t("check_resumed"), markup=False)
        if isinstance(outcome, BaseException):  # a bug of ours: say it, keep typing and saving
            self.notify(self.t("check_failed", error=f"{type(outcome).__name__}: {outcome}"), severity="error", markup=False)
        elif not self.exiting:
            self.session.checked(*outcome)
            if self.page_widget() is not None:
                self.refresh_issues()
        if self._check_again and not self.exiting:
            self._check_again = False
            self.start_check()

    def _watch_check(self) -> None:
        """Every second: a check running longer than a plugin call may (``[plugins]
        time_limit``) is said once; typing and saving go on, the messages wait for it."""
        limit = self.host.config.plugin_time_limit or 10.0
        if (self._checking is not None and not self._check_slow_shown
                and time.monotonic() - self._checking_since > limit):
            self._check_slow_shown = True
            self.notify(self.t("check_slow", seconds=f"{limit:g}"), severity="warning", timeout=30, markup=False)

    def in_background(self, name: str, job: Callable[[], Any], done: Callable[[Any], None]) -> asyncio.Future:
        """Run ``job()`` in a thread of its own, then ``done(result or exception)`` on the
        event loop; returns a future set when ``done`` has run. A daemon thread, not a
        Textual worker: plugin code in it may never return, and the workers' executor is
        joined when the process ends, which would keep the app from quitting."""
        loop = asyncio.get_running_loop()
        finished: asyncio.Future = loop.create_future()

        def deliver(outcome: Any) -> None:
            try:
                done(outcome)
            finally:
                if not finished.done():
                    finished.set_result(None)

        def run() -> None:
            try:
                outcome = job()
            except BaseException as exc:  # noqa: BLE001 - handed to done()
                outcome = exc
            try:
                loop.call_soon_threadsafe(deliver, outcome)
            except RuntimeError:  # the loop is closed: the app has ended
                pass

        _background.run(run, name)
        return finished

    def refuse_undecodable(self) -> None:
        """An editor refused bytes the terminal sent that are not UTF-8: say so, with the way
        out (the field itself keeps only what could be read)."""
        now = time.monotonic()
        if now - self._refused_at > 3:
            self.bell()
            self.notify(self.t("bad_encoding"), severity="error", markup=False, timeout=10)
        self._refused_at = now

    def schedule_save(self) -> None:
        # A throttle, not a debounce: continuous typing is still on disk within SAVE_DELAY.
        if self.autosave and self._save_timer is None:
            self._save_timer = self.set_timer(SAVE_DELAY, self.autosave_now)

    def autosave_now(self) -> None:
        """The autosave timer's save: a large report is saved in a thread (typing goes on
        meanwhile; its outcome comes back to the event loop), a small one here."""
        self._save_timer = None
        if not self.session.background_save:
            self.flush_save()
            return
        if self.session.saving:  # the previous one is still writing: again after the delay
            self.schedule_save()
            return
        future = self.session.save_in_background()
        if future is None:
            return
        loop = asyncio.get_running_loop()

        def done(f: Any) -> None:
            try:
                loop.call_soon_threadsafe(self._saved, f)
            except RuntimeError:  # the app's loop has ended: quitting saved everything itself
                pass

        future.add_done_callback(done)

    def _saved(self, future: Any) -> None:
        if not self.can_show:  # quitting: it waited for this save and saved the rest itself
            return
        error = future.exception()
        if error is None:
            self._after_save(future.result())
        elif isinstance(error, (OSError, NianbaoError)):
            self._after_save(False, error)
        else:
            self._handle_exception(error)
        if self.session.dirty:  # typed while it was writing
            self.schedule_save()

    def flush_save(self) -> None:
        """Save now, here (waiting for a save running in its thread first): ctrl+s, quitting,
        leaving a page."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        try:
            saved = self.session.save()
        except (OSError, NianbaoError) as e:
            self._after_save(False, e)
            return
        self._after_save(saved)

    def _after_save(self, saved: bool, e: Exception | None = None) -> None:
        """What the operator sees of a save's outcome."""
        if isinstance(e, ReportChanged):
            # Both stories, and nothing more can be typed here: the file is someone else's now.
            self.notify(self.t("changed_on_disk", error=str(e)), severity="error", timeout=60, markup=False)
            for page in self._pages.values():
                self._prepare_editors(page)
            self.query_one("#form").can_focus = True
            self.refresh_status()
            return
        if e is not None:
            # Said once per reason (autosave retries every second); the status line keeps saying it.
            if str(e) != self._save_error_shown:
                self._save_error_shown = str(e)
                self.notify(self.t("save_failed", error=str(e)), severity="error", timeout=15, markup=False)
            if self.can_show:
                self.refresh_status()
            return
        if self._save_error_shown and self.can_show:
            self._save_error_shown = ""
            self.notify(self.t("saved_again"), markup=False)
        if saved and self.can_show:
            self.refresh_status()
