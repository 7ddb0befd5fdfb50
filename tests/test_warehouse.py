import hashlib
from datetime import datetime, timedelta

import duckdb
import polars as pl
import pytest

from winnow import warehouse
from winnow.pipeline import LoadedPage
from winnow.stages import _pages_frame

T0 = datetime(2024, 5, 1, 12, 0, 0)


def _page(page_id, raw, status="ok", error=None):
    return LoadedPage(
        page_id=page_id,
        source="src",
        location=f"/data/{page_id}.html",
        url=f"https://x.example/{page_id}",
        site="x.example",
        fmt="html",
        raw=raw,
        content_hash=hashlib.sha256(raw).hexdigest() if raw is not None else None,
        encoding="utf-8" if raw is not None else None,
        status=status,
        error=error,
    )


def _failed(page_id, error="cannot read page"):
    return _page(page_id, None, status="error", error=error)


def _frame(pages, minutes=0, run_id="run"):
    return _pages_frame(pages, run_id, T0 + timedelta(minutes=minutes))


def _latest(con, page_id):
    return con.execute(
        "SELECT content_hash, status, error FROM latest_pages WHERE page_id = ?", [page_id]
    ).fetchall()


def _count(con, table):
    return warehouse.scalar(con, f"SELECT count(*) FROM {table}")


@pytest.fixture
def con(tmp_path):
    connection = warehouse.connect(tmp_path / "wh" / "test.duckdb")
    yield connection
    connection.close()


def test_connect_creates_and_migrates_file(tmp_path):
    path = tmp_path / "nested" / "dir" / "w.duckdb"
    con = warehouse.connect(path)
    try:
        assert path.is_file()
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {"pages", "page_blocks", "boilerplate", "site_models", "articles"} <= tables
        assert {"story_clusters", "schema_migrations"} <= tables
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        assert "latest_pages" in views
        version = warehouse.scalar(con, "SELECT max(version) FROM schema_migrations")
        assert version == warehouse.migrations()[-1][0]
    finally:
        con.close()


def test_migrate_is_idempotent(tmp_path):
    path = tmp_path / "w.duckdb"
    con = warehouse.connect(path)
    warehouse.write_pages(con, _frame([_page("a", b"<p>a</p>")]))
    applied = con.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
    assert warehouse.migrate(con) == warehouse.migrations()[-1][0]
    con.close()
    con = warehouse.connect(path)  # reopening migrates again: nothing to do, data kept
    try:
        assert con.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall() == (
            applied
        )
        assert len(applied) == warehouse.migrations()[-1][0]
        assert _count(con, "pages") == 1
    finally:
        con.close()


def test_read_only_connection_reads_but_cannot_write(tmp_path):
    path = tmp_path / "w.duckdb"
    con = warehouse.connect(path)
    warehouse.write_pages(con, _frame([_page("a", b"<p>a</p>")]))
    con.close()
    ro = warehouse.connect(path, read_only=True)
    try:
        assert _count(ro, "pages") == 1
        with pytest.raises(duckdb.Error):
            warehouse.run(ro, "DELETE FROM pages")
    finally:
        ro.close()


def test_pages_frame_roundtrip(con):
    raw = b"<p>hello</p>"
    assert warehouse.write_pages(con, _frame([_page("a", raw)])) == 1
    row = warehouse.query_frame(con, "SELECT * FROM pages").row(0, named=True)
    assert row["page_id"] == "a" and row["status"] == "ok" and row["bytes"] == len(raw)
    assert row["content_hash"] == hashlib.sha256(raw).hexdigest()
    assert warehouse.decompress(row["raw_zlib"]) == raw
    assert row["loaded_at"] == T0


def test_write_pages_twice_adds_no_rows(con):
    frame = _frame([_page("a", b"<p>a</p>"), _page("b", b"<p>b</p>")])
    assert warehouse.write_pages(con, frame) == 2
    assert warehouse.write_pages(con, frame) == 0
    later = _frame([_page("a", b"<p>a</p>"), _page("b", b"<p>b</p>")], minutes=5, run_id="r2")
    assert warehouse.write_pages(con, later) == 0
    assert _count(con, "pages") == 2


def test_changed_content_adds_a_version_and_latest_picks_it(con):
    old, new = _page("a", b"<p>old</p>"), _page("a", b"<p>new</p>")
    warehouse.write_pages(con, _frame([old]))
    assert warehouse.write_pages(con, _frame([new], minutes=10)) == 1
    assert _count(con, "pages") == 2
    assert _latest(con, "a") == [(new.content_hash, "ok", None)]
    assert warehouse.pages_without_blocks(con) == [("a", new.content_hash)]


def test_failed_read_keeps_last_good_version_latest(con):
    good = _page("a", b"<p>good</p>")
    warehouse.write_pages(con, _frame([good]))
    assert warehouse.write_pages(con, _frame([_failed("a")], minutes=10)) == 1
    assert _latest(con, "a") == [(good.content_hash, "ok", None)]


