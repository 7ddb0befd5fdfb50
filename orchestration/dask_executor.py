"""A Dagster executor that runs each step on a dask.distributed cluster, dynamic steps included.

``dagster_dask.dask_executor`` plans every step up front, so the steps a ``DynamicOut`` maps
(one per WARC file, one per extraction slice) are never submitted and the run still ends
"successful" after the first step (seen with dagster-dask 0.29.27). This executor keeps the
scheduling loop Dagster's own executors use (``ActiveExecution``: steps become ready as their
inputs and dynamic mappings arrive) and hands each ready step to the cluster through
dagster-dask's own worker function, so the step runs in a dask worker process with the run's
instance, and its events come back to the run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import dagster as dg
from dagster._core.events import DagsterEvent, EngineEventData
from dagster._core.execution.context.system import PlanOrchestrationContext
from dagster._core.execution.plan.active import ActiveExecution
from dagster._core.execution.plan.objects import StepFailureData
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster._core.execution.retries import RetryMode
from dagster._core.executor.base import Executor
from dagster._utils.error import serializable_error_info_from_exc_info

if TYPE_CHECKING:  # dask and dagster_dask (pandas, dask.dataframe) load only when a step runs
    from distributed import Client, Future


class DaskStepExecutor(Executor):
    """Ready steps go to the dask scheduler at ``address``, at most ``max_concurrent`` at once
    (0: as many as the cluster has worker threads)."""

    def __init__(self, address: str, max_concurrent: int = 0) -> None:
        self.address = address
        self.max_concurrent = max_concurrent

    @property
    def retries(self) -> RetryMode:
        return RetryMode.DISABLED

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[DagsterEvent]:
        from distributed import Client, wait

        if not plan_context.instance.is_persistent:
            raise dg.DagsterInvariantViolationError("dask steps need a persistent instance")
        with Client(self.address) as client:
            limit = self.max_concurrent or sum(client.nthreads().values()) or 1
            yield DagsterEvent.engine_event(
                plan_context,
                f"Executing steps on the dask cluster at {self.address} ({limit} at a time)",
                EngineEventData(),
            )
            with ActiveExecution(execution_plan, retry_mode=self.retries) as active:
                running: dict[str, Future] = {}
                while not active.is_complete or running:
                    for step in active.get_steps_to_execute(limit=limit - len(running)):
                        running[step.key] = self._submit(client, plan_context, active, step.key)
                    if not running:
                        yield from active.plan_events_iterator(plan_context)
                        continue
                    done, _ = wait(list(running.values()), return_when="FIRST_COMPLETED")
                    for key in [k for k, f in running.items() if f in done]:
                        yield from self._finish(plan_context, active, key, running.pop(key))
                    yield from active.plan_events_iterator(plan_context)

    @staticmethod
    def _submit(client: Client, plan_context, active: ActiveExecution, key: str) -> Future:
        from dagster_dask.executor import query_on_dask_worker

        return client.submit(
            query_on_dask_worker,
            [],
            plan_context.reconstructable_job,
            plan_context.dagster_run,
            plan_context.run_config,
            [key],
            plan_context.instance.get_ref(),
            active.get_known_state(),
            key=f"{plan_context.dagster_run.run_id}.{key}",
            pure=False,
        )

    def _finish(self, plan_context, active: ActiveExecution, key: str, future: Future):
        """The step's events, handed to the run; a worker that failed fails the step."""
        try:
            events = future.result()
        except Exception:
            error = serializable_error_info_from_exc_info(sys.exc_info())
            events = [
                DagsterEvent.step_failure_event(
                    step_context=plan_context.for_step(active.get_step_by_key(key)),
                    step_failure_data=StepFailureData(error=error, user_failure_data=None),
                )
            ]
        for event in events:
            yield event
            active.handle_event(event)
        active.verify_complete(plan_context, key)


@dg.executor(
    name="dask_steps",
    config_schema={
        "address": dg.Field(str, description="The dask scheduler, e.g. tcp://127.0.0.1:8786"),
        "max_concurrent": dg.Field(int, default_value=0, is_required=False),
    },
    requirements=dg.multiple_process_executor_requirements(),
)
def dask_step_executor(init_context: dg.InitExecutorContext) -> DaskStepExecutor:
    config = init_context.executor_config
    return DaskStepExecutor(config["address"], config["max_concurrent"])
