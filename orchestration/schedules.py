"""The nightly run: 02:00 in the configured timezone (WINNOW_TIMEZONE, default UTC)."""

import os

import dagster as dg

from orchestration.jobs import ingest_job

nightly = dg.ScheduleDefinition(
    name="nightly_ingest",
    job=ingest_job,
    cron_schedule="0 2 * * *",
    execution_timezone=os.environ.get("WINNOW_TIMEZONE", "UTC"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Ingest every source at 02:00 and rebuild the model and articles.",
)
