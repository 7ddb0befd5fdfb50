"""The steps that run in parallel: one per WARC file, small files batched (``warc_pages``;
a step costs seconds to start in a new process, ``warc_batch_bytes``), and one per slice of
pages to extract (``articles``). Each parallel step stages Parquet without touching the
warehouse's lock; one loading step brings it in (``winnow.partitions.steps``). A backfill of N
files is therefore one run of N parallel steps on whatever executor the job uses (multiprocess,
or dask workers)."""

import os
import re

import dagster as dg

from assets.partitions import WARC_FILES
from orchestration.resources import SourcesResource, WarehouseResource
from winnow import EXTRACTOR_VERSION, stages, summaries
from winnow.partitions import steps
from winnow.partitions.keys import batch_files, warc_partitions
from winnow.settings import resolve

GROUP = "winnow"  # the UI groups them by stage: assets.catalog


def _mapping_key(number: int, name: str) -> str:
    return f"n{number:05d}_" + re.sub(r"[^A-Za-z0-9_]", "_", name)[-60:]


def _report(report: steps.StepReport) -> dict:
    return {
        "key": report.key,
        "counts": report.counts,
        "failures": report.failures[:50],
        "seconds": round(report.seconds, 3),
    }


def _workers() -> int:
    """How many steps the backfill runs at once (``WINNOW_MAX_CONCURRENT``, else the cores)."""
    return int(os.environ.get("WINNOW_MAX_CONCURRENT", 0)) or os.cpu_count() or 1


@dg.op(
    out=dg.DynamicOut(list),
    description="The WARC partitions of the run in steps: small files batched together.",
)
def warc_partition_keys(context: dg.OpExecutionContext, sources: SourcesResource):
    found = warc_partitions(sources.specs())
    missing = [key for key in context.partition_keys if key not in found]
    if missing:
        raise dg.Failure(
            f"partition {missing[0]!r}: no such file in the warc sources of {sources.config_path}"
        )
    parts = [found[key] for key in context.partition_keys]
    batches = batch_files(parts, resolve().warc_batch_bytes, _workers())
    context.log.info(f"{len(parts)} WARC files in {len(batches)} steps")
    for number, batch in enumerate(batches):
        keys = [part.key for part in batch]
        yield dg.DynamicOutput(keys, mapping_key=_mapping_key(number, keys[0]))


@dg.op(description="Read a batch of WARC files, segment their pages, stage pages and blocks.")
def read_warc_file(
    context: dg.OpExecutionContext,
    keys: list,
    warehouse: WarehouseResource,
    sources: SourcesResource,
) -> list[dict]:
    found = warc_partitions(sources.specs())
    reports = []
    for key in keys:
        part = found.get(key)
        if part is None:
            raise dg.Failure(
                f"partition {key!r}: no such file in the warc sources of {sources.config_path}"
            )
        report = steps.read_warc_partition(
            warehouse.store(), part, context.run.run_id, resolve().stage_pages
        )
        for failure in report.failures[:20]:
            context.log.warning(failure)
        pages = report.counts.get("pages", 0)
        context.log.info(f"{key}: {pages} pages in {report.seconds:.1f} s")
        reports.append(_report(report))
    return reports


@dg.op(description="Load every staged WARC partition into the warehouse (one writer).")
def load_warc_files(
    context: dg.OpExecutionContext, batches: list[list[dict]], warehouse: WarehouseResource
) -> None:
    reports = [report for batch in batches for report in batch]
    with warehouse.writer(context) as con:
        loaded = steps.load_staged_pages(warehouse.store(), con, context.run.run_id)
        rows = summaries.row_count(con, "pages")
    totals: dict[str, int] = {}
    for report in reports:
        for name, value in report["counts"].items():
            totals[name] = totals.get(name, 0) + value
    seconds = sum(r["seconds"] for r in reports)
    meta = {name: dg.MetadataValue.int(v) for name, v in {**totals, **loaded}.items()}
    meta["files"] = dg.MetadataValue.int(len(reports))
    meta["step_seconds"] = dg.MetadataValue.float(round(seconds, 2))
    meta["dagster/row_count"] = dg.MetadataValue.int(rows)
    failures = [f for r in reports for f in r["failures"]]
    if failures:
        meta["failures"] = dg.MetadataValue.text("\n".join(failures[:50]))
    context.add_output_metadata(meta)


@dg.graph_asset(
    group_name=GROUP,
    partitions_def=WARC_FILES,
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"duckdb"},
    description=(
        "Pages of WARC/WET files (the `warc` sources), one partition per file: HTML responses "
        "and WET conversions become `pages` rows with their WARC file, offset and record id, "
        "segmented into `page_blocks` in the same step. A backfill of N files is one run of "
        "N parallel steps (files smaller than the warc_batch_bytes setting share a step); one "
        "step then loads what they staged."
    ),
)
def warc_pages():
    return load_warc_files(warc_partition_keys().map(read_warc_file).collect())


@dg.op(
    ins={"after": dg.In(dg.Nothing)},
    out=dg.DynamicOut(list),
    description="Pages whose article is missing or stale, in slices for parallel steps.",
)
def plan_article_slices(context: dg.OpExecutionContext, warehouse: WarehouseResource):
    store = warehouse.store()
    store.drop_staged(store.staged("articles"))  # a killed run's slices must not come back
    with warehouse.reader(context) as con:
        slices = steps.plan_extraction(con, resolve().extract_slice_pages)
    context.log.info(f"{sum(map(len, slices))} pages to extract in {len(slices)} slices")
    for number, part in enumerate(slices or [[]]):
        yield dg.DynamicOutput(part, mapping_key=_mapping_key(number, part[0][2] if part else ""))


@dg.op(description="Extract one slice's articles (reads the warehouse, stages the rows).")
def extract_article_slice(
    context: dg.OpExecutionContext, keys: list, warehouse: WarehouseResource
) -> dict:
    name = f"{context.run.run_id[:8]}-{context.get_mapping_key()}"
    with warehouse.reader(context) as con:
        report = steps.extract_slice(warehouse.store(), con, name, keys, context.run.run_id)
    for failure in report.failures[:20]:
        context.log.warning(failure)
    return _report(report)


@dg.op(description="Load the staged article slices into `articles` (one writer).")
def load_articles(
    context: dg.OpExecutionContext, reports: list[dict], warehouse: WarehouseResource
) -> None:
    from assets.report import metadata

    with warehouse.writer(context) as con:
        loaded = steps.load_staged_articles(warehouse.store(), con, context.run.run_id)
        result = stages.StageResult(counts=loaded)
        result.failures = [f for r in reports for f in r["failures"]]
        stages.summarize_articles(con, result)
    result.counts["slices"] = len(reports)
    context.add_output_metadata(metadata(result, extractor_version=EXTRACTOR_VERSION))


@dg.graph_asset(
    group_name=GROUP,
    ins={"boilerplate": dg.AssetIn(dagster_type=dg.Nothing)},
    kinds={"duckdb"},
    description=(
        "One row per page: the article once the site's chrome is removed (title, byline, "
        "published_at, language, body), has_article = false for pages without one (section "
        "fronts). Only pages that are new or whose content, site model or extractor changed "
        "are extracted, in parallel slices. Lineage: page_id → pages (source, file or URL or "
        f"WARC record, content_hash), the run_id, the extractor version ({EXTRACTOR_VERSION}) "
        "and the site model hash used."
    ),
)
def articles(boilerplate):
    return load_articles(plan_article_slices(boilerplate).map(extract_article_slice).collect())
