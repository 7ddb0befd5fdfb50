"""The ``manifest`` source: a JSON-lines file, one page per line, files relative to it.

A malformed line costs only its own page: it is yielded with ``error`` set, named by file and
line. So does a ``file`` that leads outside the manifest's folder (``../``, an absolute path
elsewhere, a symlink out), unless the source sets ``allow_outside: true``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from winnow.records import PageRef, page_format
from winnow.sources.contain import OutsideRoot, contained


def iter_manifest(
    path: Path, source: str, site: str | None = None, allow_outside: bool = False
) -> Iterator[PageRef]:
    """Pages of a JSON-lines manifest (``page_id``, ``file`` relative to it, ``url``, ``site``);
    each page's ``extra`` holds its ``line`` number."""
    base = path.parent
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield PageRef(
                    f"{source}/line-{number}",
                    source,
                    str(path),
                    error=f"{path}: line {number}: not UTF-8 ({exc.reason} at byte {exc.start})",
                )
                continue
            if line.strip():
                yield _manifest_ref(path, base, source, site, number, line, allow_outside)


def _manifest_ref(
    path: Path,
    base: Path,
    source: str,
    site: str | None,
    number: int,
    line: str,
    allow_outside: bool,
) -> PageRef:
    where = f"{path}: line {number}"
    fallback_id = f"{source}/line-{number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return PageRef(fallback_id, source, str(path), error=f"{where}: not valid JSON ({exc.msg})")
    if not isinstance(row, dict):
        return PageRef(fallback_id, source, str(path), error=f"{where}: expected a JSON object")
    file, url = row.get("file"), row.get("url")
    page_id = row.get("page_id") or (Path(file).name if isinstance(file, str) else None) or url
    if not isinstance(page_id, str) or not page_id:
        return PageRef(fallback_id, source, str(path), error=f"{where}: no page_id, file or url")
    where = f"{where} (page {page_id!r})"
    if url is not None and not isinstance(url, str):
        return PageRef(page_id, source, str(path), error=f"{where}: 'url' must be a string")
    if not isinstance(file, str) or not file:
        return PageRef(page_id, source, str(path), url=url, error=f"{where}: 'file' is missing")
    try:
        location = contained(base / file, base, allow_outside)
    except OutsideRoot as exc:
        return PageRef(page_id, source, str(path), url=url, error=f"{where}: file {file!r} {exc}")
    row_site = row.get("site") if isinstance(row.get("site"), str) else None
    return PageRef(
        page_id=page_id,
        source=source,
        location=str(location),
        url=url,
        site=row_site or site,
        fmt=page_format(file),
        extra={"line": number},
    )
