"""Articles from plain-text pages (a copy of a page's visible text): lines are the blocks."""

from __future__ import annotations

import re
from datetime import datetime

from winnow.extract.html import _BYLINE, _DATE, Article, detect_language
from winnow.model import EMPTY_MODEL, SiteModel
from winnow.parse.fingerprint import word_count
from winnow.parse.segment import Block


def _is_paragraph(line: str) -> bool:
    return word_count(line) >= 12 or (word_count(line) >= 5 and line[-1:] in ".!?\"'”’:")


def extract_text(blocks: list[Block], model: SiteModel = EMPTY_MODEL) -> Article:
    """Article from a plain-text page: chrome lines out, headline/byline/date off the top.

    The body runs from the first to the last paragraph-like line that is not chrome; short
    lines in between stay (subheadings), short lines around it (leftover chrome) do not. The
    headline is looked for just above the body among all lines, chrome included: a page's own
    headline often repeats in other pages' teaser lists.
    """
    lines = [b.text for b in blocks]
    content = [i for i, b in enumerate(blocks) if not model.is_chrome(b.fingerprint)]
    paragraphs = [i for i in content if _is_paragraph(lines[i])]
    removed = len(blocks) - len(content)
    if not paragraphs:
        return Article(lines_removed=removed)
    first, last = paragraphs[0], paragraphs[-1]
    title = byline = date = None
    for line in reversed(lines[max(0, first - 5) : first]):
        by, found = _BYLINE.match(line), _DATE.search(line)
        if by and byline is None:
            byline = by.group(1).strip()
        elif found and date is None and word_count(line) <= 8:
            date = found.group(0)
        elif 2 <= word_count(line) <= 30 and line[-1:] not in ".!?":
            title = line
            break
    body = "\n".join(lines[i] for i in content if first <= i <= last)
    return Article(
        title=title,
        byline=byline,
        published_at=_iso_date(date),
        language=detect_language(body),
        body=body,
        lines_removed=removed,
    )


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    for fmt in ("%d %B %Y", "%B %d, %Y"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None
