"""Article extraction over a batch of segmented pages: decide on blocks, assemble, add metadata.

The input is what the ``segment`` stage stores (blocks, elements and declared metadata as
frames) and the site model's counts; nothing re-reads or re-parses a page. HTML pages are
decided by the learnt block classifier, text pages by ``text_pages``; both end in the same
``Article`` record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from winnow.extract.assemble import Body, assemble
from winnow.extract.classifier import BlockClassifier, default_classifier
from winnow.extract.features import Batch, batch
from winnow.extract.language import identify
from winnow.extract.metadata import (
    PageMeta,
    choose_title,
)
from winnow.extract.rules import TAG_CODES
from winnow.extract.text_pages import decide_text_pages, read_head
from winnow.model.site import SiteStats
from winnow.parse.fingerprint import word_count

H1 = TAG_CODES["h1"]
MIN_ARTICLE_WORDS = 40  # fewer kept words than this: the page holds no article
LANGID_MIN_WORDS = 10
LANGID_CHARS = 1000

META_COLUMNS = {
    "page_id": pl.String,
    "format": pl.String,
    "url": pl.String,
    "title": pl.String,
    "byline": pl.String,
    "date": pl.String,
    "language": pl.String,
    "site_name": pl.String,
    "date_source": pl.String,
}


@dataclass(slots=True)
class Article:
    """What extraction found on one page; an empty body when the page holds no article."""

    title: str | None = None
    byline: str | None = None
    published_at: str | None = None
    language: str | None = None
    body: str = ""
    markdown: str = ""
    n_words: int = 0
    has_article: bool = False
    blocks_kept: int = 0
    blocks_removed: int = 0


def meta_frame(rows: list[tuple[str, str, str | None, PageMeta]]) -> pl.DataFrame:
    """Declared metadata of parsed pages (``(page_id, format, url, meta)``), one row each."""
    return pl.DataFrame(
        [
            (
                pid,
                fmt,
                url,
                m.declared_title,
                m.byline,
                m.date,
                m.language,
                m.site_name,
                m.date_source,
            )
            for pid, fmt, url, m in rows
        ],
        schema=META_COLUMNS,
        orient="row",
    )


def detect_language(body: str, declared: str | None, words: int | None = None) -> str | None:
    """The declared language, else the one py3langid reads in the body (None for tiny bodies;
    ``words``: the body's word count when known)."""
    if declared:
        return declared
    if (word_count(body) if words is None else words) < LANGID_MIN_WORDS:
        return None
    return identify(body[:LANGID_CHARS])


def _keep(
    b: Batch,
    blocks: pl.DataFrame,
    formats: np.ndarray,
    stats: SiteStats,
    classifier: BlockClassifier | None,
) -> np.ndarray:
    """Which blocks are article text: the classifier on HTML pages, line rules on text pages."""
    is_text = formats[b.page] == "txt"
    keep = np.zeros(len(b.page), dtype=bool)
    if not is_text.all():
        classifier = classifier or default_classifier()
        keep = classifier.decide(b, classifier.probabilities(b, blocks, stats))
    if is_text.any():
        keep[is_text] = decide_text_pages(b, blocks, stats, is_text)
    return keep


@dataclass(slots=True)
class _PageBlocks:
    """One page's slice of the batch, as what title and date choice needs."""

    texts: list[str]
    keep: np.ndarray
    is_h1: np.ndarray


def _title_and_date(
    page: _PageBlocks, meta: PageMeta, is_text: bool
) -> tuple[str | None, str | None]:
    """Headline and date of a page from its metadata and its blocks.

    HTML: the ``<h1>`` agreeing with the declared title; the date was resolved when the page
    was parsed (``metadata.resolve_date``). Text pages: the lines just above the article (byline
    too, set on ``meta``).
    """
    if is_text:
        kept = np.flatnonzero(page.keep)
        head = read_head(page.texts, int(kept[0]) if len(kept) else 0)
        meta.byline = meta.byline or head.byline
        return head.title, head.date
    h1 = np.flatnonzero(page.is_h1).tolist()
    title = choose_title(meta, [page.texts[j] for j in h1])
    return title, meta.date


def extract_articles(
    blocks: pl.DataFrame,
    elements: pl.DataFrame,
    metas: pl.DataFrame,
    stats: SiteStats,
    classifier: BlockClassifier | None = None,
) -> dict[str, Article]:
    """The article of every page in ``metas`` (pages absent from the frames get an empty one)."""
    page_ids = elements["page_id"].unique(maintain_order=True)
    info = pl.DataFrame({"page_id": page_ids}).join(metas, on="page_id", how="left")
    formats = info["format"].fill_null("html").to_numpy()
    b = batch(blocks, elements)
    keep = _keep(b, blocks, formats, stats, classifier)
    bodies = assemble(b, keep)
    kept = np.bincount(b.page, weights=keep, minlength=len(page_ids)).astype(int)
    total = np.bincount(b.page, minlength=len(page_ids))
    is_h1 = b.e_tag[b.owner] == H1
    articles: dict[str, Article] = {}
    for i, row in enumerate(info.iter_rows(named=True)):
        lo, hi = int(b.page_first[i]), int(b.page_end[i])
        meta = PageMeta(**{k: row[k] for k in _META_FIELDS}, declared_title=row["title"])
        page = _PageBlocks(b.text[lo:hi], keep[lo:hi], is_h1[lo:hi])
        title, date = _title_and_date(page, meta, formats[i] == "txt")
        articles[row["page_id"]] = _article(bodies[i], title, date, meta, kept[i], total[i])
    for pid in metas["page_id"]:
        articles.setdefault(pid, Article())
    return articles


_META_FIELDS = ("byline", "date", "language", "site_name", "date_source")


def _article(
    body: Body, title: str | None, date: str | None, meta: PageMeta, kept: int, total: int
) -> Article:
    """The page's record. Fewer than ``MIN_ARTICLE_WORDS`` words in its distinct kept lines is
    no article (a section front, an error page; a line printed thirty times counts once): its
    body is empty, in the warehouse and in ``winnow extract`` alike."""
    lines = {}  # words of each distinct line: the body is tokenised once
    for line in body.text.split("\n"):
        lines[line] = lines.get(line, 0) + 1
    counts = {line: word_count(line) for line in lines}
    n_words = sum(counts[line] * times for line, times in lines.items())
    distinct = sum(counts.values())
    has_article = distinct >= MIN_ARTICLE_WORDS
    if not has_article:
        body, n_words = Body(), 0
    return Article(
        title=title,
        byline=meta.byline,
        published_at=date,
        language=detect_language(body.text, meta.language, n_words),
        body=body.text,
        markdown=body.markdown,
        n_words=n_words,
        has_article=has_article,
        blocks_kept=int(kept),
        blocks_removed=int(total - kept),
    )
