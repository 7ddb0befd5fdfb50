"""The web sources into the warehouse: crawl, classify each page, write in batches.

Conditional refresh: each URL's ETag, Last-Modified and content hash are kept in
``fetch_state``; the next run sends them back (If-None-Match / If-Modified-Since). A 304, or a
200 whose body hashes the same, adds no page version (the stored one is marked seen by this
run, so it stays current) and so causes no re-extraction; a changed body is a new version
beside the old one. Every attempt, robots.txt and sitemaps included, goes to ``fetch_log``.

The crawl survives a kill: each batch (``BATCH`` pages, or ``FLUSH_SECONDS`` of fetching) is
committed with the URLs queued so far and the ones stored (``crawl_frontier``). A crawl that
ends deletes its frontier; the next run after a kill finds it and resumes: the URLs stored
are not fetched again, the ones queued are fetched even if their sitemap or feed has dropped
them since.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import polars as pl

from winnow.fetch.charset import page_encoding
from winnow.fetch.crawl import Crawl, CrawlItem, Known, PageJob, Queued
from winnow.fetch.http import Attempt, Fetched
from winnow.fetch.options import FetchOptions
from winnow.parse.sites import site_of
from winnow.pipeline import LoadedPage
from winnow.sources.config import SourceSpec
from winnow.warehouse import query_frame, run, transaction

BATCH = 200
#: A batch is also written after this many seconds: a kill loses at most this much fetching.
FLUSH_SECONDS = 1.0
OUTCOMES = ("new", "changed", "unchanged", "not_modified", "failed")

#: ``progress(pages_done, counts)``, called every few pages and at the end.
Progress = Callable[[int, dict[str, int]], None]


@dataclass
class WebResult:
    """Counts by outcome (and by error class), and one line per failed page or source."""

    counts: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, key: str = "") -> None:
    """Insert ``frame`` (handed over as Arrow), first deleting the rows whose ``key`` it brings."""
    con.register("incoming_fetch", frame.to_arrow())
    try:
        if key:
            run(con, f"DELETE FROM {table} t WHERE t.{key} IN (SELECT {key} FROM incoming_fetch)")
        run(con, f"INSERT INTO {table} BY NAME SELECT * FROM incoming_fetch")
    finally:
        con.unregister("incoming_fetch")


def load_known(con: duckdb.DuckDBPyConnection) -> dict[str, Known]:
    """Validators and content hash of every URL fetched before."""
    rows = con.execute("SELECT url, etag, last_modified, content_hash FROM fetch_state").fetchall()
    return {url: Known(etag, modified, digest) for url, etag, modified, digest in rows}


def classify(item: CrawlItem) -> tuple[str, LoadedPage | None]:
    """(outcome, page to store) for one fetched page."""
    job, fetched = item.job, item.fetched
    if fetched.outcome == "not_modified":
        return "not_modified", None
    if fetched.outcome != "ok" or fetched.body is None:
        page = LoadedPage(
            job.url,
            job.source,
            job.url,
            fetched.final_url,
            job.site,
            "html",
            None,
            None,
            None,
            "truncated" if fetched.error_class == "TruncatedBody" else "error",
            fetched.error,
        )
        return "failed", page
    raw = fetched.body
    digest = hashlib.sha256(raw).hexdigest()
    page = LoadedPage(
        page_id=job.url,
        source=job.source,
        location=job.url,
        url=fetched.final_url,
        site=job.site or site_of(fetched.final_url),
        fmt="txt" if fetched.media_type == "text/plain" else "html",
        raw=raw,
        content_hash=digest,
        encoding=page_encoding(raw, fetched.charset),
        status="ok",
    )
    known = job.known.content_hash if job.known else None
    if known == digest:
        return "unchanged", page  # stored again: no new version, the old one is seen now
    return ("changed" if known else "new"), page


class _Writer:
    """Buffers one batch of pages, state rows, seen-again versions and log rows, then writes."""

    def __init__(self, con, run_id: str, write_pages: Callable[[list[LoadedPage]], int]) -> None:
        self.con, self.run_id, self.write_pages = con, run_id, write_pages
        self.pages: list[LoadedPage] = []
        self.state: list[tuple] = []
        self.seen: list[tuple[str, str]] = []
        self.log: list[Attempt] = []
        self.queued: list[PageJob] = []
        self.done: list[str] = []
        self.items = 0
        self.flushed_at = time.monotonic()

    def due(self) -> bool:
        """Whether a batch is full or has waited ``FLUSH_SECONDS``."""
        waited = time.monotonic() - self.flushed_at >= FLUSH_SECONDS
        return self.items >= BATCH or (waited and bool(self.items or self.queued))

    def add(self, item: CrawlItem, outcome: str, page: LoadedPage | None) -> None:
        self.items += 1
        self.done.append(item.job.url)
        if page is not None:
            self.pages.append(page)
        fetched, known = item.fetched, item.job.known
        if outcome == "not_modified" and known and known.content_hash:
            self.seen.append((item.job.url, known.content_hash))
        if outcome != "failed":
            self.state.append(_state_row(item.job.url, item.job.source, fetched, known, page))

    def __len__(self) -> int:
        return self.items

    def flush(self, finished: bool = False) -> int:
        """Write everything buffered in one transaction; returns the new page versions
        stored. ``finished``: the crawl ended, its frontier is deleted."""
        with transaction(self.con):
            stored = self._write()
            if finished:
                run(self.con, "DELETE FROM crawl_frontier")
        self.pages, self.seen, self.state, self.log = [], [], [], []
        self.queued, self.done, self.items = [], [], 0
        self.flushed_at = time.monotonic()
        return stored

    def _write(self) -> int:
        stored = self.write_pages(self.pages) if self.pages else 0
        now = _now()
        if self.seen:
            frame = pl.DataFrame(self.seen, schema=["page_id", "content_hash"], orient="row")
            self.con.register("seen", frame.to_arrow())
            try:
                run(
                    self.con,
                    "UPDATE pages p SET loaded_at = ?, run_id = ? FROM seen s "
                    "WHERE p.page_id = s.page_id AND p.content_hash = s.content_hash",
                    [now, self.run_id],
                )
            finally:
                self.con.unregister("seen")
        if self.state:
            _insert(self.con, "fetch_state", _state_frame(self.state, now, self.run_id), "url")
        if self.log:
            write_fetch_log(self.con, self.log, self.run_id)
        if self.queued:
            _insert(self.con, "crawl_frontier", _frontier_frame(self.queued, now, self.run_id))
        if self.done:
            done = pl.DataFrame({"url": self.done})
            self.con.register("done_urls", done.to_arrow())
            try:
                sql = "UPDATE crawl_frontier SET done = true WHERE url IN (FROM done_urls)"
                run(self.con, sql)
            finally:
                self.con.unregister("done_urls")
        return stored


def _frontier_frame(jobs: list[PageJob], now: datetime, run_id: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "url": [j.url for j in jobs],
            "source": [j.source for j in jobs],
            "site": [j.site for j in jobs],
        },
        schema={"url": pl.String, "source": pl.String, "site": pl.String},
    ).with_columns(
        pl.lit(now).alias("queued_at"), pl.lit(run_id).alias("run_id"), pl.lit(False).alias("done")
    )


def load_frontier(
    con: duckdb.DuckDBPyConnection, specs: list[SourceSpec], known: dict[str, Known]
) -> tuple[list[PageJob], set[str]]:
    """A killed crawl's frontier: (its queued URLs not stored yet, of sources still
    configured, to fetch first; the URLs it stored, not to fetch again)."""
    names = {spec.name for spec in specs}
    pending, done = [], set()
    rows = con.execute(
        "SELECT url, source, site, bool_or(done) FROM crawl_frontier GROUP BY ALL "
        "ORDER BY min(queued_at), url"
    ).fetchall()
    for url, source, site, stored in rows:
        if stored:
            done.add(url)
        elif source in names:
            pending.append(PageJob(url, source, site, known.get(url)))
    return pending, done


def _state_row(url: str, source: str, fetched: Fetched, known, page) -> tuple:
    if fetched.outcome == "not_modified" and known:  # a 304 repeats no headers we need
        return (
            url,
            source,
            fetched.final_url,
            fetched.etag or known.etag,
            fetched.last_modified or known.last_modified,
            known.content_hash,
            304,
        )
    return (
        url,
        source,
        fetched.final_url,
        fetched.etag,
        fetched.last_modified,
        page.content_hash if page else None,
        fetched.status,
    )


def _state_frame(rows: list[tuple], now: datetime, run_id: str) -> pl.DataFrame:
    names = ["url", "source", "final_url", "etag", "last_modified", "content_hash", "status"]
    schema = dict.fromkeys(names, pl.String) | {"status": pl.Int32}
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(
        pl.lit(now).alias("fetched_at"), pl.lit(run_id).alias("run_id")
    )


def write_fetch_log(con: duckdb.DuckDBPyConnection, attempts: list[Attempt], run_id: str) -> None:
    """Append attempts to ``fetch_log`` as one Arrow table."""
    names = (
        "url final_url kind attempt status outcome error_class error bytes elapsed_ms fetched_at"
    ).split()
    frame = pl.DataFrame(
        {name: [getattr(a, name) for a in attempts] for name in names},
        schema_overrides={
            "attempt": pl.Int32,
            "status": pl.Int32,
            "bytes": pl.Int64,
            "elapsed_ms": pl.Float64,
            "error_class": pl.String,
            "error": pl.String,
            "fetched_at": pl.Datetime("us"),
        },
    ).with_columns(pl.lit(run_id).alias("run_id"))
    _insert(con, "fetch_log", frame)


def ingest_web(
    con: duckdb.DuckDBPyConnection,
    specs: list[SourceSpec],
    run_id: str,
    options: FetchOptions,
    write_pages: Callable[[list[LoadedPage]], int],
    progress: Progress | None = None,
) -> WebResult:
    """Crawl the web sources and store what changed, a committed batch at a time (resuming a
    killed crawl's frontier); a failed URL costs only its own row."""
    result = WebResult()
    writer = _Writer(con, run_id, write_pages)
    known = load_known(con)
    resume, done_before = load_frontier(con, specs, known)
    if resume or done_before:
        result.counts["resumed_queued"] = len(resume)
        result.counts["resumed_stored"] = len(done_before)
    done = 0
    for item in Crawl(specs, options, known, resume, done_before):
        if isinstance(item, list):
            writer.log.extend(item)
        elif isinstance(item, Queued):
            writer.queued.append(item.job)
        elif item.fetched is None:  # a sitemap or feed that could not be read
            result.counts["source_failures"] += 1
            result.failures.append(item.error)
        else:
            _count(result, item, writer)
            done += 1
            if progress and done % 25 == 0:
                progress(done, dict(result.counts))
        if writer.due():
            result.counts["new_versions"] += writer.flush()
    result.counts["new_versions"] += writer.flush(finished=True)
    if progress:
        progress(done, dict(result.counts))
    return result


def _count(result: WebResult, item: CrawlItem, writer: _Writer) -> None:
    """Classify one fetched page, count its outcome and buffer it."""
    outcome, page = classify(item)
    result.counts[outcome] += 1
    if outcome == "failed":
        result.counts[f"error_{item.fetched.error_class}"] += 1
        result.failures.append(item.fetched.error)
    writer.add(item, outcome, page)


def failure_share(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """Pages of a run whose last attempt failed, and their share of the pages it fetched."""
    urls, failed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE outcome = 'error') FROM ("
        "SELECT url, arg_max(outcome, attempt) AS outcome FROM fetch_log "
        "WHERE run_id = ? AND kind = 'page' GROUP BY url)",
        [run_id],
    ).fetchall()[0]
    by_class = query_frame(
        con,
        "SELECT error_class, count(*) AS urls FROM (SELECT url, arg_max(error_class, attempt) "
        "AS error_class, arg_max(outcome, attempt) AS outcome FROM fetch_log WHERE run_id = ? "
        "AND kind = 'page' GROUP BY url) WHERE outcome = 'error' GROUP BY 1 ORDER BY 2 DESC",
        [run_id],
    )
    share = failed / urls if urls else 0.0
    return {
        "pages": urls,
        "failed": failed,
        "share": round(share, 4),
        "by_error": dict(by_class.iter_rows()),
    }
