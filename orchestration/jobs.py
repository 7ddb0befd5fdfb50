"""Jobs. ``ingest`` loads every configured source and rebuilds the model and articles;
``warc_backfill`` loads a range of WARC partitions as parallel steps (multiprocess executor),
``warc_backfill_dask`` runs the same steps on a running dask.distributed cluster.

Each holds its warehouse's whole-run lock while it runs (``orchestration.runguard``), so two
runs never interleave their steps, whoever started them. All three also carry the tag
``winnow/writes=warehouse``: the instance (``dagster.yaml``) starts at most one such queued run
at a time (schedule, sensors, UI).
"""

from __future__ import annotations

import os

import dagster as dg

from assets.catalog import PIPELINE_GROUPS
from assets.export import articles_export
from assets.parallel import warc_pages
from orchestration.dask_executor import dask_step_executor
from orchestration.monitor import WRITES_TAG, WRITES_VALUE
from orchestration.runguard import locked
from winnow.settings import resolve

ingest_job = dg.define_asset_job(
    "ingest",
    selection=dg.AssetSelection.groups(*PIPELINE_GROUPS) - dg.AssetSelection.assets(warc_pages),
    description="Read every source (new WARC files too), relearn the model, extract and cluster.",
    executor_def=locked(dg.in_process_executor),
    tags={WRITES_TAG: WRITES_VALUE},
)

export_job = dg.define_asset_job(
    "export",
    selection=dg.AssetSelection.assets(articles_export),
    description="Write the published articles as Parquet (or JSON lines) for the next tool.",
    executor_def=dg.in_process_executor,
)

#: warc_pages and everything downstream of it (model, articles, clusters, snapshot).
WARC_SELECTION = dg.AssetSelection.assets(warc_pages).downstream()

warc_backfill_job = dg.define_asset_job(
    "warc_backfill",
    selection=WARC_SELECTION,
    description=(
        "Load a range of WARC partitions, one parallel step per file (small files batched), "
        "then relearn the model "
        "from the merged partition counts and extract the changed pages in parallel slices."
    ),
    executor_def=locked(dg.multiprocess_executor).configured(
        {"max_concurrent": int(os.environ.get("WINNOW_MAX_CONCURRENT", 0)) or os.cpu_count()}
    ),
    tags={WRITES_TAG: WRITES_VALUE},
)


def dask_backfill_job(address: str | None = None) -> dg.UnresolvedAssetJobDefinition:
    """``warc_backfill`` on the dask.distributed scheduler at ``address`` (default: the
    ``WINNOW_DASK_SCHEDULER`` setting, else ``tcp://127.0.0.1:8786``, what ``make dask``
    starts); each step runs in a dask worker process (``orchestration.dask_executor``)."""
    address = address or resolve().dask_scheduler or "tcp://127.0.0.1:8786"
    return dg.define_asset_job(
        "warc_backfill_dask",
        selection=WARC_SELECTION,
        description=f"warc_backfill on the dask.distributed cluster at {address}.",
        executor_def=locked(dask_step_executor).configured({"address": address}),
        tags={WRITES_TAG: WRITES_VALUE},
    )
