"""The per-site model from per-partition counts: recount what changed, merge the rest.

Every latest page version belongs to exactly one partition (``pages.partition_key``), so the
number of distinct pages of a site holding a text is the sum over partitions of the same count
within each partition. ``recount`` therefore keeps, per partition, the counts the model needs
(``partition_counts``: pages per site, per text fingerprint, per template slot and per text in a
slot) and recomputes them only for partitions whose blocks changed since they were counted (a
new partition, a page that got a newer version elsewhere, a re-segmented page); ``merged_model``
sums them in DuckDB and hands polars only the repeated texts and the slots, so learning costs a
group-by over distinct blocks, never a re-read of pages, and its memory is DuckDB's (which
spills) rather than a frame of the corpus. The decisions are the ones ``winnow.model.learn``
makes from blocks, and ``merged_stats`` gives the counts extraction decides with;
``tests/test_partitions.py`` checks both equal a pass over every block.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import polars as pl

from winnow.model.site import (
    BOILERPLATE_SCHEMA,
    SLOT_MIN_SHARE,
    SLOT_MIN_TEXTS,
    SiteStats,
    _text_decision,
    min_pages,
)
from winnow.warehouse.tables import query_frame, run

#: Blocks of the latest page versions that the model learns from, with their partition.
_LATEST_BLOCKS = """
    SELECT coalesce(p.partition_key, '') AS partition_key, b.site, b.page_id, b.content_hash,
           b.block_index, b.fingerprint, b.signature, b.text
    FROM page_blocks b JOIN latest_pages p
      ON p.page_id = b.page_id AND p.content_hash = b.content_hash
    WHERE b.site IS NOT NULL
"""

_MEMBERS = f"""
    SELECT partition_key, site,
           bit_xor(hash(page_id, content_hash, block_index, fingerprint, signature) >> 1)::BIGINT
               AS members_hash,
           count(DISTINCT page_id) AS pages
    FROM ({_LATEST_BLOCKS}) GROUP BY partition_key, site
"""

_RECOUNT = f"""
    INSERT INTO partition_counts
    WITH blocks AS (
        SELECT l.* FROM ({_LATEST_BLOCKS}) l JOIN dirty d USING (partition_key, site)
    ),
    per_page AS (
        SELECT partition_key, site, fingerprint, page_id, count(*) AS in_page, min(text) AS text
        FROM blocks GROUP BY ALL
    )
    SELECT partition_key, site, 'site', 0, 0, count(DISTINCT page_id), NULL, NULL, NULL
    FROM blocks GROUP BY partition_key, site
    UNION ALL
    SELECT partition_key, site, 'text', fingerprint, 0, count(*), sum(in_page), max(in_page),
           min(text)
    FROM per_page GROUP BY partition_key, site, fingerprint
    UNION ALL
    SELECT partition_key, site, 'slot', signature, 0, count(DISTINCT page_id), count(*), NULL,
           NULL
    FROM blocks GROUP BY partition_key, site, signature
    UNION ALL
    SELECT partition_key, site, 'slot_text', signature, fingerprint, count(DISTINCT page_id),
           NULL, NULL, NULL
    FROM blocks WHERE signature <> 0 GROUP BY partition_key, site, signature, fingerprint
