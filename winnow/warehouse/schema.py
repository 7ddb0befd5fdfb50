"""The warehouse schema: versioned SQL migrations, applied atomically, and verified at every open.

Migrations are ``migrations/NNN_name.sql``; each is applied in one transaction together with its
``schema_migrations`` row, so a failed migration leaves the file at the previous version. Every
open checks the file against what this code expects: a file from a newer Winnow is refused, and
a missing table or a column of the wrong type is named before any stage writes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Views for readers (``NNN_v_name.sql``), created at publish in the snapshot readers open.
VIEWS_DIR = Path(__file__).parent / "views"


class SchemaError(RuntimeError):
    """The warehouse file does not have the schema this code expects; the message says why."""


def migrations(directory: Path | None = None) -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration file, in order (``NNN_name.sql``)."""
    found = []
    for path in sorted((directory or MIGRATIONS_DIR).glob("[0-9][0-9][0-9]_*.sql")):
        version, name = path.stem.split("_", 1)
        found.append((int(version), name.replace("_", " "), path.read_text(encoding="utf-8")))
    return found


def latest_version() -> int:
    steps = migrations()
    return steps[-1][0] if steps else 0


def _run(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> None:
    con.execute(query, params or []).fetchall()


def file_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version recorded in the file (0 for a file Winnow never migrated)."""
    has_table = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations' "
        "AND database_name = current_database()"
    ).fetchall()[0][0]
    if not has_table:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0]


def refuse_newer(con: duckdb.DuckDBPyConnection, where: str) -> int:
    """The file's version; SchemaError when a newer Winnow wrote it."""
    version, known = file_version(con), latest_version()
    if version > known:
        raise SchemaError(
            f"{where}: written by a newer Winnow (schema version {version}; this Winnow knows "
            f"up to {known}); upgrade Winnow, or point --warehouse at another file"
        )
    return version


def migrate(con: duckdb.DuckDBPyConnection, where: str = "warehouse") -> int:
    """Apply the migrations the file has not seen yet, each atomically; returns the version."""
    _run(
        con,
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT now())",
    )
    current = refuse_newer(con, where)
    for version, name, sql in migrations():
        if version <= current:
            continue
        _run(con, "BEGIN TRANSACTION")
        try:
            _run(con, sql)
            _run(
                con, "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
        except duckdb.Error as exc:
            _run(con, "ROLLBACK")
            raise SchemaError(f"{where}: migration {version:03d} ({name}) failed: {exc}") from exc
        _run(con, "COMMIT")
    return latest_version()


_COLUMNS_SQL = (
    "SELECT table_name, column_name, data_type FROM information_schema.columns "
    "WHERE table_catalog = current_database() AND table_schema = 'main'"
)


@cache
def expected_columns() -> frozenset[tuple[str, str, str]]:
    """(table, column, type) the migrations create, read from an in-memory database."""
    con = duckdb.connect()
    try:
        migrate(con, "in-memory reference")
        return frozenset(con.execute(_COLUMNS_SQL).fetchall())
    finally:
        con.close()


def verify(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """SchemaError naming each missing table, missing column or column of another type; a
    file from an older Winnow is named as such (the next run migrates it)."""
    version = refuse_newer(con, where)
    if version < latest_version():
        raise SchemaError(
            f"{where}: written by an older Winnow (schema version {version}, this one expects "
            f"{latest_version()}); the next run (make run, or winnow run) upgrades it"
        )
    found = {(t, c): d for t, c, d in con.execute(_COLUMNS_SQL).fetchall()}
    tables = {t for t, _ in found}
    problems = []
    for table, column, dtype in sorted(expected_columns()):
        if table not in tables:
            problem = f"table {table} is missing"
        elif (table, column) not in found:
            problem = f"column {table}.{column} is missing"
        elif found[(table, column)] != dtype:
            problem = f"column {table}.{column} is {found[(table, column)]}, expected {dtype}"
        else:
            continue
        if problem not in problems:
            problems.append(problem)
    if problems:
        raise SchemaError(f"{where}: not the expected schema: " + "; ".join(problems))


def view_files(directory: Path | None = None) -> list[Path]:
    """The reader views' SQL files, in order (a view may read the ones before it)."""
    return sorted((directory or VIEWS_DIR).glob("[0-9][0-9][0-9]_*.sql"))


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create every reader view (``CREATE OR REPLACE VIEW``); returns their file names.
    Views are not migrations: they hold no rows, so each publish simply writes the current
    definitions, and a view's SQL can change without a schema version."""
    names = []
    for path in view_files():
        _run(con, path.read_text(encoding="utf-8"))
        names.append(path.stem)
    return names
