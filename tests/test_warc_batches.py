"""Small WARC files are read together: a step costs seconds to start (a new process importing
the code location), so three files of six pages were three steps. Files below the
``warc_batch_bytes`` setting share a step; every record is still loaded, each file still its
own partition."""

from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.warc_corpus import base_pages, write_corpus  # noqa: E402
from orchestration.backfill import backfill  # noqa: E402
from winnow.partitions.keys import WarcPartition, batch_files  # noqa: E402
from winnow.sources import SourceSpec  # noqa: E402


def _parts(folder: Path, sizes: list[int]) -> list[WarcPartition]:
    spec = SourceSpec(name="cc", kind="warc", path=folder)
    parts = []
    for number, size in enumerate(sizes):
        file = folder / f"f{number}.warc.gz"
        file.write_bytes(b"x" * size)
        parts.append(WarcPartition(f"cc/{file.name}", spec, file))
    return parts


def test_small_files_are_packed_large_ones_alone(tmp_path):
    parts = _parts(tmp_path, [100, 100, 5000, 100, 100, 100])
    batches = batch_files(parts, max_bytes=1000, min_batches=2)
    assert [p.key for p in parts if p.file.stat().st_size >= 1000] == ["cc/f2.warc.gz"]
    assert [len(b) for b in batches] == [3, 2, 1]  # 500 small bytes in 2 batches, then f2
    assert sorted(p.key for b in batches for p in b) == sorted(p.key for p in parts)
    assert batch_files(parts, max_bytes=1000, min_batches=1)[0] == [
        p for p in parts if p.key != "cc/f2.warc.gz"
    ]
    assert batch_files(parts, max_bytes=0, min_batches=1) == [[p] for p in parts]
    assert len(batch_files(parts, max_bytes=250, min_batches=1)) == 3  # 500 bytes / 250, + f2


def test_a_backfill_of_small_files_reads_them_in_one_step(tmp_path, monkeypatch):
    files = write_corpus(
        tmp_path / "crawl", 24, per_file=6, base=base_pages([ROOT / "data" / "demo"])
    )
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: cc\n    kind: warc\n    path: crawl\n"
    )
    published = tmp_path / "wh" / "warehouse.duckdb"
    monkeypatch.setenv("WINNOW_SOURCES", str(tmp_path / "sources.yaml"))
    monkeypatch.setenv("WINNOW_WAREHOUSE", str(published))
    monkeypatch.setenv("WINNOW_MAX_CONCURRENT", "1")
    for name in ("WINNOW_WORK_DIR", "WINNOW_WARC_BATCH_BYTES"):
        monkeypatch.delenv(name, raising=False)
    with dg.instance_for_test() as instance:
        result = backfill(instance, "in_process")
        assert result.success
        reads = {
            e.dagster_event.step_key
            for e in instance.all_logs(result.run_id)
            if e.dagster_event
            and e.dagster_event.event_type_value == "STEP_SUCCESS"
            and e.dagster_event.step_key.startswith("warc_pages.read_warc_file")
        }
        materialized = instance.get_materialized_partitions(dg.AssetKey("warc_pages"))
    assert len(files) == 4 and len(reads) == 1
    assert len(materialized) == 4
    con = duckdb.connect(str(published), read_only=True)
    try:
        per_file = con.execute(
            "SELECT partition_key, count(*) FROM pages GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        records = con.execute("SELECT sum(html_pages) FROM warc_files").fetchone()[0]
    finally:
        con.close()
    assert [count for _, count in per_file] == [6, 6, 6, 6]
    assert records == 24


@pytest.fixture(autouse=True)
def _no_dagster_home(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