"""


def recount(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Bring ``partition_counts`` up to date with the blocks, in the caller's transaction.

    Counts are kept per partition and site, and only the (partition, site) pairs whose blocks
    changed are recounted: a night that brings new versions of a few pages from every file
    recounts those pages' sites, not every file. Returns what it did, with the changed sites
    in ``changed_sites`` (the sites whose model must be merged again).
    """
    members = query_frame(con, _MEMBERS)
    known = query_frame(con, "SELECT partition_key, site, members_hash, pages FROM partition_sites")
    pair = ["partition_key", "site"]
    dirty = members.join(known, on=[*pair, "members_hash", "pages"], how="anti")
    counted = query_frame(
        con, "SELECT DISTINCT partition_key, site FROM partition_counts WHERE kind = 'site'"
    )
    gone = pl.concat([known.select(pair), counted]).unique().join(members, on=pair, how="anti")
    stale = pl.concat([dirty.select(pair), gone])
    con.register("dirty", stale.to_arrow())
    try:
        for table in ("partition_counts", "partition_sites"):
            run(con, f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM dirty d "
                "WHERE d.partition_key = t.partition_key AND d.site = t.site)")  # fmt: skip
        run(con, _RECOUNT)
    finally:
        con.unregister("dirty")
    marks = dirty.with_columns(
        pl.lit(datetime.now(UTC).replace(tzinfo=None)).alias("counted_at"),
        pl.lit(run_id).alias("run_id"),
    )
    if marks.height:
        con.register("counted", marks.to_arrow())
        try:
            run(con, "INSERT INTO partition_sites BY NAME SELECT * FROM counted")
        finally:
            con.unregister("counted")
    partitions = set(members["partition_key"])
    return {
        "partitions": len(partitions),
        "partitions_recounted": dirty["partition_key"].n_unique(),
        "partitions_dropped": len(set(gone["partition_key"]) - partitions),
        "sites_recounted": stale["site"].n_unique(),
        "pages_recounted": int(dirty["pages"].sum() or 0),
        "changed_sites": sorted(set(stale["site"])),
    }


