"""The ``warc`` source: pages inside WARC and WET files (Common Crawl, CC-NEWS, own crawls).

``path`` is a file, a folder (every ``.warc``, ``.warc.gz``, ``.wet``, ``.wet.gz`` below it) or
a glob. HTTP responses with an HTML body become HTML pages, WET ``conversion`` records
plain-text pages; revisits, non-HTML bodies, non-2xx statuses and empty bodies are skipped and
counted, request/metadata/warcinfo records only counted. A truncated or corrupt record becomes
a page with status ``error`` naming the file and offset, and the walk goes on.

A page's id is ``<source>/<url>``, so a URL crawled again is a new version of the same page;
the file, byte offset and record id are kept with it (``pages.warc_*``).
"""

from __future__ import annotations

import glob
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from winnow.fetch.warc import RecordError, WarcRecordData, scan
from winnow.records import PageRef, WarcLocator

WARC_INCLUDE = ("**/*.warc", "**/*.warc.gz", "**/*.wet", "**/*.wet.gz")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PAGE_RECORDS = frozenset({"response", "resource", "conversion"})
_SKIPPED_RECORDS = {"revisit": "skipped_revisit"}
_GLOB_CHARS = frozenset("*?[")


def is_glob(path: Path | str) -> bool:
    return any(c in _GLOB_CHARS for c in str(path))


def warc_files(path: Path, include: tuple[str, ...] = WARC_INCLUDE) -> list[Path]:
    """The WARC/WET files a ``warc`` source's ``path`` names, sorted (file, folder or glob)."""
    if is_glob(path):
        return sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
    if path.is_file():
        return [path]
    found = {p for pattern in include for p in path.glob(pattern) if p.is_file()}
    return sorted(found)


def _skip_reason(record: WarcRecordData) -> str | None:
    """Why a record is not a page (the counter it goes to), or None for a page."""
    if record.record_type in _SKIPPED_RECORDS:
        return _SKIPPED_RECORDS[record.record_type]
    if record.record_type not in _PAGE_RECORDS:
        return "other_records"
    if not record.url:
        return "skipped_no_url"
    if record.record_type == "conversion":
        return None if record.payload.strip() else "skipped_empty"
    if record.http_status is not None and not 200 <= record.http_status < 300:
        return "skipped_status"
    if record.content_type not in HTML_TYPES:
        return "skipped_non_html"
    return None if record.payload.strip() else "skipped_empty"


def iter_warc(
    path: Path, source: str, site: str | None = None, tally: Counter | None = None
) -> Iterator[PageRef]:
    """Pages of one WARC/WET file with their bytes; ``tally`` counts what was skipped."""
    tally = tally if tally is not None else Counter()
    tally["warc_files"] += 1
    for item in scan(path):
        if isinstance(item, RecordError):
            tally["record_errors"] += 1
            yield PageRef(
                page_id=f"{source}/{path.name}@{item.offset}",
                source=source,
                location=str(path),
                error=f"{path}: record at byte {item.offset}: {item.message}",
                warc=WarcLocator(str(path), item.offset),
            )
            continue
        tally["warc_records"] += 1
        reason = _skip_reason(item)
        if reason is not None:
            tally[reason] += 1
            continue
        fmt = "txt" if item.record_type == "conversion" else "html"
        tally["text_pages" if fmt == "txt" else "html_pages"] += 1
        yield PageRef(
            page_id=f"{source}/{item.url}",
            source=source,
            location=str(path),
            url=item.url,
            site=site,
            fmt=fmt,
            warc=WarcLocator(str(path), item.offset, item.record_id),
            payload=item.payload,
            http_status=item.http_status,
            content_type=item.content_type,
            fetched_at=item.date,
        )


def warc_refs(
    path: Path,
    source: str,
    site: str | None = None,
    include: tuple[str, ...] = WARC_INCLUDE,
    tally: Counter | None = None,
) -> Iterator[PageRef]:
    """Pages of every file a ``warc`` source names, file by file, streamed."""
    for file in warc_files(path, include):
        yield from iter_warc(file, source, site, tally)
