"""A WARC backfill: one partition per file (added by the sensor), one parallel step per file in
a real multiprocess run, ending in the same warehouse as the in-process run."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from distributed import LocalCluster

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.warc_corpus import base_pages, write_corpus  # noqa: E402
from orchestration.backfill import backfill  # noqa: E402
from orchestration.definitions import build_defs  # noqa: E402
from orchestration.resources import SourcesResource  # noqa: E402
from orchestration.warc_sensor import RANGE_END, RANGE_START, warc_sensor  # noqa: E402

ENV = (
    "WINNOW_SOURCES",
    "WINNOW_WAREHOUSE",
    "WINNOW_WORK_DIR",
    "WINNOW_DASK_SCHEDULER",
    "WINNOW_WARC_BATCH_BYTES",
)

#: What must be equal between two runs (run ids, timestamps and file paths aside).
CONTENT = {
    "pages": "SELECT page_id, content_hash, site, status, partition_key, warc_offset, "
    "warc_record_id, http_status FROM pages ORDER BY ALL",
    "page_blocks": "SELECT page_id, content_hash, block_index, fingerprint, signature "
    "FROM page_blocks ORDER BY ALL",
    "partition_counts": "SELECT * FROM partition_counts ORDER BY ALL",
    "boilerplate": "SELECT site, kind, key, pages, site_pages, decision FROM boilerplate "
    "ORDER BY ALL",
    "articles": "SELECT page_id, content_hash, title, body, has_article, model_hash "
    "FROM articles ORDER BY ALL",
    "story_clusters": "SELECT page_id, cluster_id, cluster_size FROM story_clusters ORDER BY ALL",
    "warc_files": "SELECT partition_key, records, html_pages, record_errors FROM warc_files "
    "ORDER BY ALL",
}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Path:
    """The demo corpus as three WARC files (sites mixed), one with a corrupt record."""
    root = tmp_path_factory.mktemp("crawl")
    files = write_corpus(root / "crawl", 93, per_file=31, base=base_pages([ROOT / "data" / "demo"]))
    with files[1].open("ab") as handle:  # a truncated record at the end of the second file
        handle.write(files[0].read_bytes()[:300])
    (root / "sources.yaml").write_text("sources:\n  - name: cc\n    kind: warc\n    path: crawl\n")
    return root


@contextmanager
def _using(crawl: Path, name: str) -> Iterator[Path]:
    """Settings (env) pointing at the crawl's sources and a warehouse of its own."""
    published = crawl / name / "warehouse.duckdb"
    saved = {k: os.environ.get(k) for k in ENV}
    os.environ.update(WINNOW_SOURCES=str(crawl / "sources.yaml"), WINNOW_WAREHOUSE=str(published))
    os.environ["WINNOW_WARC_BATCH_BYTES"] = "0"  # a step per file: the parallel steps compared
    os.environ.pop("WINNOW_WORK_DIR", None)
    try:
        yield published
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def reference(crawl) -> dict[str, list]:
    """The warehouse content of the in-process run."""
    with _using(crawl, "in_process") as published, dg.instance_for_test() as instance:
        assert backfill(instance, "in_process").success
        return _content(published)


def _content(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {table: con.execute(sql).fetchall() for table, sql in CONTENT.items()}
    finally:
        con.close()


def test_sensor_adds_a_partition_per_new_file_and_one_range_run(crawl):
    sources = SourcesResource(config_path=str(crawl / "sources.yaml"))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, repository_def=build_defs().get_repository_def()
        )
        result = warc_sensor(context, sources=sources)
        keys = [f"cc/CC-SYNTH-{n:05d}.warc.gz" for n in range(3)]
        assert result.dynamic_partitions_requests[0].partition_keys == keys
        (request,) = result.run_requests
        assert (request.tags[RANGE_START], request.tags[RANGE_END]) == (keys[0], keys[-1])
        instance.add_dynamic_partitions("warc_files", keys)
        again = warc_sensor(context, sources=sources)
        assert isinstance(again, dg.SkipReason)


def _read_steps(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    """The WARC-reading steps that succeeded in the run (from its event log)."""
    return {
        entry.dagster_event.step_key
        for entry in instance.all_logs(run_id)
        if entry.dagster_event
        and entry.dagster_event.event_type_value == "STEP_SUCCESS"
        and (entry.dagster_event.step_key or "").startswith("warc_pages.read_warc_file")
    }


def test_reference_run_loads_every_file_as_a_partition(reference):
    assert len(reference["pages"]) == 94  # 93 pages and one truncated record
    assert sum(r[3] == "error" for r in reference["pages"]) == 1
    assert len({r[4] for r in reference["pages"]}) == 3  # one partition per file
    assert len(reference["articles"]) == 93 and reference["boilerplate"]


def test_multiprocess_backfill_ends_like_the_in_process_run(crawl, reference):
    with _using(crawl, "multiprocess") as published, dg.instance_for_test() as instance:
        result = backfill(instance, "multiprocess")
        assert result.success
        assert len(_read_steps(instance, result.run_id)) == 3
        assert len(instance.get_materialized_partitions(dg.AssetKey("warc_pages"))) == 3
        got = _content(published)
    for table in CONTENT:
        assert got[table] == reference[table], table


def test_dask_cluster_backfill_ends_like_the_in_process_run(crawl, reference):
    """A real dask.distributed scheduler and two worker processes on 127.0.0.1."""
    with _using(crawl, "dask") as published, dg.instance_for_test() as instance:
        with LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            os.environ["WINNOW_DASK_SCHEDULER"] = cluster.scheduler_address
            try:
                result = backfill(instance, "dask")
                workers = len(cluster.scheduler_info["workers"])
            finally:
                os.environ.pop("WINNOW_DASK_SCHEDULER", None)
        assert result.success and workers == 2
        assert len(_read_steps(instance, result.run_id)) == 3
        got = _content(published)
    for table in CONTENT:
        assert got[table] == reference[table], table
