"""Fetching over HTTP with httpx: one AsyncClient per crawl, polite, capped, safe and retried.

:class:`Fetcher` owns the client (HTTP/2 where the server offers it through ALPN), the per-host
gate, the robots.txt cache and the log of every attempt. Redirects are followed here rather
than by httpx, so that each hop is checked again (scheme, public address, robots.txt) and the
final URL is known. A failure is returned as an outcome, never raised: one bad URL must not
cost a crawl its other pages.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import BinaryIO
from urllib.parse import urldefrag, urljoin, urlsplit

import httpcore
import httpx

from winnow.fetch.body import ACCEPT_ENCODING, read_capped
from winnow.fetch.errors import FetchError, FetchFailure
from winnow.fetch.options import FetchOptions
from winnow.fetch.politeness import HostGate
from winnow.fetch.robots import ROBOTS_MAX_BYTES, RobotsCache
from winnow.fetch.safety import GuardedBackend, check_url

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
DOCUMENT_KINDS = ("sitemap", "feed")
#: A sitemap or feed body is kept in memory up to this size, then spooled to a temporary file.
DOC_MEMORY_BYTES = 1_000_000
REDIRECTS = (301, 302, 303, 307, 308)
ACCEPT = {
    "page": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5",
    "sitemap": "application/xml,text/xml;q=0.9,*/*;q=0.5",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5",
    "robots": "text/plain,*/*;q=0.5",
}


@dataclass(slots=True)
class Validators:
    """What the last good fetch of a URL said, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class Attempt:
    """One try at one URL: a ``fetch_log`` row."""

    url: str
    final_url: str
    kind: str
    attempt: int
    status: int | None
    outcome: str
    error_class: str | None
    error: str | None
    bytes: int
    elapsed_ms: float
    fetched_at: datetime


@dataclass(slots=True)
class Fetched:
    """The result of fetching a URL (after redirects and retries)."""

    url: str
    kind: str
    outcome: str = "error"  # ok | not_modified | error
    final_url: str = ""
    status: int | None = None
    body: bytes | None = None
    media_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    http_version: str | None = None
    error_class: str | None = None
    error: str | None = None
    attempts: int = 0
    wire_bytes: int = field(default=0, repr=False)
    started: float = field(default=0.0, repr=False)
    spent: float = field(default=0.0, repr=False)  # seconds in the host's slot, all attempts
    #: A sitemap's or feed's decoded body, spooled (memory, then disk past DOC_MEMORY_BYTES)
    #: instead of ``body``: it is parsed chunk by chunk, never held whole.
    document: BinaryIO | None = field(default=None, repr=False)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def media_type_of(content_type: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header."""
    if not content_type:
        return None, None
    media, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return media.strip().lower() or None, charset


def guarded_transport(options: FetchOptions) -> httpx.AsyncHTTPTransport:
    """httpx's transport on a connection pool whose backend refuses non-public addresses."""
    transport = httpx.AsyncHTTPTransport(http2=options.http2, trust_env=False)
    # httpx does not take a network backend, httpcore's pool does: swap the pool it built.
    ssl_context = httpx.create_ssl_context(trust_env=False)
    if options.ca_file:  # a private CA (an intranet, the tests' HTTP/2 server)
        ssl_context.load_verify_locations(cafile=options.ca_file)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=options.concurrency * 2,
        max_keepalive_connections=options.concurrency * 2,
        http1=True,
        http2=options.http2,
        network_backend=GuardedBackend(options.allow_private, options.private_hosts),
    )
    return transport


