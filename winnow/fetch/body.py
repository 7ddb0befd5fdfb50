"""Reading a response body with both size caps: bytes on the wire and bytes once decoded.

httpx would decode ``Content-Encoding`` itself, but its decoder inflates each network chunk
whole: one 64 KB chunk of a gzip bomb becomes ~64 MB before anything can be counted. Here the
raw stream is read and inflated with ``max_length``, so no more than the cap (plus one chunk)
is ever held, whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterator
from typing import BinaryIO

from winnow.fetch.errors import FetchFailure

ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 65536


class CappedInflater:
    """Streaming gzip/deflate/identity decoding that stops past ``limit`` output bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        encoding = encoding.strip().lower()
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS)
        elif encoding in ("", "identity"):
            self._zlib = None
        else:
            raise FetchFailure("UnsupportedEncoding", f"{url}: Content-Encoding {encoding!r}")
        self.encoding, self.limit, self.url = encoding, limit, url
        self._first = True
        self.size = 0

    def _grow(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchFailure(
                "DecompressedTooLarge",
                f"{self.url}: body inflates past fetch.max_decompressed_bytes={self.limit}",
            )
        return data

    def feed(self, chunk: bytes) -> bytes:
        if self._zlib is None:
            return self._grow(chunk)
        if self._first and self.encoding == "deflate" and chunk and chunk[0] & 0x0F != 8:
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no zlib header
        self._first = False
        parts = []
        data = chunk
        try:
            while data:
                parts.append(self._grow(self._zlib.decompress(data, self.limit - self.size + 1)))
                data = self._zlib.unconsumed_tail
        except zlib.error as exc:
            raise FetchFailure("DecodingError", f"{self.url}: bad {self.encoding}: {exc}") from exc
        return b"".join(parts)

    def flush(self) -> bytes:
        return self._grow(self._zlib.flush()) if self._zlib is not None else b""

    @property
    def complete(self) -> bool:
        """Whether a compressed stream reached its end marker (identity: always)."""
        return self._zlib is None or self._zlib.eof


async def read_capped(
    chunks: AsyncIterator[bytes],
    encoding: str,
    max_bytes: int,
    max_decoded: int,
    url: str,
    sink: BinaryIO | None = None,
) -> tuple[bytes, int]:
    """(decoded body, bytes on the wire) of a raw chunk stream, within both caps; a
    compressed body cut before its end is a ``TruncatedBody`` failure. With ``sink`` the
    decoded bytes are written there (a spool file) and the body returned is empty."""
    inflater = CappedInflater(encoding, max_decoded, url)
    parts: list[bytes] = []
    keep = parts.append if sink is None else sink.write
    wire = 0
    async for chunk in chunks:
        wire += len(chunk)
        if wire > max_bytes:
            raise FetchFailure("BodyTooLarge", f"{url}: body over fetch.max_bytes={max_bytes}")
        keep(inflater.feed(chunk))
    keep(inflater.flush())
    if not inflater.complete:
        raise FetchFailure(
            "TruncatedBody",
            f"{url}: truncated: the {inflater.encoding} body ends before its end "
            f"({wire} bytes received)",
            retryable=True,
        )
    return b"".join(parts), wire


def gunzipped_chunks(chunks: Iterator[bytes], limit: int, url: str) -> Iterator[bytes]:
    """The content of a gzip file read chunk by chunk (``.xml.gz`` sitemaps), under ``limit``
    bytes; a file cut before its end is a ``TruncatedBody`` failure."""
    inflater = CappedInflater("gzip", limit, url)
    for chunk in chunks:
        yield inflater.feed(chunk)
    yield inflater.flush()
    if not inflater.complete:
        raise FetchFailure("TruncatedBody", f"{url}: truncated: the gzip file ends before its end")


def gunzip_capped(data: bytes, limit: int, url: str) -> bytes:
    """A gzip file's content (``.xml.gz`` sitemaps), refusing more than ``limit`` bytes."""
    inflater = CappedInflater("gzip", limit, url)
    out = [inflater.feed(data[i : i + _CHUNK]) for i in range(0, len(data), _CHUNK)]
    out.append(inflater.flush())
    return b"".join(out)
