"""``make run``: the ``ingest`` job once, in this process, queued behind any other writing run.

Quiet by default (Dagster's DEBUG event lines only with ``WINNOW_LOG_LEVEL=DEBUG``); prints the
sources and warehouse it uses; ends a failure with the failing step and its cause, and exits
non-zero exactly when Dagster records the run as failed (a step, or a blocking error
check, failed); checks that warn are printed with the pages they name.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets import ASSETS, CHECKS
from assets.partitions import FETCH_DAYS
from orchestration.fetcher import FetcherResource
from orchestration.jobs import ingest_job
from orchestration.monitor import WORKER_TAG, reap_dead_runs, wait_for_writing_runs, worker_identity
from orchestration.resources import SourcesResource, WarehouseResource
from winnow.partitions.keys import day_key
from winnow.settings import Settings, SettingsError, origin, resolve
from winnow.sources import SourceError, load_sources

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def materialize_all(
    warehouse: WarehouseResource | None = None,
    sources: SourcesResource | None = None,
    instance: dg.DagsterInstance | None = None,
    fetcher: FetcherResource | None = None,
    log_level: str = "INFO",
) -> dg.ExecuteInProcessResult:
    """Run the ``ingest`` job (every asset and check but the WARC partitions) once in this
    process, for today's partition (on ``instance``, else an ephemeral one). WARC files are
    partitions of their own: ``make backfill`` or the ``warc_sensor`` loads them."""
    defs = dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[ingest_job],
        resources={
            "warehouse": warehouse or WarehouseResource(),
            "sources": sources or SourcesResource(),
            "fetcher": fetcher or FetcherResource(),
        },
    )
    today = datetime.now(ZoneInfo(FETCH_DAYS.timezone)).date()
    return defs.resolve_job_def("ingest").execute_in_process(
        instance=instance,
        partition_key=day_key(today),
        raise_on_error=False,
        tags={WORKER_TAG: worker_identity()},
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )


def failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """Names of error-severity checks that did not pass."""
    failed = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return failed


def check_lines(evaluations: Sequence[dg.AssetCheckEvaluation], pages: int = 10) -> list[str]:
    """Each check that did not pass: ``FAILED check`` (error) or ``WARNING check``, its verdict,
    then the pages or sites it names with their reasons (its ``pages`` or ``sites`` metadata),
    ``pages`` of them at most."""
    lines = []
    for evaluation in evaluations:
        if evaluation.passed:
            continue
        error = evaluation.severity == dg.AssetCheckSeverity.ERROR
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        said = f": {evaluation.description}" if evaluation.description else ""
        lines.append(f"{'FAILED' if error else 'WARNING'} check {name}{said}")
        for key in ("pages", "sites"):
            named = evaluation.metadata.get(key)
            value = named.value if named is not None else None
            if isinstance(value, dict):
                for name, why in list(value.items())[:pages]:
                    whys = why if isinstance(why, list) else [why]
                    lines += [f"  {name}: {w}" if key == "pages" else f"  {w}" for w in whys]
            elif isinstance(value, list):
                lines += [f"  {name}" for name in value[:pages]]
    return lines


def failure_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """One line per failed step (its innermost cause)."""
    lines = []
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error
        while error is not None and error.cause is not None:
            error = error.cause
        cause = "unknown"
        if error is not None:
            message = " ".join(error.message.split())
            # Dagster prefixes the message with the exception's qualified class name.
            message = message.split(f"{error.cls_name}: ", 1)[-1]
            cause = f"{error.cls_name}: {message}"
        lines.append(f"FAILED step {event.step_key}: {cause}")
    return lines


@contextmanager
def _one_make_run(home: Path) -> Iterator[None]:
    """Two ``make run`` started together take turns (the second says it waits, and how long)."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "winnow-make-run.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for another make run to finish", flush=True)
            start = time.monotonic()
            fcntl.flock(handle, fcntl.LOCK_EX)
            print(f"waited {time.monotonic() - start:.1f} s for it", flush=True)
        yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description="the ingest job once")
    parser.add_argument(
        "--fresh", action="store_true", help="start from an empty warehouse (make run FRESH=1)"
    )
    fresh = parser.parse_args(argv).fresh
    level = os.environ.get("WINNOW_LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        print(f"WINNOW_LOG_LEVEL={level!r}: expected one of {', '.join(LOG_LEVELS)}")
        return 2
    try:
        settings = resolve()
        for name in ("sources", "warehouse"):
            print(f"{name}: {getattr(settings, name)} ({origin(name)})", flush=True)
        load_sources(settings.sources)  # a configuration mistake is one line, before any run
    except (SourceError, SettingsError) as exc:
        print(f"not started: {' '.join(str(exc).split())}")
        return 2
    result = _run(settings, level, fresh)
    # The exit status is the run's status in Dagster: an error check that must stop the run is
    # blocking (it fails its step), a warning is printed and never fails the command.
    said = check_lines(result.get_asset_check_evaluations())
    if not result.success:
        print(f"run {result.run_id} of job ingest failed:")
        for line in failure_lines(result) + said:
            print(line)
        return 1
    for line in said:
        print(line)
    from winnow import warehouse as wh

    con = wh.open_published(settings.warehouse)
    try:
        for table, count in wh.table_counts(con).items():
            print(f"{table:15} {count:>8} rows")
    finally:
        con.close()
    print(f"run {result.run_id} of job ingest published {settings.warehouse}")
    return 0


def _run(settings: Settings, level: str, fresh: bool) -> dg.ExecuteInProcessResult:
    """The job, recorded in ``DAGSTER_HOME`` when set (``make ui`` shows it) behind any writing
    run the daemon launched (schedule, sensor, UI); ``fresh`` empties the working state first,
    once no other run writes."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:  # no instance to record the run in or to queue behind
        _fresh_start(settings, fresh)
        return materialize_all(*_resources(settings), log_level=level)
    with _one_make_run(Path(home)), dg.DagsterInstance.get() as instance:
        for run_id in reap_dead_runs(instance):
            print(f"marked run {run_id} failed: its worker process is gone")
        wait_for_writing_runs(instance, lambda line: print(line, flush=True))
        _fresh_start(settings, fresh)
        return materialize_all(*_resources(settings), instance=instance, log_level=level)


def _resources(settings: Settings) -> tuple[WarehouseResource, SourcesResource]:
    """The resources of the settings just printed (not those resolved at import)."""
    work_dir = str(settings.work_dir) if settings.work_dir else None
    return (
        WarehouseResource(path=str(settings.warehouse), work_dir=work_dir),
        SourcesResource(config_path=str(settings.sources)),
    )


def _fresh_start(settings: Settings, fresh: bool) -> None:
    if fresh:
        from winnow.warehouse import Warehouse

        store = Warehouse(settings.warehouse, settings.work_dir)
        store.fresh(lambda line: print(line, flush=True))
        print(f"fresh start: the working state in {store.work_dir} was emptied", flush=True)


if __name__ == "__main__":
    sys.exit(main())