def test_failed_read_replaces_earlier_failure(con):
    warehouse.write_pages(con, _frame([_failed("a", "first failure")]))
    warehouse.write_pages(con, _frame([_failed("a", "second failure")], minutes=10))
    assert _count(con, "pages") == 1
    assert _latest(con, "a") == [("", "error", "second failure")]
    good = _page("a", b"<p>back</p>")
    warehouse.write_pages(con, _frame([good], minutes=20))
    assert _count(con, "pages") == 1  # the failure row is gone once the page reads again
    assert _latest(con, "a") == [(good.content_hash, "ok", None)]


def test_page_reverting_to_earlier_content_is_latest_again(con):
    a, b = _page("p", b"<p>version A</p>"), _page("p", b"<p>version B</p>")
    warehouse.write_pages(con, _frame([a], minutes=0))
    warehouse.write_pages(con, _frame([b], minutes=10))
    warehouse.write_pages(con, _frame([a], minutes=20))
    assert _latest(con, "p")[0][0] == a.content_hash


def test_transaction_commits(con):
    with warehouse.transaction(con):
        warehouse.write_pages(con, _frame([_page("a", b"<p>a</p>")]))
    assert _count(con, "pages") == 1


def test_transaction_rolls_back_on_error(con):
    warehouse.write_pages(con, _frame([_page("keep", b"<p>keep</p>")]))
    with pytest.raises(RuntimeError, match="boom"), warehouse.transaction(con):
        warehouse.write_pages(con, _frame([_page("a", b"<p>a</p>")]))
        warehouse.run(con, "DELETE FROM pages WHERE page_id = 'keep'")
        raise RuntimeError("boom")
    assert con.execute("SELECT page_id FROM pages").fetchall() == [("keep",)]
    # The connection is usable afterwards (no transaction left open).
    with warehouse.transaction(con):
        warehouse.write_pages(con, _frame([_page("b", b"<p>b</p>")]))
    assert _count(con, "pages") == 2


def _blocks(page_id, content_hash, texts):
    return pl.DataFrame(
        {
            "page_id": [page_id] * len(texts),
            "content_hash": [content_hash] * len(texts),
            "block_index": list(range(len(texts))),
            "site": ["x.example"] * len(texts),
            "fingerprint": list(range(len(texts))),
            "signature": [0] * len(texts),
            "text": texts,
            "n_chars": [len(t) for t in texts],
            "run_id": ["run"] * len(texts),
        },
        schema_overrides={"block_index": pl.Int32, "n_chars": pl.Int32},
    )


def test_write_blocks_replaces_a_versions_blocks(con):
    page = _page("a", b"<p>a</p>")
    warehouse.write_pages(con, _frame([page]))
    h = page.content_hash
    assert warehouse.write_blocks(con, _blocks("a", h, ["one", "two", "three"])) == 3
    warehouse.write_blocks(con, _blocks("a", h, ["only"]))
    assert con.execute("SELECT text FROM page_blocks").fetchall() == [("only",)]
    assert warehouse.pages_without_blocks(con) == []
    assert warehouse.model_blocks(con)["text"].to_list() == ["only"]


def test_drop_stale_blocks_after_page_changes(con):
    old = _page("a", b"<p>old</p>")
    warehouse.write_pages(con, _frame([old]))
    warehouse.write_blocks(con, _blocks("a", old.content_hash, ["old text"]))
    new = _page("a", b"<p>new</p>")
    warehouse.write_pages(con, _frame([new], minutes=10))
    assert warehouse.model_blocks(con).is_empty()  # only latest versions feed the model
    assert warehouse.drop_stale_blocks(con) == 1
    assert _count(con, "page_blocks") == 0


def test_compress_roundtrip():
    assert warehouse.decompress(warehouse.compress(b"x" * 1000)) == b"x" * 1000
    assert warehouse.compress(None) is None and warehouse.decompress(None) is None


def test_model_window_ages_out_an_old_template():
    """Pages loaded before the window no longer teach the model: a redesign's old chrome goes."""
    from winnow.model import learn

    db = duckdb.connect()
    warehouse.migrate(db)
    now = datetime.now()
    old_pages = [_page(f"old{i}", f"<p>old {i}</p>".encode()) for i in range(4)]
    new_pages = [_page(f"new{i}", f"<p>new {i}</p>".encode()) for i in range(4)]
    warehouse.write_pages(db, _pages_frame(old_pages, "run", now - timedelta(days=90)))
    warehouse.write_pages(db, _pages_frame(new_pages, "run", now))
    from winnow.parse.fingerprint import text_fingerprint

    for pages, text in ((old_pages, "Old footer"), (new_pages, "New footer")):
        for page in pages:
            blocks = _blocks(page.page_id, page.content_hash, [text])
            blocks = blocks.with_columns(pl.lit(text_fingerprint(text)).alias("fingerprint"))
            warehouse.write_blocks(db, blocks)
    everything = learn(warehouse.model_blocks(db))
    recent = learn(warehouse.model_blocks(db, window_days=30))
    chrome = lambda t: set(t.filter(pl.col("decision") == "boilerplate")["sample_text"])  # noqa: E731
    assert chrome(everything) == {"Old footer", "New footer"}
    assert chrome(recent) == {"New footer"}
