"""How runs write and readers read: a private working file, published as a read snapshot.

DuckDB lets one process write a file or many processes read it, never both. So readers (a
notebook's ``duckdb.connect(path, read_only=True)``, ``winnow query``, the UI) only ever open
the *published* file, and runs never open it at all:

* A run writes ``<work_dir>/warehouse.duckdb``, a file no reader opens. Every step that writes
  takes the exclusive write lock (``fcntl.flock`` on ``<work_dir>/write.lock``) for as long as
  its connection is open; a check that reads the working file takes it shared. Parallel steps
  therefore queue for the file instead of failing on DuckDB's own lock, and each wait is logged
  with its length. Steps that run in parallel by design (partitions) write Parquet files into
  ``<work_dir>/staging/<table>/`` without any lock, and one step loads them.
* At the end of a run, ``publish`` copies the working file (checkpointed, no WAL) next to the
  published path, adds the run's ``publications`` row to the copy and renames it over the
  published path. The rename is atomic: a reader opens the old snapshot or the new one, never
  a mix; a reader already holding the old one keeps reading it (its inode lives until it
  closes). Publishing refuses a working file whose stages did not run in order since the last
  change (``stage_marks``), so a snapshot is always one whole pass; it also refuses a full disk
  (one line, no temporary file left) and a published file from a newer Winnow.

A killed run leaves the working file with its last committed transactions (DuckDB replays or
drops its WAL on the next open) and the published snapshot untouched; the next run carries on
incrementally. A working file changed by another program since Winnow closed it, or damaged,
is rebuilt from the last good snapshot (``integrity``, ``heal``); it is seeded from a sound
published snapshot when it is missing.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from winnow.settings import resolve
from winnow.warehouse import heal, integrity
from winnow.warehouse.integrity import DiskFull, Seal
from winnow.warehouse.schema import SchemaError, create_views, latest_version, migrate, verify
from winnow.warehouse.snapshot import (
    WarehouseCorrupt,
    WarehouseMissing,
    damage,
    explain,
    is_corruption,
    open_published,
)

if TYPE_CHECKING:
    import polars as pl

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


class PublishError(RuntimeError):
    """Nothing was published (stages out of order, a newer published file, a full disk, a
    working file changed behind the run's back); the message says why and what to do."""


@dataclass(frozen=True)
class Published:
    """What ``publish`` did: the run, the snapshot's size and how long the copy took."""

    run_id: str
    path: Path
    bytes: int
    seconds: float


def default_work_dir(published: Path) -> Path:
    """``data/warehouse.duckdb`` -> ``data/warehouse.work/`` (same filesystem, so renames are
    atomic)."""
    return published.with_name(published.stem + ".work")


def duckdb_config() -> dict[str, str]:
    """DuckDB's memory cap for the run's connections (``WINNOW_DUCKDB_MEMORY``): its buffer
    pool otherwise grows to 80 % of the machine with the file it reads, so a step's memory
    would grow with the warehouse; past the cap DuckDB spills to disk."""
    return {"memory_limit": resolve().duckdb_memory}


def connect_file(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A writable, migrated, schema-checked connection to any warehouse file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), config=duckdb_config())
    try:
        migrate(con, str(path))
        verify(con, str(path))
    except BaseException:
        con.close()
        raise
    return con


