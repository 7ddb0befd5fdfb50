"""robots.txt, fetched once per host and run, read with protego (Scrapy's parser).

protego follows RFC 9309 (longest match wins between Allow and Disallow, ``*`` and ``$``
wildcards) and reads Crawl-delay. What a fetch of robots.txt means, per RFC 9309 section 2.3.1:
a 2xx body is the rules; a 4xx means no rules (everything allowed); a 5xx or a network error
means the site is unreachable and nothing may be crawled from it in this run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from protego import Protego

#: robots.txt bodies are read up to this size (RFC 9309 asks for at least 500 KiB).
ROBOTS_MAX_BYTES = 512_000

#: ``fetch_robots(url) -> (status, body)``; status None when the host could not be reached.
RobotsFetch = Callable[[str], Awaitable[tuple[int | None, bytes]]]


class _Rules:
    """What one host's robots.txt says (``None`` parser: allow all; ``blocked``: deny all)."""

    def __init__(self, parser: Protego | None = None, blocked: bool = False) -> None:
        self.parser, self.blocked = parser, blocked

    def allows(self, url: str, agent: str) -> bool:
        if self.blocked:
            return False
        return self.parser is None or self.parser.can_fetch(url, agent)

    def crawl_delay(self, agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return float(delay) if delay is not None else None


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups match against (``Winnow`` of ``Winnow/0.1 (...)``)."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


class RobotsCache:
    """robots.txt rules per origin for one crawl; each origin's file is fetched once."""

    def __init__(self, fetch: RobotsFetch, user_agent: str) -> None:
        self._fetch = fetch
        self.agent = agent_token(user_agent)
        self._rules: dict[str, asyncio.Task[_Rules]] = {}

    @staticmethod
    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}"

    async def _load(self, origin: str) -> _Rules:
        status, body = await self._fetch(f"{origin}/robots.txt")
        if status is None or status >= 500:
            return _Rules(blocked=True)
        if status >= 400:
            return _Rules()
        text = body[:ROBOTS_MAX_BYTES].decode("utf-8", "replace")
        return _Rules(Protego.parse(text))

    async def rules(self, url: str) -> _Rules:
        origin = self.origin(url)
        if origin not in self._rules:
            # A shared task: concurrent requests to a new host wait for one robots.txt fetch.
            self._rules[origin] = asyncio.ensure_future(self._load(origin))
        return await asyncio.shield(self._rules[origin])

    async def allowed(self, url: str) -> bool:
        return (await self.rules(url)).allows(url, self.agent)

    async def crawl_delay(self, url: str) -> float | None:
        return (await self.rules(url)).crawl_delay(self.agent)
