"""`winnow status`: runs (Dagster's and `winnow run`'s) with outcome and duration, rows per
table, sites the health check flags, quarantined pages. Real runs in subprocesses, a real
Dagster instance in a temporary DAGSTER_HOME, real warehouse files."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from winnow import warehouse

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_ENV = ("WINNOW_SOURCES", "WINNOW_WAREHOUSE", "WINNOW_WORK_DIR", "DAGSTER_HOME")
STORY = (
    "The {0} meeting of the town council ran late into the evening as residents queued to speak "
    "about the {1} plan, which would change how the valley's roads, schools and markets work "
    "for years to come. Councillors heard from shopkeepers, parents and farmers before the "
    "chair called a vote on the {1} proposal shortly before midnight on {0}."
)


def _env(**values: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    return {**env, **{k: str(v) for k, v in values.items()}, "COLUMNS": "300", "NO_COLOR": "1"}


def _run(cmd: list[object], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *map(str, cmd)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


def _sources(root: Path) -> Path:
    """Three readable pages, one missing file and one binary file on one site."""
    folder = root / "alpha"
    folder.mkdir(parents=True)
    rows = []
    for day in ("Monday", "Tuesday", "Friday"):
        body = "".join(f"<p>{STORY.format(day, n)}</p>" for n in ("bridge", "market"))
        (folder / f"{day}.html").write_text(
            f"<html><body><article><h1>News of {day}</h1>{body}</article></body></html>"
        )
        rows.append({"page_id": day, "file": f"{day}.html", "site": "alpha.example"})
    (folder / "noise.html").write_bytes(bytes(range(256)) * 64)
    rows.append({"page_id": "noise", "file": "noise.html", "site": "alpha.example"})
    rows.append({"page_id": "gone", "file": "gone.html", "site": "alpha.example"})
    (folder / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = root / "sources.yaml"
    config.write_text(
        "sources:\n  - name: alpha\n    kind: manifest\n    path: alpha/manifest.jsonl\n"
    )
    return config


def _add_page(root: Path, day: str) -> None:
    body = "".join(f"<p>{STORY.format(day, n)}</p>" for n in ("bridge", "market"))
    (root / "alpha" / f"{day}.html").write_text(
        f"<html><body><article><h1>News of {day}</h1>{body}</article></body></html>"
    )
    with (root / "alpha" / "manifest.jsonl").open("a") as manifest:
        row = {"page_id": day, "file": f"{day}.html", "site": "alpha.example"}
        manifest.write(json.dumps(row) + "\n")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """On one warehouse and one Dagster instance: a `make run` that succeeds, a `winnow run`
    that brings one new page, and a `make run` that fails (a working file from a newer
    Winnow)."""
    root = tmp_path_factory.mktemp("status")
    home, db = root / "home", root / "w.duckdb"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "orchestration" / "dagster.yaml").read_text())
    env = _env(WINNOW_SOURCES=_sources(root), WINNOW_WAREHOUSE=db, DAGSTER_HOME=home)
    done = _run(["-m", "orchestration.run_once"], env, ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    _add_page(root, "Sunday")
    done = _run(["-m", "winnow.cli", "run"], env, root)
    assert done.returncode == 0, done.stderr
    # A newer Winnow wrote the working file: the run fails (test_operator.py does the same).
    con = duckdb.connect(str(warehouse.Warehouse(db).work_path))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
    con.close()
    done = _run(["-m", "orchestration.run_once"], env, ROOT)
    assert done.returncode == 1, done.stdout + done.stderr
    return root, db, env


def test_status_lists_runs_with_outcome_and_duration(runs):
    root, db, env = runs
    done = _run(["-m", "winnow.cli", "status", "--format", "json"], env, root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    outcomes = [(r["job"], r["outcome"]) for r in report["runs"]]
    # winnow run runs the ingest job too (a run of the code location in the same instance)
    assert outcomes == [("ingest", "failure"), ("ingest", "success"), ("ingest", "success")]
    assert all(r["duration_s"] is not None and r["duration_s"] > 0 for r in report["runs"])
    failed, cli, first = report["runs"]
    assert failed["published_at"] is None  # a failed run publishes nothing
    assert cli["published_at"]
    # Rows whose latest load or extraction was the run's: every page was read again.
    assert cli["pages_loaded"] == 6 and cli["articles_extracted"] >= 1
    assert first["published_at"] and first["pages_loaded"] == 0

    con = duckdb.connect(str(db), read_only=True)
    try:
        for table in ("pages", "articles", "page_blocks", "publications"):
            (count,) = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
            assert report["tables"][table] == count
    finally:
        con.close()
    assert report["quarantined"]["by_status"] == {"binary": 1, "error": 1}
    named = {p["page_id"]: p["status"] for p in report["quarantined"]["pages"]}
    assert named == {"alpha/noise": "binary", "alpha/gone": "error"}


def test_status_as_tables(runs):
    root, _, env = runs
    done = _run(["-m", "winnow.cli", "status"], env, root)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for title in ("last runs", "rows per table", "quarantined or unreadable pages"):
        assert title in out
    assert "│ failure " in out and "│ ingest " in out
    assert "alpha/gone" in out and "gone.html" in out


def test_status_without_a_dagster_instance_shows_published_runs(runs, tmp_path):
    root, db, env = runs
    env = {**env, "DAGSTER_HOME": str(tmp_path / "nothing-here")}
    done = _run(["-m", "winnow.cli", "status", "--format", "json"], env, root)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["dagster_home"] is None
    assert [(r["job"], r["outcome"]) for r in report["runs"]] == [("winnow run", "success")] * 2
    done = _run(["-m", "winnow.cli", "status"], env, root)
    assert "no run history in" in done.stderr and "nothing-here" in done.stderr


def test_status_names_the_sites_site_health_flags(tmp_path):
    """Three runs measured a site at ~300 words an article; the latest at 20: flagged."""
    db = tmp_path / "w.duckdb"
    con = warehouse.connect_file(db)
    start = datetime(2026, 12, 1, 2, 0)
    for night, words in enumerate([300.0, 310.0, 290.0, 20.0]):
        for site, median in (("steady.example", 250.0), ("broken.example", words)):
            con.execute(
                "INSERT INTO site_health_runs VALUES (?, ?, ?, 40, 38, 0.95, ?, 0.05, 0.3)",
                [f"night{night}", site, start + timedelta(days=night), median],
            )
    con.close()
    done = _run(
        ["-m", "winnow.cli", "status", "--format", "json", "--warehouse", db], _env(), tmp_path
    )
    assert done.returncode == 0, done.stderr
    health = json.loads(done.stdout)["site_health"]
    assert health["run_id"] == "night3" and health["sites_judged"] == 2
    assert [(f["site"], f["figure"]) for f in health["flags"]] == [
        ("broken.example", "median_words")
    ]
    done = _run(["-m", "winnow.cli", "status", "--warehouse", db], _env(), tmp_path)
    assert "sites flagged by site health (2 judged)" in done.stdout
    assert "broken.example" in done.stdout and "steady.example" not in done.stdout


def test_status_of_a_missing_warehouse_is_one_line(tmp_path):
    missing = tmp_path / "none.duckdb"
    done = _run(["-m", "winnow.cli", "status", "--warehouse", missing], _env(), tmp_path)
    assert done.returncode == 3
    lines = [line for line in done.stderr.splitlines() if not line.startswith("warehouse:")]
    assert len(lines) == 1 and "no warehouse here yet" in lines[0]
