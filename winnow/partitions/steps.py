"""What one parallel step does, and what the one loading step brings into the warehouse.

Parallel steps never open the warehouse for writing: a WARC step reads its file, segments its
pages and stages Parquet (``Warehouse.stage``: its own files, no lock); an extraction step
reads page versions under the shared lock and stages article rows. One loading step then takes
the write lock and brings every staged file in, replacing by key, so a step re-run after a
kill, or a file loaded twice, leaves the same rows (see docs/WAREHOUSE.md).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import polars as pl

from winnow import EXTRACTOR_VERSION, health, stages, warehouse
from winnow.limits import PageLimits
from winnow.partitions.keys import WarcPartition
from winnow.pipeline import load_page
from winnow.sources.warc import iter_warc
from winnow.warehouse import Warehouse

#: Staged tables a WARC step writes: page rows, the engine's frames, the file's tallies.
_SEGMENT_TABLES = ("page_blocks", "page_elements", "page_meta")
_PAGE_TABLES = ("pages", *_SEGMENT_TABLES, "warc_files")


@dataclass
class StepReport:
    """What a parallel step did: its partition or slice, counts, failures, wall time."""

    key: str
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _chunk_name(key: str, number: int) -> str:
    return f"{key}.{number:05d}"


def _safe(name: str) -> str:
    """A staged file's name for ``name``, as ``Warehouse.stage`` spells it."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)


def _clear_staged(store: Warehouse, key: str) -> None:
    """Drop what an earlier attempt at this partition staged (a re-run replaces it)."""
    prefix = _safe(f"{key}.")
    for table in _PAGE_TABLES:
        Warehouse.drop_staged([f for f in store.staged(table) if f.name.startswith(prefix)])


class _Chunks:
    """Pages of one partition, staged ``size`` at a time as numbered Parquet chunks."""

    def __init__(self, store: Warehouse, key: str, run_id: str, size: int, report: StepReport):
        self.store, self.key, self.run_id, self.size, self.report = store, key, run_id, size, report
        self.loaded_at, self.number = _now(), 0
        self.limits = PageLimits.of()
        self.refs: list = []
        self.pages: list = []

    def add(self, ref, page) -> None:
        self.refs.append(ref)
        self.pages.append(page)
        if len(self.pages) >= self.size:
            self.flush()

    def flush(self) -> None:
        """Stage the chunk: its page rows and the engine's frames of its readable pages."""
        if not self.pages:
            return
        name = _chunk_name(self.key, self.number)
        result = stages.StageResult()
        readable = [page for page in self.pages if page.raw is not None and page.status == "ok"]
        frames = stages.segment_batch(readable, self.run_id, result, self.limits)[:3]
        self.report.failures.extend(result.failures)
        # After segmenting: a page quarantined while parsing is staged with its status.
        frame = stages._pages_frame(self.pages, self.run_id, self.loaded_at, self.refs, self.key)
        self.store.stage("pages", name, frame)
        for table, table_frame in zip(_SEGMENT_TABLES, frames, strict=True):
            self.store.stage(table, name, table_frame)
        self.refs, self.pages, self.number = [], [], self.number + 1


def read_warc_partition(
    store: Warehouse, part: WarcPartition, run_id: str, stage_pages: int
) -> StepReport:
    """Read one WARC file, segment its pages, stage ``pages`` rows and the engine's frames.

    Holds at most ``stage_pages`` pages (and their blocks) at a time, whatever the file's size.
    """
    start = time.monotonic()
    report = StepReport(part.key)
    tally: Counter = Counter()
    _clear_staged(store, part.key)
    chunks = _Chunks(store, part.key, run_id, stage_pages, report)
    seen: set[str] = set()
    for ref in iter_warc(part.file, part.spec.name, part.spec.site, tally):
        if ref.page_id in seen:
            tally["skipped_duplicate"] += 1  # a URL twice in one file: its first record counts
            continue
        seen.add(ref.page_id)
        page = load_page(ref, chunks.limits)
        if page.error:
            report.failures.append(page.error)
        chunks.add(ref, page)
    chunks.flush()
    report.seconds = time.monotonic() - start
    report.counts = dict(tally) | {"pages": len(seen)}
    store.stage("warc_files", _chunk_name(part.key, 0), _warc_row(part, tally, report, run_id))
    return report


