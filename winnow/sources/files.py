"""The ``files`` source: every page file below a folder.

Anything the globs match that is not a folder is a page: a FIFO or device gets the status
``not_regular`` when it is read, and a symlink leading out of the folder is an error row (unless
the source sets ``allow_outside: true``); each costs only itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from winnow.records import PageRef, page_format
from winnow.sources.config import SourceSpec
from winnow.sources.contain import OutsideRoot, contained


def file_refs(spec: SourceSpec) -> Iterator[PageRef]:
    seen: set[Path] = set()
    for pattern in spec.include:
        for path in sorted(spec.path.glob(pattern)):
            if path in seen or path.is_dir():
                continue
            seen.add(path)
            rel = path.relative_to(spec.path).as_posix()
            page_id = f"{spec.name}/{rel}"
            try:
                location = contained(path, spec.path, spec.allow_outside)
            except OutsideRoot as exc:
                yield PageRef(page_id, spec.name, str(path), error=f"{path}: {exc}")
                continue
            yield PageRef(page_id, spec.name, str(location), site=spec.site, fmt=page_format(rel))
