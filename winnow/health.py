"""Site health: each site's extraction in this run against the site's own recent history.

The commonest silent failure of a news scraper is a site changing its template: its pages
still load, but their articles come out empty or full of chrome. No fixed bound catches that
(sites differ too much), but a site differs little from itself, so each run records four
figures per site over the articles it wrote (``site_health_runs``) and the check compares them
with the median of the site's last runs. The figures and the judgement are pure functions over
frames; reading and writing the table are the only functions that take a connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from winnow.warehouse import query_frame, run


@dataclass(frozen=True, slots=True)
class Rule:
    """A figure and the direction in which it goes wrong."""

    figure: str
    label: str
    worse: str  # "drop": relative fall below the usual; "rise": absolute rise above it


RULES = (
    Rule("articles_per_page", "articles per page", "drop"),
    Rule("median_words", "median body words", "drop"),
    Rule("no_article_share", "share of pages with no article", "rise"),
    Rule("removed_share", "share of text removed as chrome", "rise"),
)
FIGURES = [rule.figure for rule in RULES]

#: The run's articles with what the figures need: body length and the page's block text.
_RUN_PAGES_SQL = """
WITH run_articles AS (
    SELECT page_id, content_hash, site, has_article, n_words, length(body)::BIGINT AS body_chars
    FROM articles WHERE run_id = ? AND site IS NOT NULL)
SELECT a.site, a.page_id, a.has_article, a.n_words, a.body_chars,
       coalesce(b.text_chars, 0)::BIGINT AS text_chars
FROM run_articles a LEFT JOIN (
    SELECT page_id, content_hash, sum(n_chars)::BIGINT AS text_chars FROM page_blocks
    SEMI JOIN run_articles USING (page_id, content_hash) GROUP BY ALL) b
USING (page_id, content_hash)
"""


def site_figures(pages: pl.DataFrame) -> pl.DataFrame:
    """Per site: pages, articles and the four figures of ``RULES`` over ``pages`` (one row per
    article written: site, has_article, n_words, body_chars, text_chars)."""
    articles = pl.col("has_article").cast(pl.Int64).sum()
    kept = pl.col("body_chars").filter(pl.col("has_article")).sum()
    return (
        pages.group_by("site")
        .agg(
            pl.len().cast(pl.Int64).alias("pages"),
            articles.alias("articles"),
            (articles / pl.len()).alias("articles_per_page"),
            pl.col("n_words")
            .filter(pl.col("has_article"))
            .median()
            .fill_null(0.0)
            .cast(pl.Float64)
            .alias("median_words"),
            (1 - articles / pl.len()).alias("no_article_share"),
            (1 - kept / pl.col("text_chars").sum())
            .clip(0.0, 1.0)
            .fill_nan(0.0)
            .fill_null(0.0)
            .alias("removed_share"),
        )
        .sort("site")
    )


def record(con: duckdb.DuckDBPyConnection, run_id: str, measured_at: datetime) -> pl.DataFrame:
    """Measure the sites of the articles ``run_id`` wrote and keep the figures (a re-run of
    the same run replaces its rows); returns them."""
    figures = site_figures(query_frame(con, _RUN_PAGES_SQL, [run_id])).with_columns(
        pl.lit(run_id).alias("run_id"),
        pl.lit(measured_at).cast(pl.Datetime("us")).alias("measured_at"),
    )
    run(con, "DELETE FROM site_health_runs WHERE run_id = ?", [run_id])
    if figures.height:
        con.register("_health", figures.to_arrow())
        try:
            run(con, "INSERT INTO site_health_runs BY NAME SELECT * FROM _health")
        finally:
            con.unregister("_health")
    return figures


def read_run(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """The figures ``run_id`` recorded, one row per site."""
    return query_frame(
        con, "SELECT * FROM site_health_runs WHERE run_id = ? ORDER BY site", [run_id]
    )


def read_history(
    con: duckdb.DuckDBPyConnection, run_id: str, runs: int, min_pages: int
) -> pl.DataFrame:
    """Each site's last ``runs`` runs before ``run_id`` that measured at least ``min_pages``."""
    return query_frame(
        con,
        "SELECT * FROM site_health_runs WHERE run_id <> ? AND pages >= ? AND measured_at <= "
        "coalesce((SELECT max(measured_at) FROM site_health_runs WHERE run_id = ?), now()) "
        "QUALIFY row_number() OVER (PARTITION BY site ORDER BY measured_at DESC) <= ? "
        "ORDER BY site, measured_at",
        [run_id, min_pages, run_id, runs],
    )


def judged_sites(current: pl.DataFrame, history: pl.DataFrame, min_pages: int) -> list[str]:
    """Sites of ``current`` with enough pages now and at least one run of ``history``."""
    known = set(history["site"]) if history.height else set()
    enough = current.filter(pl.col("pages") >= min_pages)["site"] if current.height else []
    return sorted(site for site in enough if site in known)


def judge(
    current: pl.DataFrame,
    history: pl.DataFrame,
    min_pages: int,
    max_drop: float,
    max_rise: float,
) -> pl.DataFrame:
    """Sites whose figures fell off a cliff: one row per (site, figure) with the value, the
    site's usual (median of ``history``), the runs it is based on and a sentence saying so.
    A site is judged with at least ``min_pages`` pages now and one run of history."""
    columns = {
        "site": pl.String,
        "figure": pl.String,
        "value": pl.Float64,
        "usual": pl.Float64,
        "history_runs": pl.Int64,
        "reason": pl.String,
    }
    if current.is_empty() or history.is_empty():
        return pl.DataFrame(schema=columns)
    usual = history.group_by("site").agg(
        pl.len().cast(pl.Int64).alias("history_runs"), *[pl.col(f).median() for f in FIGURES]
    )
    now = current.filter(pl.col("pages") >= min_pages).join(usual, on="site", suffix="_usual")
    flags = []
    for rule in RULES:
        value, before = pl.col(rule.figure), pl.col(f"{rule.figure}_usual")
        bad = (
            (value < before * (1 - max_drop))
            if rule.worse == "drop"
            else (value - before > max_rise)
        )
        hits = now.filter(bad).select(
            "site",
            pl.lit(rule.figure).alias("figure"),
            value.cast(pl.Float64).alias("value"),
            before.cast(pl.Float64).alias("usual"),
            "history_runs",
            "pages",
        )
        flags += [{**row, "reason": _reason(rule, row)} for row in hits.iter_rows(named=True)]
    return pl.DataFrame([{k: f[k] for k in columns} for f in flags], schema=columns).sort(
        "site", "figure"
    )


def _reason(rule: Rule, row: dict) -> str:
    def shown(x: float) -> str:
        return f"{x:.0%}" if rule.figure.endswith("share") else f"{x:.3g}"

    return (
        f"{row['site']}: {rule.label} {shown(row['value'])} over {row['pages']} pages, usually "
        f"{shown(row['usual'])} (median of its last {row['history_runs']} runs)"
    )
