"""``winnow why PAGE_ID|URL``: each block of a page's latest version, kept or dropped, and why."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from winnow.cli.common import CommandError, settings
from winnow.cli.output import write_result
from winnow.cli.query import fetch

if TYPE_CHECKING:
    import duckdb

WHY_SQL = """
SELECT b.block_index, b.tag, b.text,
       CASE WHEN 'boilerplate' IN (t.decision, s.decision) THEN 'boilerplate'
            ELSE coalesce(t.decision, 'content') END AS decision,
       CASE WHEN s.decision = 'boilerplate' AND t.decision IS DISTINCT FROM 'boilerplate'
            THEN s.reason ELSE coalesce(t.reason, s.reason, 'seen on this page only') END AS reason
FROM page_blocks b
JOIN latest_pages p ON p.page_id = b.page_id AND p.content_hash = b.content_hash
LEFT JOIN boilerplate t ON t.site = b.site AND t.kind = 'text' AND t.key = b.fingerprint
LEFT JOIN boilerplate s ON s.site = b.site AND s.kind = 'slot' AND s.key = b.signature
WHERE b.page_id = ?
ORDER BY b.block_index
"""

#: A page named by its stored key, the id one source gives it ("bridge" -> "demo/bridge") or
#: its URL (with or without a trailing slash).
KEYS_SQL = """
SELECT DISTINCT page_id FROM latest_pages
WHERE page_id = ? OR page_id = source || '/' || ?
   OR url IN (?, rtrim(?, '/'), rtrim(?, '/') || '/')
ORDER BY 1
"""


def page_keys(con: duckdb.DuckDBPyConnection, given: str) -> list[str]:
    """The stored keys ``given`` names; more than one when several pages answer to it."""
    rows = con.execute(KEYS_SQL, [given] * 5).fetchall()
    exact = [row[0] for row in rows if row[0] == given]
    return exact or [row[0] for row in rows]


def cmd_why(args: argparse.Namespace) -> int:
    from winnow.warehouse import open_published

    con = open_published(settings(args).warehouse)
    try:
        keys = page_keys(con, args.page)
        if len(keys) > 1:
            raise CommandError(f"{args.page!r} names {len(keys)} pages: {', '.join(keys)}", 1)
        page_id = keys[0] if keys else args.page
        columns, rows = fetch(con, WHY_SQL, [page_id])
        beliefs = _classifier_beliefs(con, page_id) if rows else {}
    finally:
        con.close()
    if not rows:
        raise CommandError(f"no blocks stored for page {args.page!r} (a page id or URL)", 1)
    if beliefs:  # the classifier's view beside the site model's
        columns = [*columns[:3], "kept", "p_article", *columns[3:]]
        rows = [(*r[:3], *beliefs.get(r[0], (None, None)), *r[3:]) for r in rows]
    write_result(columns, rows, args.format, sys.stdout, title=f"blocks of {page_id}")
    return 0


def _classifier_beliefs(
    con: duckdb.DuckDBPyConnection, page_id: str
) -> dict[int, tuple[bool, float]]:
    """The block classifier's decision and probability for each block of the page's latest
    version (site counts from the merged partition counts, as extraction reads them)."""
    from winnow import warehouse
    from winnow.extract.explain import explain_blocks
    from winnow.partitions import counts as partition_counts

    keys = con.execute(
        "SELECT page_id, content_hash FROM latest_pages WHERE page_id = ?", [page_id]
    ).fetchall()
    blocks, elements, _ = warehouse.read_segments(con, keys)
    if blocks.is_empty():
        return {}
    explained = explain_blocks(blocks, elements, partition_counts.merged_stats(con))
    return {
        i: (kept, p)
        for i, p, kept in explained.select("block_index", "p_article", "kept").iter_rows()
    }
