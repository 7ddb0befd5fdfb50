"""A crawl of the web sources: discovery (URL lists, sitemaps, feeds), then the page fetches.

The crawl runs its own event loop in a worker thread, with one :class:`Fetcher` (one HTTP
client) for the whole run, and hands results to the calling thread through a bounded queue:
the caller writes them to the warehouse while the next pages download, and when it falls
behind the fetch workers wait, so memory stays flat however many URLs the sources name.

Discovery and fetching overlap: each source's producer feeds a bounded job queue that
``concurrency`` workers drain. A URL named by two sources is fetched once per run.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from winnow.fetch.body import gunzip_capped
from winnow.fetch.errors import FetchFailure
from winnow.fetch.http import Attempt, Fetched, Fetcher, Validators
from winnow.fetch.options import FetchOptions
from winnow.sources.config import SourceSpec
from winnow.sources.feed import FeedError, parse_feed
from winnow.sources.scope import Candidate, Selector, normalise_url
from winnow.sources.sitemap import SitemapError, parse_sitemap
from winnow.sources.urls import url_candidates

_DONE = object()
_GZIP_MAGIC = b"\x1f\x8b"


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
class CrawlItem:
    """One page fetched (``fetched``), or a discovery failure (``fetched`` None, ``error``)."""

    job: PageJob
    fetched: Fetched | None
    error: str | None = None


class _Stopped(Exception):
    """The consumer went away: the crawl ends early."""


class Crawl:
    """Iterate ``CrawlItem`` and ``list[Attempt]`` (fetch_log batches) as the crawl goes."""

    def __init__(
        self, specs: list[SourceSpec], options: FetchOptions, known: dict[str, Known]
    ) -> None:
        self.specs, self.options, self.known = specs, options, known
        self._out: queue.Queue = queue.Queue(maxsize=options.concurrency * 4)
        self._stop = threading.Event()
        self._seen: set[str] = set()

    def __iter__(self) -> Iterator[CrawlItem | list[Attempt]]:
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
            jobs: asyncio.Queue[PageJob | None] = asyncio.Queue(self.options.concurrency * 2)
            workers = [
                asyncio.create_task(self._worker(fetcher, jobs))
                for _ in range(self.options.concurrency)
            ]
            try:
                await asyncio.gather(*(self._discover(fetcher, s, jobs) for s in self.specs))
                for _ in workers:
                    await jobs.put(None)
                await asyncio.gather(*workers)
            finally:
                for worker in workers:
                    worker.cancel()
            if fetcher.log:
                await self._emit(fetcher.drain_log())

    async def _worker(self, fetcher: Fetcher, jobs: asyncio.Queue) -> None:
        while (job := await jobs.get()) is not None:
            known = job.known
            validators = Validators(known.etag, known.last_modified) if known else None
            fetched = await fetcher.fetch(job.url, "page", validators)
            await self._emit(CrawlItem(job, fetched))
            if len(fetcher.log) >= 100:
                await self._emit(fetcher.drain_log())

    async def _enqueue(self, spec: SourceSpec, url: str, jobs: asyncio.Queue) -> None:
        if url in self._seen:
            return
        self._seen.add(url)
        await jobs.put(PageJob(url, spec.name, spec.site, self.known.get(url)))

    async def _discover(self, fetcher: Fetcher, spec: SourceSpec, jobs: asyncio.Queue) -> None:
        """Feed the job queue with the pages a source names; failures become items."""
        scope = spec.web
        assert scope is not None, f"{spec.name} is not a web source"
        if spec.kind == "urls":
            selector = Selector(scope)
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
        """Body of a sitemap or feed (gunzipped under the cap); None after reporting a failure."""
        fetched = await fetcher.fetch(url, kind)
        if fetched.outcome != "ok" or fetched.body is None:
            await self._fail(spec, url, f"{spec.name}: {kind} {fetched.error}")
            return None, fetched
        body = fetched.body
        if body.startswith(_GZIP_MAGIC):
            try:
                body = gunzip_capped(body, self.options.max_decompressed_bytes, url)
            except FetchFailure as exc:
                await self._fail(spec, url, f"{spec.name}: {kind} {exc}")
                return None, fetched
        return body, fetched

    async def _fail(self, spec: SourceSpec, url: str, error: str) -> None:
        await self._emit(CrawlItem(PageJob(url, spec.name, spec.site, None), None, error))

    async def _walk_sitemaps(self, fetcher: Fetcher, spec: SourceSpec, jobs: asyncio.Queue) -> None:
        """Breadth-first through a sitemap index and its children, at most ``max_sitemaps``."""
        selector = Selector(spec.web, spec.web.url)
        pending, visited = [spec.web.url], {spec.web.url}
        while pending and not selector.full and len(visited) <= self.options.max_sitemaps + 1:
            url = pending.pop(0)
            body, fetched = await self._document(fetcher, spec, url, "sitemap")
            if body is None:
                continue
            try:
                for entry in parse_sitemap(body):
                    if not entry.is_sitemap:
                        if kept := selector.offer(Candidate(entry.loc, entry.lastmod)):
                            await self._enqueue(spec, kept.url, jobs)
                        if selector.full:
                            break
                        continue
                    child = normalise_url(entry.loc, fetched.final_url)
                    # A child sitemap last modified before ``since`` holds nothing newer.
                    wanted = (
                        child and selector.in_site(child) and not selector.too_old(entry.lastmod)
                    )
                    if wanted and child not in visited:
                        visited.add(child)
                        pending.append(child)
            except SitemapError as exc:
                await self._fail(spec, url, f"{spec.name}: sitemap {url}: {exc}")

    async def _read_feed(self, fetcher: Fetcher, spec: SourceSpec, jobs: asyncio.Queue) -> None:
        scope = spec.web
        body, fetched = await self._document(fetcher, spec, scope.url, "feed")
        if body is None:
            return
        selector = Selector(scope, scope.url)
        try:
            for candidate in parse_feed(body, fetched.final_url):
                if selector.full:
                    break
                if kept := selector.offer(candidate):
                    await self._enqueue(spec, kept.url, jobs)
        except FeedError as exc:
            await self._fail(spec, scope.url, f"{spec.name}: feed {scope.url}: {exc}")
