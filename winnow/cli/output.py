"""How a result is printed: the data as it is, never interpreted.

``table`` (the default) is for reading: one line per row between box-drawing bars, NULL shown
as ``NULL`` (an empty string stays empty), control characters shown escaped (``\\n``,
``\\x1b``: a row stays one line and a page's text cannot drive the terminal), binary values
as their size and a short prefix (``<200,002 bytes: 789c00ff…>``). On a terminal, long cells are
cut with ``…`` so the table fits its width; on a pipe, cells are whole.

``csv``, ``json`` (one array) and ``jsonl`` (one object a line) are for programs: every value
whole, binary as base64, dates and times in ISO 8601, lists and structs as JSON.

Nothing here imports rich or polars: ``winnow query`` starts in a fraction of a second.
"""

from __future__ import annotations

import base64
import csv
import json
import math
import re
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

FORMATS = ("table", "csv", "json", "jsonl")
BINARY_PREFIX_BYTES = 8  # hex shown of a binary value
TEXT_PREFIX_CHARS = 24  # characters shown of a binary value that holds text
MIN_CELL_WIDTH = 3  # a column is never cut narrower (the terminal wraps instead)

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def _text_prefix(value: bytes) -> str | None:
    """The first characters of ``value`` if it starts as printable UTF-8 text."""
    chunk = value[: TEXT_PREFIX_CHARS * 4]
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(chunk) - 3:  # not a character cut at the end of the chunk
            return None
        text = chunk[: exc.start].decode("utf-8")
    text = text[:TEXT_PREFIX_CHARS]
    return text if text and text.isprintable() else None


def shown_binary(value: bytes) -> str:
    """``<N bytes: prefix>``: a quoted text prefix when the bytes start as printable UTF-8,
    else the first bytes in hex."""
    size = f"{len(value):,} bytes"
    text = _text_prefix(value)
    if text is not None:
        more = "…" if len(text.encode()) < len(value) else ""
        return f'<{size}: "{text}{more}">'
    more = "…" if len(value) > BINARY_PREFIX_BYTES else ""
    return f"<{size}: {value[:BINARY_PREFIX_BYTES].hex()}{more}>"


def shown(value: Any) -> str:
    """A value as a table cell: its text, with control characters escaped."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes | bytearray | memoryview):
        return shown_binary(bytes(value))
    if isinstance(value, list | tuple | dict):
        text = json.dumps(json_value(value), ensure_ascii=False)
    elif isinstance(value, datetime | date | time):
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    else:
        text = str(value)
    return _CONTROL.sub(_escape, text)


def json_value(value: Any) -> Any:
    """A value as JSON holds it whole (binary as base64)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_value(v) for v in value]
    return str(value)


def csv_value(value: Any) -> Any:
    """A value as a CSV field holds it whole (NULL is an empty field)."""
    if value is None or isinstance(value, bool | int | float | str | Decimal):
        return value
    if isinstance(value, list | tuple | dict):
        return json.dumps(json_value(value), ensure_ascii=False)
    return json_value(value)


def cell_width(text: str) -> int:
    """Terminal columns ``text`` takes (wide East Asian characters 2, combining marks 0)."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) == "Cf":
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, ending in ``…`` when it was longer."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        w = cell_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def _fit(natural: list[int], total: int | None) -> list[int]:
    """Column widths: the natural ones, or the widest cut to one cap so the table fits
    ``total`` columns (borders included)."""
    if total is None:
        return natural
    room = total - (3 * len(natural) + 1)
    if sum(natural) <= room:
        return natural
    low, high = MIN_CELL_WIDTH, max(natural)
    while low < high:  # the largest cap that fits
        cap = (low + high + 1) // 2
        if sum(min(w, cap) for w in natural) <= room:
            low = cap
        else:
            high = cap - 1
    return [min(w, low) for w in natural]


def table_lines(
    columns: Sequence[str], rows: Sequence[Sequence[str]], width: int | None
) -> Iterable[str]:
    """A box-drawn table of already-shown cells, fitted to ``width`` columns (None: whole)."""
    header = [shown(c) for c in columns]
    natural = [cell_width(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            natural[i] = max(natural[i], cell_width(cell))
    widths = _fit(natural, width)

    def line(cells: Sequence[str]) -> str:
        parts = []
        for cell, w in zip(cells, widths, strict=True):
            text = cut(cell, w)
            parts.append(text + " " * (w - cell_width(text)))
        return "│ " + " │ ".join(parts) + " │"

    yield "┌─" + "─┬─".join("─" * w for w in widths) + "─┐"
    yield line(header)
    yield "├─" + "─┼─".join("─" * w for w in widths) + "─┤"
    for row in rows:
        yield line(row)
    yield "└─" + "─┴─".join("─" * w for w in widths) + "─┘"


def terminal_width(stream: IO[str]) -> int | None:
    """The width to fit a table to: the terminal's, or None (whole cells) on a pipe."""
    try:
        on_terminal = stream.isatty()
    except (AttributeError, ValueError):
        on_terminal = False
    return shutil.get_terminal_size().columns if on_terminal else None


def write_result(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    stream: IO[str],
    title: str | None = None,
) -> None:
    """Print a result in ``fmt`` (one of FORMATS) to ``stream``."""
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([csv_value(v) for v in row] for row in rows)
    elif fmt == "json":
        records = [dict(zip(columns, map(json_value, row), strict=True)) for row in rows]
        json.dump(records, stream, ensure_ascii=False)
        stream.write("\n")
    elif fmt == "jsonl":
        for row in rows:
            record = dict(zip(columns, map(json_value, row), strict=True))
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        cells = [[shown(v) for v in row] for row in rows]
        if title:
            stream.write(shown(title) + "\n")
        for text in table_lines(columns, cells, terminal_width(stream)):
            stream.write(text + "\n")
    stream.flush()
