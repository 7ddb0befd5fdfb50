"""Story clusters kept up to date by sketching only the article bodies that changed.

``cluster_stories`` sketches every body of the corpus each time it runs, so a night that
changed 1 % of the pages would still pay for all of them, and it holds every body at once.
Here each body's MinHash is kept in ``story_sketches`` (keyed by page and a hash of the
body) with its LSH band keys in ``story_bands``: a run sketches only bodies it has not seen,
in batches, and finds candidate pairs with one group-by over the band keys in DuckDB (which
spills): two bodies sharing a band bucket are the pairs datasketch's ``MinHashLSH`` would
propose (the same b bands of r rows). Identical bodies are linked by their hash without a
look; each other candidate pair is verified once on the two bodies (``winnow.stories.verify``)
and its verdict kept in ``story_pairs`` under both bodies' hashes, so a night verifies only the
pairs its new or changed bodies bring. Linked pairs form the groups, which equal
``cluster_stories``'s (``tests/test_stories_incremental.py``). Memory holds one batch of bodies,
then the membership of the clusterable articles (ids only).
"""

from __future__ import annotations

import hashlib
from functools import cache

import duckdb
import numpy as np
import polars as pl
from datasketch import MinHash, MinHashLSH

from winnow.parse.fingerprint import word_count
from winnow.settings import STORIES, StorySettings
from winnow.stories.cluster import NUM_PERM, sketch
from winnow.stories.verify import body_shingles, verify
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

#: Pairs whose verdict was reached on a body that is gone or changed.
_DROP_STALE_PAIRS = """
    DELETE FROM story_pairs p WHERE NOT EXISTS (
        SELECT 1 FROM story_sketches s WHERE s.page_id = p.page_a AND s.body_hash = p.hash_a)
    OR NOT EXISTS (
        SELECT 1 FROM story_sketches s WHERE s.page_id = p.page_b AND s.body_hash = p.hash_b)
"""

#: Candidate pairs without a verdict: one page per distinct body (``reps``), two of them
#: sharing a band bucket; a bucket of more than ``$max_bucket`` bodies pairs each with its
#: smallest page only (a degenerate bucket must not cost its size squared).
_CANDIDATES = """
    WITH reps AS (
        SELECT body_hash, min(page_id) AS page_id FROM story_sketches
        WHERE minhash IS NOT NULL GROUP BY body_hash
    ), rb AS (
        SELECT b.band, b.bucket, b.page_id, r.body_hash
        FROM story_bands b JOIN reps r USING (page_id)
    ), buckets AS (
        SELECT band, bucket, count(*) AS n, min(page_id) AS root FROM rb
        GROUP BY band, bucket HAVING count(*) > 1
    ), pairs AS (
        SELECT a.page_id AS page_a, b.page_id AS page_b, a.body_hash AS hash_a,
               b.body_hash AS hash_b
        FROM rb a JOIN buckets k USING (band, bucket) JOIN rb b USING (band, bucket)
        WHERE a.page_id < b.page_id AND k.n <= $max_bucket
        UNION
        SELECT k.root, a.page_id, r.body_hash, a.body_hash
        FROM rb a JOIN buckets k USING (band, bucket) JOIN reps r ON r.page_id = k.root
        WHERE k.n > $max_bucket AND a.page_id <> k.root
    )
    SELECT DISTINCT p.* FROM pairs p ANTI JOIN story_pairs s
        ON s.page_a = p.page_a AND s.page_b = p.page_b
        AND s.hash_a = p.hash_a AND s.hash_b = p.hash_b
    ORDER BY page_a, page_b
"""

#: Linked pairs, and each copy of an identical body tied to the body's smallest page.
_EDGES = """
    SELECT page_a, page_b FROM story_pairs WHERE linked
    UNION ALL
    SELECT s.page_id, r.page_id FROM story_sketches s JOIN (
        SELECT body_hash, min(page_id) AS page_id FROM story_sketches
        WHERE minhash IS NOT NULL GROUP BY body_hash HAVING count(*) > 1
    ) r USING (body_hash)
    WHERE s.minhash IS NOT NULL AND s.page_id <> r.page_id
"""

