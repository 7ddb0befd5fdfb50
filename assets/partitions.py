"""Partitions: one per input WARC file (added by ``warc_sensor`` as files appear) and one per
day for the fetched sources (the nightly run loads that day's partition)."""

import dagster as dg

from winnow.settings import resolve

#: One partition per WARC/WET file of the ``warc`` sources, keyed ``<source>/<relative path>``.
WARC_FILES = dg.DynamicPartitionsDefinition(name="warc_files")

#: One partition per day for the sources read whole each run (manifest, files, urls, ...).
FETCH_DAYS = dg.DailyPartitionsDefinition(
    start_date="2024-01-01", timezone=resolve().timezone, end_offset=1
)
