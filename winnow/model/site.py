"""The per-site boilerplate model, learnt across the pages of each site.

A block is chrome when its normalised text recurs on many distinct pages of one site, however
article-like its sentences read ("Top Stories" teasers, cookie notices, footers). A template
slot (the same tag path with classes) whose texts are mostly such repeats is chrome too, so a
teaser that rotates daily is caught by its container. Every decision keeps its reason, so
``select * from boilerplate where ...`` answers "why was this paragraph dropped?".

Thresholds adapt to the site's size: a site with fewer than ``MIN_SITE_PAGES`` pages gets no
model at all (its pages keep the single-page result: cross-page evidence cannot make them
worse), small sites need a block on at least 3 pages, large ones on a slowly growing number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from winnow.parse.fingerprint import hash64

MIN_SITE_PAGES = 3
SLOT_MIN_SHARE = 0.8  # share of a slot's distinct texts that must be chrome
SLOT_MIN_TEXTS = 3  # a slot is judged only once it has held this many distinct texts

BLOCK_SCHEMA = {
    "site": pl.String,
    "page_id": pl.String,
    "fingerprint": pl.Int64,
    "signature": pl.Int64,
    "text": pl.String,
    "n_chars": pl.Int32,
    "link_density": pl.Float32,
}

BOILERPLATE_SCHEMA = {
    "site": pl.String,
    "kind": pl.String,
    "key": pl.Int64,
    "pages": pl.Int64,
    "site_pages": pl.Int64,
    "share": pl.Float64,
    "occurrences": pl.Int64,
    "max_in_page": pl.Int64,
    "threshold": pl.Int64,
    "sample_text": pl.String,
    "decision": pl.String,
    "reason": pl.String,
}


def min_pages(site_pages: int) -> int:
    """Distinct pages a text must be seen on to be chrome, for a site of ``site_pages`` pages.

    3 up to 50 pages, then slowly more (5 at 500, 7 at 5,000): a quote shared by a few
    updates of one story must not become chrome on a large site.
    """
    if site_pages < MIN_SITE_PAGES:
        return 1 << 30
    if site_pages <= 50:
        return 3
    return math.ceil(3 + 2 * math.log10(site_pages / 50))


@dataclass(frozen=True, slots=True)
class SiteModel:
    """What extraction needs of the model for one site: the chrome text and slot keys."""

    site: str
    site_pages: int
    text_keys: frozenset[int] = field(default_factory=frozenset)
    slot_keys: frozenset[int] = field(default_factory=frozenset)

    @property
    def model_hash(self) -> int:
        """Changes when the site's decisions change: articles of the site are then re-extracted."""
        keys = (
            ",".join(map(str, sorted(self.text_keys)))
            + "|"
            + ",".join(map(str, sorted(self.slot_keys)))
        )
        return hash64(keys)

    def is_chrome(self, fingerprint: int, signature: int = 0) -> bool:
        return fingerprint in self.text_keys or (signature != 0 and signature in self.slot_keys)


EMPTY_MODEL = SiteModel(site="", site_pages=0)


