"""Every query of docs/QUERIES.md, run as written against the demo warehouse (built once per
session by the ingest job, ``demo_warehouse`` in conftest.py), as of 2026-03-24, with its
answer checked against what data/demo holds (truth.jsonl, chrome.json, manifest.jsonl) or,
where the answer is extraction's own (bylines found), against a recount from the tables."""

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from winnow import warehouse

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs/QUERIES.md").read_text(encoding="utf-8")
QUERIES = {
    re.search(r"-- name: (\w+)", sql).group(1): sql
    for sql in re.findall(r"```sql\n(.*?)```", DOC, re.S)
}
DEMO = ROOT / "data/demo"
TRUTH = [json.loads(line) for line in (DEMO / "truth.jsonl").open(encoding="utf-8")]
ARTICLES = [t for t in TRUTH if t["kind"] == "article"]
MANIFEST = {
    r["page_id"]: r for r in map(json.loads, (DEMO / "manifest.jsonl").open(encoding="utf-8"))
}
CHROME = json.loads((DEMO / "chrome.json").read_text(encoding="utf-8"))
TODAY = date(2026, 3, 24)


def _syndicated() -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for t in TRUTH:
        if t.get("syndication_group"):
            groups.setdefault(t["syndication_group"], []).append(t)
    return groups


@pytest.fixture(scope="module")
def con(demo_warehouse):
    con = warehouse.open_published(demo_warehouse)
    con.execute(f"SET VARIABLE today = DATE '{TODAY}'")
    yield con
    con.close()


def answer(con, name: str) -> list[dict]:
    relation = con.sql(QUERIES[name])
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def test_the_page_has_a_dozen_questions_each_checked_here():
    assert len(QUERIES) >= 12
    assert set(QUERIES) == {n.removeprefix("check_") for n in globals() if n.startswith("check_")}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query(con, name):
    globals()[f"check_{name}"](con, answer(con, name))


def check_stories_on_most_sites_this_week(con, rows):
    recent = [
        g for g in _syndicated().values() if (TODAY - date.fromisoformat(g[0]["date"])).days <= 7
    ]
    assert len(rows) == len(recent) == 1
    assert rows[0]["canonical_title"] == recent[0][0]["title"]
    assert set(rows[0]["sites"]) == {t["site"] for t in recent[0]} and rows[0]["n_sites"] == 2


def check_syndicated_copies(con, rows):
    expected = Counter()
    for group in _syndicated().values():
        for t in group:
            expected[(t["title"], t["site"])] += 1
    assert Counter((r["canonical_title"], r["site"]) for r in rows) == expected
    per_story = Counter(r["canonical_title"] for r in rows if r["is_canonical"])
    assert per_story == Counter({g[0]["title"]: 1 for g in _syndicated().values()})


def check_stories_changed_in_last_run(con, rows):
    # the demo warehouse is one run: every story is new, none grew or merged
    assert {r["change"] for r in rows} == {"new"}
    stories = con.execute("SELECT count(*) FROM v_stories").fetchall()[0][0]
    assert len(rows) == stories == len(ARTICLES) - sum(len(g) - 1 for g in _syndicated().values())


def check_site_published_yesterday(con, rows):
    yesterday = str(date.fromordinal(TODAY.toordinal() - 1))
    expected = sorted(
        t["title"]
        for t in ARTICLES
        if t["site"] == "harborgazette.example" and t["date"] == yesterday
    )
    assert [r["title"] for r in rows] == expected and expected
    assert all(r["byline"] and r["n_words"] > 100 for r in rows)


def check_articles_per_site_per_day(con, rows):
    recount = Counter(
        con.execute(
            "SELECT site, published_at FROM v_articles WHERE published_at BETWEEN ? AND ?",
            [date(2026, 3, 17), date(2026, 3, 23)],
        ).fetchall()
    )
    assert [r["published_at"] for r in rows] == sorted({d for _, d in recount})
    for row in rows:
        for site in ("harborgazette.example", "ridgelinepost.example", "valleyherald.example"):
            assert row[site] == recount[(site, row["published_at"])]
    truth = sum(1 for t in ARTICLES if "2026-03-17" <= t["date"] <= "2026-03-23")
    assert sum(sum(v for k, v in r.items() if k != "published_at") for r in rows) == truth


