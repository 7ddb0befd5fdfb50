"""Rebuilding a working file Winnow did not leave, or that is damaged, from the last good
published snapshot (or from nothing), instead of failing every run or publishing it.

Called under the warehouse's exclusive lock, before a writer opens the working file (see
``integrity`` for how a change behind Winnow's back is recognized). A snapshot is copied into
the working file only when it is sound: its checksum matches the one recorded when it was
published, or (published before seals existed) every table reads back whole; never a file
from a newer Winnow, which is refused instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import duckdb

from winnow.warehouse import integrity
from winnow.warehouse.integrity import Seal
from winnow.warehouse.schema import SchemaError, latest_version
from winnow.warehouse.snapshot import explain

Log = Callable[[str], None]


class Files(Protocol):
    published: Path
    work_dir: Path
    work_path: Path


def prepare(store: Files, seal: Seal, log: Log) -> str | None:
    """Make the working file one Winnow can trust: rebuilt when another program changed it
    since Winnow closed it, seeded from the published snapshot when missing. Returns why it
    was rebuilt and how (None when it was kept or seeded)."""
    if store.work_path.exists():
        changed = seal.foreign_change()
        if changed is None:
            return None
        refuse_newer(store.work_path, changed)
        done = rebuild(store, seal, log, f"{store.work_path}: {changed}")
        return f"{changed}; {done}"
    if store.published.is_file():
        rebuild(store, seal, log, None)
    return None


def refuse_newer(path: Path, changed: str) -> None:
    """A working file a newer Winnow wrote is not thrown away by an older one."""
    try:
        version = integrity.read_version(path)
    except duckdb.Error:
        return  # damaged: rebuilding it loses nothing
    if version > latest_version():
        raise SchemaError(
            f"{path}: {changed}, and a newer Winnow wrote it (schema version {version}; this "
            f"Winnow knows up to {latest_version()}); upgrade Winnow, or run with --fresh"
        )


def rebuild(store: Files, seal: Seal, log: Log, reason: str | None) -> str:
    """Replace the working file by the sound published snapshot, else by an empty warehouse;
    ``reason`` (None for a plain first seed) is logged with what was done, which is returned."""
    integrity.remove(store.work_path)
    store.work_dir.mkdir(parents=True, exist_ok=True)
    if sound_published(store, seal, log):
        size = store.published.stat().st_size
        integrity.need_space(store.work_dir, size, "the working file")
        tmp = store.work_path.with_name(store.work_path.name + ".seed")
        integrity.copy_file(store.published, tmp, "copying the published snapshot")
        os.replace(tmp, store.work_path)
        done = f"rebuilt it from the published snapshot {store.published}"
        if reason:
            log(f"{reason}; {done}")
    else:
        duckdb.connect(str(store.work_path)).close()  # empty; the writer migrates it
        done = "no sound published snapshot to start from, so the working file starts empty"
        if reason or store.published.exists():
            log(f"{reason or store.work_path}: {done} (this run reads every source again)")
    seal.closed("a rebuild")
    return done


def sound_published(store: Files, seal: Seal, log: Log) -> bool:
    """Whether the published file may be copied into the working file (see module doc)."""
    path = store.published
    if not path.is_file():
        return False
    record = seal.load().get("published")
    try:
        if record is None:
            version = integrity.read_whole(path)
        elif path.stat().st_size != record.get("size") or (
            integrity.checksum_of(path) != record.get("checksum")
        ):
            log(
                f"{path}: not the snapshot run {record.get('run_id')} published (its size or "
                "checksum differ): not copied into the working file"
            )
            return False
        else:
            version = integrity.read_version(path)
    except duckdb.Error as exc:
        named = explain(path, exc)
        log(f"{named or exc}: not copied into the working file")
        return False
    if version > latest_version():
        raise SchemaError(
            f"{path}: written by a newer Winnow (schema version {version}; this Winnow knows up "
            f"to {latest_version()}); not copied into the working file: upgrade Winnow, or "
            "point --warehouse at another file"
        )
    return True


__all__ = ["prepare", "rebuild", "refuse_newer", "sound_published"]
