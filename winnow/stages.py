"""The pipeline's stages over the warehouse: each reads what it needs, writes in one transaction.

These are what the Dagster assets (and ``winnow run``) call. Each stage is incremental:
``segment`` touches only page versions without blocks, ``extract`` only pages whose content,
site model or extractor changed since their article was made; ``learn`` and ``cluster`` are
cheap set operations over the whole corpus and are recomputed each time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import polars as pl

from winnow import EXTRACTOR_VERSION, health, summaries, warehouse
from winnow.extract.engine import Article, extract_articles
from winnow.fetch.ingest import ingest_web
from winnow.fetch.options import FetchOptions
from winnow.limits import PageLimits
from winnow.model import SiteModel, site_models
from winnow.model.site import SiteStats
from winnow.model.site import learn as learn_boilerplate
from winnow.partitions import counts as partition_counts
from winnow.pipeline import LoadedPage, load_page, parse_page
from winnow.pipeline import segment as pipeline_segment
from winnow.quarantine import decide_within, parse_within, screen
from winnow.records import PageRef
from winnow.sources import WEB_KINDS, SourceSpec, iter_page_refs
from winnow.stories.ids import name_stories
from winnow.stories.incremental import (
    refresh_pairs,
    refresh_sketches,
    stored_clusters,
    story_groups,
)

BATCH = 200

#: The tables in the order the stages write them; a snapshot is published only when each one
#: was written after the one before it (``warehouse.check_stage_order``).
STAGE_ORDER = ("pages", "page_blocks", "boilerplate", "articles", "story_clusters")


@dataclass
class StageResult:
    """What a stage did: counts for metadata, a preview frame, and per-entry failures; the rows
    its table holds afterwards and small summary frames (``winnow.summaries``) for the UI."""

    counts: dict[str, int] = field(default_factory=dict)
    preview: pl.DataFrame | None = None
    failures: list[str] = field(default_factory=list)
    rows: int | None = None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _pages_frame(
    pages: list[LoadedPage],
    run_id: str,
    loaded_at: datetime,
    refs: list[PageRef] | None = None,
    partition_key: str | None = None,
) -> pl.DataFrame:
    """Rows for ``pages``; ``refs`` (same order) add the WARC locator and crawl metadata;
    ``partition_key`` names the partition (WARC file or day) loading them."""
    refs = refs if refs is not None else [PageRef(p.page_id, p.source, p.location) for p in pages]
    warc = [ref.warc for ref in refs]
    return pl.DataFrame(
        {
            "page_id": [p.page_id for p in pages],
            "content_hash": [p.content_hash or "" for p in pages],
            "url": [p.url for p in pages],
            "site": [p.site for p in pages],
            "source": [p.source for p in pages],
            "location": [p.location for p in pages],
            "format": [p.fmt for p in pages],
            "bytes": [len(p.raw) if p.raw is not None else None for p in pages],
            "encoding": [p.encoding for p in pages],
            "status": [p.status for p in pages],
            "error": [p.error for p in pages],
            "raw_zlib": [warehouse.compress(p.raw) for p in pages],
            "loaded_at": [loaded_at] * len(pages),
            "run_id": [run_id] * len(pages),
            "warc_file": [w.file if w else None for w in warc],
            "warc_offset": [w.offset if w else None for w in warc],
            "warc_record_id": [w.record_id if w else None for w in warc],
            "http_status": [ref.http_status for ref in refs],
            "content_type": [ref.content_type for ref in refs],
            "fetched_at": [ref.fetched_at for ref in refs],
            "partition_key": [partition_key] * len(pages),
            "duplicate_of": [ref.extra.get("duplicate_of") for ref in refs],
        },
        schema_overrides={
            "bytes": pl.Int64,
            "raw_zlib": pl.Binary,
            "loaded_at": pl.Datetime("us"),
            "warc_file": pl.String,
            "warc_offset": pl.Int64,
            "warc_record_id": pl.String,
            "http_status": pl.Int16,
            "content_type": pl.String,
            "fetched_at": pl.Datetime("us"),
            "partition_key": pl.String,
            "duplicate_of": pl.String,
        },
    ).unique(subset=["page_id", "content_hash"], keep="first", maintain_order=True)


def ingest(
    con: duckdb.DuckDBPyConnection,
    specs: list[SourceSpec],
    run_id: str,
    fetch: FetchOptions | None = None,
    progress: Callable[[int, dict[str, int]], None] | None = None,
    partition_key: str | None = None,
    limits: PageLimits | None = None,
) -> StageResult:
    """Read every source's pages and store new page versions (raw bytes kept, compressed).

    Web sources (urls, sitemap, feed) are crawled together with ``fetch`` options (see
    ``winnow.fetch.ingest``); ``progress`` hears how the crawl goes. New versions belong to
    ``partition_key`` (the day, for the daily partitions). A page over ``limits`` or not text
    is stored with its quarantine status (``winnow.quarantine``).
    """
    limits = limits or PageLimits.of()
    result = StageResult(counts={"seen": 0, "new_versions": 0, "errors": 0})
    skipped: Counter = Counter()  # what sources passed over (WARC records that are not pages)
    loaded_at = _now()
    web = [spec for spec in specs if spec.kind in WEB_KINDS]
    if web:  # committed a batch at a time: a killed crawl resumes (winnow.fetch.ingest)
        options = fetch or FetchOptions()
        _ingest_web(con, web, run_id, options, loaded_at, result, progress, partition_key, limits)
    with warehouse.transaction(con):
        for spec in specs:
            if spec.kind in WEB_KINDS:
                continue
            for refs in _batches(iter_page_refs(spec, skipped), BATCH):
                pages = [load_page(ref, limits) for ref in refs]
                for page in pages:
                    if page.error:
                        result.failures.append(page.error)
                result.counts["seen"] += len(pages)
                result.counts["errors"] += sum(p.status != "ok" for p in pages)
                frame = _pages_frame(pages, run_id, loaded_at, refs, partition_key)
                result.counts["new_versions"] += warehouse.write_pages(con, frame)
        warehouse.mark_stage(con, "pages", run_id)
    result.counts.update(skipped)
    result.rows = summaries.row_count(con, "pages")
    result.preview = warehouse.query_frame(
        con,
        "SELECT page_id, site, source, format, bytes, encoding, status FROM latest_pages "
        "ORDER BY page_id LIMIT 10",
    )
    return result


def _ingest_web(
    con, specs, run_id, options, loaded_at, result, progress, partition_key, limits
) -> None:
    def write(pages: list[LoadedPage]) -> int:
        for page in pages:
            screen(page, limits)
        frame = _pages_frame(pages, run_id, loaded_at, partition_key=partition_key)
        return warehouse.write_pages(con, frame)

    web = ingest_web(con, specs, run_id, options, write, progress)
    fetched = sum(web.counts[k] for k in ("new", "changed", "unchanged", "not_modified", "failed"))
    result.counts["seen"] += fetched
    result.counts["errors"] += web.counts["failed"]
    result.counts["new_versions"] += web.counts.pop("new_versions", 0)
    result.counts.update({f"fetch_{name}": count for name, count in web.counts.items()})
    result.failures.extend(web.failures)


def segment_batch(
    pages: list[LoadedPage], run_id: str, result: StageResult, limits: PageLimits | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, int]:
    """Blocks, elements and metadata rows of a batch of readable page versions, and how many
    pages parsed; a page that fails to parse is recorded in ``result`` and the batch goes on.
    A page that runs past the time limit, or whose text the parser lost, gets that status on
    the ``LoadedPage`` (the caller stores it). ``segment`` and the WARC partition steps (which
    segment pages as they read them) use it."""
    limits = limits or PageLimits.of()
    parsed, hashes = [], {}
    for page in pages:
        try:
            one = parse_within(page, limits, parse_page)
        except Exception as exc:  # one page's failure is recorded, the batch goes on
            result.failures.append(f"{page.page_id} ({page.location}): {exc!r}")
            result.counts["parse_failed"] = result.counts.get("parse_failed", 0) + 1
            continue
        if one is None:  # quarantined while parsing: the reason is on the page
            result.failures.append(f"{page.page_id}: {page.status}: {page.error}")
            result.counts[page.status] = result.counts.get(page.status, 0) + 1
            continue
        parsed.append(one)
        hashes[page.page_id] = page.content_hash
    frames = pipeline_segment(parsed)
    stamp = [
        pl.col("page_id").replace_strict(hashes, return_dtype=pl.String).alias("content_hash"),
        pl.lit(run_id).alias("run_id"),
    ]
    blocks = frames.blocks.with_columns(
        *stamp,
        (pl.col("link_chars") / pl.col("n_chars").clip(1)).cast(pl.Float32).alias("link_density"),
    )
    elements = frames.elements.with_columns(*stamp)
    return blocks, elements, frames.metas.with_columns(*stamp), len(parsed)


def segment(
    con: duckdb.DuckDBPyConnection, run_id: str, limits: PageLimits | None = None
) -> StageResult:
    """Parse the latest version of every page not yet segmented, once: blocks, elements and
    declared metadata are stored, extraction never parses the page again. A page quarantined
    while parsing (timeout, truncated) gets its status on its ``pages`` row."""
    keys = warehouse.pages_without_blocks(con)
    result = StageResult(counts={"pages_segmented": 0, "blocks_written": 0, "parse_failed": 0})
    with warehouse.transaction(con):
        for batch in _batches(keys, BATCH):
            rows = warehouse.read_pages(con, batch).iter_rows(named=True)
            pages = [_loaded(r) for r in rows]
            blocks, elements, metas, parsed = segment_batch(pages, run_id, result, limits)
            warehouse.set_page_status(con, status_frame(p for p in pages if p.status != "ok"))
            written = warehouse.write_segments(con, blocks, elements, metas)
            result.counts["blocks_written"] += written
            result.counts["pages_segmented"] += parsed
        result.counts["stale_blocks_dropped"] = warehouse.drop_stale_blocks(con)
        warehouse.mark_stage(con, "page_blocks", run_id)
    result.counts["blocks_total"] = result.rows = summaries.row_count(con, "page_blocks")
    result.preview = warehouse.query_frame(
        con,
        "SELECT page_id, block_index, tag, left(text, 60) AS text, n_chars, links "
        "FROM page_blocks ORDER BY page_id, block_index LIMIT 10",
    )
    return result


def _loaded(rec: dict) -> LoadedPage:
    """A stored page version as the pipeline's ``LoadedPage``."""
    return LoadedPage(
        rec["page_id"],
        rec["source"],
        rec["location"],
        rec["url"],
        rec["site"],
        rec["format"],
        warehouse.decompress(rec["raw_zlib"]),
        rec["content_hash"],
        rec["encoding"],
        "ok",
    )


