"""Schema checked at open, migrations tested from every earlier version Winnow shipped.

A file at version N is built with the real migration files 001..N and rows of every table the
pipeline keys by page; migrating it to the current version must keep (and re-key) those rows
and pass ``verify``. Newer files are refused, a dropped column is named before any stage
writes, and a migration that fails leaves the file at its previous version.
"""

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from winnow import warehouse
from winnow.warehouse import schema

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[1]
LATEST = warehouse.latest_version()
T0 = datetime(2026, 1, 1)

PAGES = [  # (page_id, source, location): a manifest page, a files page, a web page
    ("p1", "src", "/data/p1.html"),
    ("box/a.html", "box", "/data/box/a.html"),
    ("https://x.example/n", "web", "https://x.example/n"),
]


def _file_at(path: Path, version: int) -> None:
    """A warehouse file as Winnow at schema ``version`` left it, with rows in it."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
        "applied_at TIMESTAMP DEFAULT now())"
    )
    for number, name, sql in warehouse.migrations():
        if number > version:
            break
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
    for page_id, source, location in PAGES:
        if version >= 7 and location != page_id and not page_id.startswith(f"{source}/"):
            page_id = f"{source}/{page_id}"  # keyed as Winnow wrote pages from 007 on
        con.execute(
            "INSERT INTO pages (page_id, content_hash, url, site, source, location, format, "
            "status, loaded_at, run_id) VALUES (?, 'h', ?, 'x.example', ?, ?, 'html', 'ok', ?, "
            "'r')",
            [page_id, f"https://x.example/{page_id}", source, location, T0],
        )
        con.execute(
            "INSERT INTO page_blocks (page_id, content_hash, block_index, site, fingerprint, "
            "signature, text, run_id) VALUES (?, 'h', 0, 'x.example', 1, 2, 'text', 'r')",
            [page_id],
        )
        con.execute(
            "INSERT INTO articles (page_id, content_hash, source, location, body, has_article, "
            "extractor_version, run_id, extracted_at) VALUES (?, 'h', ?, ?, 'body', true, 'v', "
            "'r', ?)",
            [page_id, source, location, T0],
        )
    con.close()


@pytest.mark.parametrize("version", range(1, LATEST))
def test_migrates_from_every_earlier_version(tmp_path, version):
    path = tmp_path / "old.duckdb"
    _file_at(path, version)
    con = warehouse.connect_file(path)  # migrates, then verifies the schema
    try:
        assert schema.file_version(con) == LATEST
        ids = {r[0] for r in con.execute("SELECT page_id FROM pages").fetchall()}
        assert ids == {"src/p1", "box/a.html", "https://x.example/n"}
        articles = {r[0] for r in con.execute("SELECT page_id FROM articles").fetchall()}
        assert articles == ids
        if version >= 4:  # migration 004 drops the old segmenter's blocks
            blocks = con.execute(
                "SELECT count(*) FROM page_blocks b JOIN pages p USING (page_id, content_hash)"
            ).fetchone()[0]
            assert blocks == 3
    finally:
        con.close()


def test_a_file_from_a_newer_winnow_is_refused_with_one_line(tmp_path):
    path = tmp_path / "new.duckdb"
    warehouse.connect_file(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'future')", [LATEST + 1])
    con.close()
    with pytest.raises(warehouse.SchemaError, match="newer Winnow"):
        warehouse.open_published(path)
    with pytest.raises(warehouse.SchemaError, match="newer Winnow"):
        warehouse.connect_file(path)
    done = subprocess.run(
        [sys.executable, "-m", "winnow.cli", "query", "select 1", "--warehouse", path],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 2 and "newer Winnow" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_dropped_column_is_named_before_any_stage_writes(tmp_path):
    path = tmp_path / "w.duckdb"
    warehouse.connect_file(path).close()
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE articles DROP COLUMN markdown")
    con.close()
    with pytest.raises(warehouse.SchemaError, match="column articles.markdown is missing"):
        warehouse.connect_file(path)
    store = warehouse.Warehouse(tmp_path / "published.duckdb", tmp_path / "work")
    store.work_dir.mkdir()
    path.rename(store.work_path)
    with pytest.raises(warehouse.SchemaError), store.writer():
        pytest.fail("a writer must not get a connection to a damaged file")


def test_an_older_snapshot_tells_the_reader_the_next_run_upgrades_it(tmp_path):
    path = tmp_path / "old.duckdb"
    _file_at(path, LATEST - 1)
    with pytest.raises(warehouse.SchemaError, match="older Winnow .* next run"):
        warehouse.open_published(path)


def test_a_failing_migration_leaves_the_previous_version(tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    folder.mkdir()
    first = warehouse.migrations()[0]
    (folder / "001_first.sql").write_text(first[2])
    (folder / "002_half.sql").write_text(
        "ALTER TABLE pages ADD COLUMN half VARCHAR;\nALTER TABLE no_such_table ADD COLUMN x INT;"
    )
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", folder)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        with pytest.raises(warehouse.SchemaError, match="migration 002"):
            schema.migrate(con, "w")
        assert schema.file_version(con) == 1
        columns = [r[0] for r in con.execute("DESCRIBE pages").fetchall()]
        assert "half" not in columns  # the first statement of 002 was rolled back too
    finally:
        con.close()
