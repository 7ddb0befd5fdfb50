"""Page bytes to text, as a browser decodes them.

In order: byte-order mark, valid UTF-8 (whatever the page declares), the HTTP/meta charset the
page declares, then charset-normalizer's detection for the rest.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _known_codec(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def detect_encoding(raw: bytes, declared: str | None = None) -> str:
    """The encoding to decode ``raw`` with (a Python codec name)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    try:
        # Text that is valid UTF-8 with multi-byte sequences is UTF-8, whatever the page
        # declares: legacy-encoded text almost never forms valid UTF-8 by chance.
        raw.decode("utf-8")
        if not raw.isascii():
            return "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = [(declared, False)] if declared else []
    match = _META_CHARSET.search(raw[:4096])
    if match:
        candidates.append((match.group(1).decode("ascii", "ignore"), True))
    for name, in_meta in candidates:
        codec = _known_codec(name) if name else None
        if codec:
            # As browsers do: latin-1 and ASCII labels mean windows-1252, and a UTF-16 label
            # inside an ASCII-readable <meta> cannot be true (the bytes would not be readable).
            if codec in ("latin_1", "iso8859-1", "ascii"):
                return "cp1252"
            if in_meta and codec.startswith("utf-16"):
                return "utf-8"
            return codec
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    wide_ok = b"\x00" in raw[:4096]  # UTF-16/32 text always has NUL bytes
    for guess in from_bytes(raw[:200_000]):
        if wide_ok or not guess.encoding.startswith(("utf_16", "utf_32")):
            return guess.encoding
    return "cp1252"


def decode_with(raw: bytes, encoding: str) -> str:
    """Text of page bytes in an encoding already detected; bad bytes become U+FFFD."""
    text = raw.decode(encoding, errors="replace")
    return text[1:] if encoding == "utf-8" and text.startswith("\ufeff") else text


def decode(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding) for page bytes; undecodable bytes become U+FFFD, never an error."""
    encoding = detect_encoding(raw, declared)
    return decode_with(raw, encoding), encoding