def status_frame(pages: Iterable[LoadedPage]) -> pl.DataFrame:
    """(page_id, content_hash, status, error) of page versions given a status after loading."""
    rows = [(p.page_id, p.content_hash or "", p.status, p.error) for p in pages]
    return pl.DataFrame(
        rows,
        schema={
            "page_id": pl.String,
            "content_hash": pl.String,
            "status": pl.String,
            "error": pl.String,
        },
        orient="row",
    )


def models_frame(models: dict[str, SiteModel], run_id: str, learned_at: datetime) -> pl.DataFrame:
    rows = [
        (m.site, m.site_pages, len(m.text_keys), len(m.slot_keys), m.model_hash)
        for m in models.values()
    ]
    return pl.DataFrame(
        rows,
        schema={
            "site": pl.String,
            "site_pages": pl.Int64,
            "chrome_texts": pl.Int64,
            "chrome_slots": pl.Int64,
            "model_hash": pl.Int64,
        },
        orient="row",
    ).with_columns(pl.lit(run_id).alias("run_id"), pl.lit(learned_at).alias("learned_at"))


#: Sites whose model is merged and written at once (bounds the learning step's memory).
MODEL_SITES = 500


def _stamped(table: pl.DataFrame, run_id: str, learned_at: datetime) -> pl.DataFrame:
    return table.with_columns(
        pl.lit(run_id).alias("run_id"), pl.lit(learned_at).alias("learned_at")
    )


