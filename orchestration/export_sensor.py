"""Export the articles after each successful ingest run, once an operator switches it on.

Stopped by default: an export rewrites every article it selects, where a night's ingest costs
what changed; switch ``export_after_ingest`` on in the UI (Automation) to keep ``export/``
beside the warehouse as fresh as the last published run.
"""

import dagster as dg

from orchestration.jobs import export_job, ingest_job


@dg.run_status_sensor(
    name="export_after_ingest",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[ingest_job],
    request_job=export_job,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Runs the export job after each successful ingest run (off by default).",
)
def export_after_ingest(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=context.dagster_run.run_id)
