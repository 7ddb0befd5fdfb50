"""The one code path from page bytes to articles, shared by the Dagster assets and the CLI.

Three steps, each over a stream of pages: ``segment`` every page into blocks, ``learn`` the
per-site model from all blocks of the corpus (one polars group-by), then ``extract`` each page
with its site's model. The assets persist each step's output in DuckDB; ``extract_dataset`` runs
the same steps in memory over a dataset folder.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from lxml.html import HtmlElement

from winnow.extract import Article, extract_html, extract_text
from winnow.fetch import FetchError, fetch_url, read_local, read_warc_payload
from winnow.model import BLOCK_SCHEMA, EMPTY_MODEL, MIN_SITE_PAGES, SiteModel, learn, site_models
from winnow.parse.decode import decode, decode_with, detect_encoding
from winnow.parse.segment import Block, parse_html, segment_text, segment_tree
from winnow.parse.sites import declared_url, site_of
from winnow.records import PageRef
from winnow.sources import iter_manifest


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
    status: str  # "ok" or "error"
    error: str | None = None


def load_page(ref: PageRef) -> LoadedPage:
    """Read (or fetch) a page; failure is recorded on the page, never raised."""
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
            raw = read_warc_payload(ref.warc)
        elif ref.location.startswith(("http://", "https://")):
            raw = fetch_url(ref.location)
        else:
            raw = read_local(Path(ref.location))
    except FetchError as exc:
        page.error = str(exc)
        return page
    page.raw, page.status = raw, "ok"
    page.content_hash = hashlib.sha256(raw).hexdigest()
    page.encoding = detect_encoding(raw)
    if page.fmt == "html" and not page.url:
        page.url = declared_url(raw)
    page.site = page.site or site_of(page.url)
    return page


@dataclass(slots=True)
class ParsedPage:
    """One parse of a page: the tree (HTML) and its blocks."""

    tree: HtmlElement | None
    blocks: list[Block]


def parse_page(raw: bytes, fmt: str, encoding: str | None = None) -> ParsedPage:
    """Decode and segment a page; an unparseable page has no blocks."""
    # The encoding was detected when the page was loaded: decode with it, do not detect again.
    text = decode_with(raw, encoding) if encoding else decode(raw)[0]
    if fmt == "txt":
        return ParsedPage(None, segment_text(text))
    tree = parse_html(text) if text.strip() else None
    return ParsedPage(tree, segment_tree(tree) if tree is not None else [])


class BlockCollector:
    """Accumulates text blocks column-wise, for one polars frame per batch (no row objects)."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {
            name: []
            for name in (
                "site page_id block_index parent_index tag tag_path fingerprint signature "
                "text n_chars link_density depth position"
            ).split()
        }

    def add(self, page_id: str, site: str | None, blocks: list[Block]) -> None:
        kept = [b for b in blocks if b.n_chars]
        n = len(kept) or 1
        c = self.columns
        for position, b in enumerate(kept):
            c["site"].append(site)
            c["page_id"].append(page_id)
            c["block_index"].append(b.index)
            c["parent_index"].append(b.parent)
            c["tag"].append(b.tag)
            c["tag_path"].append(b.tag_path)
            c["fingerprint"].append(b.fingerprint)
            c["signature"].append(b.signature)
            c["text"].append(b.text)
            c["n_chars"].append(b.n_chars)
            c["link_density"].append(round(b.link_density, 4))
            c["depth"].append(b.depth)
            c["position"].append(position / n)

    def __len__(self) -> int:
        return len(self.columns["page_id"])

    def frame(self) -> pl.DataFrame:
        return pl.DataFrame(
            self.columns,
            schema={
                **BLOCK_SCHEMA,
                "block_index": pl.Int32,
                "parent_index": pl.Int32,
                "tag": pl.String,
                "tag_path": pl.String,
                "depth": pl.Int16,
                "position": pl.Float32,
            },
        ).select(
            "site",
            "page_id",
            "block_index",
            "parent_index",
            "tag",
            "tag_path",
            "fingerprint",
            "signature",
            "text",
            "n_chars",
            "link_density",
            "depth",
            "position",
        )


def extract_page(page: LoadedPage, model: SiteModel = EMPTY_MODEL) -> Article:
    """Parse the page once and extract its article with the site's model."""
    if page.raw is None:
        return Article()
    parsed = parse_page(page.raw, page.fmt, page.encoding)
    if page.fmt == "txt":
        return extract_text(parsed.blocks, model)
    if parsed.tree is None:
        return Article()
    return extract_html(parsed.tree, parsed.blocks, model, page.url)


def learn_models(blocks: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, SiteModel]]:
    """The ``boilerplate`` table and the per-site lookup sets built from it."""
    table = learn(blocks)
    return table, site_models(table)


def segment_pages(pages: Iterable[LoadedPage]) -> pl.DataFrame:
    """Blocks of every readable page, as one frame."""
    collector = BlockCollector()
    for page in pages:
        if page.raw is not None:
            parsed = parse_page(page.raw, page.fmt, page.encoding)
            collector.add(page.page_id, page.site, parsed.blocks)
    return collector.frame()


def article_record(page_id: str, article: Article) -> dict:
    """The ``winnow extract`` output line for one page."""
    return {
        "page_id": page_id,
        "body": article.body,
        "title": article.title,
        "byline": article.byline,
        "date": article.published_at,
        "language": article.language,
    }


def iter_dataset(dataset_dir: Path, limit: int | None = None) -> Iterator[PageRef]:
    """Page references of a dataset folder (``manifest.jsonl`` beside the page files)."""
    for number, ref in enumerate(iter_manifest(dataset_dir / "manifest.jsonl", dataset_dir.name)):
        if limit is not None and number >= limit:
            return
        yield ref


def may_have_model(refs: list[PageRef]) -> Callable[[PageRef], bool]:
    """Whether a page's site can reach ``MIN_SITE_PAGES`` pages, judged before reading it.

    A page on a site named fewer times than that gets no model whatever its blocks say, so the
    learning pass need not read it. Pages whose site is known only once read (no URL in the
    manifest) might join any site, so they count for every site and are always read.
    """
    known = Counter(ref.site or site_of(ref.url) for ref in refs)
    unknown = known.pop(None, 0)
    return lambda ref: (
        (site := ref.site or site_of(ref.url)) is None or (known[site] + unknown >= MIN_SITE_PAGES)
    )


def extract_dataset(dataset_dir: Path, limit: int | None = None) -> list[dict]:
    """Extract every page of a dataset folder, in manifest order, with the cross-page model.

    Two streaming passes over the files (segment all pages to learn the per-site model, then
    extract each page with its site's model), so no more than one page is held at a time.
    """
    refs = list(iter_dataset(Path(dataset_dir), limit))
    learnable = may_have_model(refs)
    _, models = learn_models(segment_pages(load_page(ref) for ref in refs if learnable(ref)))
    records = []
    for page in (load_page(ref) for ref in refs):
        try:
            article = extract_page(page, models.get(page.site or "", EMPTY_MODEL))
        except Exception:  # one bad page must not cost the others their line
            article = Article()
        records.append(article_record(page.page_id, article))
    return records
