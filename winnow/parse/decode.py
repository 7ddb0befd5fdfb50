"""Page bytes to text, as a browser decodes them.

In order: byte-order mark, UTF-16/32 without one (told by where the NUL bytes fall: markup is
ASCII, so every second, or three of every four, bytes are NUL), valid UTF-8 (whatever the page
declares), the HTTP/meta charset the page declares (unless it claims UTF-8 and the bytes are
not), then windows-1252 when the bytes read cleanly in it, then charset-normalizer's detection
for the rest.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

#: Legacy bytes whose windows-1252 reading is messier than this go to charset-normalizer.
CP1252_MAX_MESS = 0.2
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
#: Share of NUL bytes in a UTF-16/32 page's "high" byte columns (at least) and in its
#: character bytes (at most), over the first ``WIDE_SAMPLE`` bytes.
WIDE_MIN_NUL_SHARE = 0.1
WIDE_MAX_NUL_SHARE = 0.02
WIDE_SAMPLE = 8192
_BOMS = (  # UTF-32 first: its little-endian BOM begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
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
    wide = wide_encoding(raw)
    if wide:
        return wide
    try:
        # Text that is valid UTF-8 with multi-byte sequences is UTF-8, whatever the page
        # declares: legacy-encoded text almost never forms valid UTF-8 by chance.
        raw.decode("utf-8")
        if not raw.isascii():
            return "utf-8"
        valid_utf8 = True
    except UnicodeDecodeError:
        valid_utf8 = False
    candidates = [(declared, False)] if declared else []
    match = _META_CHARSET.search(raw[:4096])
    if match:
        candidates.append((match.group(1).decode("ascii", "ignore"), True))
    for name, in_meta in candidates:
        codec = _known_codec(name) if name else None
        if codec == "utf-8" and not valid_utf8 and not _mostly_utf8(raw):
            continue  # a false UTF-8 claim (a cp1252 page saying utf-8): detect instead
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
    if _reads_as_cp1252(raw):
        return "cp1252"
    wide_ok = b"\x00" in raw[:4096]  # UTF-16/32 text always has NUL bytes
    for guess in from_bytes(raw[:200_000]):
        if wide_ok or not guess.encoding.startswith(("utf_16", "utf_32")):
            return guess.encoding
    return "cp1252"


def wide_encoding(raw: bytes) -> str | None:
    """``utf-16-le``/``-be`` or ``utf-32-le``/``-be`` for UTF-16/32 bytes without a BOM, else
    None. In such text the bytes of each column (position modulo 2 or 4) that hold the high
    bits of ASCII and Latin characters are mostly NUL and the others almost never are; in
    UTF-8, legacy encodings or binary data NUL bytes are rare or fall anywhere."""
    head = raw[:WIDE_SAMPLE]
    if head.count(0) < len(head) * WIDE_MIN_NUL_SHARE / 2 or len(head) < 8:
        return None
    head = head[: len(head) // 4 * 4]
    share = [head[i::4].count(0) / (len(head) / 4) for i in range(4)]
    high, low = WIDE_MIN_NUL_SHARE, WIDE_MAX_NUL_SHARE
    layouts = (
        ("utf-32-le", (1, 2, 3), (0,)),
        ("utf-32-be", (0, 1, 2), (3,)),
        ("utf-16-le", (1, 3), (0, 2)),
        ("utf-16-be", (0, 2), (1, 3)),
    )
    for name, nul_columns, char_columns in layouts:
        if all(share[i] >= high for i in nul_columns) and all(
            share[i] <= low for i in char_columns
        ):
            return name
    return None


def _mostly_utf8(raw: bytes) -> bool:
    """Whether bytes that are not valid UTF-8 are still mostly UTF-8 (a few stray bytes in a
    UTF-8 page, kept as U+FFFD), rather than legacy text whose every accented letter is an
    invalid sequence: valid multi-byte characters outnumber the invalid bytes."""
    text = raw[:200_000].decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return non_ascii - invalid >= invalid


def _reads_as_cp1252(raw: bytes) -> bool:
    """Whether undeclared (or falsely declared) legacy bytes read cleanly as windows-1252, which
    browsers in Western locales assume: charset-normalizer's ranking confuses it with cp1250
    and cp1257 on Western text ("crème" read as "crčme"). Cyrillic or Central European text in
    cp1252 is messy ("Ïðàâèòåëüñòâî", mess ratio > 1) and goes to the detector."""
    try:
        text = raw[:60_000].decode("cp1252")
    except UnicodeDecodeError:
        return False
    return mess_ratio(text, CP1252_MAX_MESS) < CP1252_MAX_MESS


def decode_with(raw: bytes, encoding: str) -> str:
    """Text of page bytes in an encoding already detected; bad bytes become U+FFFD."""
    text = raw.decode(encoding, errors="replace")
    return text[1:] if encoding == "utf-8" and text.startswith("\ufeff") else text


def decode(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding) for page bytes; undecodable bytes become U+FFFD, never an error."""
    encoding = detect_encoding(raw, declared)
    return decode_with(raw, encoding), encoding
