"""A crawl of the web sources: discovery (URL lists, sitemaps, feeds), then the page fetches.

The crawl runs its own event loop in a worker thread, with one :class:`Fetcher` (one HTTP
client) for the whole run, and hands results to the calling thread through a bounded queue:
the caller writes them to the warehouse while the next pages download, and when it falls
behind the fetch workers wait, so memory stays flat however many URLs the sources name.

Discovery and fetching overlap: each source's producer feeds the frontier (``Frontier``: one
line per source, at most ``FRONTIER_AHEAD`` jobs ahead of the fetchers, sources served in
turn) that ``concurrency`` workers drain; every queued URL is announced (``Queued``) so the
consumer records it, and a killed crawl is resumed from what it recorded. A URL named by two
sources is fetched once per run.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from winnow.fetch.body import gunzip_capped, gunzipped_chunks
from winnow.fetch.errors import FetchFailure
from winnow.fetch.frontier import Frontier
from winnow.fetch.http import Attempt, Fetched, Fetcher, Validators
from winnow.fetch.options import FetchOptions
from winnow.sources.config import SourceSpec
from winnow.sources.feed import FALLBACK_BYTES, FeedError, FeedParser, tolerant_feed
from winnow.sources.scope import Candidate, Selector, normalise_url
from winnow.sources.sitemap import SitemapError, SitemapParser
from winnow.sources.urls import url_candidates

_DONE = object()
_GZIP_MAGIC = b"\x1f\x8b"
#: Pages a source's discovery may queue ahead of the fetchers (then it waits for them).
FRONTIER_AHEAD = 10_000
#: Bytes of a spooled sitemap or feed parsed between two turns of the event loop.
DOC_CHUNK = 32768


@dataclass(frozen=True, slots=True)
class Known:
    """What the warehouse holds for a URL from earlier runs."""

    etag: str | None
    last_modified: str | None
    content_hash: str | None


@dataclass(slots=True)
class PageJob:
    """A page to fetch: its URL (also its page_id), source, site override and validators."""

    url: str
    source: str
    site: str | None
    known: Known | None


@dataclass(slots=True)
class Queued:
    """A URL the crawl queued for fetching (the consumer writes it to the frontier)."""

    job: PageJob


@dataclass(slots=True)
class CrawlItem:
    """One page fetched (``fetched``), or a discovery failure (``fetched`` None, ``error``)."""

    job: PageJob
    fetched: Fetched | None
    error: str | None = None


def _error_class(exc: Exception) -> str:
    """``fetch_log.error_class`` of a document that could not be read."""
    return exc.error_class if isinstance(exc, FetchFailure) else "NotADocument"


class _Stopped(Exception):
    """The consumer went away: the crawl ends early."""


class Crawl:
    """Iterate ``Queued``, ``CrawlItem`` and ``list[Attempt]`` (fetch_log batches) as the crawl
    goes; a URL's ``Queued`` comes before its ``CrawlItem``."""

    def __init__(
        self,
        specs: list[SourceSpec],
        options: FetchOptions,
        known: dict[str, Known],
        resume: list[PageJob] | None = None,
        done: set[str] | None = None,
    ) -> None:
        """``resume``: URLs a killed crawl had queued and not stored, fetched first; ``done``:
        URLs it stored, not fetched again by this crawl."""
        self.specs, self.options, self.known = specs, options, known
        self._out: queue.Queue = queue.Queue(maxsize=options.concurrency * 4)
        self._stop = threading.Event()
        self._seen: set[str] = set(done or ())
        self._resume = resume or []
        self.selectors: dict[str, Selector] = {}  # per source: what it kept and dropped, why

    def _selector(self, spec: SourceSpec, origin: str | None = None) -> Selector:
        selector = self.selectors[spec.name] = Selector(spec.web, origin)
        return selector

    def __iter__(self) -> Iterator[Queued | CrawlItem | list[Attempt]]:
        thread = threading.Thread(target=self._thread_main, name="winnow-crawl", daemon=True)
        thread.start()
        try:
            while (item := self._out.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            thread.join()

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except _Stopped:
            return
        except BaseException as exc:  # a crawl bug reaches the caller instead of vanishing
            self._put(exc)
        self._put(_DONE)

    def _put(self, item: object) -> None:
        while True:
            try:
                self._out.put(item, timeout=0.2)
                return
            except queue.Full:
                if self._stop.is_set():
                    raise _Stopped from None

    async def _emit(self, item: object) -> None:
        try:
            self._out.put_nowait(item)
        except queue.Full:
            await asyncio.to_thread(self._put, item)

    async def _main(self) -> None:
        async with Fetcher(self.options) as fetcher:
            jobs: Frontier[PageJob] = Frontier(FRONTIER_AHEAD)
            workers = [
                asyncio.create_task(self._worker(fetcher, jobs))
                for _ in range(self.options.concurrency)
            ]
            try:
                for job in self._resume:  # a killed crawl's queue first: its URLs are known
                    self._seen.add(job.url)
                    await jobs.put(job, job.source)
                await asyncio.gather(*(self._discover(fetcher, s, jobs) for s in self.specs))
                await jobs.close()
                await asyncio.gather(*workers)
            finally:
                for worker in workers:
                    worker.cancel()
            if fetcher.log:
                await self._emit(fetcher.drain_log())

    async def _worker(self, fetcher: Fetcher, jobs: Frontier) -> None:
        while (job := await jobs.get()) is not None:
            known = job.known
            validators = Validators(known.etag, known.last_modified) if known else None
            fetched = await fetcher.fetch(job.url, "page", validators)
            await self._emit(CrawlItem(job, fetched))
            if len(fetcher.log) >= 100:
                await self._emit(fetcher.drain_log())

    async def _enqueue(self, spec: SourceSpec, url: str, jobs: Frontier) -> None:
        if url in self._seen:
            return
        self._seen.add(url)
        job = PageJob(url, spec.name, spec.site, self.known.get(url))
        await self._emit(Queued(job))
        await jobs.put(job, spec.name)

    async def _discover(self, fetcher: Fetcher, spec: SourceSpec, jobs: Frontier) -> None:
        """Feed the job queue with the pages a source names; failures become items."""
        scope = spec.web
        assert scope is not None, f"{spec.name} is not a web source"
        if spec.kind == "urls":
            selector = self._selector(spec)
            for candidate in url_candidates(scope.urls, spec.path):
                if selector.full:
                    break
                if kept := selector.offer(candidate):
                    await self._enqueue(spec, kept.url, jobs)
        elif spec.kind == "sitemap":
            await self._walk_sitemaps(fetcher, spec, jobs)
        else:
            await self._read_feed(fetcher, spec, jobs)

    async def _document(self, fetcher: Fetcher, spec: SourceSpec, url: str, kind: str):
        """(decoded chunks of a sitemap or feed, the fetch); chunks None after reporting a
        failure. The body was spooled by the fetcher; a gzip file is inflated as it is read."""
        fetched = await fetcher.fetch(url, kind)
        if fetched.outcome != "ok" or fetched.document is None:
            await self._fail(spec, url, f"{spec.name}: {kind} {fetched.error}")
            return None, fetched
        document = fetched.document
        chunks = iter(lambda: document.read(DOC_CHUNK), b"")
        first = next(chunks, b"")
        chunks = itertools.chain([first], chunks)
        if first.startswith(_GZIP_MAGIC):
            chunks = gunzipped_chunks(chunks, self.options.max_decompressed_bytes, url)
        return chunks, fetched

    async def _parsed(self, chunks: Iterator[bytes], parser) -> AsyncIterator:
        """Entries of a document fed to ``parser`` chunk by chunk, handing the event loop back
        between chunks: a 40 MB feed never holds up the other hosts' requests."""
        for chunk in chunks:
            for entry in parser.feed(chunk):
                yield entry
            await asyncio.sleep(0)
        for entry in parser.close():
            yield entry

    async def _lost(self, fetcher: Fetcher, fetched: Fetched, spec: SourceSpec, parser) -> None:
        """An error row for entries the document holds that its parser could not read."""
        if parser.lost or parser.problem:
            cause = parser.problem or "unreadable XML"
            message = (
                f"{spec.name}: {fetched.kind} {fetched.url}: {parser.lost} of {parser.marked} "
                f"entries could not be read ({cause})"
            )
            await self._document_error(fetcher, fetched, spec, "EntriesLost", message)

    async def _document_error(
        self, fetcher: Fetcher, fetched: Fetched, spec: SourceSpec, error_class: str, message: str
    ) -> None:
        """A sitemap or feed fetched but not (wholly) read: a ``fetch_log`` row for it (the
        fetch itself was logged ok) and a failure line for the run."""
        fetcher.log.append(
            Attempt(
                url=fetched.url,
                final_url=fetched.final_url,
                kind=fetched.kind,
                attempt=fetched.attempts,
                status=fetched.status,
                outcome="error",
                error_class=error_class,
                error=message,
                bytes=0,
                elapsed_ms=0.0,
                fetched_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        await self._fail(spec, fetched.url, message)

    async def _fail(self, spec: SourceSpec, url: str, error: str) -> None:
        await self._emit(CrawlItem(PageJob(url, spec.name, spec.site, None), None, error))

    async def _walk_sitemaps(self, fetcher: Fetcher, spec: SourceSpec, jobs: Frontier) -> None:
        """Breadth-first through a sitemap index and its children, at most ``max_sitemaps``."""
        selector = self._selector(spec, spec.web.url)
        pending, visited = [spec.web.url], {spec.web.url}
        while pending and not selector.full and len(visited) <= self.options.max_sitemaps + 1:
            url = pending.pop(0)
            chunks, fetched = await self._document(fetcher, spec, url, "sitemap")
            if chunks is None:
                continue
            parser = SitemapParser()
            try:
                async for entry in self._parsed(chunks, parser):
                    if entry.is_sitemap:
                        child = normalise_url(entry.loc, fetched.final_url)
                        if child and child not in visited and self._wanted(selector, child, entry):
                            visited.add(child)
                            pending.append(child)
                    elif kept := selector.offer(Candidate(entry.loc, entry.lastmod)):
                        await self._enqueue(spec, kept.url, jobs)
                    if selector.full:
                        break
                else:
                    await self._lost(fetcher, fetched, spec, parser)
            except (SitemapError, FetchFailure) as exc:
                message = f"{spec.name}: sitemap {url}: {exc}"
                await self._document_error(fetcher, fetched, spec, _error_class(exc), message)
            finally:
                fetched.document.close()

    @staticmethod
    def _wanted(selector: Selector, child: str, entry) -> bool:
        """A child sitemap of the source's site, not last modified before ``since`` (it would
        hold nothing newer)."""
        return selector.in_site(child) and not selector.too_old(entry.lastmod)

    async def _read_feed(self, fetcher: Fetcher, spec: SourceSpec, jobs: Frontier) -> None:
        scope = spec.web
        chunks, fetched = await self._document(fetcher, spec, scope.url, "feed")
        if chunks is None:
            return
        selector = self._selector(spec, scope.url)
        parser = FeedParser(fetched.final_url)
        try:
            async for candidate in self._feed_entries(chunks, parser, fetched):
                if kept := selector.offer(candidate):
                    await self._enqueue(spec, kept.url, jobs)
                if selector.full:
                    break
            else:
                await self._lost(fetcher, fetched, spec, parser)
        except (FeedError, FetchFailure) as exc:
            message = f"{spec.name}: feed {scope.url}: {exc}"
            await self._document_error(fetcher, fetched, spec, _error_class(exc), message)
        finally:
            fetched.document.close()

    async def _feed_entries(self, chunks: Iterator[bytes], parser: FeedParser, fetched: Fetched):
        """The feed's entries; a small document lxml cannot read as a feed goes to the
        tolerant parser in a worker thread."""
        try:
            async for candidate in self._parsed(chunks, parser):
                yield candidate
        except FeedError:
            document = fetched.document
            if parser.read or document.seek(0, 2) > FALLBACK_BYTES:
                raise
            document.seek(0)
            data = b"".join(iter(lambda: document.read(DOC_CHUNK), b""))
            if data.startswith(_GZIP_MAGIC):
                data = gunzip_capped(data, self.options.max_decompressed_bytes, fetched.url)
            for candidate in await asyncio.to_thread(tolerant_feed, data, fetched.final_url):
                yield candidate
