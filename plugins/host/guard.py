"""Calling plugin code: the one guarded call every part of the host goes through.

A plugin is code the county wrote, and it may do anything: raise, call ``sys.exit()``,
raise ``KeyboardInterrupt`` itself, loop for ever, allocate without end, print. :func:`call`
runs a piece of it and turns whatever it raises into :class:`PluginError` (an ordinary
``Exception`` with a message), so the caller disables that plugin's part and goes on. Two
things pass through untouched: the operator's own Ctrl+C (:class:`Interrupted`), and a
``KeyboardInterrupt`` where it cannot be told apart from one (the main thread of a
process that did not install :func:`contained`'s handler).

Headless commands run inside :func:`contained`, which adds what only a whole process can
do: a time budget per plugin call (an interval timer whose signal raises
:class:`TimeLimit` inside the plugin's code, again a second later if the plugin swallows
it; swallowed twice, the command ends with a message naming the plugin's module),
a bound on the address space (``RLIMIT_AS``: an endless allocation ends in ``MemoryError``
inside the plugin), and a Ctrl+C that can be told from a plugin's ``KeyboardInterrupt``.
Code stuck inside one C call (a catastrophic regular expression) is not interrupted: Python
runs signal handlers between its own instructions only.

The interface runs plugin code in worker threads (checks, preview), where no signal can
reach it; there a call that never ends only keeps its thread busy, never the screen.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from typing import Any, Callable, Iterator, TypeVar

__all__ = ["PluginError", "TimeLimit", "Interrupted", "call", "contained", "describe"]

T = TypeVar("T")


class PluginError(Exception):
    """Plugin code failed; ``str()`` says how (``"ZeroDivisionError: division by zero"``,
    ``"调用了 sys.exit(0)"``, ``"超过时限 10 秒"`` ...); ``detail`` is the traceback text."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class TimeLimit(BaseException):
    """Raised inside plugin code when its call has run out of time. A ``BaseException``, so
    that a plugin's ``except Exception`` does not swallow it."""


class Interrupted(KeyboardInterrupt):
    """The operator's Ctrl+C (SIGINT), as :func:`contained`'s handler raises it."""


class _State(threading.local):
    depth = 0


_state = _State()
_limits = {"time": 0.0, "memory_mb": 0}  # what contained() set; 0: none
_handlers_installed = False


def _on_sigint(signum: int, frame: Any) -> None:
    raise Interrupted()


_alarms = [0]  # how often the timer fired during the current timed call
_ALARMS_BEFORE_GIVING_UP = 3


def _on_alarm(signum: int, frame: Any) -> None:
    if not _state.depth:  # only inside a plugin call (the timer is stopped as it returns)
        return
    _alarms[0] += 1
    if _alarms[0] >= _ALARMS_BEFORE_GIVING_UP:
        _give_up(frame)
    raise TimeLimit()


def _give_up(frame: Any) -> None:
    """The plugin caught :class:`TimeLimit` again and again (``except BaseException`` in a
    loop): nothing can unwind it. The command ends, naming the module that was running."""
    module = frame.f_globals.get("__name__", "?") if frame is not None else "?"
    os.write(2, (f"nianbao: 插件代码（{module}）运行超过 {_limits['time']:g} 秒，中断{_alarms[0] - 1}次都被它捕获，"
                 "无法停止，命令已终止（config.toml [plugins] time_limit；或在 [plugins] disabled 中停用该插件）\n").encode())
    os._exit(2)


def describe(exc: BaseException) -> str:
    """What went wrong, in one line, for the operator."""
    if isinstance(exc, SystemExit):
        return f"调用了 sys.exit({exc.code!r})"
    if isinstance(exc, TimeLimit):
        return f"超过时限：运行 {_limits['time']:g} 秒仍未结束（config.toml [plugins] time_limit）"
    if isinstance(exc, MemoryError):
        bound = _limits["memory_mb"]
        return "内存不足" + (f"（超过 config.toml [plugins] memory_limit = {bound} MB）" if bound else "")
    if isinstance(exc, KeyboardInterrupt):
        return "自行引发了 KeyboardInterrupt"
    return f"{type(exc).__name__}: {exc}"


def _operator_interrupt(exc: BaseException) -> bool:
    if isinstance(exc, Interrupted):
        return True
    # A signal only ever reaches the main thread; without our handler there, a
    # KeyboardInterrupt may be the operator's: let it stop the command, as Python would.
    return (isinstance(exc, KeyboardInterrupt) and not _handlers_installed
            and threading.current_thread() is threading.main_thread())


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, with anything it raises as :class:`PluginError` (except
    the operator's Ctrl+C). Inside :func:`contained`, in the main thread, the outermost
    call gets the time budget."""
    timed = (_state.depth == 0 and _limits["time"] > 0 and _handlers_installed
             and threading.current_thread() is threading.main_thread())
    _state.depth += 1
    failure: tuple[str, str] | None = None
    try:
        if timed:
            _alarms[0] = 0
            signal.setitimer(signal.ITIMER_REAL, _limits["time"], 1.0)
        try:
            return fn(*args, **kwargs)
        finally:
            _state.depth -= 1
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except PluginError:
        raise
    except BaseException as exc:  # noqa: BLE001 - plugin code may raise anything, SystemExit too
        if _operator_interrupt(exc):
            raise
        # The message now; the exception (its traceback holds the plugin's frames, and with
        # them all it allocated) is dropped before PluginError is raised.
        detail = "" if isinstance(exc, MemoryError) else _traceback(exc)
        failure = (describe(exc), detail)
    raise PluginError(*failure)


def _traceback(exc: BaseException) -> str:
    import traceback  # only a failing plugin needs it

    return "".join(traceback.format_exception(exc))


@contextlib.contextmanager
def contained(time_limit: float = 0.0, memory_mb: int = 0) -> Iterator[None]:
    """For a headless command: Ctrl+C told from a plugin's ``KeyboardInterrupt``, each
    plugin call limited to ``time_limit`` seconds, the process's address space to
    ``memory_mb`` MB (0: no limit). Everything is put back on leaving (the test suite runs
    commands in its own process). Only in the main thread; elsewhere it does nothing."""
    global _handlers_installed
    if threading.current_thread() is not threading.main_thread() or _handlers_installed:
        yield
        return
    old_int = signal.signal(signal.SIGINT, _on_sigint)
    old_alarm = signal.signal(signal.SIGALRM, _on_alarm) if hasattr(signal, "SIGALRM") else None
    old_rlimit = _limit_memory(memory_mb)
    _limits.update(time=float(time_limit) if hasattr(signal, "setitimer") else 0.0, memory_mb=memory_mb)
    _handlers_installed = True
    try:
        yield
    finally:
        _handlers_installed = False
        _limits.update(time=0.0, memory_mb=0)
        if old_rlimit is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, old_rlimit)
        if old_alarm is not None:
            signal.signal(signal.SIGALRM, old_alarm)
        signal.signal(signal.SIGINT, old_int)


def _limit_memory(memory_mb: int) -> tuple[int, int] | None:
    """Lower the soft RLIMIT_AS to ``memory_mb`` (never above the hard limit); the old
    limits, or None when nothing was changed."""
    if memory_mb <= 0 or sys.platform == "win32":
        return None
    import resource

    old = resource.getrlimit(resource.RLIMIT_AS)
    soft, hard = old
    want = memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft != resource.RLIM_INFINITY and soft <= want:
        return None
    try:
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError):
        return None
    return old
