"""Runs whose worker process is gone are marked failed; a writing run waits its turn.

Dagster's run monitoring cannot ask the default run launcher whether a run worker is alive, so
a run killed with SIGKILL would stay STARTED forever, holding the one slot that runs writing the
warehouse share (``dagster.yaml``: tag ``winnow/writes`` limited to 1). Every writing run
records its worker process (host, pid and the process's start time, so a reused pid is not
mistaken for it) in the tag ``winnow/worker``; ``reap_dead_runs`` (called when ``make run`` and
``make ui`` start) reports those runs failed.

``python -m orchestration.monitor`` reaps once and prints what it did.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import sys
import time
from collections.abc import Callable

import dagster as dg

WRITES_TAG = "winnow/writes"
WRITES_VALUE = "warehouse"
WORKER_TAG = "winnow/worker"
IN_PROGRESS = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field 22)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def worker_identity() -> str:
    """host:pid:start of the process running this run (the parent of a spawned step process)."""
    parent = multiprocessing.parent_process()
    pid = parent.pid if parent is not None and parent.pid else os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def worker_alive(identity: str) -> bool:
    """False only when the worker ran on this host and that process no longer exists."""
    host, _, rest = identity.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's worker: not ours to judge
    return _start_time(int(pid)) == started


def reap_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every in-progress run whose recorded worker process is gone."""
    reaped = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        identity = run.tags.get(WORKER_TAG)
        if identity and not worker_alive(identity):
            instance.report_run_failed(
                run,
                f"run worker {identity} is gone (killed?); marked failed when Winnow next started",
            )
            reaped.append(run.run_id)
    return reaped


def writing_runs_in_progress(instance: dg.DagsterInstance, exclude: str | None = None) -> list:
    runs = instance.get_runs(dg.RunsFilter(statuses=IN_PROGRESS, tags={WRITES_TAG: WRITES_VALUE}))
    return [r for r in runs if r.run_id != exclude]


def wait_for_writing_runs(
    instance: dg.DagsterInstance, log: Callable[[str], None], poll_seconds: float = 2.0
) -> float:
    """Block while another run that writes the warehouse is in progress; returns the wait."""
    start = time.monotonic()
    announced: set[str] = set()
    while True:
        reap_dead_runs(instance)
        busy = writing_runs_in_progress(instance)
        if not busy:
            waited = time.monotonic() - start
            if announced:
                log(f"waited {waited:.1f} s for run(s) {', '.join(sorted(announced))}")
            return waited
        for run in busy:
            if run.run_id not in announced:
                announced.add(run.run_id)
                log(f"waiting for run {run.run_id} ({run.job_name}, {run.status.value}) to finish")
        time.sleep(poll_seconds)


def main() -> int:
    instance = dg.DagsterInstance.get()
    for run_id in reap_dead_runs(instance):
        print(f"marked run {run_id} failed: its worker process is gone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
