"""Reading WARC/WET files with fastwarc: every record in a stream, or one record by its offset.

``scan`` walks a file once and yields each record's headers and payload, or a ``RecordError``
where a record is truncated or corrupt; it then resynchronises at the next record (the next
gzip member of a ``.gz`` file, the next ``WARC/1.`` line of a plain one), so one bad record
never costs the rest of the file. ``read_record`` reads a single record back from the offset
stored with its page. ``write_warc`` writes records (tests and the synthetic benchmark corpus
use it); fastwarc does the (de)compression and header parsing in C++.
"""

from __future__ import annotations

import gzip
import io
import mmap
import re
import uuid
import zlib
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastwarc.warc import ArchiveIterator, WarcRecord, WarcRecordType

from winnow.fetch.errors import FetchError
from winnow.records import WarcLocator

_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = b"WARC/1."


@dataclass(slots=True)
class WarcRecordData:
    """What Winnow keeps of one record: its WARC and HTTP headers and its payload."""

    offset: int
    record_type: str  # response, conversion, revisit, request, metadata, ...
    record_id: str | None
    url: str | None
    date: datetime | None
    http_status: int | None
    content_type: str | None  # media type without parameters, lower-case
    payload: bytes


@dataclass(slots=True)
class RecordError:
    """A record that could not be read whole: where it starts and what went wrong."""

    offset: int
    message: str


def _content_type(record: WarcRecord) -> str | None:
    """The HTTP media type, else the crawler's detected one, else the WARC block's."""
    found = record.http_content_type if record.is_http else None
    found = found or record.headers.get("WARC-Identified-Payload-Type")
    if not found and not record.is_http:
        found = record.headers.get("Content-Type")
    return found.split(";", 1)[0].strip().lower() if found else None


def _record_data(record: WarcRecord) -> WarcRecordData | RecordError:
    """Headers and payload of a record, or a RecordError when its payload is cut short."""
    payload = record.reader.read()
    expected = record.content_length
    if expected is not None and len(payload) < expected:
        return RecordError(
            record.stream_pos,
            f"truncated record ({len(payload)} of {expected} payload bytes)",
        )
    status = record.http_headers.status_code if record.is_http and record.http_headers else None
    date = record.record_date
    return WarcRecordData(
        offset=record.stream_pos,
        record_type=str(record.record_type),
        record_id=record.record_id,
        url=record.headers.get("WARC-Target-URI"),
        date=date.replace(tzinfo=None) if date is not None else None,
        http_status=status,
        content_type=_content_type(record),
        payload=payload,
    )


def _next_boundary(view: mmap.mmap | bytes, start: int, gzipped: bool) -> int | None:
    """Offset of the first record start at or after ``start``, or None at the end."""
    if gzipped:
        found = view.find(_GZIP_MAGIC, start)
        return found if found >= 0 else None
    while True:
        found = view.find(_WARC_MAGIC, start)
        if found <= 0 or view[found - 1 : found] == b"\n":
            return found if found >= 0 else None
        start = found + 1


def _record_end(view: mmap.mmap, start: int, gzipped: bool) -> int | None:
    """Offset just past the (good) record at ``start``: the end of its gzip member, or of its
    header block plus ``Content-Length`` and the blank line after it."""
    if gzipped:
        inflater = zlib.decompressobj(wbits=31)
        position = start
        while not inflater.eof and position < len(view):
            chunk = view[position : position + 65536]
            inflater.decompress(chunk, 0)
            position += len(chunk)
        if not inflater.eof:
            return None
        return position - len(inflater.unused_data)
    header_end = view.find(b"\r\n\r\n", start)
    if header_end < 0:
        return None
    length = re.search(rb"(?im)^content-length:\s*(\d+)", view[start:header_end])
    if length is None:
        return None
    end = header_end + 4 + int(length.group(1))
    while view[end : end + 2] == b"\r\n":
        end += 2
    return end


def _whole(
    item: WarcRecordData | RecordError, view: mmap.mmap, gzipped: bool
) -> WarcRecordData | RecordError:
    """``item``, or a RecordError when its record runs past the end of the file."""
    if isinstance(item, RecordError):
        return item
    end = _record_end(view, item.offset, gzipped)
    if end is None or end > len(view):
        return RecordError(item.offset, "truncated record (the file ends inside it)")
    return item


def _is_gzipped(handle: io.BufferedReader) -> bool:
    head = handle.read(3)
    handle.seek(0)
    return head == _GZIP_MAGIC


def _lying_length(view: mmap.mmap, start: int, length: str | None) -> bool:
    """Whether a plain record's ``Content-Length`` is a lie, checked before its payload is
    read (so a length of a billion costs nothing): its declared end is not followed by the
    record's closing blank line nor by the next record's ``WARC/1.`` line, or lies past the
    file's end while another record starts inside it. A record that ends cleanly is believed,
    whatever follows it (that is the next record's problem)."""
    header_end = view.find(b"\r\n\r\n", start)
    if length is None or not length.strip().isdigit() or header_end < 0:
        return False
    end = header_end + 4 + int(length)
    if end > len(view):  # the file ends inside it: a lie only if a record starts within
        return _next_boundary(view, header_end, False) is not None
    after = view[end : end + len(_WARC_MAGIC)]
    return end < len(view) and not after.startswith(b"\r\n\r\n") and after != _WARC_MAGIC