def _merge_sites(con, sites: list[str], run_id: str, learned_at: datetime) -> None:
    """Merge and store the model of ``sites``."""
    table = partition_counts.merged_model(con, sites)
    frame = models_frame(site_models(table), run_id, learned_at)
    warehouse.write_site_models(con, sites, _stamped(table, run_id, learned_at), frame)


def _learn_window(con, window_days: int, run_id: str, learned_at: datetime) -> None:
    """The whole model from recently loaded pages' blocks (the model window)."""
    table = learn_boilerplate(warehouse.model_blocks(con, window_days))
    frame = models_frame(site_models(table), run_id, learned_at)
    warehouse.write_model(con, _stamped(table, run_id, learned_at), frame)


def learn(
    con: duckdb.DuckDBPyConnection, run_id: str, window_days: int | None = None
) -> StageResult:
    """Relearn the per-site model from the blocks of the latest page versions.

    The counts of the (partition, site) pairs whose blocks changed are recomputed and the
    changed sites' counts merged, ``MODEL_SITES`` sites at a time (``winnow.partitions.counts``);
    a model window (only recently loaded pages) reads the blocks themselves instead.
    """
    learned_at = _now()
    with warehouse.transaction(con):
        recounted = partition_counts.recount(con, run_id)  # extraction's counts, window or not
        changed = recounted.pop("changed_sites")
        if window_days is None:  # only the sites whose counts changed, a batch at a time
            for start in range(0, len(changed), MODEL_SITES):
                _merge_sites(con, changed[start : start + MODEL_SITES], run_id, learned_at)
        else:
            _learn_window(con, window_days, run_id, learned_at)
        warehouse.mark_stage(con, "boilerplate", run_id)
    chrome = dict(
        con.execute(
            "SELECT kind, count(*) FROM boilerplate WHERE decision = 'boilerplate' GROUP BY kind"
        ).fetchall()
    )
    result = StageResult(
        counts={
            **recounted,
            "sites_relearnt": len(changed) if window_days is None else -1,
            "chrome_texts": chrome.get("text", 0),
            "chrome_slots": chrome.get("slot", 0),
        }
    )
    result.preview = warehouse.query_frame(
        con,
        "SELECT site, kind, pages, site_pages, left(sample_text, 60) AS sample_text, reason "
        "FROM boilerplate WHERE decision = 'boilerplate' ORDER BY pages DESC, site, key LIMIT 10",
    )
    result.rows = summaries.row_count(con, "boilerplate")
    result.tables = {
        "top_chrome_texts": summaries.top_chrome_texts(con),
        "chrome_share": summaries.chrome_share_by_site(con),
    }
    return result