def learn(blocks: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The ``boilerplate`` table from text blocks (columns of ``BLOCK_SCHEMA``).

    One row per repeated text (kind ``text``) and per judged template slot (kind ``slot``) of
    every site; unique texts are left out, they are content by construction.
    """
    lf = blocks.lazy().filter(pl.col("site").is_not_null() & (pl.col("n_chars") > 0))
    # One row per site with its size and threshold (min_pages runs once per site).
    site_pages = (
        lf.group_by("site")
        .agg(pl.col("page_id").n_unique().alias("site_pages"))
        .collect()
        .with_columns(
            pl.col("site_pages").map_elements(min_pages, return_dtype=pl.Int64).alias("threshold")
        )
        .lazy()
    )
    per_page = lf.group_by("site", "fingerprint", "page_id").agg(
        pl.len().alias("in_page"), pl.col("text").first(), pl.col("signature").first()
    )
    texts = (
        per_page.group_by("site", "fingerprint")
        .agg(
            pl.len().alias("pages"),
            pl.col("in_page").sum().alias("occurrences"),
            pl.col("in_page").max().alias("max_in_page"),
            pl.col("text").min().alias("sample_text"),
        )
        .join(site_pages, on="site")
        .filter((pl.col("pages") >= 2) | (pl.col("max_in_page") >= 2))
        .with_columns(_text_decision())
        .collect()
    )
    slots = _slots(lf, texts, site_pages)
    return pl.concat(
        [
            texts.select(
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
            ).cast(BOILERPLATE_SCHEMA),
            slots.cast(BOILERPLATE_SCHEMA),
        ]
    ).sort("site", "kind", "pages", "key", descending=[False, False, True, False])


def _text_decision() -> list[pl.Expr]:
    active = pl.col("site_pages") >= MIN_SITE_PAGES
    on_many = active & (pl.col("pages") >= pl.col("threshold"))
    repeats = active & (pl.col("pages") >= 2) & (pl.col("max_in_page") >= 2)
    pages_txt = (
        pl.lit("on ")
        + pl.col("pages").cast(pl.String)
        + pl.lit(" of ")
        + pl.col("site_pages").cast(pl.String)
        + pl.lit(" pages")
    )
    decision = pl.when(on_many | repeats).then(pl.lit("boilerplate")).otherwise(pl.lit("content"))
    reason = (
        pl.when(~active)
        .then(pl.lit(f"site has fewer than {MIN_SITE_PAGES} pages: no cross-page model"))
        .when(on_many)
        .then(pages_txt + pl.lit(" (threshold ") + pl.col("threshold").cast(pl.String) + ")")
        .when(repeats)
        .then(
            pages_txt
            + pl.lit(", repeated up to ")
            + pl.col("max_in_page").cast(pl.String)
            + pl.lit(" times within a page")
        )
        .otherwise(pages_txt + pl.lit(", below threshold ") + pl.col("threshold").cast(pl.String))
    )
    return [decision.alias("decision"), reason.alias("reason")]


def _slots(lf: pl.LazyFrame, texts: pl.DataFrame, site_pages: pl.LazyFrame) -> pl.DataFrame:
    """Template slots whose distinct texts are mostly chrome: every text in them is chrome."""
    chrome = (
        texts.lazy()
        .filter(pl.col("decision") == "boilerplate")
        .select("site", "fingerprint", pl.lit(True).alias("is_chrome"))
    )
    slot_texts = (
        lf.filter(pl.col("signature") != 0)
        .group_by("site", "signature", "fingerprint")
        .agg(pl.col("page_id").n_unique().alias("pages"), pl.col("text").first())
        .join(chrome, on=["site", "fingerprint"], how="left")
        .with_columns(pl.col("is_chrome").fill_null(False))
    )
    slot_pages = (
        lf.filter(pl.col("signature") != 0)
        .group_by("site", "signature")
        .agg(pl.col("page_id").n_unique().alias("pages"), pl.len().alias("occurrences"))
    )
    return (
        slot_texts.group_by("site", "signature")
        .agg(
            pl.len().alias("texts"),
            pl.col("is_chrome").mean().alias("chrome_share"),
            pl.col("text").filter(~pl.col("is_chrome")).first().alias("sample_text"),
            (pl.col("pages") == 1).sum().alias("unique_texts"),
        )
        .join(slot_pages, on=["site", "signature"])
        .join(site_pages, on="site")
        .filter(
            (pl.col("pages") >= pl.col("threshold"))
            & (pl.col("texts") >= SLOT_MIN_TEXTS)
            & (pl.col("chrome_share") >= SLOT_MIN_SHARE)
            & (pl.col("chrome_share") < 1.0)
        )
        .select(
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
            (
                pl.lit("template slot on ")
                + pl.col("pages").cast(pl.String)
                + pl.lit(" pages whose texts are ")
                + (pl.col("chrome_share") * 100).round(0).cast(pl.Int64).cast(pl.String)
                + pl.lit("% chrome; its other texts rotate")
            ).alias("reason"),
        )
        .collect()
    )


def site_models(boilerplate: pl.DataFrame) -> dict[str, SiteModel]:
    """Per-site lookup sets from the ``boilerplate`` table, for extraction."""
    per_site = boilerplate.group_by("site").agg(
        pl.col("site_pages").max(),
        pl.col("key").filter((pl.col("decision") == "boilerplate") & (pl.col("kind") == "text")),
        pl.col("key")
        .filter((pl.col("decision") == "boilerplate") & (pl.col("kind") == "slot"))
        .alias("slots"),
    )
    return {
        site: SiteModel(site, int(size), frozenset(texts), frozenset(slots))
        for site, size, texts, slots in per_site.iter_rows()
    }


@dataclass(frozen=True, slots=True)
class SiteStats:
    """Cross-page counts the block decisions use: pages per site, and on how many distinct pages
    of its site each repeated text (fingerprint) and template slot (signature) occurs."""

    sizes: pl.DataFrame  # site, site_pages
    texts: pl.DataFrame  # site, fingerprint, text_pages (only texts on 2+ pages)
    slots: pl.DataFrame  # site, signature, slot_pages (only slots on 2+ pages)


def site_stats(blocks: pl.DataFrame | pl.LazyFrame) -> SiteStats:
    """Count distinct pages per site, per (site, text) and per (site, slot): three group-bys."""
    lf = blocks.lazy().filter(pl.col("site").is_not_null())
    sizes = lf.group_by("site").agg(pl.col("page_id").n_unique().alias("site_pages"))
    texts = (
        lf.group_by("site", "fingerprint")
        .agg(pl.col("page_id").n_unique().alias("text_pages"))
        .filter(pl.col("text_pages") >= 2)
    )
    slots = (
        lf.group_by("site", "signature")
        .agg(pl.col("page_id").n_unique().alias("slot_pages"))
        .filter(pl.col("slot_pages") >= 2)
    )
    sizes, texts, slots = pl.collect_all([sizes, texts, slots])
    return SiteStats(
        sizes.cast({"site_pages": pl.Int64}),
        texts.cast({"text_pages": pl.Int64}),
        slots.cast({"slot_pages": pl.Int64}),
    )
