"""The asset graph: pages → page_blocks → boilerplate → articles → story_clusters.

Each asset is a thin call into ``winnow.stages`` (the same code ``winnow run`` and
``winnow extract`` use) plus the metadata it reports; each table's checks sit beside it.
"""

import dagster as dg
import polars as pl

from assets.parallel import articles, warc_pages
from assets.partitions import WARC_FILES
from assets.report import markdown_table, metadata
from orchestration.fetcher import FetcherResource
from orchestration.resources import SourcesResource, WarehouseResource
from winnow import checks, health, stages
from winnow.fetch.ingest import failure_share
from winnow.partitions import whole_run
from winnow.partitions.keys import fetched_specs, today_key, warc_partitions
from winnow.settings import resolve
from winnow.warehouse import open_published, table_counts

GROUP = "winnow"  # the UI groups them by stage: assets.catalog


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    description=(
        "One row per page version read from the configured sources (data/sources.yaml), read "
        "whole by every run; the WARC files this warehouse has not loaded yet are read by the "
        "same code as a `warc_pages` partition (and recorded as one): "
        "page_id, url, site (registered domain), source, file or URL, sha256 content hash, "
        "byte size, detected encoding, status/error, the raw page (zlib) and the run that "
        "loaded it. A page whose bytes change gets a new row; an unreadable page gets a row "
        "with status 'error' naming the file and the problem, and costs no other page."
    ),
)
def pages(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    sources: SourcesResource,
    fetcher: FetcherResource,
) -> dg.MaterializeResult:
    context.log.info(f"sources {sources.config_path}, warehouse {warehouse.path}")
    specs = sources.specs()
    fetched = fetched_specs(specs)
    options = fetcher.options(sources.config_path)
    settings = resolve()
    with warehouse.writer(context) as con:
        result = stages.ingest(
            con,
            fetched,
            context.run.run_id,
            options,
            fetcher.progress(context.log),
            partition_key=today_key(settings.timezone),
        )
        todo = whole_run.unloaded(con, warc_partitions(specs))
        warc, reports = whole_run.load_warc_files(
            warehouse.store(), con, todo, context.run.run_id, settings.stage_pages, context.log.info
        )
    _record_warc_partitions(context, reports)
    for report in reports:
        result.failures += report.failures
        for name, value in report.counts.items():
            result.counts[name] = result.counts.get(name, 0) + value
    result.counts["new_versions"] += warc.get("new_versions", 0)
    if todo:
        result.counts["warc_files"] = len(todo)
    for failure in result.failures[:20]:
        context.log.warning(failure)
    names = ", ".join(s.name for s in specs)
    return dg.MaterializeResult(metadata=metadata(result, sources=names))


def _record_warc_partitions(context: dg.AssetExecutionContext, reports: list) -> None:
    """The WARC files this run loaded are ``warc_pages`` partitions, materialized by it: the
    ``warc_sensor`` and ``make backfill --new`` find them done, the UI shows them loaded."""
    if not reports:
        return
    keys = [report.key for report in reports]
    known = set(context.instance.get_dynamic_partitions(WARC_FILES.name))
    context.instance.add_dynamic_partitions(WARC_FILES.name, [k for k in keys if k not in known])
    for report in reports:
        context.log_event(
            dg.AssetMaterialization(
                asset_key=warc_pages.key,
                partition=report.key,
                description=f"loaded by run {context.run.run_id} (job {context.job_name})",
                metadata={k: dg.MetadataValue.int(v) for k, v in report.counts.items()},
            )
        )


@dg.asset_check(
    asset=pages,
    blocking=True,
    description="page_id (source-qualified) is unique among the latest versions (blocking).",
)
def page_id_unique(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.reader(context) as con:
        passed, details = checks.page_ids_unique(con)
    return dg.AssetCheckResult(passed=passed, metadata=details)


@dg.asset_check(
    asset=pages,
    description=(
        "No source names two pages with one id; a repeat is kept as '<key>#N' (both pages get "
        "articles) and listed here as a warning."
    ),
)
def page_ids_unique_within_source(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.reader(context) as con:
        passed, details = checks.ids_unique_within_source(con)
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "repeated_ids": details["repeated_ids"],
            "pages": dg.MetadataValue.json(details["pages"]),
        },
    )