class Warehouse:
    """The published snapshot readers see and the working file runs write (see module doc)."""

    def __init__(self, published: Path | str, work_dir: Path | str | None = None) -> None:
        self.published = Path(published).absolute()
        self.work_dir = Path(work_dir).absolute() if work_dir else default_work_dir(self.published)
        self.work_path = self.work_dir / "warehouse.duckdb"
        self.staging = self.work_dir / "staging"
        self._lock_path = self.work_dir / "write.lock"

    # -- locking ------------------------------------------------------------------------------

    @contextmanager
    def _locked(self, exclusive: bool, log: Log, why: str) -> Iterator[None]:
        """Hold the write lock (exclusive) or a read lock (shared); a wait is logged with its
        length. The kernel releases it when the process dies, so a killed run holds nothing."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        with open(self._lock_path, "a+") as handle:
            try:
                fcntl.flock(handle, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                log(f"{why}: waiting for the warehouse lock on {self.work_path} ({holder})")
                start = time.monotonic()
                fcntl.flock(handle, mode)
                log(f"{why}: got the warehouse lock after {time.monotonic() - start:.1f} s")
            if exclusive:
                handle.seek(0)
                handle.truncate()
                stamp = datetime.now(UTC).strftime("%H:%M:%S")
                handle.write(f"held by {why}, pid {os.getpid()} on {socket.gethostname()}, {stamp}")
                handle.flush()
            try:
                yield
            finally:
                if exclusive:
                    handle.truncate(0)
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- the working file -----------------------------------------------------------------------

    @property
    def seal(self) -> Seal:
        return Seal(self.work_dir, self.work_path)

    def _open_working(self, log: Log, why: str) -> tuple[duckdb.DuckDBPyConnection, str | None]:
        """The working file opened for writing (under the exclusive lock), after making sure it
        is one Winnow left (``heal``); returns also why it had to be rebuilt, if it was."""
        rebuilt = heal.prepare(self, self.seal, log)
        self.seal.opened(why)
        try:
            return connect_file(self.work_path), rebuilt
        except duckdb.Error as exc:
            if not is_corruption(exc):
                raise
            reason = str(explain(self.work_path, exc, advice=""))
            heal.rebuild(self, self.seal, log, reason)
            self.seal.opened(why)
            return connect_file(self.work_path), reason

    @contextmanager
    def writer(self, log: Log = _quiet, why: str = "a step") -> Iterator[duckdb.DuckDBPyConnection]:
        """The working file, opened for writing under the exclusive lock, migrated and checked;
        a file damaged or changed behind Winnow's back is rebuilt first (``heal``), and one
        found damaged while the step reads it is rebuilt and the step fails, naming it."""
        with self._locked(True, log, why):
            con, _ = self._open_working(log, why)
            try:
                yield con
            except Exception as exc:
                if not is_corruption(exc):
                    raise
                con.close()
                cause = damage(exc)
                named = str(explain(self.work_path, cause, advice="") or cause)
                done = heal.rebuild(self, self.seal, log, named)
                raise WarehouseCorrupt(f"{named}; {done}: run again") from exc
            finally:
                con.close()
                if self.work_path.exists():
                    self.seal.closed(why)

    @contextmanager
    def reader(
        self, log: Log = _quiet, why: str = "a check"
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """The working file, read-only under a shared lock (checks of the run in progress)."""
        with self._locked(False, log, why):
            if not self.work_path.exists():
                raise WarehouseMissing(f"{self.work_path}: no step of a run has written yet")
            try:
                con = duckdb.connect(str(self.work_path), read_only=True, config=duckdb_config())
            except duckdb.Error as exc:
                _raise_named(self.work_path, exc)
                raise
            try:
                verify(con, str(self.work_path))
                yield con
            except duckdb.Error as exc:
                _raise_named(self.work_path, exc)
                raise
            finally:
                con.close()

    def fresh(self, log: Log = _quiet) -> None:
        """Forget the working state (``winnow run --fresh``); the snapshot stays until the next
        publish replaces it, so readers are not left without a warehouse meanwhile."""
        with self._locked(True, log, "fresh start"):
            integrity.remove(self.work_path)
            shutil.rmtree(self.staging, ignore_errors=True)
            # An empty working file: the next writer must not bring the old snapshot back.
            connect_file(self.work_path).close()
            self.seal.closed("fresh start")

    # -- parallel steps: Parquet per partition ---------------------------------------------------

    def stage(self, table: str, key: str, frame: pl.DataFrame) -> Path:
        """Write ``frame`` as ``staging/<table>/<key>.parquet`` (atomic rename, no lock): steps
        running in parallel each write their own file; ``load_staged`` brings them in."""
        folder = self.staging / table
        folder.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in key)
        target = folder / f"{safe}.parquet"
        tmp = folder / f".{safe}.{os.getpid()}.tmp"
        frame.write_parquet(tmp)
        os.replace(tmp, target)
        return target

    def staged(self, table: str) -> list[Path]:
        return sorted((self.staging / table).glob("*.parquet"))

    def load_staged(
        self, con: duckdb.DuckDBPyConnection, table: str, keys: Sequence[str]
    ) -> tuple[int, list[Path]]:
        """Replace ``table``'s rows by key with every staged file's rows, in the caller's
        transaction. Returns (rows, files); delete the files with ``drop_staged`` after the
        commit (loading the same files twice gives the same rows, so a kill in between is
        harmless)."""
        files = self.staged(table)
        if not files:
            return 0, []
        listing = [str(f) for f in files]
        match = " AND ".join(f"t.{k} = i.{k}" for k in keys)
        con.read_parquet(listing).create_view("incoming_staged", replace=True)
        con.execute(
            f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM incoming_staged i WHERE {match})"
        ).fetchall()
        rows = con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_staged").fetchall()
        con.unregister("incoming_staged")
        return int(rows[0][0]) if rows else 0, files

    @staticmethod
    def drop_staged(files: Sequence[Path]) -> None:
        for path in files:
            path.unlink(missing_ok=True)

    # -- publishing -----------------------------------------------------------------------------

    def publish(
        self, run_id: str, order: Sequence[str], log: Log = _quiet, why: str = "publish"
    ) -> Published:
        """Copy the working file over the published snapshot atomically (see module doc)."""
        with self._locked(True, log, why):
            con, rebuilt = self._open_working(log, why)
            try:
                if rebuilt:
                    raise PublishError(
                        f"not publishing: the working file {self.work_path} was {rebuilt} (this "
                        "run's work is not in it); run again"
                    )
                check_stage_order(con, order)
                create_views(con)  # readers query v_articles, v_stories, ... in the snapshot
                seq = con.execute("SELECT nextval('stage_seq')").fetchall()[0][0]
                con.execute("CHECKPOINT").fetchall()
            finally:
                con.close()
                self.seal.closed(why)
            refuse_downgrade(self.published, log)
            when = datetime.now(UTC).replace(tzinfo=None)
            done = self._copy_over_published(run_id, seq, when)
            self._record_publication(run_id, seq, when, why)
            return done

    def _copy_over_published(self, run_id: str, seq: int, when: datetime) -> Published:
        """Copy, add the snapshot's own ``publications`` row to the copy, fsync, rename: a
        snapshot carries the row only if it was published, and a failure leaves no file."""
        start = time.monotonic()
        folder = self.published.parent
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f".{self.published.name}.publish-*"):
            stale.unlink(missing_ok=True)  # left by a publish that was killed mid-copy
        tmp = self.published.with_name(f".{self.published.name}.publish-{os.getpid()}")
        needed = self.work_path.stat().st_size + integrity.PUBLISH_HEADROOM_BYTES
        what = f"publishing {self.published.name}"
        try:
            integrity.need_space(folder, needed, what)
            integrity.copy_file(self.work_path, tmp, what)
            _add_publication(tmp, run_id, seq, when)
            digest = integrity.checksum_of(tmp)
            self.published.with_name(self.published.name + ".wal").unlink(missing_ok=True)
            os.replace(tmp, self.published)
        except BaseException as exc:
            integrity.remove(tmp)
            if isinstance(exc, DiskFull):
                raise PublishError(f"not publishing: {exc.strerror}") from exc
            if "No space left on device" in str(exc):
                full = integrity.full_disk(folder, needed, what)
                raise PublishError(f"not publishing: {full.strerror}") from exc
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        size = self.published.stat().st_size
        record = {"run_id": run_id, "checksum": digest, "size": size, "version": latest_version()}
        self.seal.published(record)
        return Published(run_id, self.published, size, time.monotonic() - start)

    def _record_publication(self, run_id: str, seq: int, when: datetime, why: str) -> None:
        """The working file learns of the publication once it happened (a kill just before
        this loses the row from later snapshots' history, never adds a false one)."""
        self.seal.opened(why)
        con = connect_file(self.work_path)
        try:
            con.execute("INSERT INTO publications VALUES (?, ?, ?)", [run_id, seq, when]).fetchall()
            con.execute("CHECKPOINT").fetchall()
        finally:
            con.close()
            self.seal.closed(why)


def _raise_named(path: Path, exc: duckdb.Error) -> None:
    """A damaged working file named as such for a check (only a writer may rebuild it)."""
    if is_corruption(exc):
        advice = "the next step that writes rebuilds it from the last published snapshot"
        raise explain(path, damage(exc) or exc, advice=advice) or exc from exc


def _add_publication(path: Path, run_id: str, seq: int, when: datetime) -> None:
    con = duckdb.connect(str(path), config=duckdb_config())
    try:
        con.execute("INSERT INTO publications VALUES (?, ?, ?)", [run_id, seq, when]).fetchall()
        con.execute("CHECKPOINT").fetchall()
    finally:
        con.close()
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def refuse_downgrade(published: Path, log: Log = _quiet) -> None:
    """PublishError when the published file is from a newer Winnow (never downgrade it); a
    damaged published file is logged and replaced."""
    if not published.is_file():
        return
    try:
        theirs = integrity.read_version(published)
    except duckdb.Error as exc:
        log(f"{explain(published, exc) or exc}: replacing it")
        return
    if theirs > latest_version():
        raise PublishError(
            f"not publishing: {published} is at schema version {theirs}, newer than this "
            f"Winnow's {latest_version()} (the version of this run's file); upgrade Winnow, or "
            "point --warehouse at another file"
        )


def mark_stage(con: duckdb.DuckDBPyConnection, stage: str, run_id: str) -> None:
    """Record, in the stage's own transaction, that ``stage`` wrote (and after what)."""
    con.execute(
        "INSERT OR REPLACE INTO stage_marks VALUES (?, ?, nextval('stage_seq'), ?)",
        [stage, run_id, datetime.now(UTC).replace(tzinfo=None)],
    ).fetchall()


def check_stage_order(con: duckdb.DuckDBPyConnection, order: Sequence[str]) -> None:
    """PublishError unless every stage of ``order`` wrote, each after the one before it."""
    marks = dict(con.execute("SELECT stage, seq FROM stage_marks").fetchall())
    missing = [s for s in order if s not in marks]
    if missing:
        raise PublishError(f"not publishing: stage(s) {', '.join(missing)} never ran")
    for earlier, later in zip(order, order[1:], strict=False):
        if marks[later] < marks[earlier]:
            raise PublishError(
                f"not publishing: {later} is older than {earlier} (it has not run since "
                f"{earlier} last wrote); run the whole graph"
            )


__all__ = [
    "DiskFull",
    "Published",
    "PublishError",
    "SchemaError",
    "Warehouse",
    "WarehouseMissing",
    "check_stage_order",
    "connect_file",
    "default_work_dir",
    "mark_stage",
    "open_published",
    "refuse_downgrade",
]
