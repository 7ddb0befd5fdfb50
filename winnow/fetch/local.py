"""Reading pages from local files (optionally gzip-compressed)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from winnow.fetch.errors import FetchError


def read_local(path: Path) -> bytes:
    """Bytes of a local page, gunzipped when the name ends in ``.gz``."""
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.suffix == ".gz" else data
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise FetchError(f"{path}: cannot read page: {exc}") from exc