_PAIR_SCHEMA = {
    "page_a": pl.String,
    "page_b": pl.String,
    "hash_a": pl.UInt64,
    "hash_b": pl.UInt64,
    "jaccard": pl.Float64,
    "containment": pl.Float64,
    "distinctive": pl.Float64,
    "linked": pl.Boolean,
}


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
    con: duckdb.DuckDBPyConnection,
    threshold: float = STORIES.lsh_threshold,
    min_words: int = STORIES.min_words,
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


def _verify_batch(con, pairs: pl.DataFrame, settings: StorySettings) -> pl.DataFrame:
    """Verdicts of one batch of candidate pairs, from the two bodies of each."""
    ids = pl.concat([pairs["page_a"], pairs["page_b"]]).unique().to_frame("page_id")
    con.register("batch_ids", ids.to_arrow())
    try:
        bodies = query_frame(
            con, "SELECT a.page_id, a.body FROM articles a JOIN batch_ids USING (page_id)"
        )
    finally:
        con.unregister("batch_ids")
    shingled = {page: body_shingles(body) for page, body in bodies.iter_rows()}
    empty = body_shingles("")
    verdicts = [
        verify(shingled.get(a, empty), shingled.get(b, empty), settings)
        for a, b in pairs.select("page_a", "page_b").iter_rows()
    ]
    return pairs.with_columns(
        pl.Series("jaccard", [v.jaccard for v in verdicts], dtype=pl.Float64),
        pl.Series("containment", [v.containment for v in verdicts], dtype=pl.Float64),
        pl.Series("distinctive", [v.distinctive for v in verdicts], dtype=pl.Float64),
        pl.Series("linked", [v.linked for v in verdicts], dtype=pl.Boolean),
    )


def refresh_pairs(
    con: duckdb.DuckDBPyConnection, settings: StorySettings = STORIES
) -> dict[str, int]:
    """Drop verdicts on changed bodies, verify the candidate pairs that have none."""
    before = con.execute("SELECT count(*) FROM story_pairs").fetchall()[0][0]
    run(con, _DROP_STALE_PAIRS)
    kept = con.execute("SELECT count(*) FROM story_pairs").fetchall()[0][0]
    candidates = query_frame(con, _CANDIDATES, {"max_bucket": settings.max_bucket})
    linked = 0
    for start in range(0, candidates.height, settings.pair_batch):
        batch = candidates.slice(start, settings.pair_batch)
        verdicts = _verify_batch(con, batch, settings).select(list(_PAIR_SCHEMA))
        linked += int(verdicts["linked"].sum())
        con.register("incoming", verdicts.to_arrow())
        try:
            run(con, "INSERT INTO story_pairs BY NAME SELECT * FROM incoming")
        finally:
            con.unregister("incoming")
    return {
        "pairs_dropped": before - kept,
        "pairs_verified": candidates.height,
        "pairs_linked": linked,
    }


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


def story_groups(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every article with a body, and its group (the smallest page_id linked to it; itself
    when it has no copy): page_id, group."""
    members = _components(query_frame(con, _EDGES))
    linked = pl.DataFrame(
        {"page_id": list(members), "group": list(members.values())},
        schema={"page_id": pl.String, "group": pl.String},
    )
    articles = query_frame(
        con, "SELECT page_id FROM articles WHERE has_article AND body IS NOT NULL"
    )
    return (
        articles.join(linked, on="page_id", how="left")
        .with_columns(pl.col("group").fill_null(pl.col("page_id")))
        .sort("page_id")
    )


def stored_clusters(con: duckdb.DuckDBPyConnection, groups: pl.DataFrame | None = None):
    """The ``story_clusters`` rows of the groups of two or more (``cluster_stories``'s
    columns): cluster_id is the group's smallest page_id, similarity its MinHash estimate
    against that page."""
    groups = story_groups(con) if groups is None else groups
    frame = groups.filter(pl.len().over("group") > 1).select(
        "page_id", pl.col("group").alias("cluster_id")
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