@dg.asset_check(
    asset=pages, description="Every page could be read (a warning lists those that could not)."
)
def pages_readable(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.reader(context) as con:
        passed, details = checks.pages_readable(con)
    details["errors"] = "\n".join(details["errors"])
    details["by_status"] = dg.MetadataValue.json(details["by_status"])
    return dg.AssetCheckResult(passed=passed, severity=dg.AssetCheckSeverity.WARN, metadata=details)


@dg.asset_check(
    asset=pages,
    description=(
        "The share of web pages whose fetch failed in this run stays under "
        "fetch.max_failure_share (a warning lists the failures by error class)."
    ),
)
def fetch_failures_below_threshold(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    sources: SourcesResource,
    fetcher: FetcherResource,
) -> dg.AssetCheckResult:
    threshold = fetcher.options(sources.config_path).max_failure_share
    with warehouse.reader(context) as con:
        share = failure_share(con, context.run.run_id)
    return dg.AssetCheckResult(
        passed=share["share"] <= threshold,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "pages_fetched": share["pages"],
            "failed": share["failed"],
            "failure_share": share["share"],
            "threshold": threshold,
            "by_error": dg.MetadataValue.json(share["by_error"]),
        },
    )


@dg.asset(
    deps=[pages],
    group_name=GROUP,
    kinds={"duckdb"},
    description=(
        "Every page cut into blocks: block-level DOM elements with their own text for HTML, "
        "lines for text pages. Each block has a normalised-text fingerprint (lower-case, "
        "digits → 0, whitespace collapsed), a structural signature (tag path with classes), "
        "link density and position. Only new page versions are segmented."
    ),
)
def page_blocks(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.writer(context) as con:
        result = stages.segment(con, context.run.run_id)
    return dg.MaterializeResult(metadata=metadata(result))


@dg.asset(
    deps=[page_blocks, warc_pages],
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    description=(
        "The per-site boilerplate model: every text seen on more than one page of a site "
        "(kind 'text', keyed by fingerprint) and every template slot judged chrome (kind "
        "'slot'), with the number of distinct pages holding it, its share of the site, a "
        "sample, the decision and the reason. site_models holds one hash per site; when it "
        "changes the site's articles are re-extracted."
    ),
)
def boilerplate(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, sources: SourcesResource
) -> dg.MaterializeResult:
    with warehouse.writer(context) as con:
        result = stages.learn(con, context.run.run_id, sources.model_window_days)
    return dg.MaterializeResult(metadata=metadata(result))


@dg.asset_check(
    asset=boilerplate,
    description=(
        "Per site, the share of block text called chrome stays within sane bounds (a warning: "
        "a site of near-identical pages is data, not a broken run)."
    ),
)
def chrome_share_sane(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.reader(context) as con:
        passed, details = checks.site_chrome_share(con)
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "max_share": details["max_share"],
            "over_bound": dg.MetadataValue.json(details["over_bound"]),
            "shares": dg.MetadataValue.json(details["shares"]),
        },
    )


