"""Waiting in Pilot tests: for a condition, never for a time. A single ``pilot.pause()`` lets
the app handle what is queued, but work that runs in a thread (the check, the preview, an
export, a save of a large report) or on a timer may come later on a loaded machine; a test
waits for what it is about to assert instead."""

from __future__ import annotations

import time
from typing import Any, Callable

TIMEOUT = 30.0  # only stops a hung test: nothing is timed


async def wait_until(pilot: Any, predicate: Callable[[], Any], timeout: float = TIMEOUT,
                     what: str | Callable[[], str] = "") -> None:
    """Let the app run (``pilot.pause``) until ``predicate()`` holds; AssertionError naming
    ``what`` if it still does not after ``timeout`` seconds (``what`` may be a function: it
    then says, when the wait fails, what the app's state was)."""
    await pilot.pause()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"still waiting after {timeout:g} s" + (f" for {said}" if said else ""))
        await pilot.pause(0.05)


async def focused_on(pilot: Any, path: str, timeout: float = TIMEOUT) -> None:
    """Put the cursor in the field (or cell) ``path`` of the page shown, and wait until it is
    there (focus moves on the app's next turn)."""
    app = pilot.app
    if getattr(app.focused, "path", None) != path:
        app.focus_path(path)
    await wait_until(pilot, lambda: getattr(app.focused, "path", None) == path, timeout, f"the cursor in {path}")


def checked(app: Any) -> bool:
    """The app has shown the check of everything typed so far: none asked for, running or
    to run again (``tui/editing.py``); or it is ending, and nothing more will be shown."""
    if app.exiting or not app.is_running:
        return True
    return not app._pending_check and app._checking is None and not app._check_again


async def settle(pilot: Any, app: Any, timeout: float = TIMEOUT) -> None:
    """Wait until the check of what was typed has been shown (messages, issue list, part
    list, status line)."""
    await wait_until(pilot, lambda: checked(app), timeout, "the check of what was typed")


def shown(app: Any) -> bool:
    """Everything the app does of itself after a key has reached the screen: the check
    (:func:`checked`) and the preview of the page shown (none asked for, being made or to be
    made again, ``tui/preview.py``). What a snapshot waits for before it is taken."""
    if app.exiting or not app.is_running:
        return True
    return (checked(app) and app._preview_timer is None and not app._preview_asked and not app._previewing
            and not app._preview_again)


async def quiet(pilot: Any, timeout: float = TIMEOUT) -> None:
    """Wait until the check and the preview are shown (:func:`shown`): a snapshot's ``run_before``
    ends with it, the screen is then what it stays."""
    await wait_until(pilot, lambda: shown(pilot.app), timeout, "the check and the preview to be shown")
