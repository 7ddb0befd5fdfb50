"""Typed records that travel between the stages: what a source names, before it is read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

_TEXT_SUFFIXES = (".txt", ".txt.gz")


@dataclass(frozen=True, slots=True)
class WarcLocator:
    """Where one WARC record lives: the file, the byte offset its record starts at (of the
    gzip member for ``.gz`` files) and its ``WARC-Record-ID``, so a row leads back to it."""

    file: str
    offset: int
    record_id: str | None = None


@dataclass(frozen=True, slots=True)
class PageRef:
    """A page a source names, before its bytes are read.

    Its locator is ``location`` (a file path or URL) or, for a page inside a WARC/WET file,
    ``warc`` (file, offset, record id; ``location`` is then the WARC file). A streaming source
    that has already read the bytes hands them over as ``payload``, so the record is not read a
    second time; without it ``load_page`` reads the page from its locator. ``http_status``,
    ``content_type`` and ``fetched_at`` are what the crawl recorded, when known.
    """

    page_id: str
    source: str
    location: str  # file path or URL (for a WARC record: the WARC file)
    url: str | None = None
    site: str | None = None
    fmt: str = "html"
    error: str | None = None
    extra: dict = field(default_factory=dict, compare=False)
    warc: WarcLocator | None = None
    payload: bytes | None = field(default=None, repr=False, compare=False)
    http_status: int | None = None
    content_type: str | None = None
    fetched_at: datetime | None = None


def page_format(location: str) -> str:
    """``txt`` for plain-text pages (``.txt``, ``.txt.gz``), else ``html``."""
    return "txt" if location.lower().endswith(_TEXT_SUFFIXES) else "html"
