"""What one page may cost: its size and the time spent parsing and extracting it.

A page over ``max_bytes`` is not read (status ``too_large``); a page whose parsing or extraction
runs past ``seconds`` is given up (status ``timeout``). Either costs that page only, never the
run. Both limits come from ``winnow.settings`` (``WINNOW_MAX_PAGE_BYTES``,
``WINNOW_PAGE_SECONDS``).

The time limit interrupts Python code with ``SIGALRM`` (``setitimer``), which only the main
thread can receive; elsewhere (a dask worker thread) the work runs to its end and is then
judged by its duration, so a page over the limit still gets ``timeout`` and a result of no one's
choosing is never kept. A native call that runs long (one lexbor parse) is interrupted when it
returns; the size cap bounds how long that can be.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from winnow.settings import Settings, resolve

_DEFAULTS = Settings()


@dataclass(frozen=True, slots=True)
class PageLimits:
    """Per-page limits: bytes read (after gunzip) and seconds of parsing or extracting."""

    max_bytes: int = _DEFAULTS.max_page_bytes
    seconds: float = _DEFAULTS.page_seconds

    @classmethod
    def of(cls, settings: Settings | None = None) -> PageLimits:
        """The limits of ``settings`` (resolved from env and defaults when not given)."""
        settings = settings or resolve()
        return cls(settings.max_page_bytes, settings.page_seconds)


class PageTimeout(Exception):
    """A page's parsing or extraction ran past its time limit."""


def _can_alarm() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


@contextmanager
def time_limit(seconds: float, what: str = "a page") -> Iterator[None]:
    """Raise ``PageTimeout`` when the block runs longer than ``seconds`` (0 or less: no limit).

    Interrupts the block in the main thread; elsewhere it raises once the block has ended late.
    A timer already running (an outer limit) is restored, less the time spent here.
    """
    if seconds <= 0:
        yield
        return
    start = time.monotonic()
    if not _can_alarm():
        yield
        if time.monotonic() - start > seconds:
            raise PageTimeout(f"{what} took over {seconds:g} s")
        return

    def expire(signum, frame):  # noqa: ARG001 - the signal handler's signature
        raise PageTimeout(f"{what} took over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # an enclosing limit keeps running, less what this block used
            left = outer - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
