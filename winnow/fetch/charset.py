"""The encoding of fetched bytes: the HTTP charset when the bytes agree, then meta, then detection.

``winnow.parse.decode.detect_encoding`` already orders BOM, valid UTF-8, the declared charset,
``<meta charset>`` and charset-normalizer. What it cannot know is that servers often declare a
charset the bytes are not in (``charset=utf-8`` on a windows-1252 page): a declared charset the
bytes do not decode in is dropped here, so the page's own meta or the detection decides.
"""

from __future__ import annotations

import codecs

from winnow.parse.decode import detect_encoding


def _fits(raw: bytes, charset: str) -> bool:
    try:
        codec = codecs.lookup(charset.strip().lower()).name
    except LookupError:
        return False
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def page_encoding(raw: bytes, declared: str | None) -> str:
    """The Python codec to decode a fetched body with."""
    return detect_encoding(raw, declared if declared and _fits(raw, declared) else None)
