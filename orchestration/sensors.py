"""Start an ingest run when new page files land in the watched inbox folder.

The cursor is the newest modification time already handled, so each file triggers one run and
a restart of the daemon does not replay old files.
"""

import json
import os
from pathlib import Path

import dagster as dg

from orchestration.jobs import ingest_job
from orchestration.resources import ROOT
from winnow.sources import DEFAULT_INCLUDE

INBOX = Path(os.environ.get("WINNOW_INBOX", str(ROOT / "data" / "inbox")))


def new_files(inbox: Path, after: float) -> list[tuple[float, str]]:
    """(mtime, path) of page files in ``inbox`` modified after ``after``, oldest first."""
    if not inbox.is_dir():
        return []
    found = {p for pattern in DEFAULT_INCLUDE for p in inbox.glob(pattern) if p.is_file()}
    return sorted((p.stat().st_mtime, str(p)) for p in found if p.stat().st_mtime > after)


def make_inbox_sensor(inbox: Path = INBOX) -> dg.SensorDefinition:
    @dg.sensor(
        name="inbox_sensor",
        job=ingest_job,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Runs the ingest job when new page files appear in {inbox}.",
    )
    def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        after = float(json.loads(context.cursor)["mtime"]) if context.cursor else 0.0
        files = new_files(inbox, after)
        if not files:
            return dg.SkipReason(f"no new files in {inbox}")
        newest = files[-1][0]
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"inbox-{newest}",
                    tags={"winnow/trigger": "inbox", "winnow/files": str(len(files))},
                )
            ],
            cursor=json.dumps({"mtime": newest}),
        )

    return inbox_sensor


inbox_sensor = make_inbox_sensor()
