"""The DuckDB warehouse: schema, migrations, and set-based writes handed over as Arrow.

Every write replaces the rows of the keys it brings (delete, then ``INSERT ... BY NAME`` from an
Arrow table) inside the caller's transaction, so materializing the same input twice leaves the
same rows. Which file a run writes and which file readers see is decided in ``store``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from winnow.warehouse.store import connect_file, open_published


def run(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> None:
    """Execute a statement and consume its result (DuckDB wants results finished)."""
    con.execute(query, params or []).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> Any:
    """The single value a query returns."""
    return con.execute(query, params or []).fetchall()[0][0]


def query_frame(
    con: duckdb.DuckDBPyConnection, query: str, params: list | dict | None = None
) -> pl.DataFrame:
    """A query's result as a polars frame, handed over as Arrow."""
    return pl.from_arrow(con.sql(query, params=params or None).to_arrow_table())


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open one warehouse file directly: migrated when writable, schema-checked either way.

    Pipelines go through :class:`winnow.warehouse.store.Warehouse` (working file + published
    snapshot); this is for tests and tools that own a file outright.
    """
    return open_published(path) if read_only else connect_file(path)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: committed when the block ends, rolled back on any error."""
    run(con, "BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        run(con, "ROLLBACK")
        raise
    run(con, "COMMIT")


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """``frame`` visible to SQL as view ``name`` (handed over as Arrow) for the block."""
    con.register(name, frame.to_arrow())
    try:
        yield
    finally:
        con.unregister(name)


def _replace(
    con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, keys: Sequence[str]
) -> int:
    """Delete the rows whose keys ``frame`` brings, then insert ``frame``."""
    if frame.is_empty():
        return 0
    match = " AND ".join(f"t.{k} = i.{k}" for k in keys)
    with _registered(con, "incoming", frame):
        run(con, f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM incoming i WHERE {match})")
        run(con, f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
    return frame.height


def _replace_all(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Make ``frame`` the whole content of ``table`` (for tables recomputed every run)."""
    run(con, f"DELETE FROM {table}")
    if frame.height:
        with _registered(con, "incoming", frame):
            run(con, f"INSERT INTO {table} BY NAME SELECT * FROM incoming")


def compress(raw: bytes | None) -> bytes | None:
    return zlib.compress(raw, 6) if raw is not None else None


def decompress(blob: bytes | None) -> bytes | None:
    return zlib.decompress(blob) if blob is not None else None


def stored_versions(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """How many of the page versions in ``frame`` (page_id, content_hash) are stored already."""
    with _registered(con, "probe", frame.select("page_id", "content_hash")):
        return scalar(
            con, "SELECT count(*) FROM probe i SEMI JOIN pages p USING (page_id, content_hash)"
        )


def write_pages(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Add page versions not stored yet; a page not read this time (an error, a file too
    large: no content hash) replaces the page's earlier row of that kind."""
    if frame.is_empty():
        return 0
    with _registered(con, "incoming", frame):
        run(
            con,
            "DELETE FROM pages p WHERE p.content_hash = '' "
            "AND EXISTS (SELECT 1 FROM incoming i WHERE i.page_id = p.page_id)",
        )
        # A version seen again is current again (content can go A -> B -> A).
        run(
            con,
            "UPDATE pages p SET loaded_at = i.loaded_at, run_id = i.run_id FROM incoming i "
            "WHERE p.page_id = i.page_id AND p.content_hash = i.content_hash",
        )
        before = scalar(con, "SELECT count(*) FROM pages")
        run(
            con,
            "INSERT INTO pages BY NAME SELECT * FROM incoming i WHERE NOT EXISTS ("
            "SELECT 1 FROM pages p WHERE p.page_id = i.page_id "
            "AND p.content_hash = i.content_hash)",
        )
        return scalar(con, "SELECT count(*) FROM pages") - before


def pages_without_blocks(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Latest readable page versions that have not been segmented yet."""
    return con.execute(
        # An anti join, not a correlated NOT EXISTS: DuckDB would materialize every column
        # of the outer rows (the raw HTML of the corpus) for the correlated form.
        "SELECT p.page_id, p.content_hash FROM latest_pages p "
        "ANTI JOIN page_blocks b ON b.page_id = p.page_id AND b.content_hash = p.content_hash "
        "WHERE p.status = 'ok' ORDER BY p.page_id"
    ).fetchall()


def _keys_frame(keys: Sequence[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"page_id": [k[0] for k in keys], "content_hash": [k[1] for k in keys]},
        schema={"page_id": pl.String, "content_hash": pl.String},
    )


def read_pages(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[str, str]]) -> pl.DataFrame:
    """Stored page versions (raw bytes decompressed later by the caller) for the given keys."""
    wanted = pl.DataFrame(
        {"page_id": [k[0] for k in keys], "content_hash": [k[1] for k in keys]},
        schema={"page_id": pl.String, "content_hash": pl.String},
    )
    with _registered(con, "wanted", wanted):
        return query_frame(
            con,
            "SELECT p.page_id, p.content_hash, p.url, p.site, p.source, p.location, p.format, "
            "p.encoding, p.raw_zlib FROM pages p JOIN wanted w USING (page_id, content_hash) "
            "ORDER BY p.page_id",
        )


def write_blocks(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Blocks of the page versions in ``frame`` (all of a version's blocks come together)."""
    return _replace(con, "page_blocks", frame, ("page_id", "content_hash"))


def write_segments(
    con: duckdb.DuckDBPyConnection,
    blocks: pl.DataFrame,
    elements: pl.DataFrame,
    metas: pl.DataFrame,
    append: bool = False,
) -> int:
    """A batch of segmented page versions: blocks, elements and declared metadata together.

    With ``append`` the versions are known to be new (stored in the same transaction), so
    their rows are inserted without the delete that would scan each table for old rows: a
    load of N chunks then costs N appends, not N scans of a growing table.
    """
    if append:
        for table, frame in (("page_elements", elements), ("page_meta", metas)):
            if frame.height:
                with _registered(con, "incoming", frame):
                    run(con, f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
        if blocks.height:
            with _registered(con, "incoming", blocks):
                run(con, "INSERT INTO page_blocks BY NAME SELECT * FROM incoming")
        return blocks.height
    _replace(con, "page_elements", elements, ("page_id", "content_hash"))
    _replace(con, "page_meta", metas, ("page_id", "content_hash"))
    return write_blocks(con, blocks)


def read_segments(
    con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[str, str]]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Blocks, elements and metadata of the given page versions, in page and document order."""
    wanted = pl.DataFrame(
        {"page_id": [k[0] for k in keys], "content_hash": [k[1] for k in keys]},
        schema={"page_id": pl.String, "content_hash": pl.String},
    )
    with _registered(con, "wanted", wanted):
        blocks = query_frame(
            con,
            "SELECT b.* FROM page_blocks b JOIN wanted w USING (page_id, content_hash) "
            "ORDER BY b.page_id, b.block_index",
        )
        elements = query_frame(
            con,
            "SELECT e.* FROM page_elements e JOIN wanted w USING (page_id, content_hash) "
            "ORDER BY e.page_id, e.element_index",
        )
        metas = query_frame(
            con,
            "SELECT m.* FROM page_meta m JOIN wanted w USING (page_id, content_hash) "
            "ORDER BY m.page_id",
        )
    return blocks, elements, metas


def read_page_info(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[str, str]]) -> pl.DataFrame:
    """Lineage columns of the given page versions (what an articles row repeats)."""
    wanted = pl.DataFrame(
        {"page_id": [k[0] for k in keys], "content_hash": [k[1] for k in keys]},
        schema={"page_id": pl.String, "content_hash": pl.String},
    )
    with _registered(con, "wanted", wanted):
        return query_frame(
            con,
            "SELECT p.page_id, p.content_hash, p.url, p.site, p.source, p.location FROM pages p "
            "JOIN wanted w USING (page_id, content_hash) ORDER BY p.page_id",
        )


def site_counts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Site, page, fingerprint and signature of every block of the latest page versions: what
    the site model counts (``winnow.model.site_stats``)."""
    return query_frame(
        con,
        "SELECT b.site, b.page_id, b.fingerprint, b.signature FROM page_blocks b "
        "JOIN latest_pages p ON p.page_id = b.page_id AND p.content_hash = b.content_hash "
        "WHERE b.site IS NOT NULL",
    )


def drop_stale_blocks(con: duckdb.DuckDBPyConnection) -> int:
    """Blocks of page versions that are no longer the latest (the page changed since)."""
    before = scalar(con, "SELECT count(*) FROM page_blocks")
    for table in ("page_blocks", "page_elements", "page_meta"):
        run(
            con,
            f"DELETE FROM {table} b WHERE NOT EXISTS (SELECT 1 FROM latest_pages p "
            "WHERE p.page_id = b.page_id AND p.content_hash = b.content_hash)",
        )
    return before - scalar(con, "SELECT count(*) FROM page_blocks")


def model_blocks(con: duckdb.DuckDBPyConnection, window_days: int | None = None) -> pl.DataFrame:
    """The blocks the model learns from: latest versions, optionally only recent loads."""
    sql = (
        "SELECT b.site, b.page_id, b.fingerprint, b.signature, b.text, b.n_chars, "
        "b.link_chars / greatest(b.n_chars, 1) AS link_density FROM page_blocks b "
        "JOIN latest_pages p "
        "ON p.page_id = b.page_id AND p.content_hash = b.content_hash "
        "WHERE b.site IS NOT NULL"
    )
    params: list = []
    if window_days is not None:
        sql += " AND p.loaded_at >= now() - to_days(?)"
        params.append(window_days)
    # A fixed order: the model's samples (first text of a group) must not depend on how the
    # file happens to store rows, or a resumed run would differ from a clean one.
    sql += " ORDER BY b.site, b.page_id, b.block_index"
    return query_frame(con, sql, params)


def write_model(
    con: duckdb.DuckDBPyConnection, boilerplate: pl.DataFrame, site_models: pl.DataFrame
) -> None:
    """Replace the whole model: the model is always relearnt from the current corpus."""
    _replace_all(con, "boilerplate", boilerplate)
    _replace_all(con, "site_models", site_models)


def write_site_models(
    con: duckdb.DuckDBPyConnection,
    sites: Sequence[str],
    boilerplate: pl.DataFrame,
    site_models: pl.DataFrame,
) -> None:
    """Replace the model of ``sites`` only (a site's rows depend on its own counts)."""
    with _registered(
        con, "relearnt", pl.DataFrame({"site": list(sites)}, schema={"site": pl.String})
    ):
        for table in ("boilerplate", "site_models"):
            run(con, f"DELETE FROM {table} WHERE site IN (SELECT site FROM relearnt)")
    for table, frame in (("boilerplate", boilerplate), ("site_models", site_models)):
        if frame.height:
            with _registered(con, "incoming", frame):
                run(con, f"INSERT INTO {table} BY NAME SELECT * FROM incoming")


def read_boilerplate(
    con: duckdb.DuckDBPyConnection, sites: Sequence[str] | None = None
) -> pl.DataFrame:
    """The model's rows, of every site or only of ``sites``."""
    sql = "SELECT site, kind, key, pages, site_pages, decision FROM boilerplate"
    if sites is None:
        return query_frame(con, sql)
    with _registered(
        con, "wanted_sites", pl.DataFrame({"site": list(sites)}, schema={"site": pl.String})
    ):
        return query_frame(con, sql + " WHERE site IN (SELECT site FROM wanted_sites)")


def sites_of(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[str, str]]) -> list[str]:
    """The distinct sites of the given page versions."""
    return sorted({s for s in read_page_info(con, keys)["site"].to_list() if s is not None})


def pages_needing_articles(
    con: duckdb.DuckDBPyConnection, extractor_version: str
) -> list[tuple[str, str]]:
    """Latest page versions whose article is missing or was made with another model/extractor."""
    return con.execute(
        "SELECT p.page_id, p.content_hash FROM latest_pages p "
        "LEFT JOIN site_models m ON m.site = p.site "
        "LEFT JOIN articles a ON a.page_id = p.page_id "
        "WHERE p.status = 'ok' AND (a.page_id IS NULL OR a.content_hash <> p.content_hash "
        "OR a.extractor_version <> ? "
        "OR a.model_hash IS DISTINCT FROM coalesce(m.model_hash, 0)) "
        "ORDER BY p.page_id",
        [extractor_version],
    ).fetchall()


def set_page_status(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Give page versions (page_id, content_hash) the ``status`` and ``error`` of ``frame``
    (quarantined while parsing or extracting), and drop any article they had."""
    if frame.is_empty():
        return 0
    with _registered(con, "quarantined", frame):
        run(
            con,
            "UPDATE pages p SET status = q.status, error = q.error FROM quarantined q "
            "WHERE p.page_id = q.page_id AND p.content_hash = q.content_hash",
        )
        run(
            con,
            "DELETE FROM articles a WHERE EXISTS (SELECT 1 FROM quarantined q "
            "WHERE q.page_id = a.page_id AND q.content_hash = a.content_hash)",
        )
    return frame.height


def write_articles(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> int:
    """Article rows, replaced by page; rows carrying a ``status`` (a page that ran out of
    time) set that status on the page instead, and get no article. Returns the rows."""
    if "status" in frame.columns:
        failed = frame.filter(pl.col("status").is_not_null())
        set_page_status(con, failed.select("page_id", "content_hash", "status", "error"))
        frame = frame.filter(pl.col("status").is_null()).drop("status", "error")
    return _replace(con, "articles", frame, ("page_id",))


def read_articles(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return query_frame(
        con, "SELECT page_id, site, body FROM articles WHERE has_article ORDER BY page_id"
    )


def write_clusters(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """Replace all clusters: membership is recomputed over the whole corpus each time."""
    _replace_all(con, "story_clusters", frame)


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every warehouse table (for run summaries)."""
    names = (
        "pages",
        "page_blocks",
        "page_elements",
        "page_meta",
        "boilerplate",
        "site_models",
        "articles",
        "story_clusters",
    )
    return {n: scalar(con, f"SELECT count(*) FROM {n}") for n in names}
