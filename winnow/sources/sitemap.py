"""Sitemaps (sitemaps.org XML, sitemap indexes, Google News sitemaps, plain-text lists).

The parser streams the document with lxml's ``iterparse`` (entities not resolved, no network,
elements freed as they are read), so a 50,000-URL sitemap costs its URL strings and no tree.
A ``<sitemap>`` entry of an index is a child sitemap to fetch; a ``<url>`` entry is a page,
dated by its Google News ``publication_date`` when it has one, else its ``lastmod``. Gzipped
sitemaps (``.xml.gz``) are unpacked by the fetcher, under its decompressed-size cap, before
they reach this module.
"""

from __future__ import annotations

import io
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
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse_sitemap(data: bytes) -> Iterator[SitemapEntry]:
    """Entries of a sitemap or sitemap index, in document order."""
    head = data.lstrip()[:1]
    if head != b"<":
        yield from _text_sitemap(data)
        return
    events = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        resolve_entities=False,
        no_network=True,
        recover=True,
        huge_tree=False,
    )
    fields: dict[str, str] = {}
    try:
        for _, element in events:
            name = _local(element.tag)
            if name in ("loc", "lastmod", "publication_date"):
                fields[name] = (element.text or "").strip()
            elif name in ("url", "sitemap"):
                if fields.get("loc"):
                    date = parse_w3c_date(fields.get("publication_date") or fields.get("lastmod"))
                    yield SitemapEntry(fields["loc"], date, name == "sitemap")
                fields = {}
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not a sitemap: {exc}") from exc


def _text_sitemap(data: bytes) -> Iterator[SitemapEntry]:
    """The plain-text sitemap format: one absolute URL per line."""
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith(("http://", "https://")):
            yield SitemapEntry(line)
        elif line:
            raise SitemapError(f"not a sitemap: line {line[:60]!r} is not a URL")
