"""The whole asset graph materialized in process over the demo corpus into a real DuckDB file."""

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.resources import SourcesResource, WarehouseResource
from orchestration.run_once import failed_checks, materialize_all
from winnow import warehouse

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


def _jsonl(path: Path) -> list[dict]:
    """Rows of a demo JSON-lines file, page ids keyed as stored: '<source>/<id>'."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [{**row, "page_id": f"demo/{row['page_id']}"} for row in rows]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Materialize everything twice; return the warehouse path and both runs' table counts."""
    db = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    wh = WarehouseResource(path=str(db))
    sources = SourcesResource(config_path=str(ROOT / "data" / "sources.yaml"))
    first = materialize_all(wh, sources)
    assert first.success, "first materialization failed"
    assert failed_checks(first) == []
    con = warehouse.connect(db, read_only=True)
    counts_first = warehouse.table_counts(con)
    con.close()
    second = materialize_all(wh, sources)
    assert second.success and failed_checks(second) == []
    con = warehouse.connect(db, read_only=True)
    counts_second = warehouse.table_counts(con)
    con.close()
    return db, counts_first, counts_second, first


@pytest.fixture(scope="module")
def con(built):
    connection = duckdb.connect(str(built[0]), read_only=True)
    yield connection
    connection.close()


def _bodies(con) -> dict[str, str]:
    return dict(con.execute("SELECT page_id, body FROM articles").fetchall())


def test_every_demo_page_is_loaded(con):
    manifest = _jsonl(DEMO / "manifest.jsonl")
    loaded = {r[0] for r in con.execute("SELECT page_id FROM pages WHERE status = 'ok'").fetchall()}
    assert {m["page_id"] for m in manifest} <= loaded


def test_constant_teasers_absent_from_every_body(con):
    chrome = json.loads((DEMO / "chrome.json").read_text(encoding="utf-8"))
    bodies = con.execute("SELECT page_id, site, body FROM articles").fetchall()
    leaks = []
    for page_id, site, body in bodies:
        site_chrome = chrome[site]
        strings = site_chrome["teasers_constant"] + site_chrome["most_watched"]
        strings += [site_chrome["cookie"], *site_chrome["footer"]]
        leaks += [(page_id, s[:50]) for s in strings if s and s in body]
    assert leaks == []


def test_article_paragraphs_present(con):
    bodies = _bodies(con)
    missing = []
    for truth in _jsonl(DEMO / "truth.jsonl"):
        if truth["kind"] != "article":
            continue
        body = bodies[truth["page_id"]]
        missing += [(truth["page_id"], p[:50]) for p in truth["paragraphs"] if p not in body]
    assert missing == []


def test_metadata_extracted(con):
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT page_id, title, byline, strftime(published_at, '%Y-%m-%d'), language "
            "FROM articles"
        ).fetchall()
    }
    articles = [t for t in _jsonl(DEMO / "truth.jsonl") if t["kind"] == "article"]
    titles = sum(rows[t["page_id"]][0] == t["title"] for t in articles)
    dates = sum(rows[t["page_id"]][2] == t["date"] for t in articles)
    languages = sum(rows[t["page_id"]][3] == "en" for t in articles)
    assert titles >= 0.9 * len(articles)
    assert dates >= 0.9 * len(articles)
    assert languages == len(articles)


def test_index_pages_yield_no_article(con):
    index_ids = [t["page_id"] for t in _jsonl(DEMO / "truth.jsonl") if t["kind"] == "index"]
    assert index_ids
    rows = con.execute(
        "SELECT page_id, has_article, body FROM articles WHERE list_contains(?, page_id)",
        [index_ids],
    ).fetchall()
    assert len(rows) == len(index_ids)
    assert all(not has and body == "" for _, has, body in rows)


def test_rematerializing_adds_no_rows(built):
    _, counts_first, counts_second, _ = built
    assert counts_first == counts_second
    assert counts_first["articles"] > 0 and counts_first["page_blocks"] > 0


def test_lineage_from_article_to_source(con):
    orphans = con.execute(
        "SELECT count(*) FROM articles a LEFT JOIN pages p "
        "ON p.page_id = a.page_id AND p.content_hash = a.content_hash WHERE p.page_id IS NULL"
    ).fetchall()[0][0]
    assert orphans == 0
    row = con.execute(
        "SELECT p.source, p.location, a.run_id, a.extractor_version FROM articles a "
        "JOIN pages p USING (page_id) LIMIT 1"
    ).fetchall()[0]
    assert row[0] == "demo" and Path(row[1]).exists() and row[2] and row[3].startswith("winnow")


def test_boilerplate_reasons_recorded(con):
    rows = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE reason LIKE 'on % of % pages%') "
        "FROM boilerplate WHERE decision = 'boilerplate' AND kind = 'text'"
    ).fetchall()[0]
    assert rows[0] > 0 and rows[0] == rows[1]


def test_syndicated_story_clustered_across_sites(con):
    truth = [t for t in _jsonl(DEMO / "truth.jsonl") if t.get("syndication_group")]
    groups: dict[str, set[str]] = {}
    for t in truth:
        groups.setdefault(t["syndication_group"], set()).add(t["page_id"])
    for members in groups.values():
        clusters = con.execute(
            "SELECT DISTINCT cluster_id, sites FROM story_clusters WHERE list_contains(?, page_id)",
            [sorted(members)],
        ).fetchall()
        assert len(clusters) == 1 and clusters[0][1] >= 2


def test_materialization_reports_metadata(built):
    result = built[3]
    materializations = result.get_asset_materialization_events()
    by_key = {
        e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata
        for e in materializations
    }
    assert set(by_key) == {
        "pages",
        "page_blocks",
        "boilerplate",
        "articles",
        "story_clusters",
        "warehouse_snapshot",
    }
    assert by_key["articles"]["with_article"].value > 0
    assert "|" in by_key["articles"]["preview"].value
