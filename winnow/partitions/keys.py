"""Partition keys: ``<source>/<path of the file below the source's folder>`` for a WARC file,
the ISO day (``2024-05-17``) for fetched sources. Keys are stable across runs and machines, so
a file's partition is the same wherever the sensor finds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from winnow.sources import SourceSpec
from winnow.sources.warc import is_glob, warc_files


@dataclass(frozen=True, slots=True)
class WarcPartition:
    """One WARC/WET file of a ``warc`` source, as a partition."""

    key: str
    spec: SourceSpec
    file: Path


def _root(spec: SourceSpec) -> Path:
    """The folder a warc source's files are named relative to."""
    path = spec.path
    if path is None:
        raise ValueError(f"source {spec.name!r} has no path")
    while is_glob(path):
        path = path.parent
    return path.parent if path.is_file() else path


def warc_partitions(specs: list[SourceSpec]) -> dict[str, WarcPartition]:
    """Every WARC file the ``warc`` sources name, by partition key, in a stable order."""
    found: dict[str, WarcPartition] = {}
    for spec in specs:
        if spec.kind != "warc" or spec.path is None:
            continue
        root = _root(spec)
        for file in warc_files(spec.path, spec.include):
            key = f"{spec.name}/{file.relative_to(root).as_posix()}"
            found[key] = WarcPartition(key, spec, file)
    return found


def batch_files(
    parts: list[WarcPartition], max_bytes: int, min_batches: int
) -> list[list[WarcPartition]]:
    """The files in steps: each file of ``max_bytes`` or more alone, the smaller ones packed in
    order into batches of about ``max_bytes``, yet into ``min_batches`` batches at least (when
    there are that many files) so every worker gets some. ``max_bytes`` 0: a batch per file."""
    sizes = {part.key: part.file.stat().st_size for part in parts}
    if max_bytes <= 0:
        return [[part] for part in parts]
    small = [part for part in parts if sizes[part.key] < max_bytes]
    batches = [[part] for part in parts if sizes[part.key] >= max_bytes]
    total = sum(sizes[part.key] for part in small)
    count = min(len(small), max(-(-total // max_bytes), min_batches))
    packed: list[list[WarcPartition]] = [[] for _ in range(count)]
    before = 0
    for part in small:
        packed[min(count - 1, before * count // max(total, 1))].append(part)
        before += sizes[part.key]
    return [batch for batch in packed if batch] + batches


def day_key(day: date) -> str:
    return day.isoformat()


def today_key(timezone: str) -> str:
    """The warehouse partition of page versions fetched today (in ``timezone``): the model's
    counts are kept per such day, so a nightly run recounts only what it loaded."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return day_key(datetime.now(ZoneInfo(timezone)).date())


def fetched_specs(specs: list[SourceSpec]) -> list[SourceSpec]:
    """The sources read by the daily partitions: all but ``warc`` (one partition per file)."""
    return [spec for spec in specs if spec.kind != "warc"]
