"""Reading the published snapshot: always the newest run, and nothing but the warehouse.

Two things a plain ``duckdb.connect(path, read_only=True)`` gets wrong for Winnow's readers:

* **Stale snapshots.** DuckDB caches one database instance per path in a process. A process
  that keeps any connection to the published file open (a notebook, the UI) gets that old
  instance, hence the old snapshot, from every later ``duckdb.connect`` of the same path, even
  after a run published a new file over it. ``open_published`` opens a fresh in-memory database
  and ATTACHes the published file read-only, so each call reads the file as it is now.
* **A query is not a sandbox.** A read-only connection can still ATTACH the run's working file
  read-write, COPY results over any file, read any file (``read_csv('/etc/passwd')``) and
  install extensions. ``open_published`` then switches external access off and locks the
  configuration, so ``SET`` cannot switch it back: the connection reads the warehouse and
  nothing else.

Errors are named by their real cause (``explain``): a lock held by another process (with the
process DuckDB names), a file that is not a valid DuckDB file or fails its checksums, a full
disk. Nothing is blamed on another program without DuckDB's evidence of a lock holder.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

import duckdb

from winnow.settings import resolve
from winnow.warehouse.integrity import DiskFull
from winnow.warehouse.schema import verify

#: The name the published file is attached under (``USE``d, so plain table names work).
ALIAS = "warehouse"

#: Settings that make a reader's connection a sandbox (set after the ATTACH, then locked).
SANDBOX = ("SET enable_external_access = false", "SET lock_configuration = true")

#: DuckDB messages that mean the file itself is damaged (zeroed, truncated, garbled).
CORRUPT_MARKERS = (
    "not a valid DuckDB database file",
    "Corrupt database file",
    "Could not read enough bytes",
    "checksum",
    "database has been invalidated",
)
_FILE_NAMED = re.compile(r'file "(?P<path>[^"]+)"')
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>\S+)(?: \(PID (?P<pid>\d+)\))?")


class WarehouseMissing(FileNotFoundError):
    """No published warehouse at the path yet."""


class WarehouseCorrupt(RuntimeError):
    """A warehouse file is damaged (not a DuckDB file, truncated, a checksum mismatch)."""


class WarehouseBusy(RuntimeError):
    """Another process holds a DuckDB lock on the file (DuckDB named it)."""


class SandboxRefused(RuntimeError):
    """A reader's query tried to reach outside the warehouse (files, ATTACH, extensions)."""


def damage(exc: BaseException | None) -> BaseException | None:
    """The DuckDB error in ``exc``'s chain that says the file is damaged (a later "Current
    transaction is aborted" only follows it), or None: the query's or a lock's fault."""
    for _ in range(10):
        if exc is None:
            return None
        if isinstance(exc, duckdb.Error) and any(m in str(exc) for m in CORRUPT_MARKERS):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def is_corruption(exc: BaseException | None) -> bool:
    """Whether a DuckDB error (or one that caused it) says the file is damaged."""
    return damage(exc) is not None


#: What to do about a damaged published snapshot.
REPUBLISH = "the next run (make run, or winnow run) publishes a good snapshot over it"


def explain(path: Path | str, exc: BaseException, advice: str = REPUBLISH) -> Exception | None:
    """A one-line, named error for a DuckDB failure on ``path``, or None when it is the
    query's own fault (bad SQL, an unknown table). ``advice`` ends a damaged file's message
    (empty: the caller says what it did)."""
    text = " ".join(str(exc).split())
    if not isinstance(exc, duckdb.Error):
        return None
    holder = _LOCK_HOLDER.search(text)
    if holder:
        who = Path(holder["program"]).name + (f", PID {holder['pid']}" if holder["pid"] else "")
        return WarehouseBusy(
            f"{path}: another program ({who}) holds the warehouse open for writing (Winnow's "
            "runs never do; close that connection)"
        )
    if is_corruption(exc):
        named = _FILE_NAMED.search(text)  # DuckDB names the file when it knows it
        tail = f"; {advice}" if advice else ""
        where = named["path"] if named else path
        return WarehouseCorrupt(f"{where}: damaged warehouse file ({_cause(text)}){tail}")
    if "No space left on device" in text:
        return DiskFull(errno.ENOSPC, f"{path}: the disk is full ({text}); free space there")
    if isinstance(exc, duckdb.PermissionException):
        return SandboxRefused(
            f"{text} (a query reads the warehouse only: no other files, ATTACH, COPY TO, "
            "INSTALL or LOAD; use winnow.warehouse.connect_latest(external_access=True) in "
            "Python to join or export)"
        )
    return None


def _cause(text: str) -> str:
    if "not a valid DuckDB database file" in text:
        return "not a valid DuckDB file: zeroed, emptied or overwritten"
    if "Could not read enough bytes" in text:
        return "truncated: it ends before its last block"
    if "checksum" in text:
        return "a block fails its checksum: " + text.split("Error: ")[-1]
    return text


def open_published(path: Path | str, *, external_access: bool = False) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the newest published snapshot, schema checked.

    A fresh DuckDB instance each call (never a cached, older snapshot). Unless
    ``external_access`` (a notebook that joins its own files or exports), the connection is a
    sandbox: no other file, no ATTACH, no COPY TO, no extensions, configuration locked.
    """
    path = Path(path)
    if not path.is_file():
        raise WarehouseMissing(
            f"{path}: no warehouse here yet; it appears when a run finishes (make run, or "
            "winnow run), or point --warehouse / WINNOW_WAREHOUSE at another file"
        )
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute(f"ATTACH ? AS {ALIAS} (READ_ONLY)", [str(path)]).fetchall()
        con.execute(f"USE {ALIAS}").fetchall()
        if not external_access:
            for statement in SANDBOX:
                con.execute(statement).fetchall()
        verify(con, str(path))
    except BaseException as exc:
        con.close()
        named = explain(path, exc)
        if named is not None:
            raise named from exc
        raise
    return con


def connect_latest(
    path: Path | str | None = None, *, external_access: bool = False
) -> duckdb.DuckDBPyConnection:
    """The newest published run, for Python readers (notebooks, dashboards).

    ``path`` defaults to the configured warehouse (``WINNOW_WAREHOUSE``, else
    ``data/warehouse.duckdb``). Each call sees the run published last, even when this process
    still holds connections to older snapshots; use it as ``with connect_latest() as con:``.
    """
    where = resolve().warehouse if path is None else path
    return open_published(where, external_access=external_access)


__all__ = [
    "SandboxRefused",
    "WarehouseBusy",
    "WarehouseCorrupt",
    "WarehouseMissing",
    "connect_latest",
    "damage",
    "explain",
    "is_corruption",
    "open_published",
]
