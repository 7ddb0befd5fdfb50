"""``make run``: the ``ingest`` job once, in this process, as a run of the ``winnow`` code
location (the UI lists it and can re-execute it), once no other run of the warehouse runs.

Quiet by default (Dagster's DEBUG event lines only with ``WINNOW_LOG_LEVEL=DEBUG``); prints the
sources and warehouse it uses; ends a failure with the failing step and its cause, and exits
non-zero exactly when Dagster records the run as failed (a step, or a blocking error
check, failed); checks that warn are printed with the pages they name.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import dagster as dg

from assets import ASSETS, CHECKS
from orchestration.fetcher import FetcherResource
from orchestration.home import prepare_home
from orchestration.jobs import ingest_job
from orchestration.launch import run_job
from orchestration.monitor import WORKER_TAG, reap_dead_runs, worker_identity
from orchestration.resources import SourcesResource, WarehouseResource
from winnow.settings import Settings, SettingsError, origin, resolve
from winnow.sources import SourceError, load_sources
from winnow.warehouse.runlock import RunLockTimeout, run_lock

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def materialize_all(
    warehouse: WarehouseResource | None = None,
    sources: SourcesResource | None = None,
    instance: dg.DagsterInstance | None = None,
    fetcher: FetcherResource | None = None,
    log_level: str = "INFO",
) -> dg.ExecuteInProcessResult:
    """Run the ``ingest`` job (every asset and check) once in this process with these
    resources (on ``instance``, else an ephemeral one): what tests use. ``make run`` runs the
    code location's job instead (``main``)."""
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
    return defs.resolve_job_def("ingest").execute_in_process(
        instance=instance,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description="the ingest job once")
    parser.add_argument(
        "--fresh", action="store_true", help="start from an empty warehouse (make run FRESH=1)"
    )
    parser.add_argument("--who", default="make run", help=argparse.SUPPRESS)  # winnow run
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)  # it said them
    args = parser.parse_args(argv)
    level = os.environ.get("WINNOW_LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        print(f"WINNOW_LOG_LEVEL={level!r}: expected one of {', '.join(LOG_LEVELS)}")
        return 2
    try:
        settings = resolve()
        for name in () if args.quiet else ("sources", "warehouse"):
            print(f"{name}: {getattr(settings, name)} ({origin(name)})", flush=True)
        load_sources(settings.sources)  # a configuration mistake is one line, before any run
    except (SourceError, SettingsError) as exc:
        print(f"not started: {' '.join(str(exc).split())}")
        return 2
    try:
        result = _run(settings, level, args.fresh, args.who)
    except RunLockTimeout as exc:
        print(f"not started: {exc}")
        return 3
    # The exit status is the run's status in Dagster: an error check that must stop the run is
    # blocking (it fails its step), a warning is printed and never fails the command.
    said = check_lines(result.get_asset_check_evaluations())
    if not result.success:
        print(f"run {result.run_id} of job ingest failed:")
        lines = failure_lines(result)
        for line in lines + said:
            print(line)
        return _cli_status(result) if args.who == "winnow run" else 1
    for line in said:
        print(line)
    from winnow import warehouse as wh
    from winnow.warehouse.prune import rows_by_source

    con = wh.open_published(settings.warehouse)
    try:
        for table, count in wh.table_counts(con).items():
            print(f"{table:15} {count:>8} rows")
        stored = rows_by_source(con)
    finally:
        con.close()
    print(f"run {result.run_id} of job ingest published {settings.warehouse}")
    empty = source_lines(load_sources(settings.sources), stored)
    for line in empty:
        print(line)
    return 1 if any(line.startswith("FAILED") for line in empty) else 0


def source_lines(specs: list, stored: dict[str, int]) -> list[str]:
    """One line per configured source that produced no page (FAILED, unless it is
    ``optional``) and per source in the warehouse that is no longer configured."""
    lines = []
    for spec in specs:
        if stored.get(spec.name):
            continue
        where = spec.path or (spec.web and (spec.web.url or ", ".join(spec.web.urls[:1])))
        what = f"source '{spec.name}' ({spec.kind}, {where}) produced no page"
        if spec.optional:
            lines.append(f"note: {what} (optional)")
        else:
            lines.append(f"FAILED {what}: {EMPTY_HINT.get(spec.kind, 'check it')}")
    names = {spec.name for spec in specs}
    for source, rows in sorted(stored.items()):
        if source not in names:
            lines.append(
                f"warning: source '{source}' is no longer configured but its {rows} page "
                "versions are still in the warehouse; `winnow prune` drops them"
            )
    return lines


#: What to look at when a source of a kind produced no page.
EMPTY_HINT = {
    "warc": "no WARC/WET file matches its path and include globs",
    "files": "no page file under its folder matches its include globs",
    "manifest": "its manifest lists no page",
}


#: ``winnow run``'s exit status for a run that failed on these errors (as every ``winnow``
#: command: 2 a mistake in what was asked or a refused publish, 3 the warehouse missing,
#: damaged or held); any other failure is 1.
CLI_STATUS = {
    "SchemaError": 2,
    "PublishError": 2,
    "SourceError": 2,
    "DiskFull": 3,
    "WarehouseMissing": 3,
    "WarehouseCorrupt": 3,
    "WarehouseBusy": 3,
    "RunLockTimeout": 3,
}


def _cli_status(result: dg.ExecutionResult) -> int:
    """The status of the outermost Winnow error in the failed steps' causes (else 1)."""
    for event in result.get_step_failure_events():
        error = event.event_specific_data.error
        while error is not None:
            if error.cls_name in CLI_STATUS:
                return CLI_STATUS[error.cls_name]
            error = error.cause
    return 1


def _run(settings: Settings, level: str, fresh: bool, who: str) -> dg.ExecutionResult:
    """The job, as a run of the ``winnow`` code location recorded in the warehouse's Dagster
    home (``make ui`` shows it), once this process holds the warehouse's whole-run lock (any
    other run of it, from the UI, a schedule, a sensor or another command, waits or is waited
    for); ``fresh`` empties the working state first, under the same lock."""
    prepare_home(settings)
    lock = run_lock(settings.warehouse, settings.work_dir, who, settings.run_lock_seconds)
    with lock, dg.DagsterInstance.get() as instance:
        for run_id in reap_dead_runs(instance):
            print(f"marked run {run_id} failed: its worker process is gone")
        _fresh_start(settings, fresh)
        return run_job(
            instance,
            "ingest",
            run_config={"loggers": {"console": {"config": {"log_level": level}}}},
            tags={WORKER_TAG: worker_identity(), "winnow/trigger": who},
        )


def _fresh_start(settings: Settings, fresh: bool) -> None:
    if fresh:
        from winnow.warehouse import Warehouse

        store = Warehouse(settings.warehouse, settings.work_dir)
        store.fresh(lambda line: print(line, flush=True))
        print(f"fresh start: the working state in {store.work_dir} was emptied", flush=True)


if __name__ == "__main__":
    sys.exit(main())
