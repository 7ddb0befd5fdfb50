"""Blocks and elements of parsed pages as polars frames: the one representation downstream.

The ``segment`` stage writes these frames to ``page_blocks`` / ``page_elements``; ``winnow
extract`` builds the very same frames in memory. The site model and the block decisions read
them, never the tree again (one parse per page per run).
"""

from __future__ import annotations

import polars as pl

from winnow.parse.blocks import PageDom, paths
from winnow.parse.fingerprint import hash64, structural_signature

BLOCK_COLUMNS = {
    "page_id": pl.String,
    "site": pl.String,
    "block_index": pl.Int32,
    "element_index": pl.Int32,
    "text": pl.String,
    "n_chars": pl.Int32,
    "link_chars": pl.Int32,
    "links": pl.Int32,
    "fingerprint": pl.Int64,
    "signature": pl.Int64,
    "tag": pl.String,
    "tag_path": pl.String,
}
ELEMENT_COLUMNS = {
    "page_id": pl.String,
    "element_index": pl.Int32,
    "tag": pl.String,
    "parent": pl.Int32,
    "depth": pl.Int32,
    "words": pl.String,
    "first_block": pl.Int32,
    "end_block": pl.Int32,
    "images": pl.Int32,
    "hidden": pl.Boolean,
}
_SIGNATURES: dict[str, int] = {}


def _signature(path: str) -> int:
    found = _SIGNATURES.get(path)
    if found is None:
        found = structural_signature(path)
        if len(_SIGNATURES) < 200_000:
            _SIGNATURES[path] = found
    return found


def fingerprints(texts: pl.Series) -> pl.Series:
    """Text fingerprints: case, whitespace and digits folded (polars), then a stable xxhash."""
    normal = texts.str.to_lowercase().str.replace_all(r"\s+", " ").str.replace_all(r"\d", "0")
    return pl.Series("fingerprint", [hash64(t) for t in normal.str.strip_chars()], pl.Int64)


def blocks_frame(pages: list[tuple[str, str | None, PageDom]]) -> pl.DataFrame:
    """One row per block of every page (``(page_id, site, dom)``), in page and reading order."""
    cols: dict[str, list] = {name: [] for name in BLOCK_COLUMNS if name != "fingerprint"}
    for page_id, site, dom in pages:
        n = len(dom.text)
        cols["page_id"].extend([page_id] * n)
        cols["site"].extend([site] * n)
        cols["block_index"].extend(range(n))
        cols["element_index"].extend(dom.owner)
        cols["text"].extend(dom.text)
        cols["n_chars"].extend(len(t) for t in dom.text)
        cols["link_chars"].extend(dom.link_chars)
        cols["links"].extend(dom.links)
        owner_paths = paths(dom, dom.owner)
        cols["signature"].extend(_signature(path) for path in owner_paths)
        cols["tag"].extend(dom.tag[o] for o in dom.owner)
        cols["tag_path"].extend(owner_paths)
    frame = pl.DataFrame(cols, schema={k: v for k, v in BLOCK_COLUMNS.items() if k in cols})
    return frame.with_columns(fingerprints(frame["text"])).select(list(BLOCK_COLUMNS))


def elements_frame(pages: list[tuple[str, str | None, PageDom]]) -> pl.DataFrame:
    """One row per block-level element of every page, in page and document order."""
    cols: dict[str, list] = {name: [] for name in ELEMENT_COLUMNS}
    for page_id, _, dom in pages:
        n = len(dom.tag)
        cols["page_id"].extend([page_id] * n)
        cols["element_index"].extend(range(n))
        for name in ("tag", "parent", "depth", "words", "first_block", "end_block", "images"):
            cols[name].extend(getattr(dom, name))
        cols["hidden"].extend(dom.hidden)
    return pl.DataFrame(cols, schema=ELEMENT_COLUMNS)
