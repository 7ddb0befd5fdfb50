"""Per-partition counts: merged, they give the model learnt from all blocks; only changed
partitions are recounted; re-extraction touches only sites whose model changed."""

from __future__ import annotations

from hashlib import sha256
from pathlib import Path

import polars as pl
import pytest

from winnow import stages, warehouse
from winnow.model import learn
from winnow.model.site import site_stats
from winnow.partitions import counts
from winnow.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ["site", "kind", "key", "pages", "site_pages", "occurrences", "threshold", "decision"]


def _sorted(table: pl.DataFrame) -> pl.DataFrame:
    return table.select(COMPARED).sort("site", "kind", "key")


@pytest.fixture
def con(tmp_path):
    """The demo corpus segmented, its pages spread over three partitions."""
    connection = warehouse.connect(tmp_path / "wh.duckdb")
    specs = [s for s in load_sources(ROOT / "data" / "sources.yaml") if s.name == "demo"]
    stages.ingest(connection, specs, "r1", partition_key="2024-05-01")
    warehouse.run(
        connection,
        "UPDATE pages SET partition_key = ['2024-05-01', 'cc/a.warc.gz', 'cc/b.warc.gz']"
        "[(1 + hash(page_id) % 3)::BIGINT]",
    )
    stages.segment(connection, "r1")
    yield connection
    connection.close()


def test_merged_counts_give_the_model_learnt_from_all_blocks(con):
    done = counts.recount(con, "r1")
    assert done["partitions"] == 3 and done["partitions_recounted"] == 3
    merged = counts.merged_model(con)
    direct = learn(warehouse.model_blocks(con))
    assert merged.height > 0 and merged.filter(pl.col("kind") == "slot").height > 0
    assert _sorted(merged).equals(_sorted(direct))
    stats, expected = counts.merged_stats(con), site_stats(warehouse.site_counts(con))
    for name, keys in (("sizes", ["site"]), ("texts", ["site", "fingerprint"]),
                       ("slots", ["site", "signature"])):  # fmt: skip
        got, want = getattr(stats, name).sort(keys), getattr(expected, name).sort(keys)
        assert got.height > 0 and got.equals(want.select(got.columns)), name


def test_only_changed_partitions_are_recounted(con):
    counts.recount(con, "r1")
    assert counts.recount(con, "r2")["partitions_recounted"] == 0
    # one page moves to a new version in a new partition: its old partition and the new one
    page_id, raw = con.execute(
        "SELECT page_id, raw_zlib FROM pages WHERE partition_key = 'cc/a.warc.gz' LIMIT 1"
    ).fetchall()[0]
    old = warehouse.decompress(raw)
    new = old.replace(b"</body>", b"<p>An update with a new paragraph of its own.</p></body>")
    page = stages.LoadedPage(
        page_id, "demo", "x", None, "harborgazette.example", "html", new, sha256(new).hexdigest(),
        "utf-8", "ok",
    )  # fmt: skip
    frame = stages._pages_frame([page], "r3", stages._now(), partition_key="2024-05-02")
    warehouse.write_pages(con, frame)
    stages.segment(con, "r3")
    done = counts.recount(con, "r3")
    assert done["partitions"] == 4 and done["partitions_recounted"] == 2
    assert done["sites_recounted"] == 1 and done["changed_sites"] == ["harborgazette.example"]
    assert done["pages_recounted"] < 20
    assert _sorted(counts.merged_model(con)).equals(_sorted(learn(warehouse.model_blocks(con))))


def test_a_partition_whose_pages_all_moved_is_dropped(con):
    counts.recount(con, "r1")
    warehouse.run(
        con, "UPDATE pages SET partition_key = 'cc/b.warc.gz' WHERE partition_key = 'cc/a.warc.gz'"
    )
    done = counts.recount(con, "r2")
    assert done["partitions"] == 2 and done["partitions_dropped"] == 1
    keys = {
        r[0] for r in con.execute("SELECT DISTINCT partition_key FROM partition_counts").fetchall()
    }
    assert keys == {"2024-05-01", "cc/b.warc.gz"}
    assert _sorted(counts.merged_model(con)).equals(_sorted(learn(warehouse.model_blocks(con))))


def test_a_new_partition_re_extracts_only_the_sites_whose_model_changed(con):
    from winnow import EXTRACTOR_VERSION

    stages.learn(con, "r1")
    stages.extract(con, "r1")
    assert warehouse.pages_needing_articles(con, EXTRACTOR_VERSION) == []
    models = dict(con.execute("SELECT site, model_hash FROM site_models").fetchall())
    # a new partition brings three pages of one site sharing a new footer line
    rows = con.execute(
        "SELECT page_id, raw_zlib FROM pages WHERE site = 'harborgazette.example' LIMIT 3"
    ).fetchall()
    pages = []
    for page_id, raw in rows:
        new = warehouse.decompress(raw).replace(
            b"</body>",
            b'<div class="notice"><p>Harbor Gazette is now part of the Coastal Media Group, '
            b"read our new terms of service.</p></div></body>",
        )
        pages.append(stages.LoadedPage(
            page_id, "demo", "x", None, "harborgazette.example", "html", new,
            sha256(new).hexdigest(), "utf-8", "ok",
        ))  # fmt: skip
    frame = stages._pages_frame(pages, "r2", stages._now(), partition_key="cc/night.warc.gz")
    warehouse.write_pages(con, frame)
    stages.segment(con, "r2")
    stages.learn(con, "r2")
    after = dict(con.execute("SELECT site, model_hash FROM site_models").fetchall())
    changed = {site for site in after if after[site] != models.get(site)}
    assert changed == {"harborgazette.example"}
    todo = warehouse.pages_needing_articles(con, EXTRACTOR_VERSION)
    sites = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT site FROM pages WHERE page_id IN (SELECT unnest(?::VARCHAR[]))",
            [[k[0] for k in todo]],
        ).fetchall()
    }
    assert sites == {"harborgazette.example"}
    total = con.execute(
        "SELECT count(*) FROM latest_pages WHERE site = 'harborgazette.example' AND status = 'ok'"
    ).fetchall()[0][0]
    assert len(todo) == total


def test_learning_merges_only_the_changed_sites_and_equals_a_full_learn(con):
    stages.learn(con, "r1")
    before = warehouse.query_frame(con, "SELECT site, run_id FROM site_models")
    assert before["site"].n_unique() > 1
    page_id, raw = con.execute(
        "SELECT page_id, raw_zlib FROM pages WHERE site = 'harborgazette.example' LIMIT 1"
    ).fetchall()[0]
    new = warehouse.decompress(raw).replace(b"</body>", b"<p>A late correction.</p></body>")
    page = stages.LoadedPage(
        page_id, "demo", "x", None, "harborgazette.example", "html", new, sha256(new).hexdigest(),
        "utf-8", "ok",
    )  # fmt: skip
    frame = stages._pages_frame([page], "r2", stages._now(), partition_key="cc/night.warc.gz")
    warehouse.write_pages(con, frame)
    stages.segment(con, "r2")
    result = stages.learn(con, "r2")
    assert result.counts["sites_recounted"] == 1 and result.counts["sites_relearnt"] == 1
    after = warehouse.query_frame(con, "SELECT site, run_id FROM site_models")
    relearnt = after.filter(pl.col("run_id") == "r2")["site"].to_list()
    assert relearnt == ["harborgazette.example"] and after.height == before.height
    stored = warehouse.query_frame(con, "SELECT * FROM boilerplate")
    assert _sorted(stored).equals(_sorted(learn(warehouse.model_blocks(con))))
