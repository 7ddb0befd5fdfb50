"""Checks judge what a run changed, name the pages and why, and `make run`'s exit status is the
run's status in Dagster (issue 23 item 4).

A site whose article bodies are mostly its own chrome (a comment-guidelines paragraph inside
the post on every page) is added to the demo corpus. Its pages are a warning on the run that
writes them, not a failure of every later run; past the tolerated share of all bodies the
check blocks the run, and Dagster and the command agree that it failed.
"""

import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration import run_once

ROOT = Path(__file__).resolve().parents[1]
SITE = "sidelineblog.example"
GUIDELINES = (
    "Guidelines: Fan feedback should be within the guidelines for the community. These "
    "guidelines will be used to identify those comments that will be removed from display on "
    "the site. Please keep your comments relevant to the topic, not abusive or combatant "
    "towards other fans."
)
NOTES = [
    "The quarterback threw three touchdowns in the second half as the home side came back.",
    "Rain delayed the start by an hour, and the visitors never found their rhythm on the turf.",
    "A late field goal sealed it after the defence forced two turnovers in the last quarter.",
]
CHECK = "articles:bodies_not_mostly_boilerplate"


def _chrome_site(folder: Path) -> list[str]:
    """Pages of a blog whose posts are one sentence and the site's comment guidelines."""
    rows = []
    for number, note in enumerate(NOTES):
        page = (
            f"<html><head><title>Game note {number} | Sideline Blog</title></head><body>"
            f'<nav><a href="/">Home</a> <a href="/scores">Scores</a></nav>'
            f'<div class="post"><h1>Game note number {number}</h1><p>{note}</p>'
            "<p>Posted in: Sidelines | comments |</p>"
            f"<p>{GUIDELINES}</p></div><footer>Sideline Blog 2026</footer></body></html>"
        )
        path = folder / SITE / f"note-{number}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        rows.append({"page_id": f"note-{number}", "file": str(path), "site": SITE})
    manifest = folder / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return [f"blog/{r['page_id']}" for r in rows]


@pytest.fixture
def make_run(tmp_path, monkeypatch, capsys):
    """`make run` (run_once.main) over the demo plus the chrome-heavy blog, recorded in a
    temporary DAGSTER_HOME; returns (exit status, printed lines, Dagster's run status)."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n"
        f"  - {{name: demo, kind: manifest, path: {ROOT / 'data/demo/manifest.jsonl'}}}\n"
        f"  - {{name: blog, kind: manifest, path: {tmp_path / 'blog' / 'manifest.jsonl'}}}\n",
        encoding="utf-8",
    )
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("WINNOW_SOURCES", str(sources))
    monkeypatch.setenv("WINNOW_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    def run(tolerated: float) -> tuple[int, list[str], dg.DagsterRunStatus]:
        monkeypatch.setenv("WINNOW_MAX_CHROME_BODIES_SHARE", str(tolerated))
        capsys.readouterr()
        status = run_once.main([])
        lines = capsys.readouterr().out.splitlines()
        with dg.DagsterInstance.get() as instance:
            latest = instance.get_runs(limit=1)[0]
        return status, lines, latest.status

    return run, _chrome_site(tmp_path / "blog")


def test_chrome_bodies_warn_once_then_pass_and_fail_past_tolerance(make_run):
    run, blog_pages = make_run

    status, lines, dagster_status = run(tolerated=0.5)
    assert (status, dagster_status) == (0, dg.DagsterRunStatus.SUCCESS)
    warning = [line for line in lines if line.startswith(f"WARNING check {CHECK}")]
    assert warning and f"{len(blog_pages)} bodies written by this run" in warning[0]
    named = {line.split(":")[0].strip(): line for line in lines if line.startswith("  blog/")}
    assert set(named) == set(blog_pages)  # every page named, and no demo page
    assert all(f"{SITE}'s chrome, e.g. 'Guidelines: Fan feedback" in n for n in named.values())

    # No new page: the same corpus is not judged again, the run passes.
    status, lines, dagster_status = run(tolerated=0.5)
    assert (status, dagster_status) == (0, dg.DagsterRunStatus.SUCCESS)
    assert not [line for line in lines if CHECK in line]

    # Past the tolerated share of all bodies, the check blocks: Dagster and the command agree.
    status, lines, dagster_status = run(tolerated=0.001)
    assert (status, dagster_status) == (1, dg.DagsterRunStatus.FAILURE)
    assert any(line.startswith(f"FAILED check {CHECK}: 3 bodies mostly chrome") for line in lines)
    assert {line.split(":")[0].strip() for line in lines if line.startswith("  blog/")} == set(
        blog_pages
    )
    assert any(
        line.startswith("FAILED step articles_bodies_not_mostly_boilerplate") for line in lines
    )


def test_a_page_without_article_row_is_named_not_blocking(tmp_path):
    """A page whose extraction fails has no article row: a warning naming it (it would fail
    again on every run), while an article with an empty body is the code's fault and blocks."""
    from orchestration.resources import SourcesResource, WarehouseResource
    from orchestration.run_once import materialize_all
    from winnow import checks, warehouse

    db = tmp_path / "warehouse.duckdb"
    sources = SourcesResource(config_path=str(ROOT / "data" / "sources.yaml"))
    assert materialize_all(WarehouseResource(path=str(db)), sources).success
    con = warehouse.connect_file(db)
    try:
        assert checks.article_bodies_present(con)[0]
        gone, emptied = con.execute(
            "SELECT page_id FROM articles WHERE has_article ORDER BY page_id LIMIT 2"
        ).fetchall()
        con.execute("DELETE FROM articles WHERE page_id = ?", [gone[0]])
        passed, details = checks.article_bodies_present(con)
        assert not passed and not details["broken"] and list(details["pages"]) == [gone[0]]
        con.execute("UPDATE articles SET body = '' WHERE page_id = ?", [emptied[0]])
        passed, details = checks.article_bodies_present(con)
        assert not passed and details["broken"] and details["empty_bodies"] == 1
    finally:
        con.close()
