"""The ``urls`` source: an inline list of URLs, or a file of them (one a line, ``#`` comments)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from winnow.sources.scope import Candidate


def read_url_file(path: Path) -> Iterator[str]:
    """URLs of a text file, one a line; blank lines and ``#`` comments skipped."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def url_candidates(urls: tuple[str, ...], path: Path | None) -> Iterator[Candidate]:
    """Candidates of a ``urls`` source, inline ones first."""
    for url in urls:
        yield Candidate(url)
    if path is not None:
        for url in read_url_file(path):
            yield Candidate(url)
