"""Story clusters kept up to date by sketching only the article bodies that changed.

``cluster_stories`` sketches every body of the corpus each time it runs, so a night that
changed 1 % of the pages would still pay for all of them, and it holds every body at once.
Here each body's MinHash is kept in ``story_sketches`` (keyed by page and a hash of the
body) with its LSH band keys in ``story_bands``: a run sketches only bodies it has not seen,
in batches, and finds candidate pairs with one group-by over the band keys in DuckDB (which
spills). Every band bucket holding two or more pages links them to its smallest page; that
connects exactly the pages datasketch's ``MinHashLSH`` would, queried with every sketch (the
same b bands of r rows), so the clusters equal ``cluster_stories``'s
(``tests/test_stories_incremental.py``). Memory holds one batch of bodies, then only the pages
that belong to a cluster.
"""

from __future__ import annotations

import hashlib
from functools import cache

import duckdb
import numpy as np
import polars as pl
from datasketch import MinHash, MinHashLSH

from winnow.parse.fingerprint import word_count
from winnow.stories.cluster import NUM_PERM, sketch
from winnow.warehouse.tables import query_frame, run

#: Bodies sketched per batch (what the stage holds in memory at once).
SKETCH_BATCH = 1000

#: The dtype of datasketch's hash values (how stored sketches are read back).
_HASH_DTYPE = MinHash(num_perm=1).hashvalues.dtype
_SKETCH_SCHEMA = {"page_id": pl.String, "body_hash": pl.UInt64, "minhash": pl.Binary}
_BAND_SCHEMA = {"page_id": pl.String, "band": pl.Int16, "bucket": pl.Int64}

#: Articles whose body has no sketch yet (new, re-extracted with another body).
_UNSKETCHED = """
    SELECT a.page_id FROM articles a
    LEFT JOIN story_sketches s ON s.page_id = a.page_id AND s.body_hash = hash(a.body)
    WHERE a.has_article AND a.body IS NOT NULL AND s.page_id IS NULL
    ORDER BY a.page_id
"""

#: Sketches of bodies that are gone or changed, then their bands.
_DROP_STALE = (
    "DELETE FROM story_sketches s WHERE NOT EXISTS (SELECT 1 FROM articles a "
    "WHERE a.page_id = s.page_id AND a.has_article AND hash(a.body) = s.body_hash)",
    "DELETE FROM story_bands b WHERE NOT EXISTS "
    "(SELECT 1 FROM story_sketches s WHERE s.page_id = b.page_id)",
)

#: Each page sharing a band bucket with another, and the bucket's smallest page.
_EDGES = """
    WITH shared AS (
        SELECT band, bucket, min(page_id) AS root FROM story_bands
        GROUP BY band, bucket HAVING count(*) > 1
    )
    SELECT DISTINCT b.page_id, s.root FROM story_bands b JOIN shared s USING (band, bucket)
    WHERE b.page_id <> s.root
"""


@cache
def band_ranges(threshold: float) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each LSH band datasketch picks for ``threshold``."""
    return tuple(MinHashLSH(threshold=threshold, num_perm=NUM_PERM).hashranges)


def band_keys(hashvalues: np.ndarray, threshold: float) -> list[int]:
    """One 64-bit bucket key per band of a MinHash (its slice of hash values, hashed)."""
    return [
        int.from_bytes(
            hashlib.blake2b(hashvalues[start:end].tobytes(), digest_size=8).digest(),
            "little",
            signed=True,
        )
        for start, end in band_ranges(threshold)
    ]


def _sketch_batch(con, page_ids: list[str], threshold: float, min_words: int) -> int:
    """Sketch one batch of bodies and store their sketches and band keys."""
    with_ids = pl.DataFrame({"page_id": page_ids})
    con.register("batch_ids", with_ids.to_arrow())
    try:
        bodies = query_frame(
            con,
            "SELECT a.page_id, hash(a.body) AS body_hash, a.body FROM articles a "
            "JOIN batch_ids USING (page_id)",
        )
    finally:
        con.unregister("batch_ids")
    sketches, bands = [], []
    for page_id, body_hash, body in bodies.iter_rows():
        if word_count(body) < min_words:  # short texts collide by chance: never clustered
            sketches.append((page_id, body_hash, None))
            continue
        values = sketch(body).hashvalues
        sketches.append((page_id, body_hash, values.tobytes()))
        bands += [(page_id, i, key) for i, key in enumerate(band_keys(values, threshold))]
    for table, rows, schema in (
        ("story_sketches", sketches, _SKETCH_SCHEMA),
        ("story_bands", bands, _BAND_SCHEMA),
    ):
        if rows:
            con.register("incoming", pl.DataFrame(rows, schema=schema, orient="row").to_arrow())
            try:
                run(con, f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
            finally:
                con.unregister("incoming")
    return len(sketches)


def refresh_sketches(
    con: duckdb.DuckDBPyConnection, threshold: float = 0.6, min_words: int = 50
) -> dict[str, int]:
    """Drop the sketches of gone or changed bodies, sketch the bodies without one."""
    before = con.execute("SELECT count(*) FROM story_sketches").fetchall()[0][0]
    for statement in _DROP_STALE:
        run(con, statement)
    kept = con.execute("SELECT count(*) FROM story_sketches").fetchall()[0][0]
    todo = [row[0] for row in con.execute(_UNSKETCHED).fetchall()]
    for start in range(0, len(todo), SKETCH_BATCH):
        _sketch_batch(con, todo[start : start + SKETCH_BATCH], threshold, min_words)
    return {"sketches_dropped": before - kept, "bodies_sketched": len(todo)}


def _components(edges: pl.DataFrame) -> dict[str, str]:
    """page_id -> smallest page_id of its connected component (union-find over the edges)."""
    parent: dict[str, str] = {}

    def root(page: str) -> str:
        parent.setdefault(page, page)
        while parent[page] != page:
            parent[page] = parent[parent[page]]
            page = parent[page]
        return page

    for a, b in edges.iter_rows():
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {page: root(page) for page in list(parent)}


def stored_clusters(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The ``story_clusters`` rows from the stored band keys (``cluster_stories``'s columns)."""
    members = _components(query_frame(con, _EDGES))
    frame = pl.DataFrame(
        {"page_id": list(members), "cluster_id": list(members.values())},
        schema={"page_id": pl.String, "cluster_id": pl.String},
    )
    con.register("members", frame.to_arrow())
    try:
        rows = query_frame(
            con,
            "SELECT m.page_id, m.cluster_id, a.site, s.minhash, r.minhash AS root_minhash "
            "FROM members m JOIN articles a USING (page_id) "
            "JOIN story_sketches s ON s.page_id = m.page_id "
            "JOIN story_sketches r ON r.page_id = m.cluster_id",
        )
    finally:
        con.unregister("members")
    similarity = [
        float(np.mean(np.frombuffer(a, _HASH_DTYPE) == np.frombuffer(b, _HASH_DTYPE)))
        for a, b in zip(rows["minhash"], rows["root_minhash"], strict=True)
    ]
    return (
        rows.with_columns(pl.Series("similarity", similarity, dtype=pl.Float64))
        .with_columns(
            pl.len().over("cluster_id").cast(pl.Int32).alias("cluster_size"),
            pl.col("site").n_unique().over("cluster_id").cast(pl.Int32).alias("sites"),
        )
        .select("page_id", "cluster_id", "site", "cluster_size", "sites", "similarity")
        .sort("cluster_id", "page_id")
    )