def _article_rows(
    con: duckdb.DuckDBPyConnection,
    keys: list[tuple[str, str]],
    stats: SiteStats,
    models: dict[str, SiteModel],
    run_id: str,
    limits: PageLimits,
    failures: list[str],
) -> pl.DataFrame:
    """Articles of a batch of page versions, decided from their stored frames, each page held
    to the time limit (a page past it gets a 'timeout' status row instead)."""
    blocks, elements, metas = warehouse.read_segments(con, keys)
    pages = warehouse.read_page_info(con, keys)
    articles, timeouts = decide_within(blocks, elements, metas, stats, limits, extract_articles)
    now = _now()
    rows = []
    for rec in pages.iter_rows(named=True):
        if rec["page_id"] in timeouts:
            reason = f"{rec['location']}: {timeouts[rec['page_id']]}"
            failures.append(f"{rec['page_id']}: timeout: {reason}")
            rows.append({**rec, "status": "timeout", "error": reason})
            continue
        article = articles.get(rec["page_id"], Article())
        rows.append(
            {
                **rec,
                "title": article.title,
                "byline": article.byline,
                "published_at": article.published_at,
                "language": article.language,
                "body": article.body,
                "markdown": article.markdown,
                "n_words": article.n_words,
                "has_article": article.has_article,
                "blocks_kept": article.blocks_kept,
                "blocks_removed": article.blocks_removed,
                "lines_removed": 0,
                "model_hash": models[rec["site"]].model_hash if rec["site"] in models else 0,
                "extractor_version": EXTRACTOR_VERSION,
                "run_id": run_id,
                "extracted_at": now,
            }
        )
    if not rows:
        return pl.DataFrame()
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("published_at").cast(pl.String).str.to_date(strict=False),
        pl.col("n_words", "blocks_removed", "lines_removed", "blocks_kept").cast(pl.Int32),
        pl.col("model_hash").cast(pl.Int64),
    )


