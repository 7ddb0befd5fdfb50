"""The crawl's queue of pages to fetch: one line per source, handed out in turn.

Discovery may run ``ahead`` jobs ahead of the fetchers per source (then it waits), so a
sitemap's or feed's URLs reach the frontier table (``crawl_frontier``) within seconds of being
read, and a killed crawl remembers them even if the feed drops them before the next run.
Sources take turns, so a source with 50,000 URLs on one slow host does not keep another
source's pages waiting behind all of them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

Job = TypeVar("Job")


class Frontier(Generic[Job]):
    """``put`` jobs (by source), ``get`` them in turn; ``get`` returns None once closed and
    empty."""

    def __init__(self, ahead: int) -> None:
        self.ahead = ahead
        self._lines: dict[str, deque[Job]] = {}
        self._turns: deque[str] = deque()
        self._changed = asyncio.Condition()
        self._closed = False

    async def put(self, job: Job, source: str) -> None:
        async with self._changed:
            line = self._lines.setdefault(source, deque())
            await self._changed.wait_for(lambda: len(line) < self.ahead)
            if source not in self._turns:
                self._turns.append(source)
            line.append(job)
            self._changed.notify_all()

    async def get(self) -> Job | None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._closed or bool(self._turns))
            if not self._turns:
                return None
            source = self._turns.popleft()
            line = self._lines[source]
            job = line.popleft()
            if line:
                self._turns.append(source)  # its next job waits for the other sources' turns
            self._changed.notify_all()
            return job

    async def close(self) -> None:
        """No more jobs: ``get`` drains what is left, then returns None."""
        async with self._changed:
            self._closed = True
            self._changed.notify_all()
