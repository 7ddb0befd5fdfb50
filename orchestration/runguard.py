"""Every run of a job that writes the warehouse holds its whole-run lock from its first step to
its last (``winnow.warehouse.runlock``), whoever started it: ``make run``, ``winnow run``, the
UI, the schedule, a sensor or a backfill.

The lock is taken by the run's executor, which runs in the run's own process for the whole
run whatever executes the steps (in process, one process per step, dask workers), so steps of
two runs never interleave: two runs at once cannot publish a mix of each other's stages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from winnow.settings import resolve
from winnow.warehouse.runlock import run_lock


def warehouse_paths(run_config: dict) -> tuple[Path, Path | None]:
    """The warehouse (and working folder) a run writes: its run config's ``warehouse``
    resource when the launchpad set one, else the settings the code location resolved."""
    config = run_config.get("resources", {}).get("warehouse", {}).get("config", {}) or {}
    settings = resolve()
    path = config.get("path") or settings.warehouse
    work_dir = config.get("work_dir") or (None if config.get("path") else settings.work_dir)
    return Path(path), Path(work_dir) if work_dir else None


class LockedExecutor(dg.Executor):
    """``inner``'s steps, run while this run holds its warehouse's whole-run lock."""

    def __init__(self, inner: dg.Executor) -> None:
        self.inner = inner

    @property
    def retries(self):  # noqa: ANN201 - dagster's RetryMode
        return self.inner.retries

    def execute(self, plan_context, execution_plan) -> Iterator:  # noqa: ANN001 - dagster's
        run = plan_context.dagster_run
        warehouse, work_dir = warehouse_paths(dict(run.run_config or {}))
        who = f"run {run.run_id} of job {run.job_name}"
        timeout = resolve().run_lock_seconds
        with run_lock(warehouse, work_dir, who, timeout, plan_context.log.info):
            yield from self.inner.execute(plan_context, execution_plan)


def locked(executor_def: dg.ExecutorDefinition) -> dg.ExecutorDefinition:
    """``executor_def`` whose runs hold the whole-run lock (same name, config, requirements)."""

    def create(init_context: dg.InitExecutorContext) -> dg.Executor:
        return LockedExecutor(executor_def.executor_creation_fn(init_context))

    return dg.ExecutorDefinition(
        name=executor_def.name,
        config_schema=executor_def.config_schema,
        requirements=executor_def.get_requirements,
        executor_creation_fn=create,
        description=f"{executor_def.description or executor_def.name}, holding the run lock",
    )
