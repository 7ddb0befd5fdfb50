"""The reader views exist in the published snapshot and say what the demo holds (data/demo's
truth.jsonl: 3 sites of 31 pages, 28 articles each, two stories syndicated on two sites)."""

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from winnow import warehouse
from winnow.warehouse.schema import view_files

ROOT = Path(__file__).resolve().parents[1]
TRUTH = [json.loads(line) for line in (ROOT / "data/demo/truth.jsonl").open()]


@pytest.fixture(scope="module")
def con(demo_warehouse):
    con = warehouse.open_published(demo_warehouse)  # read-only, as every reader opens it
    yield con
    con.close()


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_every_view_file_is_a_view_of_the_snapshot(con):
    views = {r[0] for r in rows(con, "SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    assert {p.stem.split("_", 1)[1] for p in view_files()} <= views
    assert {"v_articles", "v_stories", "v_site_health", "v_fetch_errors"} <= views


def test_v_articles_one_row_per_article_url(con):
    articles = [t for t in TRUTH if t["kind"] == "article"]
    assert rows(con, "SELECT count(*), count(DISTINCT url) FROM v_articles") == [
        (len(articles), len(articles))
    ]
    by_site = dict(rows(con, "SELECT site, count(*) FROM v_articles GROUP BY site"))
    assert by_site == Counter(t["site"] for t in articles)
    # every article has a story; titles and dates are the demo's
    assert rows(con, "SELECT count(*) FROM v_articles WHERE story_id IS NULL") == [(0,)]
    truth = {(t["title"], t["date"]) for t in articles}
    got = {(t, str(d)) for t, d in rows(con, "SELECT title, published_at FROM v_articles")}
    assert len(got & truth) >= 0.9 * len(truth)


def test_v_stories_the_syndicated_pairs(con):
    groups: dict[str, set[str]] = {}
    for t in TRUTH:
        if t.get("syndication_group"):
            groups.setdefault(t["syndication_group"], set()).add(t["site"])
    multi = rows(
        con,
        "SELECT canonical_title, members, n_sites, sites, first_published FROM v_stories "
        "WHERE members > 1 ORDER BY first_published",
    )
    assert len(multi) == len(groups) == 2
    titles = {t["syndication_group"]: t["title"] for t in TRUTH if t.get("syndication_group")}
    for (title, members, n_sites, sites, _), (group, truth_sites) in zip(
        multi, sorted(groups.items()), strict=True
    ):
        assert (members, n_sites, set(sites)) == (2, 2, truth_sites)
        assert title == titles[group]
    singles = rows(con, "SELECT count(*) FROM v_stories WHERE members = 1")[0][0]
    assert singles == len([t for t in TRUTH if t["kind"] == "article"]) - 4


def test_v_site_health_and_fetch_errors(con):
    health = rows(
        con,
        "SELECT site, sum(pages), sum(articles), max(empty_article_share), min(median_words), "
        "max(boilerplate_share), sum(fetch_errors) FROM v_site_health GROUP BY site ORDER BY site",
    )
    assert [h[0] for h in health] == sorted({t["site"] for t in TRUTH})
    for site, pages, articles, empty, median, chrome, errors in health:
        assert errors == (2 if site == "harborgazette.example" else 0)
        assert (pages, articles) == (31 + errors, 28)  # a failed fetch is an unreadable page
        assert empty == pytest.approx(3 / 31, abs=1e-3)  # of the readable pages
        assert 150 < median < 400 and 0.2 < chrome < 0.8
    errors = rows(con, "SELECT site, kind, http_status, final FROM v_fetch_errors ORDER BY url")
    assert errors == [("harborgazette.example", "page", 404, True)] * 2


def test_views_are_recreated_at_each_publish(tmp_path, demo_warehouse):
    """A snapshot whose view was dropped gets it back at the next publish."""
    store = warehouse.Warehouse(tmp_path / "w.duckdb")
    store.work_dir.mkdir(parents=True)
    (store.work_dir / "warehouse.duckdb").write_bytes(demo_warehouse.read_bytes())
    con = duckdb.connect(str(store.work_path))
    con.execute("DROP VIEW v_site_health")
    con.close()
    store.publish("again", ())
    reader = warehouse.open_published(store.published)
    try:
        assert rows(reader, "SELECT count(*) FROM v_site_health")[0][0] >= 3
    finally:
        reader.close()
