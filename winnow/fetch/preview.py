"""What a crawl would fetch, without fetching a page: ``winnow validate`` for web sources.

The crawl's own discovery runs (the same sitemap walk, feed reader, scope and ``max_pages``),
so the preview cannot disagree with the crawl; it fetches sitemaps, feeds and robots.txt only.
Each URL a source would fetch is then checked against its host's robots.txt.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from winnow.fetch.crawl import Crawl, CrawlItem, PageJob
from winnow.fetch.http import Fetcher
from winnow.fetch.options import FetchOptions
from winnow.sources.config import SourceSpec

#: Disallowed URLs named in a preview (the count is always whole).
PREVIEW_EXAMPLES = 3


@dataclass
class SourcePreview:
    """One web source's discovery: URLs by verdict, robots refusals and unreadable documents."""

    name: str
    kind: str
    max_pages: int | None = None
    verdicts: dict[str, int] = field(default_factory=dict)
    would_fetch: list[str] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        return sum(self.verdicts.values())

    def summary(self) -> str:
        """One line: found, would fetch, robots-disallowed, off-site, filtered, duplicates."""
        v = self.verdicts
        filtered = sum(v.get(k, 0) for k in ("too_old", "not_included", "excluded", "not_http"))
        parts = [
            f"{self.found} URLs found",
            f"{len(self.would_fetch) - len(self.disallowed)} would be fetched",
            f"{len(self.disallowed)} disallowed by robots.txt",
            f"{v.get('off_site', 0)} off-site",
            f"{filtered} filtered (include/exclude/since)",
            f"{v.get('duplicate', 0)} duplicates",
        ]
        if self.max_pages is not None and len(self.would_fetch) >= self.max_pages:
            parts.append(f"stopped at max_pages ({self.max_pages})")
        return ", ".join(parts)


class _Collector:
    """Stands in for the crawl's job queue: keeps the jobs instead of fetching them."""

    def __init__(self) -> None:
        self.jobs: list[PageJob] = []

    async def put(self, job: PageJob, source: str) -> None:
        self.jobs.append(job)


class Preview(Crawl):
    """A crawl that stops after discovery: its jobs are collected, failures kept as lines."""

    def __init__(self, specs: list[SourceSpec], options: FetchOptions) -> None:
        super().__init__(specs, options, {})
        self.failures: dict[str, list[str]] = {}

    async def _emit(self, item: object) -> None:
        if isinstance(item, CrawlItem) and item.error:
            self.failures.setdefault(item.job.source, []).append(item.error)

    async def run(self) -> dict[str, SourcePreview]:
        collector = _Collector()
        async with Fetcher(self.options) as fetcher:
            await asyncio.gather(*(self._discover(fetcher, s, collector) for s in self.specs))
            previews = {
                s.name: SourcePreview(s.name, s.kind, s.web.max_pages if s.web else None)
                for s in self.specs
            }
            for job in collector.jobs:
                preview = previews[job.source]
                preview.would_fetch.append(job.url)
                if self.options.respect_robots:
                    rules = await fetcher.robots.rules(job.url)
                    if not rules.allows(job.url, fetcher.robots.agent):
                        preview.disallowed.append(job.url)
        for name, preview in previews.items():
            selector = self.selectors.get(name)
            preview.verdicts = dict(selector.verdicts) if selector else {}
            preview.errors = self.failures.get(name, [])
        return previews


def preview_web(specs: list[SourceSpec], options: FetchOptions) -> dict[str, SourcePreview]:
    """Discovery of every web source in ``specs`` (sitemaps, feeds, robots.txt fetched; no
    page), by source name."""
    return asyncio.run(Preview(specs, options).run())
