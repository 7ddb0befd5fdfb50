"""Title, byline, published date and language, read from the same parsed tree as the blocks.

Structured data first, because publishers fill it for search engines and it is exact: JSON-LD
(``NewsArticle``/``Article``/``BlogPosting``…), then OpenGraph and ``<meta>`` names, then
``<time datetime>`` and ``itemprop`` markup, then the URL (``/2024/05/03/``). The headline is the
page's ``<h1>`` when it agrees with the declared title (the declared one often carries a site
suffix). A date is only ever taken from a place that states a publication date: a copyright
line or a list of related articles never is one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode

from winnow.extract.vocabulary import class_tokens
from winnow.parse.fingerprint import words

ARTICLE_TYPES = frozenset(
    "NewsArticle Article BlogPosting ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle "
    "BackgroundNewsArticle ReviewNewsArticle TechArticle ScholarlyArticle LiveBlogPosting Report "
    "SocialMediaPosting Review Recipe HowTo".split()
)
PAGE_TYPES = frozenset("WebPage ItemPage AboutPage FAQPage QAPage MedicalWebPage".split())
TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "sailthru.title", "parsely-title")
AUTHOR_KEYS = (
    "author",
    "article:author",
    "dc.creator",
    "byl",
    "parsely-author",
    "sailthru.author",
    "citation_author",
    "twitter:creator",
)
DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "article.published",
    "datepublished",
    "publishdate",
    "publish-date",
    "pubdate",
    "published_time",
    "article_date_original",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.created",
    "date",
    "sailthru.date",
    "parsely-pub-date",
    "citation_publication_date",
    "og:updated_time",
    "article:modified_time",
)
LANGUAGE_KEYS = ("content-language", "og:locale", "language", "dc.language")
TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:·•»/]\s+|\s+::\s+")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASHED = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_DOTTED = re.compile(r"\b(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\b")
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|[^\d])")
_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            "jan january janvier januar enero gennaio",
            "feb february fevrier février februar febrero febbraio",
            "mar march mars märz marz marzo",
            "apr april avril abril aprile",
            "may mai mayo maggio",
            "jun june juin juni junio giugno",
            "jul july juillet juli julio luglio",
            "aug august août aout agosto",
            "sep sept september septembre septiembre settembre",
            "oct october octobre oktober octubre ottobre",
            "nov november novembre noviembre",
            "dec december décembre decembre dezember diciembre dicembre",
        ),
        start=1,
    )
    for m in names.split()
}
_TEXT_DATE = re.compile(
    r"\b(\d{1,2})\.?\s+([A-Za-zéûäÄ]{3,10})\.?,?\s+(\d{4})\b|"
    r"\b([A-Za-zéûäÄ]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"
)
_BY = re.compile(r"^(?:by|von|par|por|di|door|av|af|od|от|przez)\s+", re.IGNORECASE)
MAX_BYLINE_CHARS = 120
MIN_YEAR = 1995


@dataclass(slots=True)
class PageMeta:
    """What the page declares about itself (before its blocks are judged)."""

    title: str | None = None
    declared_title: str | None = None  # og/JSON-LD/<title>, cleaned of a site suffix
    byline: str | None = None
    date: str | None = None
    language: str | None = None
    site_name: str | None = None
    date_source: str | None = None  # where the date was read: see ``DATE_SOURCES``


def _clean(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    text = " ".join(text.split())
    return text or None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value.isoformat() if MIN_YEAR <= year <= date.today().year + 1 else None


def parse_date(text: str | None) -> str | None:
    """``YYYY-MM-DD`` from an ISO, slashed, dotted (day first) or month-name date, else None."""
    if not text:
        return None
    for pattern, order in ((_ISO, (1, 2, 3)), (_SLASHED, (1, 2, 3)), (_DOTTED, (3, 2, 1))):
        found = pattern.search(text)
        if found:
            y, m, d = (int(found.group(i)) for i in order)
            value = _iso(y, m, d)
            if value:
                return value
    found = _TEXT_DATE.search(text)
    if found:
        if found.group(1):
            d, name, y = found.group(1), found.group(2), found.group(3)
        else:
            name, d, y = found.group(4), found.group(5), found.group(6)
        month = _MONTHS.get(name.lower())
        if month:
            return _iso(int(y), month, int(d))
    return None


MARKUP = 'script[type="application/ld+json"], meta, title, time, [itemprop], a[rel="author"]'


@dataclass(slots=True)
class _Markup:
    """Everything metadata reads from the tree, collected in one CSS pass."""

    scripts: list[str]
    tags: dict[str, str]
    title: str | None = None
    itemprop_date: str | None = None
    time_date: str | None = None
    author: LexborNode | None = None
    rel_author: LexborNode | None = None


def _collect(tree: LexborHTMLParser) -> _Markup:
    markup = _Markup([], {})
    for node in tree.css(MARKUP):
        tag, attrs = node.tag, node.attributes
        if tag == "script":
            markup.scripts.append(node.text(deep=True) or "")
        elif tag == "meta":
            _add_meta(markup.tags, attrs)
        elif tag == "title":
            markup.title = markup.title if markup.title is not None else node.text()
        prop = attrs.get("itemprop")
        if prop == "datePublished" and markup.itemprop_date is None:
            markup.itemprop_date = attrs.get("datetime") or attrs.get("content") or node.text()
        elif prop == "author" and markup.author is None:
            markup.author = node
        if (
            tag == "time"
            and markup.time_date is None
            and ("datetime" in attrs or "pubdate" in attrs)
        ):
            markup.time_date = attrs.get("datetime") or node.text()
        if tag == "a" and markup.rel_author is None and attrs.get("rel") == "author":
            markup.rel_author = node
    return markup


def _add_meta(tags: dict[str, str], attrs: dict) -> None:
    """A ``<meta>``'s content by lower-case property/name/itemprop/http-equiv (first wins)."""
    content = attrs.get("content")
    if content:
        for key in ("property", "name", "itemprop", "http-equiv"):
            name = attrs.get(key)
            if name:
                tags.setdefault(name.strip().lower(), content)


