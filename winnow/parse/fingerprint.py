"""Block fingerprints: the keys the per-site model counts.

Two blocks get the same text fingerprint when they read the same once case, whitespace and
digits are ignored, so "Updated 3 hours ago" and "Updated 5 hours ago" are one template string.
The structural signature keys a block by where it sits in the DOM (tag path with classes), so a
teaser slot whose text rotates daily is still recognisable as the same slot.
"""

from __future__ import annotations

import re

import xxhash

_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w+")


def normalize_text(text: str) -> str:
    """Lower-case, digits to 0, whitespace collapsed: the form two template copies share."""
    return _DIGIT.sub("0", _SPACE.sub(" ", text).strip().lower())


def hash64(text: str) -> int:
    """Stable signed 64-bit hash (fits DuckDB BIGINT and polars Int64)."""
    return xxhash.xxh64_intdigest(text.encode("utf-8")) - (1 << 63)


def text_fingerprint(text: str) -> int:
    """Fingerprint of a block's visible text."""
    return hash64(normalize_text(text))


def structural_signature(tag_path: str) -> int:
    """Fingerprint of a block's position in the template (tag path with classes, digits folded)."""
    return hash64(_DIGIT.sub("0", tag_path.lower()))


def words(text: str) -> list[str]:
    """Word tokens (``\\w+``), as the benchmark tokenizer cuts them: the one tokenizer of
    word counts, shingles and syndication sketches."""
    return _WORD.findall(text)


def word_count(text: str) -> int:
    """Number of word tokens, as the benchmark tokenizer counts them."""
    return len(words(text))