def check_sites_whose_counts_dropped(con, rows):
    def count(site, first, last):
        return sum(1 for t in ARTICLES if t["site"] == site and first <= t["date"] <= last)

    dropped = [
        site
        for site in sorted(CHROME)
        if count(site, "2026-03-17", "2026-03-23") < count(site, "2026-03-10", "2026-03-16")
    ]
    assert [r["site"] for r in rows] == dropped == ["harborgazette.example"]
    row = rows[0]
    assert row["this_week"] == count(row["site"], "2026-03-17", "2026-03-23")
    assert abs(row["week_before"] - count(row["site"], "2026-03-10", "2026-03-16")) <= 1
    assert row["change_pct"] < -50


def check_top_bylines(con, rows):
    top, n = Counter(t["byline"] for t in ARTICLES if t["byline"]).most_common(1)[0]
    assert (rows[0]["byline"], rows[0]["articles"]) == (top, n)
    assert [r["articles"] for r in rows] == sorted((r["articles"] for r in rows), reverse=True)
    assert len(rows) == 10


def check_articles_mentioning(con, rows):
    expected = {
        (t["site"], t["title"])
        for t in ARTICLES
        if any("merrow bay" in p.lower() for p in t["paragraphs"])
    }
    assert {(r["site"], r["title"]) for r in rows} == expected and len(expected) >= 3


def check_chrome_on_site(con, rows):
    chrome = CHROME["valleyherald.example"]
    samples = {r["sample_text"] for r in rows}
    assert {chrome["cookie"], *chrome["teasers_constant"], *chrome["most_watched"]} <= samples
    paragraphs = {p for t in ARTICLES for p in t["paragraphs"]}
    assert not samples & paragraphs  # no article paragraph is called chrome
    assert all(r["reason"] for r in rows) and len(rows) == 25


def check_missing_metadata(con, rows):
    recount = dict(
        con.execute(
            "SELECT site, count(*) FILTER (WHERE byline IS NULL) FROM articles "
            "WHERE has_article GROUP BY site"
        ).fetchall()
    )
    assert {r["site"]: r["without_byline"] for r in rows} == recount
    assert {r["site"]: r["articles"] for r in rows} == Counter(t["site"] for t in ARTICLES)
    assert all(r["without_date"] == 0 for r in rows)  # every demo article carries its date
    shares = [r["share_without_byline"] for r in rows]
    assert shares == sorted(shares, reverse=True)


def check_site_health_latest_day(con, rows):
    assert sorted(r["site"] for r in rows) == sorted(CHROME)
    for r in rows:
        errors = 2 if r["site"] == "harborgazette.example" else 0
        assert (r["pages"], r["articles"], r["fetch_errors"]) == (31 + errors, 28, errors)
        assert r["empty_article_share"] == pytest.approx(3 / 31, abs=1e-3)


def check_pages_without_article(con, rows):
    fronts = {MANIFEST[t["page_id"]]["url"] for t in TRUTH if t["kind"] != "article"}
    assert {r["url"] for r in rows} == fronts
    assert all(r["blocks_removed"] > 10 for r in rows)


def check_fetch_errors_by_site(con, rows):
    assert len(rows) == 1
    row = rows[0]
    assert (row["site"], row["stage"], row["http_status"], row["urls"]) == (
        "harborgazette.example",
        "fetch",
        404,
        2,
    )
    assert row["example"].endswith(".html")


def check_article_lineage(con, rows):
    group = next(g for g in _syndicated().values() if g[0]["date"] == "2026-03-23")
    files = sorted(str(DEMO / MANIFEST[t["page_id"]]["file"]) for t in group)
    assert sorted(r["location"] for r in rows) == files
    assert {r["source"] for r in rows} == {"demo"}
    version = con.execute("SELECT DISTINCT extractor_version FROM articles").fetchall()
    assert {r["extractor_version"] for r in rows} == {v for (v,) in version}
    assert all(r["bytes"] > 1000 and r["run_id"] for r in rows)
