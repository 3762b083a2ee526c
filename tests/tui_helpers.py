"""Waiting in Pilot tests: for a condition, never for a time. A single ``pilot.pause()`` lets
the app handle what is queued, but work that runs in a thread (the check, the preview, an
export, a save of a large report) or on a timer may come later on a loaded machine; a test
waits for what it is about to assert instead."""

from __future__ import annotations

import time
from typing import Any, Callable

TIMEOUT = 30.0  # only stops a hung test: nothing is timed


async def wait_until(pilot: Any, predicate: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> None:
    """Let the app run (``pilot.pause``) until ``predicate()`` holds; AssertionError naming
    ``what`` if it still does not after ``timeout`` seconds."""
    await pilot.pause()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"still waiting after {timeout:g} s" + (f" for {what}" if what else ""))
        await pilot.pause(0.05)


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