class Fetcher:
    """An async fetcher for one crawl: ``async with Fetcher(options) as f: await f.fetch(url)``."""

    def __init__(self, options: FetchOptions) -> None:
        self.options = options
        self.gate = HostGate(options.per_host, options.delay, options.max_crawl_delay)
        self.robots = RobotsCache(self._fetch_robots, options.user_agent)
        self.log: list[Attempt] = []
        self.client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        o = self.options
        self.client = httpx.AsyncClient(
            transport=guarded_transport(o),
            headers={"User-Agent": o.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=httpx.Timeout(o.read_timeout, connect=o.connect_timeout),
            follow_redirects=False,
            trust_env=False,  # an environment proxy would bypass the address checks
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.client is not None:
            await self.client.aclose()

    def drain_log(self) -> list[Attempt]:
        """The attempts logged since the last call."""
        taken, self.log = self.log, []
        return taken

    async def fetch(
        self, url: str, kind: str = "page", validators: Validators | None = None
    ) -> Fetched:
        """Fetch ``url``, retrying transient failures within ``fetch_deadline`` seconds spent
        in the host's slot (all attempts together); every attempt goes to ``self.log``."""
        result = Fetched(url, kind, final_url=url)
        for attempt in range(1, self.options.retries + 2):
            failure = await self._attempt(result, validators)
            result.attempts = attempt
            self._record(result, attempt, failure)
            if failure is None:
                return result
            wait = self._retry_wait(failure, attempt)
            host = urlsplit(result.final_url).netloc.lower()
            if wait is None or self.gate.given_up(host) or self._past_deadline(result, wait):
                return result
            if failure.retry_after is not None:
                self.gate.pause(host, wait)
            await asyncio.sleep(wait)
        return result

    def _past_deadline(self, result: Fetched, wait: float) -> bool:
        """Whether another try would take the fetch past ``fetch_deadline``."""
        return result.spent + wait >= self.options.fetch_deadline

    async def _attempt(self, result: Fetched, validators: Validators | None) -> FetchFailure | None:
        """One try (all its redirect hops); the failure, or None when it got an answer."""
        result.final_url, result.wire_bytes, result.status = result.url, 0, None
        result.started = time.perf_counter()
        try:
            await self._follow(result, validators)
        except FetchFailure as failure:
            return failure
        except TimeoutError:
            host = urlsplit(result.final_url).netloc.lower()
            self.gate.strike(host, self.options.host_max_timeouts)
            return FetchFailure(
                "TotalTimeout",
                f"{result.final_url}: no full answer in {self._attempt_seconds(result):.1f}s "
                "(connect, headers and body)",
                retryable=True,
            )
        except httpx.RemoteProtocolError as exc:  # includes a body cut before Content-Length
            cut = "without sending complete message body" in str(exc)
            name = "TruncatedBody" if cut else type(exc).__name__
            return FetchFailure(name, f"{result.final_url}: {exc!r}", retryable=True)
        except httpx.TransportError as exc:  # connect/read errors and timeouts: transient
            return FetchFailure(type(exc).__name__, f"{result.final_url}: {exc!r}", retryable=True)
        except Exception as exc:  # anything else (bad URL, protocol bug) costs this URL only
            return FetchFailure(type(exc).__name__, f"{result.final_url}: {exc!r}")
        return None

    def _record(self, result: Fetched, attempt: int, failure: FetchFailure | None) -> None:
        if failure is not None:
            result.outcome, result.body = "error", None
            if result.document is not None:
                result.document.close()
                result.document = None
            result.error_class, result.error = failure.error_class, str(failure)
            result.status = failure.status if failure.status is not None else result.status
        else:
            result.error_class = result.error = None
        self.log.append(
            Attempt(
                url=result.url,
                final_url=result.final_url,
                kind=result.kind,
                attempt=attempt,
                status=result.status,
                outcome=result.outcome,
                error_class=result.error_class,
                error=result.error,
                bytes=result.wire_bytes,
                elapsed_ms=round((time.perf_counter() - result.started) * 1000, 2),
                fetched_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )

    def _retry_wait(self, failure: FetchFailure, attempt: int) -> float | None:
        """Seconds before the next try; None when the failure is final."""
        o = self.options
        if not failure.retryable or attempt > o.retries:
            return None
        if failure.retry_after is not None and failure.retry_after > o.max_retry_after:
            return None  # the server wants more patience than this run has: give up politely
        backoff = min(o.max_backoff, o.backoff * 2 ** (attempt - 1))
        wait = backoff * random.uniform(0.5, 1.0)  # jitter, so retries do not move in lockstep
        return max(wait, failure.retry_after or 0.0)

    async def _follow(self, result: Fetched, validators: Validators | None) -> None:
        """Request ``result.url``, following at most ``max_redirects`` checked redirects."""
        seen = {result.url}
        for _ in range(self.options.max_redirects + 1):
            url = result.final_url
            await check_url(url, self.options.allow_private, self.options.private_hosts)
            crawl_delay = await self._robots_delay(url, result.kind)
            host = urlsplit(url).netloc.lower()
            async with self.gate.slot(host, crawl_delay):
                self._check_host(host, url)
                entered = time.perf_counter()
                try:
                    async with asyncio.timeout(self._attempt_seconds(result)):
                        location = await self._request(result, validators)
                finally:
                    result.spent += time.perf_counter() - entered
            if location is None:
                return
            target, _ = urldefrag(urljoin(url, location.strip()))
            if target in seen:
                raise FetchFailure("RedirectLoop", f"{result.url}: redirect loop at {target}")
            seen.add(target)
            result.final_url = target
        raise FetchFailure(
            "TooManyRedirects",
            f"{result.url}: more than fetch.max_redirects={self.options.max_redirects} redirects",
        )

    def _attempt_seconds(self, result: Fetched) -> float:
        """This attempt's deadline: ``total_timeout``, or what is left of ``fetch_deadline``."""
        left = self.options.fetch_deadline - result.spent
        return max(0.001, min(self.options.total_timeout, left))

    def _check_host(self, host: str, url: str) -> None:
        """FetchFailure when the host was given up for this crawl (too many timeouts)."""
        reason = self.gate.given_up(host)
        if reason:
            raise FetchFailure("HostGivenUp", f"{url}: {reason}")

    async def _robots_delay(self, url: str, kind: str) -> float | None:
        """The host's Crawl-delay; FetchFailure when robots.txt disallows ``url``."""
        if kind == "robots" or not self.options.respect_robots:
            return None
        rules = await self.robots.rules(url)
        if not rules.allows(url, self.robots.agent):
            raise FetchFailure("RobotsDisallowed", f"{url}: disallowed by robots.txt")
        return rules.crawl_delay(self.robots.agent)

    def _conditional_headers(self, kind: str, validators: Validators | None) -> dict[str, str]:
        headers = {"Accept": ACCEPT.get(kind, "*/*")}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        return headers

    async def _request(self, result: Fetched, validators: Validators | None) -> str | None:
        """One HTTP exchange; the redirect target, or None once ``result`` holds the answer."""
        assert self.client is not None, "use the Fetcher as an async context manager"
        url = result.final_url
        headers = self._conditional_headers(result.kind, validators)
        async with self.client.stream("GET", url, headers=headers) as response:
            status = result.status = response.status_code
            result.http_version = response.http_version
            if status in REDIRECTS and response.headers.get("location"):
                return response.headers["location"]
            if status == 304:
                result.outcome = "not_modified"
                return None
            if status == 429 or status >= 500:
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
                raise FetchFailure(
                    "HTTPStatus",
                    f"{url}: HTTP {status}",
                    status=status,
                    retryable=True,
                    retry_after=retry_after,
                )
            if not 200 <= status < 300:
                raise FetchFailure("HTTPStatus", f"{url}: HTTP {status}", status=status)
            media_type, charset = media_type_of(response.headers.get("content-type"))
            if result.kind == "page" and media_type and media_type not in PAGE_TYPES:
                raise FetchFailure(
                    "UnsupportedType", f"{url}: {media_type} is not HTML or text", status=status
                )
            await self._read_body(result, response)
            result.media_type, result.charset = media_type, charset
            result.etag = response.headers.get("etag")
            result.last_modified = response.headers.get("last-modified")
            result.outcome = "ok"
        return None

    async def _read_body(self, result: Fetched, response: httpx.Response) -> None:
        """The body within both caps: in memory, or spooled for a sitemap or feed. A body
        shorter than its ``Content-Length`` is a ``TruncatedBody`` failure, never a page."""
        o = self.options
        max_bytes = ROBOTS_MAX_BYTES if result.kind == "robots" else o.max_bytes
        declared = response.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchFailure(
                "BodyTooLarge",
                f"{result.final_url}: Content-Length {declared} over the {max_bytes}-byte cap",
                status=response.status_code,
            )
        spool = None
        if result.kind in DOCUMENT_KINDS:
            spool = tempfile.SpooledTemporaryFile(max_size=DOC_MEMORY_BYTES)  # noqa: SIM115
            result.document = spool  # closed by _record if this attempt fails
        counted = _CountingStream(response.aiter_raw(), result)
        result.body, wire = await read_capped(
            counted,
            response.headers.get("content-encoding", ""),
            max_bytes,
            o.max_decompressed_bytes,
            result.final_url,
            spool,
        )
        if declared.isdigit() and wire < int(declared):
            raise FetchFailure(
                "TruncatedBody",
                f"{result.final_url}: truncated: {wire} of {declared} bytes (Content-Length)",
                status=response.status_code,
                retryable=True,
            )
        if spool is not None:
            spool.seek(0)
            result.body = None

    async def _fetch_robots(self, url: str) -> tuple[int | None, bytes]:
        fetched = await self.fetch(url, kind="robots")
        if fetched.outcome == "ok":
            return fetched.status, fetched.body or b""
        if fetched.error_class == "HTTPStatus":
            return fetched.status, b""
        return None, b""


class _CountingStream:
    """Raw body chunks, counted into ``result.wire_bytes`` as they arrive."""

    def __init__(self, chunks, result: Fetched) -> None:
        self.chunks, self.result = chunks, result

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        async for chunk in self.chunks:
            self.result.wire_bytes += len(chunk)
            yield chunk


def fetch_url(url: str, options: FetchOptions | None = None) -> bytes:
    """Body of one page, fetched with every guard of a crawl; FetchError names URL and cause.

    A client for one URL: for a crawl, use :class:`Fetcher` (one client, pooled connections).
    """

    async def one() -> Fetched:
        async with Fetcher(options or FetchOptions()) as fetcher:
            return await fetcher.fetch(url)

    fetched = asyncio.run(one())
    if fetched.outcome != "ok" or fetched.body is None:
        raise FetchError(fetched.error or f"{url}: HTTP {fetched.status}")
    return fetched.body
