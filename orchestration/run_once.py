"""``make run``: materialize the whole graph once, in process, with its checks.

Exits non-zero when any step or any error-severity check fails.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from assets import ASSETS, CHECKS
from assets.parallel import warc_pages
from assets.partitions import FETCH_DAYS
from orchestration.fetcher import FetcherResource
from orchestration.resources import SourcesResource, WarehouseResource
from winnow.partitions.keys import day_key


def materialize_all(
    warehouse: WarehouseResource | None = None,
    sources: SourcesResource | None = None,
    instance: dg.DagsterInstance | None = None,
    fetcher: FetcherResource | None = None,
) -> dg.ExecuteInProcessResult:
    """Run every asset and check of the ``ingest`` job once in this process, for today's
    partition (on ``instance``, else an ephemeral one). WARC files are partitions of their
    own: ``make backfill`` or the ``warc_sensor`` loads them."""
    today = datetime.now(ZoneInfo(FETCH_DAYS.timezone)).date()
    return dg.materialize(
        [*ASSETS, *CHECKS],
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(warc_pages),
        partition_key=day_key(today),
        resources={
            "warehouse": warehouse or WarehouseResource(),
            "sources": sources or SourcesResource(),
            "fetcher": fetcher or FetcherResource(),
        },
        instance=instance,
        raise_on_error=False,
    )


def failed_checks(result: dg.ExecuteInProcessResult) -> list[str]:
    """Names of error-severity checks that did not pass."""
    failed = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    return failed


def main() -> int:
    warehouse = WarehouseResource()
    # With DAGSTER_HOME set (the Makefile sets it), the run is recorded there, so `make ui`
    # shows the graph materialized with its checks.
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    result = materialize_all(warehouse, instance=instance)
    bad_checks = failed_checks(result)
    if not result.success or bad_checks:
        for event in result.get_step_failure_events():
            print(f"FAILED step {event.step_key}: {event.event_specific_data.error.message}")
        for name in bad_checks:
            print(f"FAILED check {name}")
        return 1
    from winnow import warehouse as wh

    con = wh.connect(warehouse.path, read_only=True)
    try:
        for table, count in wh.table_counts(con).items():
            print(f"{table:15} {count:>8} rows")
        print(f"warehouse: {warehouse.path}")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
