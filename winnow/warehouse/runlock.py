"""One run at a time per warehouse, whatever starts it.

``make run``, ``winnow run``, the UI, the schedule, the sensors and backfills all take this
lock for the whole run (not per step): an ``flock`` on ``<work_dir>.run.lock``, a file beside
the working folder (``--fresh`` empties the folder, never this file). A second run waits,
saying so in one line, for at most ``run_lock_seconds`` (``WINNOW_RUN_LOCK_SECONDS``; 0: do
not wait), then gives up with one line naming who holds it. The kernel drops the lock when
its process dies, so a killed run holds nothing.

The lock is re-entrant within a process: ``make run`` takes it before it creates its Dagster
run, and the run's executor (which takes it for runs started anywhere else) finds it held.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from winnow.warehouse.store import default_work_dir

#: Lock files this process holds, with how many times each was taken.
_HELD: dict[Path, tuple[IO[str], int]] = {}


class RunLockTimeout(RuntimeError):
    """Another run held the warehouse for longer than this one would wait."""


def lock_path(warehouse: Path | str, work_dir: Path | str | None = None) -> Path:
    """``data/warehouse.duckdb`` -> ``data/warehouse.work.run.lock``."""
    work = Path(work_dir) if work_dir else default_work_dir(Path(warehouse))
    work = work.absolute()
    return work.with_name(work.name + ".run.lock")


def holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it ('' when nobody wrote)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def run_lock(
    warehouse: Path | str,
    work_dir: Path | str | None,
    who: str,
    timeout: float,
    log: Callable[[str], None] = print,
    poll: float = 0.5,
) -> Iterator[float]:
    """Hold the whole-run lock of ``warehouse``; yields the seconds waited for it."""
    path = lock_path(warehouse, work_dir)
    if path in _HELD:
        handle, depth = _HELD[path]
        _HELD[path] = (handle, depth + 1)
        try:
            yield 0.0
        finally:
            _release(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held across the yield
    try:
        waited = _acquire(handle, path, timeout, log, poll)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    handle.truncate()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    handle.write(f"{who}, pid {os.getpid()} on {socket.gethostname()}, since {stamp}")
    handle.flush()
    _HELD[path] = (handle, 1)
    try:
        yield waited
    finally:
        _release(path)


def _acquire(handle: IO[str], path: Path, timeout: float, log: Callable[[str], None], poll: float):
    """Take the lock, waiting up to ``timeout`` seconds (one line says so); the wait."""
    start = time.monotonic()
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return 0.0
    except BlockingIOError:
        pass
    who = holder(path) or "another process"
    if timeout <= 0:
        raise RunLockTimeout(f"another run holds {path} ({who}); not waiting")
    log(f"waiting up to {timeout:g} s for another run to finish ({who}; lock {path})")
    while time.monotonic() - start < timeout:
        time.sleep(poll)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue
        waited = time.monotonic() - start
        log(f"waited {waited:.1f} s for the other run")
        return waited
    raise RunLockTimeout(
        f"another run still holds {path} after {timeout:g} s ({holder(path) or who}); "
        "raise WINNOW_RUN_LOCK_SECONDS to wait longer"
    )


def _release(path: Path) -> None:
    handle, depth = _HELD[path]
    if depth > 1:
        _HELD[path] = (handle, depth - 1)
        return
    del _HELD[path]
    try:
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