def _json_objects(scripts: list[str]) -> list[dict]:
    """Every JSON object of the page's JSON-LD scripts, nested ``@graph`` lists flattened."""
    found: list[dict] = []
    for raw in scripts:
        try:
            data = json.loads(raw.strip().removeprefix("<!--").removesuffix("-->"), strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack and len(found) < 200:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                found.append(item)
                for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                    if isinstance(item.get(key), list | dict):
                        stack.append(item[key])
    return found


def _types(item: dict) -> set[str]:
    kind = item.get("@type")
    if isinstance(kind, str):
        return {kind}
    return {k for k in kind if isinstance(k, str)} if isinstance(kind, list) else set()


def _article_object(objects: list[dict]) -> dict | None:
    for wanted in (ARTICLE_TYPES, PAGE_TYPES):
        for item in objects:
            if _types(item) & wanted:
                return item
    return None


def _names(value: object) -> list[str]:
    """Person names of a JSON-LD ``author`` value (a string, an object or a list of them)."""
    if isinstance(value, str):
        return [value] if not value.startswith("http") else []
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def clean_title(title: str | None, site_name: str | None = None) -> str | None:
    """A declared title without its site or section suffix ("Headline | Site" -> "Headline")."""
    title = _clean(title)
    if not title:
        return None
    parts = [p for p in TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    if site_name:
        site = site_name.lower()
        kept = [p for p in parts if p.strip().lower() != site]
        parts = kept or parts
    return max(parts, key=lambda p: len(words(p))).strip()


def clean_byline(text: str | None) -> str | None:
    """A byline without its "By" and whitespace; None when it is no plausible name list."""
    text = _clean(text)
    if not text:
        return None
    text = _BY.sub("", text).strip(" ,|")
    if not text or len(text) > MAX_BYLINE_CHARS or text.startswith("http"):
        return None
    return text


def _first(tags: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = _clean(tags.get(key))
        if value:
            return value
    return None


def _dom_byline(markup: _Markup) -> str | None:
    """Text of the ``itemprop=author`` (or its ``itemprop=name``) or ``rel=author`` element,
    when it reads like a name."""
    candidates = []
    if markup.author is not None:
        candidates += [markup.author.css_first('[itemprop="name"]'), markup.author]
    candidates.append(markup.rel_author)
    for node in candidates:
        if node is not None:
            value = clean_byline(node.attributes.get("content") or node.text(deep=True))
            if value and len(words(value)) <= 8:
                return value
    return None


def _language(tree: LexborHTMLParser, tags: dict[str, str], article: dict | None) -> str | None:
    html = tree.root
    declared = [html.attributes.get("lang") if html is not None else None]
    declared += [tags.get(key) for key in LANGUAGE_KEYS]
    if article is not None and isinstance(article.get("inLanguage"), str):
        declared.append(article["inLanguage"])
    for value in declared:
        if value:
            code = re.match(r"^\s*([A-Za-z]{2,3})\b", value)
            if code:
                return code.group(1).lower()
    return None


def _declared_date(
    article: dict | None, markup: _Markup, url: str | None
) -> tuple[str | None, str | None]:
    """(date, source) from structured data: JSON-LD, ``<meta>``, ``itemprop``/``<time>``, URL."""
    if article:
        for key in ("datePublished", "dateCreated", "uploadDate", "dateModified"):
            found = parse_date(_clean(article.get(key)))
            if found:
                return found, "json-ld"
    found = parse_date(_first(markup.tags, DATE_KEYS))
    if found:
        return found, "meta"
    found = parse_date(markup.itemprop_date) or parse_date(markup.time_date)
    if found:
        return found, "markup"
    in_url = _URL_DATE.search(url or "")
    found = _iso(*(int(g) for g in in_url.groups())) if in_url else None
    return (found, "url") if found else (None, None)


def read_metadata(tree: LexborHTMLParser, url: str | None = None) -> PageMeta:
    """What the page declares in its head and markup; call before the skipped tags are stripped.

    The date may still be None: ``resolve_date`` then looks at the page's blocks and source."""
    markup = _collect(tree)
    article = _article_object(_json_objects(markup.scripts))
    tags = markup.tags
    site_name = _clean(tags.get("og:site_name"))
    page_title = markup.title
    ld_title = _clean(article.get("headline") or article.get("name")) if article else None
    declared = ld_title or clean_title(_first(tags, TITLE_KEYS) or page_title, site_name)
    authors = [clean_byline(n) for n in _names(article.get("author"))] if article else []
    authors = [a for a in dict.fromkeys(authors) if a]
    byline = "; ".join(authors) if authors else None
    byline = byline or clean_byline(_first(tags, AUTHOR_KEYS)) or _dom_byline(markup)
    published, date_source = _declared_date(article, markup, url)
    return PageMeta(
        title=declared,
        declared_title=declared,
        byline=byline,
        date=published,
        language=_language(tree, tags, article),
        site_name=site_name,
        date_source=date_source,
    )


def resolve_date(
    meta: PageMeta,
    texts: list[str],
    headline: int,
    marked: list[bool] | Callable[[], list[bool]],
    source: str,
) -> PageMeta:
    """Fill a date nothing declares from the page itself, in order of trust: a dateline just
    after the headline (block ``headline``), a block whose element is named like a date
    (``marked``, or a function computing it: called only when no dateline is found), a keyed
    or date-named value in the page source. Never a copyright line."""
    if meta.date:
        return meta
    for found, where in (
        (lambda: visible_date(texts, headline), "dateline"),
        (lambda: marked_date(texts, marked() if callable(marked) else marked), "element"),
        (lambda: raw_html_date(source), "source"),
    ):
        value = found()
        if value:
            meta.date, meta.date_source = value, where
            return meta
    return meta


def choose_title(meta: PageMeta, headings: list[str]) -> str | None:
    """The page's headline: the first ``<h1>`` (or heading) that agrees with the declared title,
    else the declared title, else the first ``<h1>``."""
    declared = meta.declared_title
    if declared:
        want = set(w.lower() for w in words(declared))
        for heading in headings:
            have = set(w.lower() for w in words(heading))
            if have and want and len(have & want) >= 0.6 * max(len(have), len(want)):
                return heading
        return declared
    return headings[0] if headings else None


VISIBLE_DATE_WINDOW = 25  # blocks after the headline searched for a dateline
VISIBLE_DATE_MAX_WORDS = 14
_COPYRIGHT = re.compile(r"©|\(c\)|copyright|all rights reserved", re.IGNORECASE)


#: Keys of a publication date in embedded JSON or attributes; found through a few anchors
#: (one ``str.find`` pass each) rather than one pass per key.
_DATE_KEY = re.compile(
    r"(?:date_?published|published_?(?:at|time|date)?|publication_?date|publish_?date|"
    r"pubdate|date_?created|created_?at|date_?update)"
)
DATE_KEY_ANCHORS = ("publi", "pubdate", "created", "dateupdate")
DATE_NAMES_RAW = ("date", "publish", "posted", "datum", "updated")
_AFTER_KEY = re.compile(
    r"[\"']?\s{0,3}(?:[:=]|content=)\s{0,3}[\"']?(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})"
)
_ELEMENT_TEXT = re.compile(r"[^>]{0,200}>\s{0,20}([^<]{6,60})<")
RAW_DATE_CHARS = 400_000  # how much of the page source the raw search reads
RAW_DATE_HITS = 40  # occurrences of each anchor or name looked at


def _keyed_date(source: str, lower: str) -> str | None:
    for anchor in DATE_KEY_ANCHORS:
        start, hits = lower.find(anchor), 0
        while start >= 0 and hits < RAW_DATE_HITS:
            hits += 1
            key = _DATE_KEY.search(lower, max(0, start - 5), start + 20)
            found = _AFTER_KEY.match(source, key.end()) if key else None
            value = parse_date(found.group(1)) if found else None
            if value:
                return value
            start = lower.find(anchor, start + 1)
    return None


def _in_date_attribute(lower: str, at: int) -> bool:
    """Whether position ``at`` lies inside a ``class=``/``itemprop=``/``title=`` value."""
    quote = max(lower.rfind('"', max(0, at - 80), at), lower.rfind("'", max(0, at - 80), at))
    if quote <= 0 or not lower.endswith(("class=", "itemprop=", "title="), 0, quote):
        return False
    between = lower[quote:at]
    return "<" not in between and ">" not in between


def _named_element_date(source: str, lower: str) -> str | None:
    """Text of an element whose class/itemprop names a date (``class="post-date"``)."""
    for name in DATE_NAMES_RAW:
        start, hits = lower.find(name), 0
        while start >= 0 and hits < RAW_DATE_HITS:
            hits += 1
            if _in_date_attribute(lower, start):
                found = _ELEMENT_TEXT.match(source, start)
                text = found.group(1) if found else ""
                value = parse_date(text) if not _COPYRIGHT.search(text) else None
                if value:
                    return value
            start = lower.find(name, start + 1)
    return None


def raw_html_date(html: str) -> str | None:
    """A publication date from the page source where neither metadata nor visible datelines
    gave one: keyed values in embedded JSON or attributes (``"published_at": "2019-03-02…"``),
    then the text of a date-named element. Copyright lines are never taken."""
    source = html[:RAW_DATE_CHARS]
    lower = source.lower()
    return _keyed_date(source, lower) or _named_element_date(source, lower)


DATE_TOKENS = frozenset(
    "date time datetime published publish pubdate posted timestamp dateline meta byline "
    "entry datum fecha".split()
)


def names_date(words: str) -> bool:
    """Whether class/id words name a date (``post-date``, ``itemprop=datePublished``…)."""
    return bool(words) and not DATE_TOKENS.isdisjoint(class_tokens(words))


def marked_date(texts: list[str], marked: list[bool]) -> str | None:
    """The first date in a short block whose element (or its parent) is named like a date
    (``class="post-date"``, ``itemprop="datePublished"``…), never a copyright line."""
    for text, is_marked in zip(texts, marked, strict=True):
        if is_marked and len(text) <= 200 and not _COPYRIGHT.search(text):
            found = parse_date(text)
            if found:
                return found
    return None


def visible_date(texts: list[str], start: int) -> str | None:
    """The first short line with a date in the blocks after the headline (a dateline such as
    "Updated August 14, 2025"), never a copyright line."""
    for text in texts[max(start, 0) : max(start, 0) + VISIBLE_DATE_WINDOW]:
        if len(text) > 200 or _COPYRIGHT.search(text):
            continue
        if len(words(text)) <= VISIBLE_DATE_MAX_WORDS:
            found = parse_date(text)
            if found:
                return found
    return None
