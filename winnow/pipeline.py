"""The one code path from page bytes to articles, shared by the Dagster assets and the CLI.

Four steps: ``load_page`` reads (or fetches) a page; ``parse_page`` decodes it, parses it once
with lexbor and reads its declared metadata and blocks; ``segment`` turns parsed pages into the
block/element/metadata frames the warehouse stores; ``extract_articles`` (``winnow.extract``)
decides on those frames with the site model's counts (``winnow.model.site_stats``). The assets
persist each step's frames in DuckDB; ``extract_dataset`` runs the same steps in memory over a
dataset folder, site by site.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from winnow.extract.engine import Article, extract_articles, meta_frame
from winnow.extract.metadata import PageMeta, names_date, read_metadata, resolve_date
from winnow.fetch.errors import FetchError
from winnow.fetch.local import read_local
from winnow.limits import PageLimits
from winnow.model.site import site_stats
from winnow.parse.blocks import PageDom, text_dom
from winnow.parse.decode import decode, decode_with, detect_encoding
from winnow.parse.frames import blocks_frame, elements_frame
from winnow.parse.html import body_dom, parse_html, repair_open_title
from winnow.parse.sites import declared_url, site_of
from winnow.quarantine import decide_within, parse_within, screen
from winnow.records import PageRef
from winnow.sources.manifest import iter_manifest

CHUNK_PAGES = 400  # pages decided together by ``extract_dataset`` (whole sites per chunk)


@dataclass(slots=True)
class LoadedPage:
    """A page's bytes and what is known of it before parsing."""

    page_id: str
    source: str
    location: str
    url: str | None
    site: str | None
    fmt: str
    raw: bytes | None
    content_hash: str | None
    encoding: str | None
    status: str  # "ok", "error" or a quarantine status (``winnow.quarantine``)
    error: str | None = None


def load_page(ref: PageRef, limits: PageLimits | None = None) -> LoadedPage:
    """Read (or fetch) a page; failure is recorded on the page, never raised. A page over
    ``limits.max_bytes`` or not text gets a quarantine status (``winnow.quarantine``)."""
    limits = limits or PageLimits.of()
    page = LoadedPage(
        ref.page_id, ref.source, ref.location, ref.url, ref.site, ref.fmt, None, None, None, "error"
    )
    if ref.error:
        page.error = ref.error
        return page
    try:
        if ref.payload is not None:  # a streaming source (WARC) already read it
            raw = ref.payload
        elif ref.warc is not None:
            from winnow.fetch.warc import read_warc_payload  # fastwarc only where needed

            raw = read_warc_payload(ref.warc)
        elif ref.location.startswith(("http://", "https://")):
            from winnow.fetch.http import fetch_url  # httpx only where needed

            raw = fetch_url(ref.location)
        else:
            raw = read_local(Path(ref.location), limits.max_bytes)
    except FetchError as exc:
        page.error = str(exc)
        page.status = getattr(exc, "page_status", "error")
        return page
    page.raw, page.status = raw, "ok"
    page.content_hash = hashlib.sha256(raw).hexdigest()
    page.encoding = detect_encoding(raw)
    if page.fmt == "html" and not page.url:
        page.url = declared_url(raw)
    page.site = page.site or site_of(page.url)
    screen(page, limits)
    return page


@dataclass(slots=True)
class ParsedPage:
    """One parse of a page: its blocks and elements, and what it declares about itself."""

    page_id: str
    site: str | None
    url: str | None
    fmt: str
    dom: PageDom
    meta: PageMeta = field(default_factory=PageMeta)


def _utf8_as_given(raw: bytes, encoding: str | None, text: str) -> bool:
    """Whether lexbor can parse the page's own bytes (the UTF-8 its decoded text would be
    encoded back to): UTF-8 without a byte-order mark and with no byte decoding replaced."""
    return encoding == "utf-8" and not raw.startswith(codecs.BOM_UTF8) and "\ufffd" not in text


