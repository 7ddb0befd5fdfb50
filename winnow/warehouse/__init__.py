"""The DuckDB warehouse: schema and migrations (``schema``), how runs write and readers read
(``store``: a private working file published as an atomic read snapshot), how readers open the
newest snapshot in a sandbox (``snapshot``), how a run knows its files are the ones it left
and heals them (``integrity``, ``heal``), and set-based table I/O (``tables``)."""

from winnow.warehouse.integrity import DiskFull
from winnow.warehouse.schema import (
    MIGRATIONS_DIR,
    SchemaError,
    latest_version,
    migrate,
    migrations,
    verify,
)
from winnow.warehouse.snapshot import (
    SandboxRefused,
    WarehouseBusy,
    WarehouseCorrupt,
    WarehouseMissing,
    connect_latest,
    explain,
    open_published,
)
from winnow.warehouse.store import (
    Published,
    PublishError,
    Warehouse,
    check_stage_order,
    connect_file,
    mark_stage,
)

# Set-based table I/O needs polars; imported when first used, so a reader that only opens
# the published file (``winnow query``) starts without it.
_TABLES = frozenset(
    {
        "compress",
        "connect",
        "decompress",
        "drop_stale_blocks",
        "model_blocks",
        "pages_needing_articles",
        "pages_without_blocks",
        "query_frame",
        "read_articles",
        "read_boilerplate",
        "read_page_info",
        "read_pages",
        "read_segments",
        "run",
        "scalar",
        "set_page_status",
        "site_counts",
        "sites_of",
        "stored_versions",
        "table_counts",
        "transaction",
        "write_articles",
        "write_blocks",
        "write_clusters",
        "write_model",
        "write_pages",
        "write_segments",
        "write_site_models",
    }
)

# The names defined here, then the ``tables`` functions loaded on first use (one list of those).
__all__ = [
    "MIGRATIONS_DIR",
    "DiskFull",
    "SandboxRefused",
    "WarehouseBusy",
    "WarehouseCorrupt",
    "connect_latest",
    "explain",
    "PublishError",
    "Published",
    "SchemaError",
    "Warehouse",
    "WarehouseMissing",
    "check_stage_order",
    "connect_file",
    "latest_version",
    "mark_stage",
    "migrate",
    "migrations",
    "open_published",
    "verify",
    *sorted(_TABLES),
]


def __getattr__(name: str) -> object:
    """``winnow.warehouse.<name>`` of the ``tables`` module, imported on first use."""
    if name not in _TABLES:
        raise AttributeError(f"module 'winnow.warehouse' has no attribute {name!r}")
    from winnow.warehouse import tables

    value = getattr(tables, name)
    globals()[name] = value
    return value
