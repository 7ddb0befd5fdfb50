"""Reading pages from local files (optionally gzip-compressed), regular files only, size-capped.

A path a source names can be anything the filesystem holds: ``/dev/zero`` (endless), a FIFO
(blocks until someone writes), a directory, a 5 GB file. The file is opened without blocking
and without following a final symlink, and read only if it is a regular file; at most
``max_bytes`` are read (after gunzip, so a small ``.gz`` cannot expand without bound).
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from pathlib import Path

from winnow.fetch.errors import FetchError

try:  # ISA-L's inflate: about three times zlib's speed, same bytes
    from isal import isal_zlib as _inflate
    from isal.isal_zlib import error as _InflateError
except ImportError:  # pragma: no cover - isal is a dependency; zlib still reads every file
    _inflate, _InflateError = zlib, zlib.error

_GZIP_WBITS = 31  # a gzip header and trailer around deflate data

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class PageRejected(FetchError):
    """A page that is not read by rule (not a regular file, over the size cap); ``page_status``
    is the status its row gets (``not_regular``, ``too_large``)."""

    def __init__(self, page_status: str, message: str) -> None:
        super().__init__(message)
        self.page_status = page_status


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _read_capped(handle, max_bytes: int | None, path: Path, what: str) -> bytes:
    data = handle.read(-1 if max_bytes is None else max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise PageRejected(
            "too_large", f"{path}: {what} over the page size cap of {max_bytes:,} bytes"
        )
    return data


def read_local(path: Path, max_bytes: int | None = None) -> bytes:
    """Bytes of a local page, gunzipped when the name ends in ``.gz``; ``PageRejected`` for a
    path that is not a regular file or a page over ``max_bytes``, ``FetchError`` otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise FetchError(f"{path}: cannot read page: {exc}") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise PageRejected("not_regular", f"{path}: not a regular file ({_kind(mode)})")
    size = os.fstat(fd).st_size
    with os.fdopen(fd, "rb") as handle:
        try:
            if path.suffix != ".gz":
                return _read_capped(handle, max_bytes, path, "file")
            if max_bytes is not None and size <= max_bytes:
                data = _gunzip_whole(handle.read(), max_bytes, path)
                if data is not None:
                    return data
                handle.seek(0)
            with gzip.GzipFile(fileobj=handle) as unzipped:
                return _read_capped(unzipped, max_bytes, path, "page (gunzipped)")
        except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise FetchError(f"{path}: cannot read page: {exc}") from exc


def _gunzip_whole(data: bytes, max_bytes: int, path: Path) -> bytes | None:
    """A one-member gzip file inflated in one call, never past ``max_bytes + 1`` bytes; None
    for what the streaming reader must judge (several members, a truncated or bad stream)."""
    inflater = _inflate.decompressobj(_GZIP_WBITS)
    try:
        out = inflater.decompress(data, max_bytes + 1)
    except _InflateError:
        return None
    if len(out) > max_bytes:
        raise PageRejected(
            "too_large", f"{path}: page (gunzipped) over the page size cap of {max_bytes:,} bytes"
        )
    if not inflater.eof or inflater.unused_data:
        return None
    return out
