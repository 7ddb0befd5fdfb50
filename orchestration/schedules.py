"""The nightly run: 02:00 in the configured timezone (WINNOW_TIMEZONE, default UTC), reading
every source again (new and changed pages are stored, unchanged ones cost a hash)."""

import os

import dagster as dg

from orchestration.jobs import ingest_job

TIMEZONE = os.environ.get("WINNOW_TIMEZONE", "UTC")


@dg.schedule(
    name="nightly_ingest",
    job=ingest_job,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Ingest every source at 02:00, rebuild model and articles.",
)
def nightly(_context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(tags={"winnow/trigger": "nightly_ingest"})