def parse_page(page: LoadedPage) -> ParsedPage:
    """Decode and parse a page once: metadata from the head, then blocks from the body."""
    raw = page.raw or b""
    # The encoding was detected when the page was loaded: decode with it, do not detect again.
    text = decode_with(raw, page.encoding) if page.encoding else decode(raw)[0]
    if page.fmt == "txt":
        return ParsedPage(page.page_id, page.site, page.url, "txt", text_dom(text))
    tree = parse_html(raw if _utf8_as_given(raw, page.encoding, text) else text)
    meta = read_metadata(tree, page.url)
    dom = body_dom(tree)
    if not dom.text and (repaired := repair_open_title(text)) is not None:
        text, tree = repaired, parse_html(repaired)
        meta = read_metadata(tree, page.url)
        dom = body_dom(tree)
    if not meta.date:
        headline = next((i for i, o in enumerate(dom.owner) if dom.tag[o] == "h1"), 0)
        marked = lambda: [names_date(dom.words[o]) for o in dom.owner]  # noqa: E731 - lazy
        resolve_date(meta, dom.text, headline, marked, text)
    return ParsedPage(page.page_id, page.site, page.url, "html", dom, meta)


@dataclass(slots=True)
class Segmented:
    """Parsed pages as the frames the warehouse stores and extraction reads."""

    blocks: pl.DataFrame
    elements: pl.DataFrame
    metas: pl.DataFrame


def segment(parsed: list[ParsedPage]) -> Segmented:
    """Frames of a batch of parsed pages (``winnow.parse.frames``, ``meta_frame``)."""
    triples = [(p.page_id, p.site, p.dom) for p in parsed]
    return Segmented(
        blocks_frame(triples),
        elements_frame(triples),
        meta_frame([(p.page_id, p.fmt, p.url, p.meta) for p in parsed]),
    )


def article_record(page_id: str, article: Article, url: str | None = None) -> dict:
    """The ``winnow extract`` output line for one page (the contract's six fields first)."""
    return {
        "page_id": page_id,
        "body": article.body,
        "title": article.title,
        "byline": article.byline,
        "date": article.published_at,
        "language": article.language,
        "url": url,
        "markdown": article.markdown,
    }


def iter_dataset(dataset_dir: Path, limit: int | None = None) -> Iterator[PageRef]:
    """Page references of a dataset folder (``manifest.jsonl`` beside the page files)."""
    for number, ref in enumerate(iter_manifest(dataset_dir / "manifest.jsonl", dataset_dir.name)):
        if limit is not None and number >= limit:
            return
        yield ref


def site_chunks(refs: list[PageRef], size: int = CHUNK_PAGES) -> Iterator[list[int]]:
    """Indexes of ``refs`` in chunks of whole sites (a site bigger than ``size`` is one chunk),
    so every site's model sees all of the site's pages. Pages of no known site come last."""
    by_site: dict[str | None, list[int]] = {}
    for i, ref in enumerate(refs):
        by_site.setdefault(ref.site or site_of(ref.url), []).append(i)
    unknown = by_site.pop(None, [])
    chunk: list[int] = []
    for indexes in [*by_site.values(), *([[i] for i in unknown])]:
        if chunk and len(chunk) + len(indexes) > size:
            yield chunk
            chunk = []
        chunk += indexes
    if chunk:
        yield chunk