def _walk(
    handle: io.BufferedReader, view: mmap.mmap, position: int, gzipped: bool
) -> Generator[WarcRecordData | RecordError, None, int | None]:
    """Records from ``position`` on, until the end or the first unreadable one; returns where
    the walk must restart (None: the end of the file)."""
    handle.seek(position)
    last: int | None = None
    pending: WarcRecordData | RecordError | None = None
    problem = "truncated or unreadable record"
    try:
        for record in ArchiveIterator(handle, parse_http=True):
            if pending is not None:
                yield pending
                pending = None
            last = record.stream_pos
            length = record.headers.get("Content-Length")
            if not gzipped and _lying_length(view, last, length):
                yield RecordError(
                    last,
                    f"corrupt record: Content-Length {length} does not end at a record boundary",
                )
                return _next_boundary(view, last + 1, gzipped)
            pending = _record_data(record)
    except (OSError, ValueError, UnicodeError) as exc:
        problem = f"corrupt record: {exc}"
    if pending is not None:  # the last record read may be cut off by the file's end
        yield _whole(pending, view, gzipped)
    if last is None:
        if view[position:].strip():
            yield RecordError(position, problem)
        return _next_boundary(view, position + 1, gzipped)
    if isinstance(pending, RecordError):  # its length is wrong: resync inside it
        return _next_boundary(view, last + 1, gzipped)
    end = _record_end(view, last, gzipped)  # retry right after the last good record
    return end if end is not None and view[end:].strip() else None


def scan(path: Path | str) -> Iterator[WarcRecordData | RecordError]:
    """Every record of a WARC/WET file in order; unreadable stretches become RecordErrors.

    After an error, or an early end, the walk restarts where the last good record ends; a
    restart that yields nothing is the bad record itself, reported once at its offset, and the
    walk moves on to the next record boundary. A plain record whose ``Content-Length`` lies
    (its end is not another record's start) is reported at its offset and the walk resyncs at
    the next ``WARC/1.`` line. Offsets only grow, so the walk always ends.
    """
    path = Path(path)
    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            return
        gzipped = _is_gzipped(handle)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            position: int | None = 0
            while position is not None:
                position = yield from _walk(handle, view, position, gzipped)


def read_record(locator: WarcLocator) -> WarcRecordData:
    """The record at ``locator`` (file and offset), read back alone; FetchError when that is
    not possible (missing file, corrupt or truncated record, or another record's id)."""
    where = f"{locator.file} @ {locator.offset}"
    try:
        with open(locator.file, "rb") as handle:
            handle.seek(locator.offset)
            record = next(iter(ArchiveIterator(handle, parse_http=True)), None)
            data = _record_data(record) if record is not None else None
    except (OSError, ValueError, UnicodeError) as exc:
        raise FetchError(f"{where}: cannot read WARC record: {exc}") from exc
    if data is None:
        raise FetchError(f"{where}: no WARC record at this offset")
    if isinstance(data, RecordError):
        raise FetchError(f"{where}: {data.message}")
    if locator.record_id and data.record_id != locator.record_id:
        raise FetchError(f"{where}: record {data.record_id} is not {locator.record_id}")
    return data


def read_warc_payload(locator: WarcLocator) -> bytes:
    """The payload (HTTP body, or WET text) of the record at ``locator``."""
    return read_record(locator).payload


@dataclass(slots=True)
class NewRecord:
    """A record to write: an HTTP response (``status`` set) or a WET ``conversion``/other."""

    url: str
    body: bytes
    record_type: str = "response"
    status: int | None = 200
    content_type: str = "text/html; charset=utf-8"
    date: datetime | None = None


def _warc_record(new: NewRecord) -> WarcRecord:
    record = WarcRecord()
    urn = uuid.uuid4().urn[4:].encode()
    record.init_headers(record_type=getattr(WarcRecordType, new.record_type), record_urn=urn)
    record.headers["WARC-Target-URI"] = new.url
    if new.date is not None:
        record.headers["WARC-Date"] = new.date.strftime("%Y-%m-%dT%H:%M:%SZ")
    if new.status is not None:
        reason = "OK" if new.status == 200 else "Status"
        head = f"HTTP/1.1 {new.status} {reason}\r\nContent-Type: {new.content_type}\r\n"
        head += f"Content-Length: {len(new.body)}\r\n\r\n"
        record.headers["Content-Type"] = "application/http; msgtype=response"
        record.set_bytes_content(head.encode("latin-1") + new.body)
    else:
        record.headers["Content-Type"] = new.content_type
        record.set_bytes_content(new.body)
    return record


def write_warc(path: Path | str, records: Iterable[NewRecord]) -> list[int]:
    """Write ``records`` to ``path`` (one gzip member per record when it ends in ``.gz``, as
    Common Crawl does); returns each record's offset."""
    path = Path(path)
    gzipped = path.suffix == ".gz"
    offsets = []
    with path.open("wb") as out:
        for new in records:
            offsets.append(out.tell())
            buffer = io.BytesIO()
            _warc_record(new).write(buffer)
            data = buffer.getvalue()
            out.write(gzip.compress(data, compresslevel=6) if gzipped else data)
    return offsets
