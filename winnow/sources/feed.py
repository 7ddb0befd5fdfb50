"""News feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0), read incrementally.

A feed can be tens of megabytes (280,000 items once): it is parsed chunk by chunk with lxml's
pull parser (no entity resolved, no network), each item freed as soon as its link and date
are taken, so the crawl can stop at ``max_pages`` after the first chunk and never holds the
feed's tree. Only each entry's link (else its permalink ``guid`` / ``id``, else its RSS 1.0
``rdf:about``) and date are used; relative links are resolved against the feed's own URL.

A document lxml cannot read as RSS or Atom and small enough (``FALLBACK_BYTES``) goes to
feedparser's tolerant parser, handed the bytes as a stream, never a string: given a string
it may treat it as a URL or a file name and open it itself, bypassing the fetcher's checks.
"""

from __future__ import annotations

import calendar
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from winnow.sources.scope import Candidate
from winnow.sources.sitemap import parse_w3c_date

#: Documents up to this size that lxml cannot read as a feed are tried with feedparser.
FALLBACK_BYTES = 2_000_000
_ROOTS = frozenset({"rss", "RDF", "feed"})
_ENTRIES = frozenset({"item", "entry"})
_DATES = ("published", "pubDate", "date", "issued", "updated", "modified")
_CHILDREN = frozenset({"link", "guid", "id", *_DATES})
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_ENTRY_MARK = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
_MARK_OVERLAP = 64


class FeedError(ValueError):
    """The bytes are not a feed that can be read."""


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def feed_date(text: str | None) -> datetime | None:
    """An RSS (RFC 822) or Atom (W3C) date in UTC; None when it is neither."""
    if not text or not text.strip():
        return None
    try:
        value = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return parse_w3c_date(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class FeedParser:
    """A feed read incrementally: ``feed`` chunks, each call returns the entries completed so
    far; ``close`` the rest. ``lost`` counts items/entries in the bytes the parser did not
    deliver, ``problem`` names its first fatal error."""

    def __init__(self, feed_url: str) -> None:
        self.feed_url = feed_url
        self._xml = etree.XMLPullParser(
            events=("end",),
            resolve_entities=False,
            no_network=True,
            recover=True,
            huge_tree=False,
        )
        self._root: str | None = None
        self._fields: dict[str, str] = {}
        self._tail = b""
        self.marked = self.read = 0
        self.problem: str | None = None

    def feed(self, chunk: bytes) -> list[Candidate]:
        window = self._tail + chunk
        self.marked += len(_ENTRY_MARK.findall(window)) - len(_ENTRY_MARK.findall(self._tail))
        self._tail = window[-_MARK_OVERLAP:]
        try:
            self._xml.feed(chunk)
        except etree.XMLSyntaxError as exc:
            raise FeedError(f"not a feed: {exc}") from exc
        return self._entries()

    def close(self) -> list[Candidate]:
        try:
            self._xml.close()
        except etree.XMLSyntaxError as exc:
            if self._root is None:
                raise FeedError(f"not a feed: {exc}") from exc
        found = self._entries()
        if self._root is None:
            raise FeedError("not a feed: no RSS or Atom root element")
        fatal = [e for e in self._xml.feed_error_log if e.level_name == "FATAL"]
        if fatal:
            self.problem = f"line {fatal[0].line}: {fatal[0].message}"
        return found

    @property
    def lost(self) -> int:
        return max(0, self.marked - self.read)

    def _entries(self) -> list[Candidate]:
        found = []
        for _, element in self._xml.read_events():
            if self._root is None:
                self._root = _local(element.getroottree().getroot().tag)
                if self._root not in _ROOTS:
                    raise FeedError(f"not a feed: the root element is <{self._root}>")
            name = _local(element.tag)
            if name in _ENTRIES:
                self.read += 1
                candidate = self._candidate(element)
                if candidate is not None:
                    found.append(candidate)
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
            elif name in _CHILDREN:
                parent = element.getparent()
                if parent is not None and _local(parent.tag) in _ENTRIES:
                    self._take(name, element)
        return found

    def _take(self, name: str, element: etree._Element) -> None:
        """Keep what an entry's child says about its link and date."""
        text = (element.text or "").strip()
        if name == "link":
            href = element.get("href")
            if href is not None:  # Atom: the alternate link (rel defaults to alternate)
                if element.get("rel", "alternate") == "alternate":
                    self._fields.setdefault("link", href.strip())
            elif text:
                self._fields.setdefault("link", text)
        elif name in ("guid", "id"):
            permanent = element.get("isPermaLink", "true").lower() != "false"
            if permanent and text.startswith(("http://", "https://")):
                self._fields.setdefault("guid", text)
        elif name in _DATES and text:
            self._fields.setdefault(name, text)

    def _candidate(self, element: etree._Element) -> Candidate | None:
        fields, self._fields = self._fields, {}
        link = fields.get("link") or fields.get("guid") or element.get(_RDF_ABOUT)
        if not link:
            return None
        when = next((feed_date(fields[k]) for k in _DATES if k in fields), None)
        return Candidate(urljoin(self.feed_url, link.strip()), when)


def _tolerant_date(entry: dict) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else None


def _tolerant_link(entry: dict) -> str | None:
    link = entry.get("link")
    if link:
        return link
    for candidate in entry.get("links", []):
        if candidate.get("href") and candidate.get("rel", "alternate") == "alternate":
            return candidate["href"]
    guid = entry.get("id")
    return guid if isinstance(guid, str) and guid.startswith(("http://", "https://")) else None


def tolerant_feed(data: bytes, feed_url: str) -> list[Candidate]:
    """Entries of a small malformed feed through feedparser (slow, whole document)."""
    import feedparser  # only for the rare feed lxml cannot read

    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
    if (parsed.get("bozo") or not parsed.get("version")) and not parsed.entries:
        raise FeedError(f"not a feed: {parsed.get('bozo_exception') or 'no RSS or Atom root'}")
    links = ((_tolerant_link(e), _tolerant_date(e)) for e in parsed.entries)
    return [Candidate(urljoin(feed_url, link.strip()), when) for link, when in links if link]


def parse_feed(data: bytes, feed_url: str, chunk: int = 65536) -> Iterator[Candidate]:
    """Each entry's article link (absolute) and its published/updated date."""
    parser = FeedParser(feed_url)
    try:
        for start in range(0, len(data), chunk):
            yield from parser.feed(data[start : start + chunk])
        yield from parser.close()
    except FeedError:
        if parser.read or len(data) > FALLBACK_BYTES:
            raise
        yield from tolerant_feed(data, feed_url)
