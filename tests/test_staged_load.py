"""Loading staged WARC chunks: new page versions are appended, a partition loaded again
replaces its rows, and both end with the same tables (real DuckDB file, real WARC file)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.warc_corpus import base_pages, write_corpus  # noqa: E402
from winnow.partitions import steps  # noqa: E402
from winnow.partitions.keys import warc_partitions  # noqa: E402
from winnow.sources import load_sources  # noqa: E402
from winnow.warehouse import Warehouse  # noqa: E402

TABLES = {
    "pages": "SELECT page_id, content_hash, partition_key FROM pages",
    "page_blocks": "SELECT page_id, content_hash, block_index, fingerprint FROM page_blocks",
    "page_elements": "SELECT page_id, content_hash, element_index FROM page_elements",
    "page_meta": "SELECT page_id, content_hash FROM page_meta",
}


def _tables(store: Warehouse) -> dict[str, list]:
    with store.writer() as con:
        return {t: sorted(con.execute(sql).fetchall()) for t, sql in TABLES.items()}


def test_a_partition_loaded_twice_keeps_one_copy_of_each_row(tmp_path):
    write_corpus(tmp_path / "crawl", 24, per_file=24, base=base_pages([ROOT / "data" / "demo"]))
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: cc\n    kind: warc\n    path: crawl\n"
    )
    (part,) = warc_partitions(load_sources(tmp_path / "sources.yaml")).values()
    store = Warehouse(tmp_path / "warehouse.duckdb")
    steps.read_warc_partition(store, part, "r1", stage_pages=10)  # three chunks
    with store.writer() as con:
        first = steps.load_staged_pages(store, con, "r1")
    once = _tables(store)
    assert first["new_versions"] == 24 and len(once["page_blocks"]) == first["blocks_written"]
    assert all(once[t] for t in TABLES)
    assert len(set(once["page_blocks"])) == len(once["page_blocks"])

    steps.read_warc_partition(store, part, "r2", stage_pages=10)  # the same file again
    with store.writer() as con:
        second = steps.load_staged_pages(store, con, "r2")
    assert second["new_versions"] == 0
    assert _tables(store) == once
