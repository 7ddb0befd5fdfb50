"""``winnow query`` / ``winnow sql``: one read-only SQL statement on the published warehouse.

Kept light on purpose: duckdb and the warehouse's connection, no polars, pyarrow or rich, so
the command starts in a fraction of a second (``tests/test_cli_query.py`` checks the imports).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from winnow.cli.common import CommandError, say, settings
from winnow.cli.output import write_result

if TYPE_CHECKING:
    import duckdb


def one_statement(sql: str) -> str:
    """The single statement ``sql`` holds; an empty text or several statements is an error
    (running only the last one would hide the others' results)."""
    import duckdb

    statements = duckdb.extract_statements(sql)
    if not statements:
        raise CommandError("no SQL statement given (an empty text or only comments)")
    if len(statements) > 1:
        raise CommandError(
            f"{len(statements)} statements given; winnow query runs one at a time "
            "(drop the ';' between them or run each on its own)"
        )
    return statements[0].query


def fetch(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None
) -> tuple[list[str], list[tuple]]:
    """Column names and rows of one statement."""
    cursor = con.execute(sql, params or None)
    if cursor.description is None:
        return [], []
    return [d[0] for d in cursor.description], cursor.fetchall()


def cmd_query(args: argparse.Namespace) -> int:
    from winnow.warehouse import open_published

    path = settings(args).warehouse
    sql = one_statement(args.sql)
    con = open_published(path)
    try:
        columns, rows = fetch(con, sql)
    finally:
        con.close()
    if not columns:  # a statement without a result (the connection allows few)
        say("done (the statement returns no rows)")
        return 0
    write_result(columns, rows, args.format, sys.stdout)
    if args.format == "table":
        say(f"{len(rows):,} row{'s' if len(rows) != 1 else ''}")
    return 0
