"""Add a partition for every new WARC file of the ``warc`` sources, and backfill them.

Each tick lists the files the sources name, adds the ones Dagster does not know yet as
``warc_files`` partitions, and requests one ``warc_backfill`` run over exactly those new
partitions (they are appended, so they form one range): one parallel step per file.
"""

import dagster as dg

from assets.partitions import WARC_FILES
from orchestration.jobs import warc_backfill_job
from orchestration.resources import SourcesResource
from winnow.partitions.keys import warc_partitions
from winnow.sources import SourceError

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def new_warc_keys(known: set[str], sources: SourcesResource) -> list[str]:
    """Partition keys of WARC files the sources name that are not partitions yet, in order."""
    return [key for key in warc_partitions(sources.specs()) if key not in known]


def backfill_request(keys: list[str], trigger: str) -> dg.RunRequest:
    """One run over the partition range ``keys[0]..keys[-1]``."""
    return dg.RunRequest(
        run_key=f"warc:{keys[0]}..{keys[-1]}",
        tags={
            RANGE_START: keys[0],
            RANGE_END: keys[-1],
            "winnow/trigger": trigger,
            "winnow/files": str(len(keys)),
        },
    )


@dg.sensor(
    name="warc_sensor",
    job=warc_backfill_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds a warc_files partition per new WARC/WET file and backfills the new ones.",
)
def warc_sensor(
    context: dg.SensorEvaluationContext, sources: SourcesResource
) -> dg.SensorResult | dg.SkipReason:
    try:
        known = set(context.instance.get_dynamic_partitions(WARC_FILES.name))
        keys = new_warc_keys(known, sources)
    except SourceError as exc:
        return dg.SkipReason(f"sources not readable: {exc}")
    if not keys:
        return dg.SkipReason("no new WARC files")
    return dg.SensorResult(
        run_requests=[backfill_request(keys, "warc_sensor")],
        dynamic_partitions_requests=[WARC_FILES.build_add_request(keys)],
    )
