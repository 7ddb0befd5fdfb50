"""Where the pipeline gives a page a status instead of an article (the hooks of
``winnow.pipeline`` and ``winnow.stages``).

Statuses (``pages.status``): ``ok``; ``error`` (could not be read); ``not_regular`` (a FIFO,
device or folder); ``too_large`` (over ``max_page_bytes``); ``binary`` and ``undecodable``
(not text, ``winnow.parse.garbage``); ``truncated`` (the parser lost most of its text, or a
fetched body ended before its ``Content-Length`` or its gzip stream's end);
``timeout`` (parsing or extracting took over ``page_seconds``). ``pages.error`` says why. Only
``ok`` pages are segmented and extracted; any other status costs that page alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import polars as pl

from winnow.limits import PageLimits, PageTimeout, time_limit
from winnow.parse.decode import decode_with
from winnow.parse.garbage import LOST_TEXT_MIN_CHARS, lost_text, page_verdict

QUARANTINED = ("not_regular", "too_large", "binary", "undecodable", "truncated", "timeout")

Parsed = TypeVar("Parsed")


class Page(Protocol):
    """What the hooks read and set on a loaded page (``winnow.pipeline.LoadedPage``)."""

    page_id: str
    location: str
    raw: bytes | None
    content_hash: str | None
    encoding: str | None
    status: str
    error: str | None


def screen(page: Page, limits: PageLimits) -> None:
    """Before parsing: a page over the size cap loses its bytes (``too_large``); bytes that are
    not text keep them for inspection but get ``binary`` or ``undecodable``."""
    if page.raw is None or page.status != "ok":
        return
    if len(page.raw) > limits.max_bytes:
        page.error = (
            f"{page.location}: {len(page.raw):,} bytes, over the page size cap of "
            f"{limits.max_bytes:,} bytes"
        )
        page.status, page.raw, page.content_hash, page.encoding = "too_large", None, None, None
        return
    verdict = page_verdict(page.raw, page.encoding or "utf-8")
    if verdict is not None:
        page.status, page.error = verdict.status, f"{page.location}: {verdict.reason}"


def parse_within(page: Page, limits: PageLimits, parse: Callable[[Page], Parsed]) -> Parsed | None:
    """``parse(page)`` under the time limit; None (and the page's status set) when it ran out
    of time or the parse kept too little of a big page's text. Other errors propagate."""
    try:
        with time_limit(limits.seconds, f"parsing {page.page_id}"):
            parsed = parse(page)
    except PageTimeout as exc:
        page.status, page.error = "timeout", f"{page.location}: {exc}"
        return None
    raw = page.raw or b""
    if len(raw) > LOST_TEXT_MIN_CHARS:  # only a big page can lose text to a parser's limit
        kept = sum(map(len, parsed.dom.text))
        verdict = lost_text(decode_with(raw, page.encoding or "utf-8"), kept)
        if verdict is not None:
            page.status, page.error = verdict.status, f"{page.location}: {verdict.reason}"
            return None
    return parsed


#: A page with more block text than this is decided on its own, under the per-page time
#: limit; lighter pages are decided together under the limit times their number (and one by
#: one, each under the limit, when that runs out).
HEAVY_PAGE_CHARS = 200_000

Decide = Callable[[pl.DataFrame, pl.DataFrame, pl.DataFrame, object], dict]


def decide_within(
    blocks: pl.DataFrame,
    elements: pl.DataFrame,
    metas: pl.DataFrame,
    stats: object,
    limits: PageLimits,
    decide: Decide,
) -> tuple[dict, dict[str, str]]:
    """``decide(blocks, elements, metas, stats)`` (``extract_articles``) with every page held
    to the per-page time limit: (articles, {page_id: reason} of the pages that ran out)."""
    _load_models()
    chars = blocks.group_by("page_id").agg(pl.col("n_chars").sum())
    heavy = chars.filter(pl.col("n_chars") > HEAVY_PAGE_CHARS)["page_id"].to_list()
    light = [p for p in metas["page_id"].to_list() if p not in set(heavy)]
    articles: dict = {}
    timeouts: dict[str, str] = {}
    groups = ([light] if light else []) + [[page] for page in sorted(heavy)]
    for ids in groups:
        try:
            articles.update(_decide_group(blocks, elements, metas, stats, limits, decide, ids))
        except PageTimeout as exc:
            if len(ids) == 1:
                timeouts[ids[0]] = str(exc)
                continue
            for page in ids:  # the batch ran out: each page on its own, under the limit
                try:
                    articles.update(
                        _decide_group(blocks, elements, metas, stats, limits, decide, [page])
                    )
                except PageTimeout as one:
                    timeouts[page] = str(one)
    return articles, timeouts


def _load_models() -> None:
    """Load the block classifier and the language identifier (each cached once per process)
    before any clock starts: the first page decided must not pay for loading them."""
    from winnow.extract.classifier import default_classifier
    from winnow.extract.language import identifier

    default_classifier()
    identifier()


def _decide_group(blocks, elements, metas, stats, limits, decide, ids: list[str]) -> dict:
    what = f"extracting {ids[0]}" if len(ids) == 1 else f"extracting {len(ids)} pages"
    if len(ids) < metas.height:
        keep = pl.col("page_id").is_in(ids)
        blocks, elements, metas = blocks.filter(keep), elements.filter(keep), metas.filter(keep)
    with time_limit(limits.seconds * len(ids), what):
        return decide(blocks, elements, metas, stats)
