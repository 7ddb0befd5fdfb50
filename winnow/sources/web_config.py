"""Validation of a web source's entry (``urls``, ``sitemap``, ``feed``) in the sources YAML.

::

    - name: wire
      kind: sitemap              # or feed: the address to start from
      url: https://news.example/sitemap.xml
      same_site: true            # default: only pages of the sitemap's own site
      include: ['/20\\d\\d/']    # regular expressions searched in the URL; one must match
      exclude: ['/video/']       # none may match
      max_pages: 500
      since: 2026-03-01          # lastmod / pubDate before this are dropped
    - name: picks
      kind: urls
      urls: [https://a.example/story]   # inline, and/or
      path: picks.txt                   # a file of URLs, one a line

Every problem is raised naming the file, the entry and the field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from winnow.sources.scope import WebScope, as_utc, normalise_url

WEB_FIELDS = {
    "name",
    "kind",
    "description",
    "site",
    "path",
    "urls",
    "url",
    "same_site",
    "include",
    "exclude",
    "max_pages",
    "since",
}


def _patterns(where: str, entry: dict, key: str) -> tuple[re.Pattern[str], ...]:
    raw = entry.get(key, [])
    raw = [raw] if isinstance(raw, str) else raw
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise ValueError(f"{where}: '{key}' must be a regular expression or a list of them")
    compiled = []
    for pattern in raw:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError(f"{where}: '{key}' pattern {pattern!r} is invalid: {exc}") from exc
    return tuple(compiled)


def _since(where: str, value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, date):  # YAML reads 2026-03-01 as a date, with a time as a datetime
        return as_utc(value)
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except ValueError as exc:
        raise ValueError(f"{where}: 'since' must be a date like 2026-03-01: {exc}") from exc


def _start_url(where: str, kind: str, entry: dict) -> str | None:
    raw = entry.get("url")
    if kind == "urls":
        if raw is not None:
            raise ValueError(f"{where}: a urls source takes 'urls' (a list) or 'path', not 'url'")
        return None
    if not isinstance(raw, str) or normalise_url(raw) is None:
        raise ValueError(f"{where}: 'url' must be the http(s) address of the {kind}")
    return raw.strip()


def _inline_urls(where: str, kind: str, entry: dict) -> tuple[str, ...]:
    raw = entry.get("urls", [])
    if kind != "urls" and raw:
        raise ValueError(f"{where}: 'urls' belongs to a urls source; a {kind} takes 'url'")
    if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
        raise ValueError(f"{where}: 'urls' must be a list of addresses")
    bad = [u for u in raw if normalise_url(u) is None]
    if bad:
        raise ValueError(f"{where}: not http(s) URLs in 'urls': {bad[:3]}")
    return tuple(raw)


def _url_file(where: str, kind: str, entry: dict, base: Path) -> Path | None:
    raw = entry.get("path")
    if raw is None:
        return None
    if kind != "urls":
        raise ValueError(f"{where}: 'path' belongs to a urls source; a {kind} takes 'url'")
    path = (base / str(raw)).resolve()
    if not path.is_file():
        raise ValueError(f"{where}: path {raw!r} is not a file of URLs (looked at {path})")
    return path


def web_scope(where: str, kind: str, entry: dict, base: Path) -> tuple[Path | None, WebScope]:
    """(URL file or None, scope) of a web source entry; ValueError names the problem."""
    unknown = set(entry) - WEB_FIELDS
    if unknown:
        allowed = ", ".join(sorted(WEB_FIELDS))
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {allowed}")
    url = _start_url(where, kind, entry)
    urls = _inline_urls(where, kind, entry)
    path = _url_file(where, kind, entry, base)
    if kind == "urls" and not urls and path is None:
        raise ValueError(f"{where}: a urls source needs 'urls' (a list) or 'path' (a file)")
    same_site = entry.get("same_site", kind != "urls")
    if not isinstance(same_site, bool):
        raise ValueError(f"{where}: 'same_site' must be true or false")
    if same_site and kind == "urls":
        raise ValueError(f"{where}: 'same_site' applies to sitemap and feed sources")
    max_pages = entry.get("max_pages")
    if max_pages is not None and (
        not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1
    ):
        raise ValueError(f"{where}: 'max_pages' must be a positive whole number")
    scope = WebScope(
        urls=urls,
        url=url,
        same_site=same_site,
        include=_patterns(where, entry, "include"),
        exclude=_patterns(where, entry, "exclude"),
        max_pages=max_pages,
        since=_since(where, entry.get("since")),
    )
    return path, scope
