"""``winnow export``: the articles of the published snapshot, for the next tool.

Parquet (one folder per published date, Hive-style ``published_at=2026-03-01/``, zstd) or JSON
lines (one file), each row an article of ``v_articles`` with its story (``story_id``, the
story's size, whether this copy is its canonical member) and its lineage (page_id, source,
location, content hash, WARC record, extractor version, model hash, run ids).

DuckDB writes the files itself with ``COPY ... TO``: rows stream from the snapshot to disk
and never pass through Python, so an export's memory does not grow with the corpus (the
connection is capped at ``WINNOW_DUCKDB_MEMORY`` and spills past it).

The connection is this module's own, read-only, on the published file: readers' connections
forbid file access, and this one nearly so: external access is switched off once the export's
staging folder is the only allowed directory, so the query can write there and nowhere else
(the path is also a bound parameter, never SQL text). The export is written to a staging
folder beside ``out`` and renamed into place, so a reader never sees half of one; an existing
``out`` is replaced only when it is empty or a previous export (it holds ``export.json``).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from winnow.warehouse.store import duckdb_config, open_published

FORMATS = ("parquet", "jsonl")
MARKER = "export.json"

#: The exported rows; ``$since`` (a DATE or NULL) keeps articles published on or after it.
ROWS = """
    SELECT a.url, a.site, a.title, a.byline, a.published_at, a.language, a.n_words,
           a.story_id, s.members AS story_size, a.page_id = s.canonical_page_id AS story_canonical,
           a.body, a.markdown,
           a.page_id, a.source, a.location, a.content_hash, a.seen_at,
           a.warc_file, a.warc_offset, a.warc_record_id,
           a.extractor_version, a.model_hash, a.run_id, a.extracted_at,
           (SELECT run_id FROM publications ORDER BY seq DESC LIMIT 1) AS snapshot_run_id
    FROM v_articles a LEFT JOIN v_stories s USING (story_id)
    WHERE $since IS NULL OR a.published_at >= $since
    ORDER BY a.published_at, a.url
"""

_OPTIONS = {
    "parquet": "FORMAT parquet, COMPRESSION zstd, PARTITION_BY (published_at), "
    "WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'articles_{i}'",
    "jsonl": "FORMAT json",
}


class ExportError(RuntimeError):
    """The export cannot be written; the message names the path and the problem."""


@dataclass(frozen=True)
class Exported:
    """What an export wrote (also saved as ``export.json`` in the folder)."""

    out: str
    format: str
    since: str | None
    rows: int
    files: int
    bytes: int
    snapshot: str
    snapshot_run_id: str | None
    exported_at: str
    seconds: float


def _connect(published: Path, staging: Path) -> duckdb.DuckDBPyConnection:
    """Read-only on the snapshot; file access only to ``staging``, then none can be added."""
    con = open_published(published, external_access=True)  # the sandbox is set up here
    try:
        for name, value in duckdb_config().items():
            con.execute(f"SET {name} = ?", [value]).fetchall()
        con.execute("SET allowed_directories = ?", [[f"{staging}/"]]).fetchall()
        con.execute("SET enable_external_access = false").fetchall()
        con.execute("SET lock_configuration = true").fetchall()
        has_view = con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = 'v_articles'"
        ).fetchall()[0][0]
        if not has_view:
            raise ExportError(
                f"{published}: published before Winnow had reader views; the next run "
                "(make run, or winnow run) adds them"
            )
    except BaseException:
        con.close()
        raise
    return con


def _target(out: Path) -> None:
    """ExportError unless ``out`` may be (re)written: missing, empty, or a previous export."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ExportError(
            f"{out}: folder is not empty and holds no previous export ({MARKER}); "
            "choose a new or empty folder"
        )


def _swap(staging: Path, out: Path) -> None:
    """Put the staged export in place of ``out`` (a previous export is removed after)."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def export_articles(
    published: Path | str, out: Path | str, fmt: str = "parquet", since: date | None = None
) -> Exported:
    """Write the snapshot's articles (published on or after ``since``) to ``out``."""
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt}: expected one of {', '.join(FORMATS)}")
    published, out = Path(published).absolute(), Path(out).absolute()
    _target(out)
    start = time.monotonic()
    staging = out.with_name(f".{out.name}.export-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise ExportError(f"{out}: cannot create the folder ({exc.strerror})") from exc
    try:
        con = _connect(published, staging)
        try:
            target = staging / "articles" if fmt == "parquet" else staging / "articles.jsonl"
            rows = con.execute(
                f"COPY ({ROWS}) TO $target ({_OPTIONS[fmt]})",
                {"since": since, "target": str(target)},
            ).fetchall()[0][0]
            run_id = con.execute(
                "SELECT run_id FROM publications ORDER BY seq DESC LIMIT 1"
            ).fetchall()
        finally:
            con.close()
        files = [p for p in staging.rglob("*") if p.is_file()]
        result = Exported(
            out=str(out),
            format=fmt,
            since=since.isoformat() if since else None,
            rows=int(rows),
            files=len(files),
            bytes=sum(p.stat().st_size for p in files),
            snapshot=str(published),
            snapshot_run_id=run_id[0][0] if run_id else None,
            exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
            seconds=round(time.monotonic() - start, 3),
        )
        (staging / MARKER).write_text(json.dumps(asdict(result), indent=2) + "\n")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result