def extract_pages(
    pages: Iterable[LoadedPage], limits: PageLimits | None = None
) -> dict[str, Article]:
    """Articles of a set of loaded pages decided together (the site model sees them all);
    a quarantined page (or one past the time limit, which then gets status 'timeout') gets
    an empty article."""
    limits = limits or PageLimits.of()
    pages = list(pages)
    parsed: list[ParsedPage] = []
    articles: dict[str, Article] = {}
    for page in pages:
        articles[page.page_id] = Article()
        if page.raw is None or page.status != "ok":
            continue
        try:
            one = parse_within(page, limits, parse_page)
        except Exception:  # an unparseable page gets an empty article, the others go on
            continue
        if one is not None:
            parsed.append(one)
    if not parsed:
        return articles
    frames = segment(parsed)
    stats = site_stats(frames.blocks)
    decided, timeouts = decide_within(
        frames.blocks, frames.elements, frames.metas, stats, limits, extract_articles
    )
    articles.update(decided)
    for page in pages:  # pages that ran out of time keep their empty article
        if page.page_id in timeouts:
            page.status, page.error = "timeout", f"{page.location}: {timeouts[page.page_id]}"
    return articles


def run_keys(refs: list[PageRef]) -> list[str]:
    """Each page's key within one run: its manifest id, and ``<id>#N`` for the N-th page that
    repeats an id, so keys are unique and a message about a page (a timeout) names it."""
    used: set[str] = set()
    keys = []
    for ref in refs:
        key, number = str(ref.page_id), 1
        while key in used:
            number += 1
            key = f"{ref.page_id}#{number}"
        used.add(key)
        keys.append(key)
    return keys


def _chunk_records(refs: list[PageRef], limits: PageLimits) -> Iterator[list[tuple[int, dict]]]:
    """(manifest index, output record) of every page, a chunk of whole sites at a time."""
    keys = run_keys(refs)
    for chunk in site_chunks(refs):
        pages = [load_page(refs[i], limits) for i in chunk]
        for i, page in zip(chunk, pages, strict=True):
            page.page_id = keys[i]
        try:
            articles = extract_pages(pages, limits)
        except Exception:  # a chunk that fails is retried page by page
            articles = {}
            for page in pages:
                try:
                    articles.update(extract_pages([page], limits))
                except Exception:
                    articles[page.page_id] = Article()
        done = []
        for i, page in zip(chunk, pages, strict=True):
            article = articles.get(page.page_id, Article())
            record = article_record(refs[i].page_id, article, page.url)
            if page.status != "ok":  # quarantined or unreadable: say why (winnow.quarantine)
                record |= {"status": page.status, "error": page.error}
            done.append((i, record))
        yield done


def iter_records(dataset_dir: Path, limit: int | None = None) -> Iterator[dict]:
    """The output record of every page of a dataset folder, in manifest order, as each chunk
    of whole sites is decided (``winnow extract`` writes them as they come)."""
    return iter_ref_records(list(iter_dataset(Path(dataset_dir), limit)))


def iter_ref_records(
    refs: list[PageRef], progress: Callable[[int], None] | None = None
) -> Iterator[dict]:
    """The output record of every page of ``refs`` (a manifest, a folder, a file, standard
    input: ``winnow extract``'s inputs), in their order, pages of a site decided together;
    ``progress`` hears how many pages each decided chunk held.

    Chunks finish in site order, not manifest order: a record that cannot be handed out yet
    waits in a temporary file, so memory holds one chunk's pages, never the run's records.
    """
    limits = PageLimits.of()
    waiting: dict[int, tuple[int, int]] = {}  # manifest index -> (offset, size) in the spill
    following = 0
    with tempfile.TemporaryFile() as spill:
        for done in _chunk_records(refs, limits):
            if progress is not None:
                progress(len(done))
            ready = dict(done)
            while following in ready or following in waiting:
                if following in ready:
                    yield ready.pop(following)
                else:
                    offset, size = waiting.pop(following)
                    spill.seek(offset)
                    yield json.loads(spill.read(size))
                following += 1
            spill.seek(0, os.SEEK_END)
            for i, record in ready.items():
                line = json.dumps(record, ensure_ascii=False).encode()
                waiting[i] = (spill.tell(), len(line))
                spill.write(line)


def extract_dataset(dataset_dir: Path, limit: int | None = None) -> list[dict]:
    """Every page's output record of a dataset folder, in manifest order (``iter_records``)."""
    return list(iter_records(dataset_dir, limit))
