"""The Dagster code location: assets, checks, job, schedule, sensor and resources."""

import sys

import dagster as dg

from assets import ASSETS, CHECKS
from orchestration.export_sensor import export_after_ingest
from orchestration.fetcher import FetcherResource
from orchestration.jobs import dask_backfill_job, export_job, ingest_job, warc_backfill_job
from orchestration.resources import SourcesResource, WarehouseResource
from orchestration.runguard import locked
from orchestration.schedules import nightly
from orchestration.sensors import inbox_sensor
from orchestration.warc_sensor import warc_sensor
from winnow.settings import origin, resolve


def build_defs() -> dg.Definitions:
    """The definitions, with resources and the dask scheduler read from the settings now (a
    backfill launched from a script or test builds them after setting its environment)."""
    settings = resolve()
    warehouse = WarehouseResource(
        path=str(settings.warehouse),
        work_dir=str(settings.work_dir) if settings.work_dir else None,
    )
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=CHECKS,
        jobs=[ingest_job, warc_backfill_job, dask_backfill_job(), export_job],
        schedules=[nightly],
        sensors=[inbox_sensor, warc_sensor, export_after_ingest],
        resources={
            "warehouse": warehouse,
            "sources": SourcesResource(config_path=str(settings.sources)),
            "fetcher": FetcherResource(),
        },
        executor=locked(dg.in_process_executor),  # "Materialize all" in the UI: one run
    )


def announce() -> None:
    """Say which sources and warehouse the code location uses (``make ui`` prints it where
    ``dagster dev`` starts; each ``pages`` run also logs it)."""
    settings = resolve()
    names = ("sources", "warehouse")
    shown = (f"{name} {getattr(settings, name)} ({origin(name)})" for name in names)
    print(f"winnow: {', '.join(shown)}", file=sys.stderr, flush=True)


#: The settings ``defs`` was built with: a process that changes its environment and runs again
#: (``orchestration.launch.run_job``) rebuilds the definitions when they differ.
BUILT_WITH = resolve()
defs = build_defs()
announce()