@dg.asset_check(
    asset=articles,
    blocking=True,
    description=(
        "Every readable page has an article row, and every row flagged as an article has a "
        "body. An article with an empty body is a bug and blocks the run; pages whose "
        "extraction failed (no row) are named in a warning."
    ),
)
def article_bodies_non_empty(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.reader(context) as con:
        passed, details = checks.article_bodies_present(con)
    broken, pages = details.pop("broken"), details.pop("pages")
    return dg.AssetCheckResult(
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR if broken else dg.AssetCheckSeverity.WARN,
        metadata={**details, "pages": dg.MetadataValue.json(pages)},
    )


@dg.asset_check(
    asset=articles,
    blocking=True,
    description=(
        "Article bodies that are mostly the site's chrome (over half their characters in lines "
        "the site's model calls chrome). Fails the run (blocking: nothing is published) when "
        "more than max_chrome_bodies_share of all bodies are; warns, naming each page of this "
        "run and why, when some written by this run are; a run that wrote none passes."
    ),
)
def bodies_not_mostly_boilerplate(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    tolerated = resolve().max_chrome_bodies_share
    with warehouse.reader(context) as con:
        verdict, details = checks.bodies_not_chrome(con, context.run.run_id, tolerated)
    pages = details.pop("pages")
    return dg.AssetCheckResult(
        passed=verdict == "pass",
        severity=dg.AssetCheckSeverity.ERROR if verdict == "fail" else dg.AssetCheckSeverity.WARN,
        description=_verdict_line(verdict, details),
        metadata={**details, "pages": dg.MetadataValue.json(pages)},
    )


def _verdict_line(verdict: str, details: dict) -> str:
    share, tolerated = details["mostly_chrome_share"], details["tolerated_share"]
    if verdict == "fail":
        return f"{details['mostly_chrome']} bodies mostly chrome: {share:.1%} > {tolerated:.1%}"
    if verdict == "warn":
        return (
            f"{details['written_by_this_run']} bodies written by this run are mostly chrome "
            f"(all bodies: {share:.1%}, tolerated {tolerated:.1%})"
        )
    return f"no body written by this run is mostly chrome (all bodies: {share:.1%})"


@dg.asset_check(
    asset=articles,
    blocking=True,
    description=(
        "No article body written by this run is mostly not text (control characters, U+FFFD, "
        "mojibake); such pages are quarantined before parsing, so any is a bug to look at."
    ),
)
def article_bodies_are_text(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.reader(context) as con:
        passed, details = checks.bodies_are_text(con, context.run.run_id)
    return dg.AssetCheckResult(
        passed=passed,
        metadata={
            "checked": details["checked"],
            "not_text": details["not_text"],
            "pages": dg.MetadataValue.json(details["pages"]),
        },
    )


@dg.asset_check(
    asset=articles,
    description=(
        "Site health: each site's articles of this run against its own last runs (articles per "
        "page, median body words, share of pages with no article, share of text removed). "
        "Warns naming the site and the figure when one falls off a cliff, as when a template "
        "change empties a site's bodies (thresholds: health_* settings)."
    ),
)
def site_health_stable(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    settings = resolve()
    run_id = context.run.run_id
    with warehouse.reader(context) as con:
        current = health.read_run(con, run_id)
        history = health.read_history(
            con, run_id, settings.health_history_runs, settings.health_min_pages
        )
    flags = health.judge(
        current,
        history,
        settings.health_min_pages,
        settings.health_max_drop,
        settings.health_max_rise,
    )
    sites = sorted(set(flags["site"]))
    judged = health.judged_sites(current, history, settings.health_min_pages)
    said = f"{len(sites)} of {len(judged)} sites fell off: {', '.join(sites)}"
    return dg.AssetCheckResult(
        passed=not sites,
        severity=dg.AssetCheckSeverity.WARN,
        description=said if sites else f"{len(judged)} sites judged, none off its usual figures",
        metadata={
            "sites_measured": len(current),
            "sites_judged": len(judged),
            "sites_flagged": len(sites),
            "sites": dg.MetadataValue.json(
                {site: flags.filter(pl.col("site") == site)["reason"].to_list() for site in sites}
            ),
            "figures": dg.MetadataValue.md(markdown_table(_rounded(current.drop("run_id")))),
        },
    )


def _rounded(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(pl.Float64).round(3))


@dg.asset(
    deps=[articles],
    group_name=GROUP,
    kinds={"duckdb"},
    description=(
        "Stories: syndicated copies of one story grouped across sites and days. MinHash LSH "
        "proposes pairs of bodies, each verified on the two texts (shared word 5-grams, "
        "containment, names and figures, no name swapped); every article gets a story_id that "
        "outlives runs (kept when pages join, the older one kept on a merge, see story_merges). "
        "Tables story_clusters, stories, story_members, story_merges, story_pairs."
    ),
)
def story_clusters(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.writer(context) as con:
        result = stages.cluster(con, context.run.run_id)
    return dg.MaterializeResult(metadata=metadata(result))


@dg.asset(
    deps=[story_clusters],
    group_name=GROUP,
    kinds={"duckdb"},
    description=(
        "The read snapshot: the run's working file copied over the published warehouse in one "
        "atomic rename, once every table above was written in order. Readers (winnow query, "
        "notebooks, the UI) only ever open this file, so they see the last whole run and never "
        "hold up a run. Its row count is the articles it publishes; `tables` counts the rest."
    ),
)
def warehouse_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    published = warehouse.publish(context.run.run_id, stages.STAGE_ORDER, context)
    con = open_published(published.path)
    try:
        counts = table_counts(con)
    finally:
        con.close()
    tables = pl.DataFrame({"table": list(counts), "rows": list(counts.values())})
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(counts["articles"]),
            "tables": dg.MetadataValue.md(markdown_table(tables)),
            "path": dg.MetadataValue.path(str(published.path)),
            "bytes": dg.MetadataValue.int(published.bytes),
            "copy_seconds": dg.MetadataValue.float(round(published.seconds, 3)),
        }
    )


ASSETS = [
    pages,
    warc_pages,
    page_blocks,
    boilerplate,
    articles,
    story_clusters,
    warehouse_snapshot,
]
CHECKS = [
    page_id_unique,
    page_ids_unique_within_source,
    pages_readable,
    fetch_failures_below_threshold,
    chrome_share_sane,
    article_bodies_non_empty,
    bodies_not_mostly_boilerplate,
    article_bodies_are_text,
    site_health_stable,
]
