"""WARC files in a whole run (``make run``, ``winnow run``, the ``ingest`` job).

A whole run loads every configured source, ``warc`` ones included: the files this warehouse
has not loaded yet (no ``warc_files`` row for their partition key, or a row for a file of
another size) are read by the same step a backfill runs per partition
(``steps.read_warc_partition``), keyed by the same partition key, and loaded by the same
loader (``steps.load_staged_pages``). A file loaded here is therefore exactly what a backfill
of its partition would have loaded, and a later backfill or sensor finds it loaded.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from winnow.partitions import steps
from winnow.partitions.keys import WarcPartition
from winnow.warehouse import Warehouse


def unloaded(con: duckdb.DuckDBPyConnection, parts: dict[str, WarcPartition]) -> list:
    """The partitions among ``parts`` whose file this warehouse has not loaded as it is now."""
    if not parts:
        return []
    loaded = dict(con.execute("SELECT partition_key, bytes FROM warc_files").fetchall())
    return [part for key, part in parts.items() if loaded.get(key) != part.file.stat().st_size]


def load_warc_files(
    store: Warehouse,
    con: duckdb.DuckDBPyConnection,
    parts: list[WarcPartition],
    run_id: str,
    stage_pages: int,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, int], list[steps.StepReport]]:
    """Read each file of ``parts`` (staged, as a backfill step does), then load them all
    through ``con`` (the run's writer). Returns the loader's counts and each file's report."""
    reports = []
    for part in parts:
        report = steps.read_warc_partition(store, part, run_id, stage_pages)
        log(f"{part.key}: {report.counts.get('pages', 0)} pages in {report.seconds:.1f} s")
        reports.append(report)
    counts = steps.load_staged_pages(store, con, run_id) if parts else {}
    return counts, reports
