"""Resources: where the warehouse lives and which sources to read (set in the UI or YAML).

Defaults come from ``winnow.settings.resolve()`` (env, then defaults), the same settings every
``winnow`` command reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from orchestration.monitor import WORKER_TAG, worker_identity
from winnow.settings import ROOT, Settings, SettingsError, resolve
from winnow.sources import SourceSpec, load_sources
from winnow.warehouse import Published, Warehouse

__all__ = ["ROOT", "SourcesResource", "WarehouseResource"]


def _import_time_settings() -> Settings:
    """The settings for the resources' defaults. A bad value must not make importing this
    module fail with a traceback: whoever runs (``make run``, the code location) resolves
    again and reports it in one line."""
    try:
        return resolve()
    except SettingsError:
        return Settings()


_SETTINGS = _import_time_settings()


def _log(context: Any) -> Callable[[str], None]:
    """The step's log (asset or check context), or nothing outside a run."""
    return context.log.info if context is not None else (lambda _: None)


def _step(context: Any) -> str:
    return f"step {context.op_execution_context.op_def.name}" if context is not None else "a step"


class WarehouseResource(dg.ConfigurableResource):
    """The published snapshot readers see (``path``) and the working file runs write.

    Steps write the working file under its write lock (a wait is logged with its length);
    checks read it under a shared lock; ``publish`` replaces the snapshot atomically.
    """

    path: str = str(_SETTINGS.warehouse)
    work_dir: str | None = str(_SETTINGS.work_dir) if _SETTINGS.work_dir else None

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Record the run's worker process on the run, so a killed run can be marked failed."""
        run = context.run
        if run is not None and context.instance is not None and WORKER_TAG not in run.tags:
            context.instance.add_run_tags(run.run_id, {WORKER_TAG: worker_identity()})

    def store(self) -> Warehouse:
        return Warehouse(Path(self.path), Path(self.work_dir) if self.work_dir else None)

    @contextmanager
    def writer(self, context: Any = None) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.store().writer(_log(context), _step(context)) as con:
            yield con

    @contextmanager
    def reader(self, context: Any = None) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.store().reader(_log(context), _step(context)) as con:
            yield con

    def publish(self, run_id: str, order: Sequence[str], context: Any = None) -> Published:
        return self.store().publish(run_id, order, _log(context), _step(context))


class SourcesResource(dg.ConfigurableResource):
    """The sources YAML and the model's memory (days of pages the model learns from)."""

    config_path: str = str(_SETTINGS.sources)
    model_window_days: int | None = None

    def specs(self) -> list[SourceSpec]:
        return load_sources(self.config_path)
