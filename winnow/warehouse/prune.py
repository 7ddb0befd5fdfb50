"""Rows of sources no longer configured.

Removing a source from the sources file leaves its pages (and their blocks and articles) in
the warehouse: every run says so in one line per source (``unconfigured``), and ``winnow
prune`` drops them from the working file (``prune``). The next run relearns the model of the
sites concerned and publishes; until then readers keep the last published run.
"""

from __future__ import annotations

import duckdb

from winnow.warehouse.store import mark_stage
from winnow.warehouse.tables import transaction

#: Tables keyed by page whose rows go with their page.
PAGE_TABLES = (
    "page_blocks",
    "page_elements",
    "page_meta",
    "articles",
    "story_clusters",
    "story_sketches",
    "story_bands",
)
#: Tables with a source column of their own.
SOURCE_TABLES = ("fetch_state", "warc_files")


def rows_by_source(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Page versions stored per source."""
    return dict(con.execute("SELECT source, count(*) FROM pages GROUP BY source").fetchall())


def unconfigured(con: duckdb.DuckDBPyConnection, configured: list[str]) -> dict[str, int]:
    """Sources with rows in ``pages`` that ``configured`` does not name, with their rows."""
    return {s: n for s, n in sorted(rows_by_source(con).items()) if s not in set(configured)}


def prune(con: duckdb.DuckDBPyConnection, configured: list[str], run_id: str) -> dict[str, int]:
    """Drop every row of the sources ``configured`` does not name, in one transaction; returns
    the page versions dropped per source. Marks ``pages`` as written, so nothing is published
    before a run has relearnt the model and redone the stages after it."""
    gone = unconfigured(con, configured)
    if not gone:
        return {}
    names = list(gone)
    with transaction(con):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE pruned AS "
            "SELECT DISTINCT page_id FROM pages WHERE list_contains(?, source)",
            [names],
        )
        for table in PAGE_TABLES:
            con.execute(f"DELETE FROM {table} WHERE page_id IN (SELECT page_id FROM pruned)")
        for table in SOURCE_TABLES:
            con.execute(f"DELETE FROM {table} WHERE list_contains(?, source)", [names])
        con.execute("DELETE FROM pages WHERE list_contains(?, source)", [names])
        con.execute("DROP TABLE pruned")
        mark_stage(con, "pages", run_id)
    return gone
