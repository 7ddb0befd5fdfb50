"""The nightly run: 02:00 in the configured timezone (WINNOW_TIMEZONE, default UTC), loading
that day's partition of the fetched sources."""

import os
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.jobs import ingest_job
from winnow.partitions.keys import day_key

TIMEZONE = os.environ.get("WINNOW_TIMEZONE", "UTC")


@dg.schedule(
    name="nightly_ingest",
    job=ingest_job,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Ingest every source at 02:00 (that day's partition), rebuild model and articles.",
)
def nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE)).date()
    return dg.RunRequest(partition_key=day_key(day))
