"""A page's key includes its source, and a repeated id never hides a page.

Two manifests may both name a page ``index``, and one manifest may name it twice. Keys are
therefore ``<source>/<id>`` (``files`` and ``warc`` pages already are; an id that already
starts with its source's name is kept as it is), and within a source a repeated key gets the
number of its occurrence: the second ``demo/index`` is stored as ``demo/index#2``, with
``duplicate_of`` naming the first, so ``winnow validate`` and the
``page_ids_unique_within_source`` check report it and both pages get articles. Web pages (urls,
sitemap, feed) are keyed by their normalised URL, which the crawler fetches once whichever
sources name it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from winnow.records import PageRef


def source_key(source: str, page_id: str) -> str:
    """``<source>/<page_id>``, unless ``page_id`` already starts with ``<source>/``."""
    return page_id if page_id.startswith(f"{source}/") else f"{source}/{page_id}"


def keyed(refs: Iterable[PageRef], source: str) -> Iterator[PageRef]:
    """``refs`` with source-qualified keys; a key seen before in this source becomes
    ``key#N`` (N-th occurrence) with ``extra['duplicate_of']`` (and a description of where)."""
    first_seen: dict[str, str] = {}
    count: dict[str, int] = {}
    for ref in refs:
        key = source_key(source, ref.page_id)
        where = f"line {ref.extra['line']}" if "line" in ref.extra else "an earlier entry"
        if key not in first_seen:
            first_seen[key] = where
            count[key] = 1
            yield replace(ref, page_id=key)
            continue
        count[key] += 1
        extra = {
            **ref.extra,
            "duplicate_of": key,
            "duplicate": f"page id {ref.page_id!r} repeats {first_seen[key]}",
        }
        yield replace(ref, page_id=f"{key}#{count[key]}", extra=extra)
