"""The crawler as a Dagster resource: the sources YAML's ``fetch:`` section, overridable here.

Set a field in the launchpad (or in ``Definitions``) to override the YAML for one run, e.g. a
``user_agent`` with your contact, or ``allow_private: true`` to crawl a server on 127.0.0.1.
Each ``pages`` materialization runs one crawl with one HTTP client.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import dagster as dg

from winnow.fetch.options import FetchOptions, load_fetch_options


class FetcherResource(dg.ConfigurableResource):
    """HTTP fetching for web sources (urls, sitemap, feed): politeness, limits and safety."""

    user_agent: str | None = None
    concurrency: int | None = None
    per_host: int | None = None
    delay: float | None = None
    allow_private: bool | None = None
    progress_every_seconds: float = 5.0

    def options(self, sources_path: str) -> FetchOptions:
        """The YAML's fetch options with this resource's fields laid over them."""
        return load_fetch_options(sources_path).with_overrides(
            user_agent=self.user_agent,
            concurrency=self.concurrency,
            per_host=self.per_host,
            delay=self.delay,
            allow_private=self.allow_private,
        )

    def progress(self, log: dg.DagsterLogManager) -> Callable[[int, dict[str, int]], None]:
        """A progress callback writing a line to the run log every few seconds."""
        last = [0.0]

        def report(done: int, counts: dict[str, int]) -> None:
            now = time.monotonic()
            if now - last[0] >= self.progress_every_seconds:
                last[0] = now
                summary = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
                log.info(f"fetched {done} pages: {summary}")

        return report
