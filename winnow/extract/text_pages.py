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
HEAD_LINES = 8  # lines above the article (or its byline) searched for its head
MARKER_WORDS = 4
META_LINE_WORDS = 16  # a byline or dateline is no longer than this
BYLINE_WORDS = 8  # names in a byline ("Jane Roe and John Doe")
DATELINE_OTHER_WORDS = 3  # words of 3+ letters a dateline holds ("Updated", "March", "GMT")
SPAN_HEAD_LINES = 4  # lines below a standfirst searched for byline and date
META_GAP_LINES = 4  # bylines and datelines above the article: at most 3 other lines apart
_SENTENCE_END = re.compile(r"[.!?。！？\"'”’»)]$")
_TIME_LINE = re.compile(
    r"^(?:\d{1,3}\s?(?:s|m|h|d|w|min|mins|minutes?|hrs?|hours?|days?|weeks?|std\.?|stunden?|"
    r"tage?n?|minuten?|j|h\.|heures?|jours?)\b\.?(?:\s+ago)?|(?:vor|il y a|hace)\s+\d{1,3}\s+\S+|"
    r"(?:updated|aktualisiert|mis à jour)\b.{0,30}|just now|gerade eben)$",
    re.IGNORECASE,
)
_DURATION = re.compile(r"^(?:\d{1,2}:)?\d{1,2}:\d{2}$")
_BYLINE_LINE = re.compile(r"^(?:by|von|par|por|di|door|av)\s+\S", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s+[|·•]\s+|\s+[-–—]\s+")
_SENTENCE_END_DOT = re.compile(r"[.!?]$")
_LONG_WORD = re.compile(r"[^\W\d_]{3,}")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-]((?:19|20)\d\d)\b")


@dataclass(slots=True)
class TextPageHead:
    """What the lines above a text page's article say about it."""

    title: str | None = None
    byline: str | None = None
    date: str | None = None


def _is_prose(line: str) -> bool:
    n = word_count(line)
    if n < SENTENCE_WORDS or (n < PROSE_WORDS and not _SENTENCE_END.search(line)):
        return False
    return n > META_LINE_WORDS or meta_line(line) is None  # "Mar. 3, 2024 10:42 a.m." is not


def _line_date(line: str) -> str | None:
    """The date a dateline states: a written or ISO date, or a day-first/month-first numeric
    one when it can be read only one way ("03/03/2024", "25/12/2023")."""
    found = parse_date(line)
    if found or (numeric := _NUMERIC_DATE.search(line)) is None:
        return found
    a, b, year = (int(numeric.group(i)) for i in (1, 2, 3))
    if a == b or (a > 12) != (b > 12):
        day, month = (a, b) if a > 12 or a == b else (b, a)
        return parse_date(f"{year:04d}-{month:02d}-{day:02d}")
    return None


def meta_line(line: str) -> tuple[str | None, str | None] | None:
    """(byline, date) a short line states ("By Jane Roe", "March 3, 2024", "Updated 3 Mar
    2024 10:42 GMT", "By Jane Roe | March 3, 2024"), or None for any other line. A dateline
    holds a date and few other words; a byline starts with "By" (or its translation) and a
    capitalised name."""
    if word_count(line) > META_LINE_WORDS:
        return None
    parts = _SEPARATOR.split(line)
    if _BYLINE_LINE.match(parts[0]) and not _SENTENCE_END_DOT.search(parts[0]):
        byline = clean_byline(parts[0])
        if byline and byline[0].isupper() and word_count(byline) <= BYLINE_WORDS:
            date = next((d for part in parts[1:] if (d := _line_date(part))), None)
            return byline, date
    if len(_LONG_WORD.findall(line)) <= DATELINE_OTHER_WORDS and (date := _line_date(line)):
        return None, date
    return None


def _is_title(line: str) -> bool:
    """A headline's shape: 3 to 30 words, mostly letters, not a sentence, date or card line."""
    n = word_count(line)
    return (
        3 <= n <= 30
        and not line.endswith(".")
        and len(_LONG_WORD.findall(line)) >= 2
        and not _is_card_meta(line)
        and meta_line(line) is None
    )


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


def span_meta_lines(lines: list[str], first: int, last: int) -> list[int]:
    """Byline and date lines at the top of the article, below a standfirst (a prose summary
    the article span starts with): they are the head, not the body."""
    found = []
    for i in range(first + 1, min(last, first + SPAN_HEAD_LINES) + 1):
        if _is_prose(lines[i]):
            break
        if meta_line(lines[i]) is not None:
            found.append(i)
    return found


def read_head(lines: list[str], first: int) -> TextPageHead:
    """Headline, byline and date of the article whose first line is ``first``.

    Bylines and datelines are read nearest first: those just below a standfirst, then those
    above the article (a run of them, a few utility lines apart: "Share", "3 min read"). The
    headline is the nearest headline-shaped line above them; a masthead or menu further up, or
    a teaser rail that repeats the headline, does not move it.
    """
    head = TextPageHead()
    metas = [meta_line(lines[i]) for i in span_meta_lines(lines, first, len(lines) - 1)]
    top = first
    for i in range(first - 1, max(0, first - HEAD_LINES) - 1, -1):
        if top - i > META_GAP_LINES:
            break
        found = meta_line(lines[i])
        if found is not None:
            metas.append(found)
            top = i
    for byline, date in metas:
        head.byline = head.byline or byline
        head.date = head.date or date
    for i in range(top - 1, max(0, top - HEAD_LINES) - 1, -1):
        if _is_title(lines[i]):
            head.title = lines[i]
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
            for line in span_meta_lines(lines, first, last):
                keep[lo + line] = False
    return keep[is_text]
