"""Why a block was kept or dropped: the classifier's belief and the site model's evidence.

``winnow why PAGE_ID`` shows, for every block of a page, the probability the block classifier
gave it (stage 2, after seeing its neighbours and containers), whether it made the article,
and on how many pages of the site the same text recurs.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from winnow.extract.classifier import BlockClassifier, default_classifier
from winnow.extract.features import batch
from winnow.model.site import SiteStats


def explain_blocks(
    blocks: pl.DataFrame,
    elements: pl.DataFrame,
    stats: SiteStats,
    classifier: BlockClassifier | None = None,
) -> pl.DataFrame:
    """One row per block: block_index, probability, kept, pages of the site repeating it."""
    classifier = classifier or default_classifier()
    b = batch(blocks, elements)
    p = classifier.probabilities(b, blocks, stats)
    frame = blocks.select("page_id", "block_index", "site", "fingerprint").with_columns(
        pl.Series("p_article", np.round(p, 3)),
        pl.Series("kept", classifier.decide(b, p)),
    )
    return (
        frame.join(stats.texts, on=["site", "fingerprint"], how="left")
        .join(stats.sizes, on="site", how="left")
        .select(
            "page_id",
            "block_index",
            "p_article",
            "kept",
            pl.col("text_pages").fill_null(1).alias("pages_with_text"),
            pl.col("site_pages").fill_null(1),
        )
    )
