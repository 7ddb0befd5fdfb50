"""Resources: where the warehouse lives and which sources to read (set in the UI or YAML)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from winnow import warehouse
from winnow.sources import SourceSpec, load_sources

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WAREHOUSE = os.environ.get("WINNOW_WAREHOUSE", str(ROOT / "data" / "warehouse.duckdb"))
DEFAULT_SOURCES = os.environ.get("WINNOW_SOURCES", str(ROOT / "data" / "sources.yaml"))


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. One asset writes at a time, each in one transaction."""

    path: str = DEFAULT_WAREHOUSE

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = warehouse.connect(self.path)
        try:
            yield con
        finally:
            con.close()


class SourcesResource(dg.ConfigurableResource):
    """The sources YAML and the model's memory (days of pages the model learns from)."""

    config_path: str = DEFAULT_SOURCES
    model_window_days: int | None = None

    def specs(self) -> list[SourceSpec]:
        return load_sources(self.config_path)
