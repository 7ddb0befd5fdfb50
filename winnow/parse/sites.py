"""Site keys: the registered domain a page belongs to, the unit the boilerplate model learns on.

tldextract's bundled Public Suffix List snapshot is used (no network at run time), private
suffixes included so that ``someone.blogspot.com`` is its own site.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlsplit


@lru_cache(maxsize=1)
def _extractor():  # noqa: ANN202 - tldextract's type, imported lazily
    """tldextract, loaded on first use: it imports requests (a quarter of a second of start-up
    that ``winnow extract`` over a manifest with sites never needs)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


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


#: Tags of interest: where script/style/comment content (skipped whole) starts, the
#: <link>/<meta> tags read, and where the head ends. Matched on the lower-cased bytes.
_HEAD_TOKEN = re.compile(rb"<(?:!--|script\b|style\b|link\b|meta\b|/head\b|body\b)")
_CLOSERS = {b"<!--": b"-->", b"<script": b"</script", b"<style": b"</style"}
_CANONICAL = re.compile(rb"""\brel\s*=\s*["']?\s*canonical\b""")
_OG_URL = re.compile(rb"""\bproperty\s*=\s*["']?og:url\b""")
_HREF = re.compile(rb"""\b(?:href|content)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
#: At most this many tags are looked at (a page of a million ``<meta>`` tags would otherwise
#: be scanned tag by tag to its end), and this many JSON-LD blocks.
HEAD_MAX_TAGS = 5000
JSON_LD_MAX_BLOCKS = 50
#: JSON-LD types whose ``url`` is the page's own address.
_PAGE_TYPES = ("Article", "BlogPosting", "WebPage", "ItemPage", "Report", "SocialMediaPosting")


def _absolute(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = html.unescape(value).strip()
    return value if value.startswith(("http://", "https://")) else None


def _tag_value(raw: bytes, start: int, end: int) -> str | None:
    """The href/content address of the tag at ``raw[start:end]``, when absolute."""
    found = _HREF.search(raw[start:end].lower())
    if not found:
        return None
    group = next(i for i in (1, 2, 3) if found.group(i) is not None)
    return _absolute(raw[start + found.start(group) : start + found.end(group)])


def _declared_tags(raw: bytes, lower: bytes) -> tuple[list[str | None], list[str | None]]:
    """([canonical link, og:url] of the head, the same found after it). The whole head is
    read, however long its inline scripts and styles (their content is skipped, not
    searched); templates that print these tags after ``</head>`` are read as a fallback."""
    found: list[list[str | None]] = [[None, None], [None, None]]
    part, position = 0, 0  # part 0: the head, 1: after it
    for _ in range(HEAD_MAX_TAGS):
        token = _HEAD_TOKEN.search(lower, position)
        if token is None:
            break
        if token.group(0) in (b"</head", b"<body"):
            part, position = 1, token.end()
            continue
        closer = _CLOSERS.get(token.group(0))
        if closer is not None:
            end = lower.find(closer, token.end())
            position = len(lower) if end < 0 else end + len(closer)
            continue
        end = lower.find(b">", token.end())
        end = len(lower) if end < 0 else end + 1
        tag, slots = lower[token.start() : end], found[part]
        for index, pattern in enumerate((_CANONICAL, _OG_URL)):
            if slots[index] is None and pattern.search(tag):
                slots[index] = _tag_value(raw, token.start(), end)
        position = end
    return found[0], found[1]


def _json_ld_url(item: object) -> str | None:
    """The ``url`` (or ``mainEntityOfPage``) of the first article or web page object."""
    if isinstance(item, list):
        return next((u for u in map(_json_ld_url, item) if u), None)
    if not isinstance(item, dict):
        return None
    if "@graph" in item:
        return _json_ld_url(item["@graph"])
    kinds = item.get("@type")
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    if not any(isinstance(k, str) and k.endswith(_PAGE_TYPES) for k in kinds):
        return None
    main = item.get("mainEntityOfPage")
    main = main.get("@id") if isinstance(main, dict) else main
    return _absolute(item.get("url")) or _absolute(main)


def _json_ld_urls(raw: bytes, lower: bytes) -> Iterator[str]:
    """Page addresses of the JSON-LD blocks anywhere in the page, in order."""
    position = 0
    for _ in range(JSON_LD_MAX_BLOCKS):
        mark = lower.find(b"application/ld+json", position)
        if mark < 0:
            return
        start, close = lower.rfind(b"<script", 0, mark), lower.find(b">", mark)
        end = lower.find(b"</script", close) if close >= 0 else -1
        if start < 0 or close < 0 or end < 0 or b">" in lower[start:mark]:
            position = mark + 1
            continue
        position = end
        try:
            found = _json_ld_url(json.loads(raw[close + 1 : end], strict=False))
        except (ValueError, RecursionError):
            continue
        if found:
            yield found


def declared_url(raw_html: bytes) -> str | None:
    """The page's own address as it declares it: ``<link rel=canonical>``, else ``og:url``
    (both from the whole head), else the ``url`` of a JSON-LD article anywhere in the page,
    else a canonical or og:url printed after the head; only absolute http(s) addresses. Read
    from the bytes, without parsing the page."""
    lower = raw_html.lower()
    head, after = _declared_tags(raw_html, lower)
    return head[0] or head[1] or next(_json_ld_urls(raw_html, lower), None) or after[0] or after[1]
