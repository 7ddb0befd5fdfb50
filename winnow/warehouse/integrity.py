"""Knowing the warehouse files are the ones Winnow left: seals, checksums and free space.

* **The working file's seal.** After every writer closes the working file, its stat (inode,
  size, mtime, ctime, and whether a WAL is beside it) is written to ``<work_dir>/seal.json``;
  while a writer has it open the seal says so. The next writer compares: a file changed while
  the seal said *closed* was changed by something other than Winnow (``ATTACH ... READ_WRITE``
  from another process, a ``COPY ... TO`` over it, a disk tool), and is rebuilt instead of
  published. A seal left *open* means the last writer was killed mid-step: DuckDB's own
  recovery (WAL replay) applies, as before. ctime cannot be set back by a user-space program,
  so restoring the mtime does not hide a change.
* **The published file's checksum.** ``publish`` records the snapshot's XXH3-128, size, run and
  schema version in the seal; a snapshot is only ever copied back into the working file when
  it still matches (or, with no record, when every table reads back whole).
* **Free space.** A copy first checks that its folder has room for it, and a failed copy
  removes its temporary file, so a full disk costs one clear message and no leftover file.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import xxhash

from winnow.warehouse.schema import file_version

#: Room a publish needs beyond the snapshot's size (the publication row's WAL and blocks).
PUBLISH_HEADROOM_BYTES = 4 * 1024 * 1024
_CHUNK = 4 * 1024 * 1024


class DiskFull(OSError):
    """Not enough free space in a folder for a copy; the message names the folder and sizes."""


def stamp(path: Path) -> dict[str, Any] | None:
    """What changes whenever anything writes or replaces ``path`` (None: no such file)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    wal = path.with_name(path.name + ".wal")
    return {
        "ino": st.st_ino,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ctime_ns": st.st_ctime_ns,
        "wal": wal.stat().st_size if wal.exists() else None,
    }


class Seal:
    """``<work_dir>/seal.json``: the working file as Winnow left it, and the last publish.
    Read and written only under the warehouse's exclusive lock."""

    def __init__(self, work_dir: Path, work_path: Path) -> None:
        self.path = work_dir / "seal.json"
        self.work_path = work_path

    def load(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}

    def _save(self, data: dict[str, Any]) -> None:
        """Write the seal; on a full disk it stays as it was, which is safe either way: a seal
        left *open* trusts DuckDB's recovery, one left *closed* with an older stat makes the
        next writer rebuild from the published snapshot. It never hides the step's own error."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)

    def opened(self, why: str) -> None:
        """A writer is about to open the working file (a kill now leaves the seal *open*)."""
        data = self.load()
        data["working"] = {"state": "open", "by": why, "pid": os.getpid()}
        self._save(data)

    def closed(self, why: str) -> None:
        """Winnow left the working file as it is now."""
        data = self.load()
        data["working"] = {"state": "closed", "by": why, "file": stamp(self.work_path)}
        self._save(data)

    def published(self, record: dict[str, Any]) -> None:
        data = self.load()
        data["published"] = record
        self._save(data)

    def foreign_change(self) -> str | None:
        """Why the working file is not the one Winnow left, or None (no seal: trusted, as a
        file from before seals; a seal left open: a killed writer, DuckDB recovers it)."""
        working = self.load().get("working")
        if not working or working.get("state") != "closed":
            return None
        before, now = working.get("file"), stamp(self.work_path)
        if before == now:
            return None
        if now is None:
            return None  # deleted: seeded again like a first run
        if before is None:
            return "a working file appeared that no Winnow run wrote"
        changed = [k for k in ("ino", "size", "mtime_ns", "ctime_ns", "wal") if before[k] != now[k]]
        return (
            f"changed by another program since {working.get('by', 'a step')} closed it "
            f"({', '.join(changed)} differ)"
        )


def checksum_of(path: Path) -> str:
    """The file's XXH3-128 digest (2 GB/s here; SHA-256 ran at a seventh of that and a
    publish of a large warehouse would wait for it)."""
    digest = xxhash.xxh3_128()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def need_space(folder: Path, needed: int, what: str) -> None:
    """DiskFull naming ``folder`` and the sizes when it has less than ``needed`` bytes free."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise DiskFull(
            errno.ENOSPC,
            f"{folder}: not enough free space for {what}: it needs {_mb(needed)}, "
            f"{_mb(free)} free; free {_mb(needed - free)} there (or move the warehouse) and run "
            "again",
        )


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def copy_file(src: Path, dst: Path, what: str) -> None:
    """Copy ``src`` to ``dst`` (a temporary name) and fsync it; on any failure ``dst`` is
    removed, and a full disk is a DiskFull naming the folder and the space needed."""
    try:
        shutil.copyfile(src, dst)  # the kernel's copy (copy_file_range / sendfile)
        with dst.open("rb+") as handle:
            os.fsync(handle.fileno())
    except BaseException as exc:
        remove(dst)
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            raise full_disk(dst.parent, src.stat().st_size, what) from exc
        raise


def full_disk(folder: Path, needed: int, what: str) -> DiskFull:
    free = shutil.disk_usage(folder).free
    return DiskFull(
        errno.ENOSPC,
        f"{folder}: the disk filled up during {what}: it needs {_mb(needed)}, {_mb(free)} "
        f"free now; free at least {_mb(max(needed - free, 0) or needed)} there and run again",
    )


def remove(path: Path) -> None:
    """Remove a DuckDB file and its WAL (missing is fine)."""
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)


def read_version(path: Path) -> int:
    """The schema version of a DuckDB file, read in a fresh instance (duckdb.Error when the
    file is damaged)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS probe (READ_ONLY)", [str(path)]).fetchall()
        con.execute("USE probe").fetchall()
        return file_version(con)
    finally:
        con.close()


def read_whole(path: Path) -> int:
    """Read every row of every table of a DuckDB file (each block's checksum is checked as it
    is read): duckdb.Error when any block is damaged or missing. Returns the schema version."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS probe (READ_ONLY)", [str(path)]).fetchall()
        con.execute("USE probe").fetchall()
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'probe'"
        ).fetchall()
        for (table,) in tables:
            con.execute(f'SELECT count(hash(t)) FROM "{table}" t').fetchall()
        return file_version(con)
    finally:
        con.close()


__all__ = [
    "PUBLISH_HEADROOM_BYTES",
    "DiskFull",
    "Seal",
    "copy_file",
    "full_disk",
    "need_space",
    "read_version",
    "read_whole",
    "remove",
    "checksum_of",
    "stamp",
]
