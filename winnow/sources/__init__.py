"""Where pages come from: the validated sources YAML and one module per source kind."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from winnow.records import PageRef
from winnow.sources.config import DEFAULT_INCLUDE, KINDS, SourceError, SourceSpec, load_sources
from winnow.sources.files import file_refs
from winnow.sources.manifest import iter_manifest
from winnow.sources.scope import WEB_KINDS, WebScope, normalise_url, select
from winnow.sources.urls import url_candidates
from winnow.sources.warc import warc_refs

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

    A ``urls`` source names its pages (page_id = the normalised URL); the pages of a sitemap or
    feed are only known once it is fetched, so they are not listed here (the crawler finds them).
    """
    if spec.kind == "files":
        yield from file_refs(spec)
    elif spec.kind == "warc" and spec.path is not None:
        yield from warc_refs(spec.path, spec.name, spec.site, spec.include, tally)
    elif spec.kind == "urls" and spec.web is not None:
        for candidate in select(url_candidates(spec.web.urls, spec.path), spec.web):
            yield PageRef(candidate.url, spec.name, candidate.url, site=spec.site)
    elif spec.kind == "manifest" and spec.path is not None:
        yield from iter_manifest(spec.path, spec.name, spec.site)
