"""Where pages come from: the validated sources YAML and one module per source kind."""

from __future__ import annotations

from collections.abc import Iterator

from winnow.records import PageRef
from winnow.sources.config import DEFAULT_INCLUDE, KINDS, SourceError, SourceSpec, load_sources
from winnow.sources.files import file_refs
from winnow.sources.manifest import iter_manifest

__all__ = [
    "DEFAULT_INCLUDE",
    "KINDS",
    "PageRef",
    "SourceError",
    "SourceSpec",
    "iter_manifest",
    "iter_page_refs",
    "load_sources",
]


def iter_page_refs(spec: SourceSpec) -> Iterator[PageRef]:
    """Every page the source names, in a stable order."""
    if spec.kind == "files":
        yield from file_refs(spec)
    else:
        yield from iter_manifest(spec.path, spec.name, spec.site)
