"""Text pages (a copy of a page's visible text, one block per line): the article and its head.

A text page has no markup, so the evidence is the text's own shape:
* a line printed more than once on the page is a rail or menu (teaser lists are often printed
  twice, and each teaser headline doubled), as is a line the site model has seen on many pages;
* teaser cards have a shape: a headline, maybe a one-sentence summary, then a time line
  ("5h ago", "2 hours ago", "vor 3 Std.") or a video duration ("2:54");
* rails open with a short marker line ("Top Stories", "Most Watched") that no prose follows;
* the article is the longest coherent run of prose between such interruptions.
The headline, byline and date are read off the lines just above the article (``head``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from winnow.extract.features import Batch
from winnow.extract.metadata import clean_byline, parse_date
from winnow.model.site import SiteStats, min_pages
from winnow.parse.fingerprint import normalize_text, word_count

PROSE_WORDS = 12  # a line this long is prose whatever its punctuation
SENTENCE_WORDS = 6  # … or this long and ending like a sentence
MAX_GAP_LINES = 3  # short lines (subheadings) a prose run may span
HEAD_LINES = 6  # lines above the article searched for headline, byline and date
MARKER_WORDS = 4
_SENTENCE_END = re.compile(r"[.!?。！？\"'”’»)]$")
_TIME_LINE = re.compile(
    r"^(?:\d{1,3}\s?(?:s|m|h|d|w|min|mins|minutes?|hrs?|hours?|days?|weeks?|std\.?|stunden?|"
    r"tage?n?|minuten?|j|h\.|heures?|jours?)\b\.?(?:\s+ago)?|(?:vor|il y a|hace)\s+\d{1,3}\s+\S+|"
    r"(?:updated|aktualisiert|mis à jour)\b.{0,30}|just now|gerade eben)$",
    re.IGNORECASE,
)
_DURATION = re.compile(r"^(?:\d{1,2}:)?\d{1,2}:\d{2}$")
_BYLINE_LINE = re.compile(r"^(?:by|von|par|por|di|door|av)\s+\S", re.IGNORECASE)


@dataclass(slots=True)
class TextPageHead:
    """What the lines above a text page's article say about it."""

    title: str | None = None
    byline: str | None = None
    date: str | None = None


def _is_prose(line: str) -> bool:
    n = word_count(line)
    return n >= PROSE_WORDS or (n >= SENTENCE_WORDS and bool(_SENTENCE_END.search(line)))


def _is_card_meta(line: str) -> bool:
    """A teaser card's time line or a video card's duration."""
    return bool(_TIME_LINE.match(line) or _DURATION.match(line))


def _chrome_lines(lines: list[str], site_chrome: np.ndarray) -> np.ndarray:
    """Lines that are rail or template, whatever their prose: see the module docstring."""
    keys = [normalize_text(line) for line in lines]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    chrome = np.array([counts[k] > 1 for k in keys], dtype=bool) | site_chrome
    for i, line in enumerate(lines):
        if _is_card_meta(line):
            chrome[max(0, i - 2) : i + 1] = True  # the card's headline and summary with it
    for i, line in enumerate(lines):
        is_marker = word_count(line) <= MARKER_WORDS and not _SENTENCE_END.search(line)
        if is_marker and i + 1 < len(lines) and chrome[i + 1]:
            chrome[i] = True
    return chrome


def article_span(lines: list[str], chrome: np.ndarray) -> tuple[int, int] | None:
    """(first, last) line of the longest run of prose not broken by chrome or long gaps."""
    best, best_words = None, 0
    start, words, gap, last = -1, 0, 0, -1
    for i, line in enumerate(lines):
        if chrome[i] or gap > MAX_GAP_LINES:
            if words > best_words:
                best, best_words = (start, last), words
            start, words, gap, last = -1, 0, 0, -1
            if chrome[i]:
                continue
        if _is_prose(line):
            if start < 0:
                start = i
            words += word_count(line)
            gap, last = 0, i
        elif start >= 0:
            gap += 1
    if words > best_words:
        best = (start, last)
    return best


def read_head(lines: list[str], first: int) -> TextPageHead:
    """Headline, byline and date from the few lines above the article, nearest first."""
    head = TextPageHead()
    for line in reversed(lines[max(0, first - HEAD_LINES) : first]):
        n = word_count(line)
        if head.byline is None and _BYLINE_LINE.match(line) and n <= 12:
            head.byline = clean_byline(line)
        elif head.date is None and n <= 10 and parse_date(line):
            head.date = parse_date(line)
        elif head.title is None and 3 <= n <= 30 and not line.endswith("."):
            head.title = line
            break
    return head


def _site_chrome(blocks: pl.DataFrame, stats: SiteStats) -> np.ndarray:
    """Lines the site model has seen on enough of the site's pages to be its template."""
    joined = (
        blocks.select("site", "fingerprint")
        .join(stats.sizes, on="site", how="left")
        .join(stats.texts, on=["site", "fingerprint"], how="left")
    )
    size = joined["site_pages"].fill_null(0).to_list()
    seen = joined["text_pages"].fill_null(0).to_numpy()
    needed = np.array([min_pages(s) for s in size])
    return seen >= needed


def decide_text_pages(
    b: Batch, blocks: pl.DataFrame, stats: SiteStats, is_text: np.ndarray
) -> np.ndarray:
    """Keep flags for the blocks of text pages (``is_text`` marks them in the batch)."""
    site_chrome = _site_chrome(blocks, stats)
    keep = np.zeros(len(b.page), dtype=bool)
    for page in np.unique(b.page[is_text]):
        lo, hi = int(b.page_first[page]), int(b.page_end[page])
        lines = b.text[lo:hi]
        chrome = _chrome_lines(lines, site_chrome[lo:hi])
        span = article_span(lines, chrome)
        if span is not None:
            first, last = span
            keep[lo + first : lo + last + 1] = ~chrome[first : last + 1]
    return keep[is_text]
