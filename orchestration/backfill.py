"""``make backfill``: every WARC file of the ``warc`` sources as a partition, loaded in one run.

    uv run python -m orchestration.backfill                    # multiprocess executor
    uv run python -m orchestration.backfill --dask tcp://127.0.0.1:8786   # a running dask cluster
    uv run python -m orchestration.backfill --in-process       # one process (the reference)

The run covers the whole range of ``warc_files`` partitions: one parallel step per file (files
below the ``warc_batch_bytes`` setting share one), then
the model is relearnt from the merged partition counts and changed pages are extracted in
parallel slices. The run is recorded in the warehouse's Dagster history (``orchestration.home``;
``DAGSTER_HOME`` when set) and holds the warehouse's run lock, as every run does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

import dagster as dg

from assets.partitions import WARC_FILES
from orchestration.home import prepare_home
from orchestration.logs import console_run_config, log_level
from orchestration.warc_sensor import RANGE_END, RANGE_START
from winnow.partitions.keys import warc_partitions
from winnow.settings import resolve
from winnow.sources import load_sources


def warc_backfill() -> dg.JobDefinition:
    from orchestration.definitions import build_defs

    return build_defs().resolve_job_def("warc_backfill")


def warc_backfill_dask() -> dg.JobDefinition:
    from orchestration.definitions import build_defs

    return build_defs().resolve_job_def("warc_backfill_dask")


def register_partitions(instance: dg.DagsterInstance) -> list[str]:
    """Add a partition for every WARC file the sources name; all known keys, in order."""
    keys = list(warc_partitions(load_sources(resolve().sources)))
    known = set(instance.get_dynamic_partitions(WARC_FILES.name))
    instance.add_dynamic_partitions(WARC_FILES.name, [k for k in keys if k not in known])
    return instance.get_dynamic_partitions(WARC_FILES.name)


def range_tags(keys: list[str]) -> dict[str, str]:
    return {RANGE_START: keys[0], RANGE_END: keys[-1]}


def backfill(
    instance: dg.DagsterInstance,
    how: str = "multiprocess",
    only_new: bool = False,
    level: str | None = None,
) -> dg.ExecutionResult:
    """Run ``warc_backfill`` over the WARC partitions: ``multiprocess``, ``dask`` (the
    scheduler of the ``dask_scheduler`` setting) or ``in_process``; with ``only_new``, over the
    partitions added since the last backfill (they come last, so they form one range). Logs at
    ``level`` (default: ``WINNOW_LOG_LEVEL``, else INFO)."""
    keys = register_partitions(instance)
    if only_new:
        done = instance.get_materialized_partitions(dg.AssetKey("warc_pages"))
        keys = keys[next((i for i, k in enumerate(keys) if k not in done), len(keys)) :]
    if not keys:
        raise SystemExit("no WARC files to backfill")
    tags = range_tags(keys)
    config = console_run_config(level or log_level())
    if how == "in_process":
        return warc_backfill().execute_in_process(config, instance=instance, tags=tags)
    target = warc_backfill_dask if how == "dask" else warc_backfill
    return dg.execute_job(
        dg.reconstructable(target), instance=instance, tags=tags, run_config=config
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dask", metavar="ADDRESS", help="run on this dask scheduler")
    parser.add_argument("--in-process", action="store_true", help="run in this process")
    parser.add_argument("--new", action="store_true", help="only files not loaded before")
    parser.add_argument("--json", action="store_true", help="print step timings as JSON")
    args = parser.parse_args(argv)
    if args.dask:
        os.environ["WINNOW_DASK_SCHEDULER"] = args.dask
    how = "dask" if args.dask else "in_process" if args.in_process else "multiprocess"
    level = log_level()  # a wrong WINNOW_LOG_LEVEL is one line, before any run
    prepare_home(resolve())  # the warehouse's own Dagster history (or $DAGSTER_HOME)
    instance = dg.DagsterInstance.get()
    start = time.monotonic()
    sampler = RssSampler() if args.json else None
    with instance:
        result = backfill(instance, how, args.new, level)
        seconds = time.monotonic() - start
        print(f"warc_backfill ({how}): {'ok' if result.success else 'FAILED'} in {seconds:.1f} s")
        if sampler:
            sampler.stop()
            steps, spans = step_seconds(instance, result.run_id)
            rss = sampler.peak_by_op(step_bounds(instance, result.run_id))
            startup = step_startup(instance, result.run_id)
            out = {"seconds": seconds, "steps": steps, "spans": spans, "rss": rss}
            print(json.dumps({**out, "startup": startup}))
    return 0 if result.success else 1


class RssSampler:
    """This process' resident memory every ``every`` seconds, in a thread (for the in-process
    executor, where every step runs here): which step holds the peak."""

    def __init__(self, every: float = 0.25) -> None:
        self.samples: list[tuple[float, int]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._done.wait(every):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.samples.append((time.time(), int(line.split()[1]) // 1024))

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def peak_by_op(self, bounds: list[tuple[str, float, float]]) -> dict[str, int]:
        """Peak RSS (MB) sampled while each op's steps ran."""
        peaks: dict[str, int] = {}
        for op, begin, end in bounds:
            inside = [mb for at, mb in self.samples if begin <= at <= end]
            if inside:
                peaks[op] = max(peaks.get(op, 0), *inside)
        return peaks


def step_bounds(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, float, float]]:
    """(op, start, end) of every successful step of the run, from its event log."""
    started: dict[str, float] = {}
    bounds = []
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value == "STEP_SUCCESS" and event.step_key in started:
            op = event.step_key.split("[")[0]
            bounds.append((op, started[event.step_key], entry.timestamp))
    return bounds


def step_startup(instance: dg.DagsterInstance, run_id: str) -> dict[str, list[float]]:
    """Seconds each step took to start, per op: from the executor launching its worker
    (``STEP_WORKER_STARTING``) to the step's ``STEP_START`` (a new process importing the code
    location and initialising resources). Empty for the in-process executor."""
    launched: dict[str, float] = {}
    startup: dict[str, list[float]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type_value == "STEP_WORKER_STARTING":
            launched[event.step_key] = entry.timestamp
        elif event.event_type_value == "STEP_START" and event.step_key in launched:
            op = event.step_key.split("[")[0]
            seconds = round(entry.timestamp - launched[event.step_key], 2)
            startup.setdefault(op, []).append(seconds)
    return startup


def step_seconds(
    instance: dg.DagsterInstance, run_id: str
) -> tuple[dict[str, float], dict[str, float]]:
    """Wall seconds per op (mapped steps of one op added up), and the wall span of each op
    (first start to last end: what parallel steps of one op took together), from the run's
    event log."""
    totals: dict[str, float] = {}
    bounds: dict[str, tuple[float, float]] = {}
    for op, begin, end in step_bounds(instance, run_id):
        totals[op] = totals.get(op, 0.0) + end - begin
        low, high = bounds.get(op, (begin, end))
        bounds[op] = (min(low, begin), max(high, end))
    steps = {op: round(value, 3) for op, value in sorted(totals.items())}
    spans = {op: round(high - low, 3) for op, (low, high) in sorted(bounds.items())}
    return steps, spans


if __name__ == "__main__":
    sys.exit(main())
