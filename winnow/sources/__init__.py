"""Where pages come from: the validated sources YAML and one module per source kind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from importlib import import_module
from typing import TYPE_CHECKING, Any

from winnow.records import PageRef

if TYPE_CHECKING:
    from winnow.sources.config import SourceSpec

#: Names re-exported here, imported on first use: ``winnow extract`` reads a manifest and must
#: not pay for courlan, fastwarc and the web kinds at start-up.
_LAZY = {
    "DEFAULT_INCLUDE": "winnow.sources.config",
    "KINDS": "winnow.sources.config",
    "SourceError": "winnow.sources.config",
    "SourceSpec": "winnow.sources.config",
    "load_sources": "winnow.sources.config",
    "iter_manifest": "winnow.sources.manifest",
    "WEB_KINDS": "winnow.sources.scope",
    "WebScope": "winnow.sources.scope",
    "normalise_url": "winnow.sources.scope",
    "select": "winnow.sources.scope",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'winnow.sources' has no attribute {name!r}")


__all__ = [
    "DEFAULT_INCLUDE",
    "KINDS",
    "PageRef",
    "SourceError",
    "SourceSpec",
    "WEB_KINDS",
    "WebScope",
    "iter_manifest",
    "iter_page_refs",
    "load_sources",
    "normalise_url",
    "select",
]


def iter_page_refs(spec: SourceSpec, tally: Counter | None = None) -> Iterator[PageRef]:
    """Every page the source names, in a stable order; ``tally`` counts what a source passes
    over (records of a WARC file that are not pages).

    Keys include the source (``winnow.sources.identity``). A ``urls`` source names its pages
    (page_id = the normalised URL); the pages of a sitemap or feed are only known once it is
    fetched, so they are not listed here (the crawler finds them).
    """
    from winnow.sources.files import file_refs
    from winnow.sources.identity import keyed
    from winnow.sources.manifest import iter_manifest
    from winnow.sources.scope import select
    from winnow.sources.urls import url_candidates
    from winnow.sources.warc import warc_refs

    if spec.kind == "files":
        yield from file_refs(spec)
    elif spec.kind == "warc" and spec.path is not None:
        yield from warc_refs(spec.path, spec.name, spec.site, spec.include, tally)
    elif spec.kind == "urls" and spec.web is not None:
        for candidate in select(url_candidates(spec.web.urls, spec.path), spec.web):
            yield PageRef(candidate.url, spec.name, candidate.url, site=spec.site)
    elif spec.kind == "manifest" and spec.path is not None:
        pages = iter_manifest(spec.path, spec.name, spec.site, spec.allow_outside)
        yield from keyed(pages, spec.name)  # <source>/<id>, repeats numbered and reported
