"""Partitions: one per input WARC file (added by ``warc_sensor`` as files appear).

The fetched sources (manifest, files, urls, sitemap, feed) are read whole by every run, so
``pages`` is not partitioned: a day partition would select no data of its own."""

import dagster as dg

#: One partition per WARC/WET file of the ``warc`` sources, keyed ``<source>/<relative path>``.
WARC_FILES = dg.DynamicPartitionsDefinition(name="warc_files")
