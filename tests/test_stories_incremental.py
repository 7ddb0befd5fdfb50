"""Story clusters from stored sketches equal a full ``cluster_stories`` pass, and a run after a
change sketches only the changed bodies (real DuckDB warehouse file)."""

from datetime import datetime

import polars as pl

from tests.test_cluster import SHORT, UNRELATED, WIRE, WIRE_COPY
from winnow import stages, warehouse
from winnow.stories import cluster_stories

BODIES = [
    ("a1", "herald.example", WIRE),
    ("a2", "gazette.example", WIRE_COPY),
    ("a3", "courier.example", WIRE + " Reporting by staff."),
    ("b1", "herald.example", UNRELATED),
    ("b2", "post.example", UNRELATED.replace("Friday night", "Friday evening")),
    ("c1", "post.example", SHORT),
    ("c2", "courier.example", SHORT),
    ("d1", "post.example", "An unrelated story " + " ".join(f"word{i}" for i in range(80))),
]


def _write_articles(con, rows, has_article=True):
    frame = pl.DataFrame(
        {
            "page_id": [r[0] for r in rows],
            "site": [r[1] for r in rows],
            "body": [r[2] for r in rows],
            "content_hash": "h",
            "has_article": has_article,
            "extractor_version": "test",
            "run_id": "r",
            "extracted_at": datetime(2026, 1, 1),
        }
    )
    with warehouse.transaction(con):
        warehouse.write_articles(con, frame)


def _stored(con):
    return warehouse.query_frame(
        con,
        "SELECT page_id, cluster_id, site, cluster_size, sites, similarity FROM story_clusters "
        "ORDER BY cluster_id, page_id",
    )


def _reference(con):
    return cluster_stories(warehouse.read_articles(con))


def test_stored_clusters_equal_a_full_pass_and_follow_changes(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        _write_articles(con, BODIES)
        first = stages.cluster(con, "run1")
        assert first.counts["bodies_sketched"] == len(BODIES)
        assert _stored(con).equals(_reference(con))
        assert set(_stored(con)["cluster_id"]) == {"a1", "b1"}

        again = stages.cluster(con, "run2")  # nothing changed: nothing sketched
        assert again.counts["bodies_sketched"] == 0
        assert again.counts["sketches_dropped"] == 0

        # a3 becomes another story (joins the b cluster), b2 is no longer an article.
        _write_articles(con, [("a3", "courier.example", UNRELATED + " Update.")])
        _write_articles(con, [("b2", "post.example", "")], has_article=False)
        changed = stages.cluster(con, "run3")
        assert changed.counts["bodies_sketched"] == 1
        assert changed.counts["sketches_dropped"] == 2
        stored = _stored(con)
        assert stored.equals(_reference(con))
        assert stored.filter(pl.col("cluster_id") == "a3")["page_id"].to_list() == ["a3", "b1"]
        assert stored.filter(pl.col("cluster_id") == "a1")["page_id"].to_list() == ["a1", "a2"]
        rows = warehouse.scalar(con, "SELECT count(*) FROM story_sketches")
        assert rows == len(BODIES) - 1
    finally:
        con.close()
