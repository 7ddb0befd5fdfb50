"""``make ui``: ``dagster dev`` that stops cleanly on SIGTERM, SIGINT or SIGHUP.

``dagster dev`` runs the webserver, the daemon and code servers as its own subprocesses. Killed
from outside (``kill PID`` on ``make ui``, a supervisor stopping it), it could leave some of them
running or unreaped. So this launcher starts ``dagster dev`` in a process group of its own and,
on a stop signal, asks that group to shut down (SIGINT, what Ctrl-C sends), waits for it, then
terminates and finally kills whatever of the group is left, and reaps every child (it is the
"subreaper" of its descendants on Linux, so orphaned grandchildren are reaped here too). If this
launcher itself dies, ``dagster dev`` gets SIGTERM from the kernel (parent-death signal); if
``make ui`` dies without a word (SIGKILL), the launcher sees its process group's leader gone
and stops Dagster the same way.

    python -m orchestration.ui [--host 127.0.0.1] [--port 3000]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

GRACE_SECONDS = 30.0  # for dagster dev's own shutdown after SIGINT
TERM_SECONDS = 10.0  # after SIGTERM to the group, before SIGKILL
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    """Best effort: Linux only (elsewhere the stop still works, without these guarantees)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def _child_setup() -> None:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watched_leader() -> int | None:
    """The leader of this launcher's process group (``make ui`` in a shell's job or a
    supervisor's group), when that is another process."""
    leader = os.getpgid(0)
    return leader if leader != os.getpid() and _alive(leader) else None


def _reap() -> None:
    """Collect every exited child (the launcher's own and adopted orphans)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _wait_group(pgid: int, seconds: float) -> bool:
    """Reap until the group is gone or ``seconds`` passed; True when it is gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _reap()
        if not _group_alive(pgid):
            return True
        time.sleep(0.2)
    return False


def stop(pgid: int) -> None:
    """Shut the group down: SIGINT and a grace period, then SIGTERM, then SIGKILL."""
    for sig, seconds in (
        (signal.SIGINT, GRACE_SECONDS),
        (signal.SIGTERM, TERM_SECONDS),
        (signal.SIGKILL, TERM_SECONDS),
    ):
        _signal_group(pgid, sig)
        if _wait_group(pgid, seconds):
            break
    _reap()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="3000")
    args = parser.parse_args(argv)
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    child = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-h", args.host, "-p", str(args.port)],
        process_group=0,  # its own group: stopped as one, after this launcher asks
        preexec_fn=_child_setup,  # only prctl: nothing that takes a lock
    )
    leader = _watched_leader()
    while child.poll() is None and not stopping:
        if leader is not None and not _alive(leader):
            stopping.append(signal.SIGHUP)  # make ui was killed: nobody is left to stop us
            break
        time.sleep(0.2)
    if stopping:
        print(f"make ui: stopping Dagster ({signal.Signals(stopping[0]).name})", flush=True)
    stop(child.pid)  # the group's leader is the child: its pid is the group id
    code = child.wait()
    return 0 if stopping else code


if __name__ == "__main__":
    sys.exit(main())
