"""Sitemaps (sitemaps.org XML, sitemap indexes, Google News sitemaps, plain-text lists).

The parser streams the document with lxml's ``iterparse`` (entities not resolved, no network,
elements freed as they are read), so a 50,000-URL sitemap costs its URL strings and no tree.
A ``<sitemap>`` entry of an index is a child sitemap to fetch; a ``<url>`` entry is a page,
dated by its Google News ``publication_date`` when it has one, else its ``lastmod``. Gzipped
sitemaps (``.xml.gz``) are unpacked by the fetcher, under its decompressed-size cap, before
they reach this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<loc>`` of a sitemap: a page, or (``is_sitemap``) a child sitemap of an index."""

    loc: str
    lastmod: datetime | None = None
    is_sitemap: bool = False


class SitemapError(ValueError):
    """The bytes are neither a sitemap XML document nor a plain list of URLs."""


def parse_w3c_date(text: str | None) -> datetime | None:
    """A W3C datetime (``2026-03-01``, ``2026-03-01T10:00:00+02:00``, ``...Z``) in UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


#: Where an entry starts in the bytes (counted apart from the parser: entries the parser
#: could not read, after an entity bomb or a fatal error, are reported, not silently lost).
_ENTRY_MARK = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:url|sitemap)[\s>]")
_MARK_OVERLAP = 64


class SitemapParser:
    """A sitemap read incrementally: ``feed`` chunks as they come, each call returns the
    entries completed so far; ``close`` the rest. Memory holds one entry, never the tree.

    lxml's pull parser resolves no entity and reads no network; elements are freed as read.
    ``lost`` says how many ``<url>``/``<sitemap>`` entries the bytes hold that the parser did
    not deliver (an entity bomb stops libxml2 with a resource-limit error), and ``problem``
    the parser's first fatal error.
    """

    def __init__(self) -> None:
        self._xml: etree.XMLPullParser | None = None
        self._text: bytearray | None = None
        self._fields: dict[str, str] = {}
        self._tail = b""
        self.marked = self.read = 0
        self.problem: str | None = None

    def _start(self, chunk: bytes) -> None:
        if chunk.lstrip()[:1] == b"<":
            self._xml = etree.XMLPullParser(
                events=("end",),
                resolve_entities=False,
                no_network=True,
                recover=True,
                huge_tree=False,
            )
        else:
            self._text = bytearray()

    def feed(self, chunk: bytes) -> list[SitemapEntry]:
        if self._xml is None and self._text is None:
            if not chunk.strip():
                return []
            self._start(chunk)
        if self._text is not None:
            self._text += chunk
            cut = self._text.rfind(b"\n") + 1
            lines, self._text[:cut] = bytes(self._text[:cut]), b""
            return list(_text_sitemap(lines))
        window = self._tail + chunk
        self.marked += len(_ENTRY_MARK.findall(window)) - len(_ENTRY_MARK.findall(self._tail))
        self._tail = window[-_MARK_OVERLAP:]
        try:
            self._xml.feed(chunk)
        except etree.XMLSyntaxError as exc:
            raise SitemapError(f"not a sitemap: {exc}") from exc
        return self._entries()

    def close(self) -> list[SitemapEntry]:
        if self._text is not None:
            return list(_text_sitemap(bytes(self._text)))
        if self._xml is None:
            return []
        try:
            self._xml.close()
        except etree.XMLSyntaxError as exc:
            if not self.read:
                raise SitemapError(f"not a sitemap: {exc}") from exc
        entries = self._entries()
        fatal = [e for e in self._xml.feed_error_log if e.level_name == "FATAL"]
        if fatal:
            self.problem = f"line {fatal[0].line}: {fatal[0].message}"
        return entries

    @property
    def lost(self) -> int:
        return max(0, self.marked - self.read) if self._xml is not None else 0

    def _entries(self) -> list[SitemapEntry]:
        found = []
        for _, element in self._xml.read_events():
            name = _local(element.tag)
            if name in ("loc", "lastmod", "publication_date"):
                self._fields[name] = (element.text or "").strip()
            elif name in ("url", "sitemap"):
                self.read += 1
                fields, self._fields = self._fields, {}
                if fields.get("loc"):
                    date = parse_w3c_date(fields.get("publication_date") or fields.get("lastmod"))
                    found.append(SitemapEntry(fields["loc"], date, name == "sitemap"))
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
        return found


def parse_sitemap(data: bytes, chunk: int = 65536) -> Iterator[SitemapEntry]:
    """Entries of a sitemap or sitemap index (bytes in hand), in document order."""
    parser = SitemapParser()
    for start in range(0, len(data), chunk):
        yield from parser.feed(data[start : start + chunk])
    yield from parser.close()


def _text_sitemap(data: bytes) -> Iterator[SitemapEntry]:
    """The plain-text sitemap format: one absolute URL per line."""
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith(("http://", "https://")):
            yield SitemapEntry(line)
        elif line:
            raise SitemapError(f"not a sitemap: line {line[:60]!r} is not a URL")
