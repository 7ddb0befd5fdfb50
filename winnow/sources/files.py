"""The ``files`` source: every page file below a folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from winnow.records import PageRef, page_format
from winnow.sources.config import SourceSpec


def file_refs(spec: SourceSpec) -> Iterator[PageRef]:
    seen: set[Path] = set()
    for pattern in spec.include:
        for path in sorted(spec.path.glob(pattern)):
            if path.is_file() and path not in seen:
                seen.add(path)
                rel = path.relative_to(spec.path).as_posix()
                yield PageRef(
                    page_id=f"{spec.name}/{rel}",
                    source=spec.name,
                    location=str(path),
                    site=spec.site,
                    fmt=page_format(rel),
                )