def _site_sizes(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Pages per site summed over partitions, with the site's chrome threshold."""
    sizes = query_frame(
        con,
        "SELECT site, sum(pages)::BIGINT AS site_pages FROM scoped_counts "
        "WHERE kind = 'site' GROUP BY site",
    )
    return sizes.with_columns(
        pl.col("site_pages").map_elements(min_pages, return_dtype=pl.Int64).alias("threshold")
    )


def _texts(con: duckdb.DuckDBPyConnection, sizes: pl.DataFrame) -> pl.DataFrame:
    """Texts on two or more pages of a site (or repeated within one), with their decision."""
    repeated = query_frame(
        con,
        "SELECT site, key AS fingerprint, sum(pages)::BIGINT AS pages, "
        "sum(occurrences)::BIGINT AS occurrences, max(max_in_page)::BIGINT AS max_in_page, "
        "min(sample_text) AS sample_text FROM scoped_counts WHERE kind = 'text' "
        "GROUP BY site, key HAVING sum(pages) >= 2 OR max(max_in_page) >= 2",
    )
    return repeated.join(sizes, on="site").with_columns(_text_decision())


_SLOTS = """
    WITH slot_texts AS (
        SELECT site, key AS signature, key2 AS fingerprint FROM scoped_counts
        WHERE kind = 'slot_text' GROUP BY site, key, key2
    ),
    judged AS (
        SELECT s.site, s.signature, count(*) AS texts,
               avg(CASE WHEN c.site IS NULL THEN 0.0 ELSE 1.0 END) AS chrome_share,
               min(s.fingerprint) FILTER (WHERE c.site IS NULL) AS sample_key
        FROM slot_texts s LEFT JOIN chrome c ON c.site = s.site AND c.fingerprint = s.fingerprint
        GROUP BY s.site, s.signature
    ),
    slots AS (
        SELECT site, key AS signature, sum(pages)::BIGINT AS pages,
               sum(occurrences)::BIGINT AS occurrences
        FROM scoped_counts WHERE kind = 'slot' AND key <> 0 GROUP BY site, key
    )
    SELECT j.site, j.signature, s.pages, s.occurrences, z.site_pages, z.threshold,
           j.chrome_share,
           (SELECT min(t.sample_text) FROM scoped_counts t WHERE t.kind = 'text'
              AND t.site = j.site AND t.key = j.sample_key) AS sample_text
    FROM judged j JOIN slots s USING (site, signature) JOIN sizes z ON z.site = j.site
    WHERE s.pages >= z.threshold AND j.texts >= ? AND j.chrome_share >= ?
      AND j.chrome_share < 1.0
"""


def _slots(con: duckdb.DuckDBPyConnection, sizes: pl.DataFrame, texts: pl.DataFrame):
    """Template slots whose distinct texts are mostly chrome (see ``winnow.model.site``)."""
    chrome = texts.filter(pl.col("decision") == "boilerplate").select("site", "fingerprint")
    con.register("chrome", chrome.to_arrow())
    con.register("sizes", sizes.to_arrow())
    try:
        slots = query_frame(con, _SLOTS, [SLOT_MIN_TEXTS, SLOT_MIN_SHARE])
    finally:
        con.unregister("chrome")
        con.unregister("sizes")
    reason = (
        pl.lit("template slot on ")
        + pl.col("pages").cast(pl.String)
        + pl.lit(" pages whose texts are ")
        + (pl.col("chrome_share") * 100).round(0).cast(pl.Int64).cast(pl.String)
        + pl.lit("% chrome; its other texts rotate")
    )
    return slots.select(
        "site",
        pl.lit("slot").alias("kind"),
        pl.col("signature").alias("key"),
        "pages",
        "site_pages",
        (pl.col("pages") / pl.col("site_pages")).alias("share"),
        "occurrences",
        pl.lit(1, dtype=pl.Int64).alias("max_in_page"),
        "threshold",
        "sample_text",
        pl.lit("boilerplate").alias("decision"),
        reason.alias("reason"),
    ).cast(BOILERPLATE_SCHEMA)


def merged_model(con: duckdb.DuckDBPyConnection, sites: list[str] | None = None) -> pl.DataFrame:
    """The ``boilerplate`` table from the merged partition counts (same as ``learn(blocks)``),
    of every site or only of ``sites`` (a site's model depends on its own counts only)."""
    scope = "SELECT * FROM partition_counts"
    if sites is not None:
        frame = pl.DataFrame({"site": sites}, schema={"site": pl.String})
        con.register("model_sites", frame.to_arrow())
        scope += " WHERE site IN (SELECT site FROM model_sites)"
    run(con, f"CREATE OR REPLACE TEMP VIEW scoped_counts AS {scope}")
    try:
        return _merged_rows(con)
    finally:
        run(con, "DROP VIEW IF EXISTS scoped_counts")
        if sites is not None:
            con.unregister("model_sites")


def _merged_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    sizes = _site_sizes(con)
    texts = _texts(con, sizes)
    text_rows = texts.select(
        "site",
        pl.lit("text").alias("kind"),
        pl.col("fingerprint").alias("key"),
        "pages",
        "site_pages",
        (pl.col("pages") / pl.col("site_pages")).alias("share"),
        "occurrences",
        "max_in_page",
        "threshold",
        "sample_text",
        "decision",
        "reason",
    ).cast(BOILERPLATE_SCHEMA)
    return pl.concat([text_rows, _slots(con, sizes, texts)]).sort(
        "site", "kind", "pages", "key", descending=[False, False, True, False]
    )


def merged_stats(con: duckdb.DuckDBPyConnection, sites: list[str] | None = None) -> SiteStats:
    """The cross-page counts extraction decides with (``winnow.model.site_stats`` over every
    block of the latest versions), summed from the partition counts instead; of every site or
    only of ``sites`` (an extraction slice reads its own sites' counts, not the corpus')."""
    scope = "" if sites is None else "AND site IN (SELECT site FROM stats_sites) "
    if sites is not None:
        frame = pl.DataFrame({"site": sites}, schema={"site": pl.String})
        con.register("stats_sites", frame.to_arrow())
    try:
        sizes = query_frame(
            con,
            "SELECT site, sum(pages)::BIGINT AS site_pages FROM partition_counts "
            f"WHERE kind = 'site' {scope}GROUP BY site",
        )
        texts = query_frame(
            con,
            "SELECT site, key AS fingerprint, sum(pages)::BIGINT AS text_pages "
            f"FROM partition_counts WHERE kind = 'text' {scope}"
            "GROUP BY site, key HAVING sum(pages) >= 2",
        )
        slots = query_frame(
            con,
            "SELECT site, key AS signature, sum(pages)::BIGINT AS slot_pages "
            f"FROM partition_counts WHERE kind = 'slot' {scope}"
            "GROUP BY site, key HAVING sum(pages) >= 2",
        )
    finally:
        if sites is not None:
            con.unregister("stats_sites")
    return SiteStats(sizes, texts, slots)
