"""Per-host politeness: at most ``per_host`` requests in flight and a delay between starts.

The delay is the larger of ``fetch.delay`` and the host's robots.txt ``Crawl-delay`` (capped at
``fetch.max_crawl_delay``). A 429/503 with ``Retry-After`` pauses the whole host, not just the
URL that got it, so the other URLs queued for that host wait too.

A host whose answers run past the per-attempt deadline ``host_max_timeouts`` times (a host
trickling bytes) is given up for the crawl: its queued URLs fail at once instead of each
holding a slot until its own deadline, so such a host costs its slots for about one deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class HostGate:
    """Slots and start times per host, for one crawl (one event loop)."""

    def __init__(self, per_host: int, delay: float, max_crawl_delay: float) -> None:
        self.per_host, self.delay, self.max_crawl_delay = per_host, delay, max_crawl_delay
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._timeouts: dict[str, int] = {}
        self._given_up: dict[str, str] = {}

    def _interval(self, crawl_delay: float | None) -> float:
        return max(self.delay, min(crawl_delay or 0.0, self.max_crawl_delay))

    @asynccontextmanager
    async def slot(self, host: str, crawl_delay: float | None = None) -> AsyncIterator[None]:
        """Hold one of the host's slots, started no sooner than the host's delay allows."""
        semaphore = self._slots.setdefault(host, asyncio.Semaphore(self.per_host))
        async with semaphore:
            now = time.monotonic()
            start = max(now, self._next_start.get(host, 0.0))
            # Reserve this start before sleeping, so the next request queues behind it.
            self._next_start[host] = start + self._interval(crawl_delay)
            if start > now:
                await asyncio.sleep(start - now)
            yield

    def pause(self, host: str, seconds: float) -> None:
        """No new request to ``host`` for ``seconds`` (a Retry-After the host asked for)."""
        until = time.monotonic() + seconds
        self._next_start[host] = max(self._next_start.get(host, 0.0), until)

    def strike(self, host: str, limit: int) -> None:
        """Count one attempt past its deadline; at ``limit`` the host is given up."""
        self._timeouts[host] = self._timeouts.get(host, 0) + 1
        if self._timeouts[host] >= limit and host not in self._given_up:
            self._given_up[host] = (
                f"host {host} given up for this crawl after {self._timeouts[host]} answers "
                "past the deadline (fetch.total_timeout; fetch.host_max_timeouts)"
            )

    def given_up(self, host: str) -> str | None:
        """Why ``host`` is given up for this crawl, or None."""
        return self._given_up.get(host)
