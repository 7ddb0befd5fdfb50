"""What a run's tables hold, as small frames a person reads at a glance (the Dagster UI shows
them beside each materialization; ``winnow query`` can ask the same). Each is one set-based
query; none returns more than a screenful of rows."""

from __future__ import annotations

import duckdb
import polars as pl

from winnow.warehouse import query_frame, scalar

#: Sites shown in a per-site table or plot (the largest first).
MAX_SITES = 20
#: Days shown in the articles-per-day plot (the most recent published dates).
MAX_DAYS = 30


def row_count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of ``table`` (one of the warehouse's own table names, never user input)."""
    return int(scalar(con, f"SELECT count(*) FROM {table}"))


def articles_by_site(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per site: pages, articles, pages without one, median words of its articles."""
    return query_frame(
        con,
        "SELECT site, count(*) AS pages, count(*) FILTER (WHERE has_article) AS articles, "
        "count(*) FILTER (WHERE NOT has_article) AS no_article, "
        "CAST(median(n_words) FILTER (WHERE has_article) AS INTEGER) AS median_words "
        "FROM articles GROUP BY site ORDER BY articles DESC, site LIMIT ?",
        [MAX_SITES],
    )


def articles_per_day(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Articles per site and published day, over the last ``MAX_DAYS`` days with articles."""
    return query_frame(
        con,
        "WITH days AS (SELECT DISTINCT published_at AS day FROM articles "
        "WHERE has_article AND published_at IS NOT NULL ORDER BY day DESC LIMIT ?) "
        "SELECT a.site, a.published_at AS day, count(*) AS articles FROM articles a "
        "SEMI JOIN days d ON d.day = a.published_at WHERE a.has_article "
        "GROUP BY ALL ORDER BY day, site",
        [MAX_DAYS],
    )


def chrome_share_by_site(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per modelled site, the share of its block text (characters) the model calls chrome."""
    return query_frame(
        con,
        "WITH chrome AS (SELECT site, key FROM boilerplate "
        "WHERE kind = 'text' AND decision = 'boilerplate') "
        "SELECT b.site, coalesce(sum(b.n_chars) FILTER (WHERE c.key IS NOT NULL), 0) "
        "/ sum(b.n_chars) AS chrome_share "
        "FROM page_blocks b LEFT JOIN chrome c ON c.site = b.site AND c.key = b.fingerprint "
        "WHERE b.site IN (SELECT site FROM site_models) GROUP BY b.site "
        "ORDER BY chrome_share DESC, b.site",
    )


def top_chrome_texts(con: duckdb.DuckDBPyConnection, per_site: int = 3) -> pl.DataFrame:
    """Per site (the ``MAX_SITES`` with most pages), the texts removed from most of its pages,
    with the share of its pages that hold them."""
    return query_frame(
        con,
        "WITH sites AS (SELECT site FROM site_models ORDER BY site_pages DESC, site LIMIT ?) "
        "SELECT site, round(share, 3) AS page_share, pages, sample_text AS text "
        "FROM boilerplate SEMI JOIN sites USING (site) "
        "WHERE kind = 'text' AND decision = 'boilerplate' "
        "QUALIFY row_number() OVER (PARTITION BY site ORDER BY share DESC, pages DESC, key) <= ? "
        "ORDER BY site, page_share DESC",
        [MAX_SITES, per_site],
    )
