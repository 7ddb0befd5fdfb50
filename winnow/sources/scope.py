"""Which discovered URLs a web source keeps: normalised, de-duplicated, filtered, capped.

The web kinds (``urls``, ``sitemap``, ``feed``) all end in the same selection: each candidate
URL is normalised with courlan (lower-case host, default port and tracking parameters dropped,
query sorted) plus the fragment and dot segments removed, so one article named three ways is
fetched once. Then the source's options apply in order: same site as the source's own URL,
``include`` (at least one regular expression matches), ``exclude`` (none does), ``since``
(entries dated before it are dropped; undated entries are kept) and ``max_pages``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urldefrag, urljoin, urlsplit

import courlan

from winnow.parse.sites import site_of

WEB_KINDS = ("urls", "sitemap", "feed")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A URL a web source names, with the date it carries (lastmod, pubDate) if any."""

    url: str
    date: datetime | None = None


@dataclass(frozen=True, slots=True)
class WebScope:
    """Where a web source starts and which of the URLs it names are kept."""

    urls: tuple[str, ...] = ()  # inline list of a ``urls`` source
    url: str | None = None  # the sitemap or feed address
    same_site: bool = True
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    max_pages: int | None = None
    since: datetime | None = None


def normalise_url(url: str, base: str | None = None) -> str | None:
    """The canonical form of an http(s) URL, or None when it is not one."""
    url = (url or "").strip()
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    try:
        url = courlan.normalize_url(url, strict=False)
    except ValueError:
        return None
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    if "/." in parts.path:  # resolve ./ and ../ the way a browser would
        url = urljoin(url, parts.path) + (f"?{parts.query}" if parts.query else "")
    return url


def as_utc(value: datetime | date) -> datetime:
    """A timezone-aware UTC datetime (a bare date is midnight UTC, a naive time is UTC)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Selector:
    """Applies a scope to candidates one at a time (sitemaps and feeds arrive in pieces)."""

    def __init__(self, scope: WebScope, origin: str | None = None) -> None:
        self.scope = scope
        self.home = site_of(origin) if scope.same_site and origin else None
        self.since = as_utc(scope.since) if scope.since else None
        self.seen: set[str] = set()
        self.kept = 0
        self.verdicts: dict[str, int] = {}

    @property
    def full(self) -> bool:
        """Whether ``max_pages`` candidates were kept already."""
        return self.scope.max_pages is not None and self.kept >= self.scope.max_pages

    def in_site(self, url: str) -> bool:
        return self.home is None or site_of(url) == self.home

    def too_old(self, when: datetime | None) -> bool:
        return bool(self.since and when and as_utc(when) < self.since)

    def offer(self, candidate: Candidate) -> Candidate | None:
        """The normalised candidate when the scope keeps it (first occurrence only), else None."""
        return self.judge(candidate)[0]

    def judge(self, candidate: Candidate) -> tuple[Candidate | None, str]:
        """(the normalised candidate or None, the verdict); ``verdicts`` counts them:
        ``kept``, ``not_http``, ``duplicate``, ``over_max_pages``, ``off_site``, ``too_old``,
        ``not_included``, ``excluded``."""
        kept, verdict = self._judge(candidate)
        self.verdicts[verdict] = self.verdicts.get(verdict, 0) + 1
        return kept, verdict

    def _judge(self, candidate: Candidate) -> tuple[Candidate | None, str]:
        url = normalise_url(candidate.url)
        if url is None:
            return None, "not_http"
        if url in self.seen:
            return None, "duplicate"
        if self.full:
            return None, "over_max_pages"
        self.seen.add(url)
        scope = self.scope
        if not self.in_site(url):
            return None, "off_site"
        if self.too_old(candidate.date):
            return None, "too_old"
        if scope.include and not any(p.search(url) for p in scope.include):
            return None, "not_included"
        if any(p.search(url) for p in scope.exclude):
            return None, "excluded"
        self.kept += 1
        return Candidate(url, candidate.date), "kept"


def select(
    candidates: Iterable[Candidate], scope: WebScope, origin: str | None = None
) -> Iterator[Candidate]:
    """Candidates the scope keeps, normalised, first occurrence only, at most ``max_pages``."""
    selector = Selector(scope, origin)
    for candidate in candidates:
        if selector.full:
            return
        kept = selector.offer(candidate)
        if kept is not None:
            yield kept
