"""The Dagster code location: assets, checks, job, schedule, sensor and resources."""

import dagster as dg

from assets import ASSETS, CHECKS
from orchestration.fetcher import FetcherResource
from orchestration.jobs import ingest_job
from orchestration.resources import SourcesResource, WarehouseResource
from orchestration.schedules import nightly
from orchestration.sensors import inbox_sensor

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[ingest_job],
    schedules=[nightly],
    sensors=[inbox_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "sources": SourcesResource(),
        "fetcher": FetcherResource(),
    },
    executor=dg.in_process_executor,
)