def _warc_row(part: WarcPartition, tally: Counter, report: StepReport, run_id: str):
    skipped = {k: v for k, v in sorted(tally.items()) if k.startswith(("skipped", "other"))}
    return pl.DataFrame(
        {
            "partition_key": [part.key],
            "source": [part.spec.name],
            "file": [str(part.file)],
            "bytes": [part.file.stat().st_size],
            "records": [tally["warc_records"]],
            "html_pages": [tally["html_pages"]],
            "text_pages": [tally["text_pages"]],
            "skipped": [json.dumps(skipped)],
            "record_errors": [tally["record_errors"]],
            "seconds": [round(report.seconds, 3)],
            "loaded_at": [_now()],
            "run_id": [run_id],
        }
    )


def load_staged_pages(store: Warehouse, con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """Bring every staged WARC chunk into the warehouse, one transaction per chunk.

    A chunk's pages go through ``write_pages`` (a version already stored keeps its partition)
    and its frames replace their page version's frames; the chunk's files are dropped once it
    is committed, so memory and the transaction stay one chunk big however many files a
    backfill loads, and a load cut short resumes where it stopped (loading is by key). The
    stages are marked as written at the end, with the files' tallies.
    """
    counts: Counter = Counter()
    for path in store.staged("pages"):
        chunk = [path, *(path.parent.parent / table / path.name for table in _SEGMENT_TABLES)]
        with warehouse.transaction(con):
            pages = pl.read_parquet(path)
            fresh = warehouse.stored_versions(con, pages) == 0  # no old frames to replace
            counts["new_versions"] += warehouse.write_pages(con, pages)
            if chunk[1].exists():
                frames = [pl.read_parquet(p) for p in chunk[1:]]
                counts["blocks_written"] += warehouse.write_segments(con, *frames, append=fresh)
        store.drop_staged(chunk)
    with warehouse.transaction(con):
        rows, tally_files = store.load_staged(con, "warc_files", ("partition_key",))
        counts["warc_files"] = rows
        counts["stale_blocks_dropped"] = warehouse.drop_stale_blocks(con)
        warehouse.mark_stage(con, "pages", run_id)
        warehouse.mark_stage(con, "page_blocks", run_id)
    store.drop_staged(tally_files)
    return dict(counts)


def plan_extraction(con: duckdb.DuckDBPyConnection, slice_pages: int) -> list[list[list[str]]]:
    """The page versions whose article is missing or stale, cut into slices for parallel
    steps (a slice never mixes partitions, so a backfill's slices follow its files)."""
    todo = pl.DataFrame(
        warehouse.pages_needing_articles(con, EXTRACTOR_VERSION),
        schema={"page_id": pl.String, "content_hash": pl.String},
        orient="row",
    )
    con.register("todo", todo.to_arrow())
    try:
        keys = con.execute(
            "SELECT t.page_id, t.content_hash, coalesce(p.partition_key, '') AS part "
            "FROM todo t JOIN pages p USING (page_id, content_hash) ORDER BY part, page_id"
        ).fetchall()
    finally:
        con.unregister("todo")
    slices: list[list[list[str]]] = []
    current: list[list[str]] = []
    for page_id, content_hash, partition_key in keys:
        if current and (len(current) >= slice_pages or partition_key != current[-1][2]):
            slices.append(current)
            current = []
        current.append([page_id, content_hash, partition_key])
    if current:
        slices.append(current)
    return slices


def extract_slice(
    store: Warehouse, con: duckdb.DuckDBPyConnection, name: str, keys: list, run_id: str
) -> StepReport:
    """Extract one slice's articles (``con`` is only read) and stage them."""
    start = time.monotonic()
    report = StepReport(name)
    pairs = [(k[0], k[1]) for k in keys]
    frames = [f for f in stages.extract_batches(con, pairs, run_id, report.failures) if f.height]
    if frames:
        store.stage("articles", name, pl.concat(frames, how="diagonal_relaxed"))
    report.counts = {"extracted": sum(f.height for f in frames), "failed": len(report.failures)}
    report.seconds = time.monotonic() - start
    return report


def load_staged_articles(store: Warehouse, con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """Bring every staged article slice into ``articles`` (replace by page), one transaction
    per slice, then mark the stage."""
    extracted = 0
    for path in store.staged("articles"):
        with warehouse.transaction(con):
            extracted += warehouse.write_articles(con, pl.read_parquet(path))
        store.drop_staged([path])
    with warehouse.transaction(con):
        health.record(con, run_id, datetime.now(UTC).replace(tzinfo=None))
        warehouse.mark_stage(con, "articles", run_id)
    return {"extracted": extracted}
