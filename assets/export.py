"""``articles_export``: the published articles as Parquet (or JSON lines) for the next tool.

Not part of the ``ingest`` job: ingest's cost grows with what changed in a night, an export
rewrites every article of the selection (the whole corpus unless ``since`` is set), so it is
its own job (``export``), started on demand or after each successful ingest by the
``export_after_ingest`` sensor once an operator switches it on.
"""

from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.resources import WarehouseResource
from winnow.export import export_articles


class ExportConfig(dg.Config):
    """Where and what to export (the defaults: all articles, Parquet, beside the warehouse)."""

    format: str = "parquet"
    #: Only articles published on or after this day (YYYY-MM-DD); empty: every article.
    since: str = ""
    #: The folder to (re)write; empty: ``export/`` beside the published warehouse.
    out: str = ""


@dg.asset(
    deps=["warehouse_snapshot"],
    group_name="export",
    kinds={"parquet"},
    description=(
        "The published articles with story_id and lineage columns, written by DuckDB's COPY "
        "straight from the read snapshot: Parquet partitioned by published date "
        "(published_at=YYYY-MM-DD/), or JSON lines. Read it with polars, DuckDB or Hugging "
        "Face datasets (docs/QUERIES.md)."
    ),
)
def articles_export(
    context: dg.AssetExecutionContext, config: ExportConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    published = Path(warehouse.path)
    out = Path(config.out) if config.out else published.parent / "export"
    since = date.fromisoformat(config.since) if config.since else None
    done = export_articles(published, out, config.format, since)
    context.log.info(f"{done.rows} articles -> {done.out} in {done.seconds:.1f}s")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(done.rows),
            "path": dg.MetadataValue.path(done.out),
            "format": done.format,
            "since": done.since or "every article",
            "files": dg.MetadataValue.int(done.files),
            "bytes": dg.MetadataValue.int(done.bytes),
            "snapshot_run_id": done.snapshot_run_id or "",
            "seconds": dg.MetadataValue.float(done.seconds),
        }
    )
