"""Site keys: the registered domain a page belongs to, the unit the boilerplate model learns on.

tldextract's bundled Public Suffix List snapshot is used (no network at run time), private
suffixes included so that ``someone.blogspot.com`` is its own site.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit


@lru_cache(maxsize=1)
def _extractor():  # noqa: ANN202 - tldextract's type, imported lazily
    """tldextract, loaded on first use: it imports requests (a quarter of a second of start-up
    that ``winnow extract`` over a manifest with sites never needs)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


_CANONICAL = re.compile(
    rb"""<link[^>]+rel=["']?canonical["']?[^>]*>|<meta[^>]+property=["']?og:url["']?[^>]*>""",
    re.IGNORECASE,
)
_HREF = re.compile(rb"""(?:href|content)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


@lru_cache(maxsize=65536)
def site_of(url: str | None) -> str | None:
    """Registered domain of ``url`` (``news.bbc.co.uk`` -> ``bbc.co.uk``); None without a host."""
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    parts = _extractor()(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}".lower()
    labels = host.lower().split(".")
    if len(labels) > 2 and not labels[-1].isdigit():
        # Not a public suffix (e.g. the reserved ``.example``): keep the last two labels.
        return ".".join(labels[-2:])
    return host.lower()


def declared_url(raw_html: bytes) -> str | None:
    """The page's own canonical or og:url address, looked up in its head without parsing."""
    head = raw_html[:65536]
    for tag in _CANONICAL.finditer(head):
        href = _HREF.search(tag.group(0))
        if href and href.group(1).startswith((b"http://", b"https://")):
            return href.group(1).decode("utf-8", "replace").strip()
    return None
