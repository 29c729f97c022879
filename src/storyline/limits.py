"""Per-document limits: a wall-clock time limit and a text size limit.

Every per-document stage runs each document under :func:`time_limit`; a document that runs past
it, or whose text is longer than the size limit, becomes a reject (``time_limit``, ``too_large``)
and the run goes on with the next one.

How the time limit is enforced depends on where the code runs:

* **In the main thread of a process** (the ``storyline run`` driver, its ``--workers`` processes,
  any single-threaded script) on a POSIX system: a real interval timer (``setitimer(ITIMER_REAL)``)
  raises :class:`DocTimeout` from the ``SIGALRM`` handler. Python code is interrupted at the next
  bytecode, and so is a running regular expression (CPython's ``re`` engine checks for signals
  while it backtracks). Long calls into C code that do not check for signals (an lxml parse, the
  spaCy tokenizer on one text) are interrupted as soon as they return.
* **Anywhere else** (another thread, e.g. a Dask worker's task thread; Windows; or while a timer
  that is not ours is armed, e.g. pytest-timeout's): nothing can interrupt the code from outside.
  The deadline is *cooperative*: :func:`check` raises :class:`DocTimeout` once it has passed (the
  facts stage calls it between the pieces of an article), and leaving the ``with`` block after the
  deadline raises it too, so a document that ran too long still becomes a reject; but a document
  that never returns is not stopped.

Nesting works: an inner limit never extends an outer one, and leaving it re-arms the outer timer.
:class:`DocTimeout` derives from :class:`BaseException` so that a broad ``except Exception`` in a
stage cannot swallow it; catch it where the document's reject is made, and only for your own limit
(``exc.limit is lim``).
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

DOC_TIMEOUT = 30.0  # seconds per document and stage (`storyline run --doc-timeout`)
MAX_CHARS = 1_000_000  # characters of clean text per document (`storyline run --max-chars`); ~150 000 words


@dataclass(frozen=True, slots=True)
class DocLimits:
    """The per-document limits of a run (picklable: sent to worker processes). ``None``/0: no limit."""

    timeout: float | None = DOC_TIMEOUT
    max_chars: int | None = MAX_CHARS


class Limit:
    """One :func:`time_limit` (what ``with time_limit(s) as lim`` gives)."""

    __slots__ = ("seconds", "deadline", "signal_mode", "done")

    def __init__(self, seconds: float, signal_mode: bool) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.signal_mode = signal_mode
        self.done = False  # ran out or was left: no longer armed, never raised for again

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class DocTimeout(BaseException):
    """A document ran past its time limit. ``limit`` is the :class:`Limit` that ran out."""

    def __init__(self, limit: Limit | None, seconds: float) -> None:
        super().__init__(f"took longer than the time limit of {seconds:g} s")
        self.limit = limit
        self.seconds = seconds


_local = threading.local()
_MAIN_STATE: dict[str, object] = {}  # the SIGALRM handler that was there before ours


def _stack() -> list[Limit]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _can_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _active(stack: list[Limit]) -> list[Limit]:
    return [f for f in stack if f.signal_mode and not f.done]


def _arm(stack: list[Limit]) -> None:
    """Set the real timer to the earliest deadline of the active signal-mode limits (or clear it)."""
    active = _active(stack)
    if not active:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    signal.setitimer(signal.ITIMER_REAL, max(min(f.deadline for f in active) - time.monotonic(), 1e-4))


def _expire(f: Limit) -> DocTimeout:
    f.done = True
    return DocTimeout(f, f.seconds)


def _on_alarm(signum: int, frame: object) -> None:
    stack = _stack()
    now = time.monotonic()
    for f in _active(stack):  # the outermost expired limit: inner ones are unwound on the way out
        if f.deadline <= now + 1e-4:
            raise _expire(f)
    if _active(stack):  # early or stale signal: wait for the real deadline
        _arm(stack)


def check() -> None:
    """Raise :class:`DocTimeout` if a time limit of this thread has passed (cooperative checkpoint)."""
    stack = getattr(_local, "stack", None)
    if not stack:
        return
    now = time.monotonic()
    for f in stack:
        if not f.done and f.deadline <= now:
            raise _expire(f)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[Limit | None]:
    """Run the body under a wall-clock limit of ``seconds``; raises :class:`DocTimeout` past it.

    ``None``, 0, a negative or an infinite value: no limit (yields ``None``).

    The alarm may fire at any bytecode, including inside this function's own bookkeeping; the state
    stays consistent: a limit is marked ``done`` before anything else when it ends, the handler and
    the timer only look at limits not done, and leaving a limit also drops any inner limit that an
    exception cut short."""
    if seconds is None or not seconds > 0 or math.isinf(seconds):
        yield None
        return
    stack = _stack()
    if not any(not f.done for f in stack):
        stack.clear()  # nothing runs under a limit in this thread: leftovers of interrupted bookkeeping
    signal_mode = False
    if _can_signal():
        if _active(stack):
            signal_mode = True  # the timer and the handler are already ours
        elif signal.getitimer(signal.ITIMER_REAL)[0] == 0:  # no foreign timer armed: take it over
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            if previous is not _on_alarm:
                _MAIN_STATE["handler"] = previous
            signal_mode = True
    lim = Limit(float(seconds), signal_mode)
    try:
        stack.append(lim)
        if signal_mode:
            _arm(stack)
        yield lim
        if time.monotonic() > lim.deadline and not lim.done:  # finished, but late (a long C call; cooperative)
            raise _expire(lim)
    finally:
        lim.done = True
        for i, f in enumerate(stack):
            if f is lim:
                del stack[i:]
                break
        if signal_mode:
            if _active(stack):
                _arm(stack)  # the outer limit again (fires at once if it has passed meanwhile)
            else:
                signal.setitimer(signal.ITIMER_REAL, 0)
                if "handler" in _MAIN_STATE:
                    signal.signal(signal.SIGALRM, _MAIN_STATE.pop("handler") or signal.SIG_DFL)  # type: ignore[arg-type]


def too_large(text: str | None, max_chars: int | None) -> bool:
    """Is ``text`` longer than ``max_chars`` characters (``None``/0: no limit)?"""
    return bool(max_chars) and text is not None and len(text) > max_chars  # type: ignore[operator]
