"""News feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0) through feedparser.

feedparser is handed the bytes as a stream, never a string: given a string it may treat it as
a URL or a file name and open it itself, which would bypass the fetcher's safety checks. HTML
sanitising and relative-URI rewriting of entry content are switched off: only each entry's
link and date are used, and relative links are resolved against the feed's own URL here.
"""

from __future__ import annotations

import calendar
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

from winnow.sources.scope import Candidate


class FeedError(ValueError):
    """The bytes are not a feed feedparser can read."""


def _entry_date(entry: dict) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _entry_link(entry: dict) -> str | None:
    link = entry.get("link")
    if link:
        return link
    for candidate in entry.get("links", []):
        if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
            return candidate["href"]
    guid = entry.get("id")
    return guid if isinstance(guid, str) and guid.startswith(("http://", "https://")) else None


def parse_feed(data: bytes, feed_url: str) -> Iterator[Candidate]:
    """Each entry's article link (absolute) and its published/updated date."""
    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    if parsed.get("bozo") and not parsed.entries:
        raise FeedError(f"not a feed: {parsed.get('bozo_exception')}")
    if not parsed.get("version") and not parsed.entries:
        raise FeedError("not a feed: no RSS or Atom root element")
    for entry in parsed.entries:
        link = _entry_link(entry)
        if link:
            yield Candidate(urljoin(feed_url, link.strip()), _entry_date(entry))
