"""Jobs. The whole graph runs in one process: DuckDB takes one writer at a time."""

import dagster as dg

ingest_job = dg.define_asset_job(
    "ingest",
    selection=dg.AssetSelection.groups("winnow"),
    description="Read the sources, relearn the per-site model, extract and cluster articles.",
    executor_def=dg.in_process_executor,
)
