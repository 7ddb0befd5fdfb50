"""winnow export: the demo warehouse's articles as Parquet partitioned by published date and as
JSON lines, read back the three ways docs/QUERIES.md shows (polars, DuckDB, Hugging Face
datasets); the export's own connection can write its folder and nothing else; an export of a
warehouse with 80 MB of article text holds next to none of it in Python memory."""

import json
import os
import subprocess
import sys
import tracemalloc
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from winnow import warehouse
from winnow.export import ExportError, _connect, export_articles
from winnow.warehouse.schema import create_views

ROOT = Path(__file__).resolve().parents[1]
LINEAGE = {"page_id", "source", "location", "content_hash", "extractor_version", "run_id"}


@pytest.fixture(scope="module")
def expected(demo_warehouse):
    con = warehouse.open_published(demo_warehouse)
    try:
        return warehouse.query_frame(
            con, "SELECT url, published_at, story_id, title FROM v_articles ORDER BY url"
        )
    finally:
        con.close()


def test_parquet_partitioned_by_published_date(demo_warehouse, expected, tmp_path):
    done = export_articles(demo_warehouse, tmp_path / "out", "parquet")
    assert done.rows == expected.height == 84
    folders = {p.name for p in (tmp_path / "out/articles").iterdir()}
    assert folders == {f"published_at={d}" for d in expected["published_at"].unique()}
    # polars, as docs/QUERIES.md reads it
    frame = pl.scan_parquet(tmp_path / "out/articles/**/*.parquet").collect().sort("url")
    assert frame.select(expected.columns).equals(expected)
    assert set(frame.columns) >= LINEAGE
    syndicated = frame.filter(pl.col("story_size") > 1)
    assert syndicated.height == 4 and syndicated["story_canonical"].sum() == 2
    # DuckDB, as docs/QUERIES.md reads it
    got = duckdb.sql(
        f"SELECT count(*), count(DISTINCT story_id) FROM read_parquet("
        f"'{tmp_path}/out/articles/**/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert got == [(84, 82)]
    marker = json.loads((tmp_path / "out/export.json").read_text())
    assert marker["rows"] == 84 and marker["snapshot_run_id"]


def test_jsonl_since_a_date_and_a_second_export_replaces_the_first(
    demo_warehouse, expected, tmp_path
):
    out = tmp_path / "out"
    export_articles(demo_warehouse, out, "parquet")
    done = export_articles(demo_warehouse, out, "jsonl", since=date(2026, 3, 20))
    wanted = expected.filter(pl.col("published_at") >= date(2026, 3, 20))
    assert done.rows == wanted.height > 0
    assert sorted(p.name for p in out.iterdir()) == ["articles.jsonl", "export.json"]
    rows = [json.loads(line) for line in (out / "articles.jsonl").open()]
    assert sorted(r["url"] for r in rows) == sorted(wanted["url"])
    assert all(r["published_at"] >= "2026-03-20" and r["story_id"] for r in rows)
    assert not list(tmp_path.glob(".out.*"))  # no staging or old folder left behind


def test_hugging_face_datasets_reads_both(demo_warehouse, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets", reason="datasets is a dev dependency")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    export_articles(demo_warehouse, tmp_path / "pq", "parquet")
    export_articles(demo_warehouse, tmp_path / "jl", "jsonl")
    cache = str(tmp_path / "hf-cache")
    pq = datasets.load_dataset(
        "parquet",
        data_files=str(tmp_path / "pq/articles/*/*.parquet"),
        split="train",
        cache_dir=cache,
    )
    jl = datasets.load_dataset(
        "json", data_files=str(tmp_path / "jl/articles.jsonl"), split="train", cache_dir=cache
    )
    assert pq.num_rows == jl.num_rows == 84
    assert sorted(pq["story_id"]) == sorted(jl["story_id"])


def test_export_connection_writes_its_folder_only(demo_warehouse, tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    con = _connect(demo_warehouse, staging)
    try:
        con.execute("COPY (SELECT 1 AS a) TO ? (FORMAT csv)", [str(staging / "ok.csv")])
        assert (staging / "ok.csv").is_file()
        for statement, path in (
            ("COPY (SELECT 1 AS a) TO ? (FORMAT csv)", tmp_path / "outside.csv"),
            ("SELECT * FROM read_csv(?)", ROOT / "pyproject.toml"),
        ):
            with pytest.raises(duckdb.PermissionException):
                con.execute(statement, [str(path)]).fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
    finally:
        con.close()
    assert not (tmp_path / "outside.csv").exists()


def test_refuses_a_folder_that_is_not_an_export(demo_warehouse, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty and holds no previous export"):
        export_articles(demo_warehouse, tmp_path, "parquet")
    assert (tmp_path / "notes.txt").read_text() == "mine"
    with pytest.raises(ExportError, match="expected one of parquet, jsonl"):
        export_articles(demo_warehouse, tmp_path / "x", "csv")


def test_cli_export_and_one_line_errors(demo_warehouse, tmp_path):
    env = {**os.environ, "WINNOW_WAREHOUSE": str(demo_warehouse)}

    def winnow(*args):
        return subprocess.run(
            [sys.executable, "-m", "winnow.cli", "export", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )

    done = winnow("--format", "jsonl", "--since", "2026-03-29", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "articles ->" in done.stderr
    lines = (tmp_path / "out/articles.jsonl").read_text().splitlines()
    assert len(lines) == 3  # the demo's articles of 29 and 30 March
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/keep.txt").write_text("x")
    refused = winnow("--out", tmp_path / "mine")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].endswith("choose a new or empty folder")
    assert "Traceback" not in refused.stderr


def _big_warehouse(path: Path, articles: int, words: int) -> int:
    """A published-like warehouse of ``articles`` articles of ``words`` words each, made in
    SQL (no pipeline): bytes of body text."""
    con = warehouse.connect(path)
    try:
        con.execute(
            "INSERT INTO pages (page_id, content_hash, url, site, source, location, format, "
            "status, loaded_at, run_id) SELECT 'p' || i, 'h' || i, 'https://x.example/' || i, "
            "'x.example', 'big', 'f' || i, 'html', 'ok', ?, 'r' FROM range(?) t(i)",
            [datetime(2026, 3, 1), articles],
        )
        con.execute(
            "INSERT INTO articles (page_id, content_hash, url, site, source, location, "
            "published_at, body, n_words, has_article, extractor_version, run_id, extracted_at) "
            "SELECT 'p' || i, 'h' || i, 'https://x.example/' || i, 'x.example', 'big', 'f' || i, "
            "DATE '2026-03-01' + (i % 30)::INTEGER, "
            "(SELECT string_agg('word' || (i * 7 + j) % 9973, ' ') FROM range(?) w(j)), ?, true, "
            "'t', 'r', ? FROM range(?) t(i)",
            [words, words, datetime(2026, 3, 1), articles],
        )
        con.execute("INSERT INTO publications VALUES ('big-run', 1, ?)", [datetime(2026, 3, 2)])
        create_views(con)
        con.execute("CHECKPOINT")
        return con.execute("SELECT sum(length(body)) FROM articles").fetchall()[0][0]
    finally:
        con.close()


def test_export_streams_rows_past_python(tmp_path):
    text_bytes = _big_warehouse(tmp_path / "big.duckdb", articles=10_000, words=800)
    assert text_bytes > 60_000_000
    tracemalloc.start()
    try:
        done = export_articles(tmp_path / "big.duckdb", tmp_path / "out", "parquet")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert done.rows == 10_000 and done.files == 30  # one file per published day
    assert peak < text_bytes / 50  # Python held under 2 % of the text it exported


def test_articles_export_asset_and_its_job(demo_warehouse, tmp_path):
    import dagster as dg

    from assets.export import articles_export
    from orchestration.definitions import defs
    from orchestration.resources import WarehouseResource

    out = tmp_path / "nightly"
    result = dg.materialize(
        [articles_export],
        resources={"warehouse": WarehouseResource(path=str(demo_warehouse))},
        run_config={"ops": {"articles_export": {"config": {"out": str(out), "since": ""}}}},
    )
    assert result.success
    [event] = result.get_asset_materialization_events()
    meta = event.materialization.metadata
    assert meta["dagster/row_count"].value == 84 and meta["format"].value == "parquet"
    assert len(list(out.glob("articles/published_at=*/*.parquet"))) == meta["files"].value
    # its own job, not ingest's; the sensor that follows ingest is off until switched on
    assert defs.resolve_job_def("export").asset_layer.executable_asset_keys == {
        dg.AssetKey("articles_export")
    }
    ingest_keys = defs.resolve_job_def("ingest").asset_layer.executable_asset_keys
    assert dg.AssetKey("articles_export") not in ingest_keys
    sensor = defs.resolve_sensor_def("export_after_ingest")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