def extract_batches(
    con: duckdb.DuckDBPyConnection,
    keys: list[tuple[str, str]],
    run_id: str,
    failures: list[str],
    limits: PageLimits | None = None,
) -> Iterator[pl.DataFrame]:
    """Article rows for the page versions ``keys``, a batch at a time; only reads ``con`` (the
    parallel extraction steps call it on a read-only connection). The cross-page counts come
    from the merged partition counts, not from a read of every block. A page that runs past
    the per-page time limit gets a row with ``status`` 'timeout' and no article
    (``warehouse.write_articles`` stores the status on the page)."""
    limits = limits or PageLimits.of()
    sites = warehouse.sites_of(con, keys)  # a slice reads its own sites' model and counts
    models = site_models(warehouse.read_boilerplate(con, sites))
    stats = partition_counts.merged_stats(con, sites)
    for batch in _batches(keys, BATCH):
        try:
            yield _article_rows(con, batch, stats, models, run_id, limits, failures)
        except Exception as exc:  # a failing batch is retried page by page
            yield _one_by_one(con, batch, stats, models, run_id, failures, exc, limits)


def extract(
    con: duckdb.DuckDBPyConnection, run_id: str, limits: PageLimits | None = None
) -> StageResult:
    """(Re-)extract the articles of pages that are new or whose site model changed."""
    keys = warehouse.pages_needing_articles(con, EXTRACTOR_VERSION)
    result = StageResult(counts={"extracted": 0})
    with warehouse.transaction(con):
        for articles in extract_batches(con, keys, run_id, result.failures, limits):
            result.counts["extracted"] += warehouse.write_articles(con, articles)
        health.record(con, run_id, _now())
        warehouse.mark_stage(con, "articles", run_id)
    return summarize_articles(con, result)


def summarize_articles(con: duckdb.DuckDBPyConnection, result: StageResult) -> StageResult:
    """Totals and a preview of the ``articles`` table, added to ``result``."""
    totals = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE has_article), count(DISTINCT site) FROM articles"
    ).fetchall()[0]
    result.counts.update(articles=totals[0], with_article=totals[1], sites=totals[2])
    result.counts["failed"] = len(result.failures)
    result.preview = warehouse.query_frame(
        con,
        "SELECT page_id, site, title, byline, published_at, language, n_words FROM articles "
        "WHERE has_article ORDER BY page_id LIMIT 10",
    )
    result.rows = totals[0]
    result.tables = {
        "by_site": summaries.articles_by_site(con),
        "articles_per_day": summaries.articles_per_day(con),
    }
    return result


def _one_by_one(
    con: duckdb.DuckDBPyConnection,
    keys: list[tuple[str, str]],
    stats: SiteStats,
    models: dict[str, SiteModel],
    run_id: str,
    failures: list[str],
    first_error: Exception,
    limits: PageLimits,
) -> pl.DataFrame:
    """Articles of a batch that failed as a whole, page by page; failing pages are recorded."""
    frames = []
    for key in keys:
        try:
            frames.append(_article_rows(con, [key], stats, models, run_id, limits, failures))
        except Exception as exc:
            failures.append(f"{key[0]}: {type(exc).__name__}: {exc} (batch: {first_error!r})")
    frames = [f for f in frames if f.height]
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def cluster(con: duckdb.DuckDBPyConnection, run_id: str) -> StageResult:
    """Group syndicated copies of one story across the whole corpus and name the groups with
    ids that outlive runs: only new or changed bodies are sketched, only the candidate pairs
    they bring are verified (``winnow.stories.incremental``), ids are kept, merged or made
    (``winnow.stories.ids``)."""
    with warehouse.transaction(con):
        counts = {**refresh_sketches(con), **refresh_pairs(con)}
        groups = story_groups(con)
        named = name_stories(con, groups, run_id, datetime.now(UTC).replace(tzinfo=None))
        clusters = (
            stored_clusters(con, groups)
            .join(named.members.select("page_id", "story_id"), on="page_id", how="left")
            .with_columns(pl.lit(run_id).alias("run_id"))
        )
        warehouse.write_clusters(con, clusters)
        warehouse.mark_stage(con, "story_clusters", run_id)
    result = StageResult(
        counts={
            **counts,
            "clustered_pages": clusters.height,
            "clusters": clusters["cluster_id"].n_unique() if clusters.height else 0,
            "cross_site_clusters": (
                clusters.filter(pl.col("sites") > 1)["cluster_id"].n_unique()
                if clusters.height
                else 0
            ),
            "stories": named.members["story_id"].n_unique(),
            "stories_new": named.created.height,
            "stories_merged": named.merges.height,
        }
    )
    result.preview = clusters.head(10)
    result.rows = summaries.row_count(con, "story_clusters")
    return result
