"""Web source kinds: YAML validation, URL normalisation and selection, sitemap and feed parsing."""

import gzip
import re
from datetime import UTC, datetime

import pytest

from winnow.fetch.options import FetchOptions, load_fetch_options
from winnow.sources import SourceError, iter_page_refs, load_sources
from winnow.sources.feed import FeedError, parse_feed
from winnow.sources.scope import Candidate, WebScope, normalise_url, select
from winnow.sources.sitemap import SitemapError, parse_sitemap
from winnow.sources.web_config import web_scope


def _config(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def _error(tmp_path, text, loader=load_sources):
    with pytest.raises(SourceError) as info:
        loader(_config(tmp_path, text))
    return str(info.value)


def test_web_sources_load(tmp_path):
    (tmp_path / "picks.txt").write_text("# picks\nhttps://a.example/x\n\nhttps://a.example/y\n")
    specs = load_sources(
        _config(
            tmp_path,
            "sources:\n"
            "  - name: wire\n    kind: sitemap\n    url: https://news.example/sitemap.xml\n"
            "    include: '/20\\d\\d/'\n    exclude: [/video/]\n    max_pages: 5\n"
            "    since: 2026-03-01\n"
            "  - name: rss\n    kind: feed\n    url: https://news.example/rss\n"
            "    same_site: false\n"
            "  - name: picks\n    kind: urls\n    urls: [https://b.example/z]\n"
            "    path: picks.txt\n",
        )
    )
    wire, rss, picks = specs
    assert wire.kind == "sitemap" and wire.web.url == "https://news.example/sitemap.xml"
    assert wire.web.same_site and wire.web.max_pages == 5
    assert wire.web.since == datetime(2026, 3, 1, tzinfo=UTC)
    assert wire.web.include[0].search("/2026/") and wire.web.exclude[0].search("/video/")
    assert rss.web.same_site is False
    refs = list(iter_page_refs(picks))
    assert [r.page_id for r in refs] == [
        "https://b.example/z",
        "https://a.example/x",
        "https://a.example/y",
    ]
    assert all(r.location == r.page_id and r.source == "picks" for r in refs)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("kind: sitemap", "'url' must be the http(s) address"),
        ("kind: feed\n    url: ftp://x.example/f", "'url' must be the http(s) address"),
        ("kind: urls", "needs 'urls' (a list) or 'path'"),
        ("kind: urls\n    urls: [notaurl]", "not http(s) URLs"),
        ("kind: urls\n    path: missing.txt", "not a file of URLs"),
        ("kind: sitemap\n    url: https://a.example/s\n    include: '('", "'include' pattern"),
        ("kind: sitemap\n    url: https://a.example/s\n    max_pages: 0", "'max_pages'"),
        ("kind: sitemap\n    url: https://a.example/s\n    since: soon", "'since'"),
        ("kind: sitemap\n    url: https://a.example/s\n    colour: red", "unknown field"),
        ("kind: urls\n    urls: [https://a.example]\n    same_site: true", "'same_site'"),
    ],
)
def test_web_source_errors_name_file_entry_and_field(tmp_path, entry, problem):
    message = _error(tmp_path, f"sources:\n  - name: web\n    {entry}\n")
    assert "sources.yaml" in message and "'web'" in message and problem in message


def test_fetch_section(tmp_path):
    config = _config(
        tmp_path,
        "fetch:\n  allow_private: true\n  delay: 0\n  user_agent: TestBot/1\n"
        "sources:\n  - name: s\n    kind: urls\n    urls: [http://127.0.0.1/]\n",
    )
    options = load_fetch_options(config)
    assert options.allow_private and options.delay == 0.0 and options.user_agent == "TestBot/1"
    assert options.per_host == 2 and options.max_redirects == 5 and options.max_bytes == 10**7
    assert load_sources(config)[0].kind == "urls"


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("per_host: 0", "fetch.per_host must be above 0"),
        ("delay: -1", "fetch.delay must not be negative"),
        ("allow_private: yes please", "fetch.allow_private must be a bool"),
        ("speed: 11", "unknown fetch option"),
        ("max_failure_share: 2", "between 0 and 1"),
    ],
)
def test_fetch_section_errors(tmp_path, section, problem):
    text = f"fetch:\n  {section}\nsources: []\n"
    message = _error(tmp_path, text, loader=load_fetch_options)
    assert "sources.yaml" in message and problem in message


def test_fetch_options_overrides():
    options = FetchOptions().with_overrides(per_host=4, user_agent=None)
    assert options.per_host == 4 and options.user_agent == FetchOptions().user_agent
    with pytest.raises(ValueError, match="per_host"):
        FetchOptions().with_overrides(per_host=-1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "HTTP://News.Example:80/a/../b/?utm_source=x&b=2&a=1#top",
            "http://news.example/b/?a=1&b=2",
        ),
        ("https://news.example/x/./y", "https://news.example/x/y"),
        ("mailto:desk@news.example", None),
        ("ftp://news.example/file", None),
        ("javascript:void(0)", None),
    ],
)
def test_normalise_url(raw, expected):
    assert normalise_url(raw) == expected


def test_normalise_relative_against_base():
    assert normalise_url("../b", "https://n.example/a/c/feed") == "https://n.example/a/b"


def test_select_applies_every_option_in_order():
    day = datetime(2026, 3, 5, tzinfo=UTC)
    candidates = [
        Candidate("https://www.n.example/2026/a", day),
        Candidate("https://WWW.n.example/2026/a#comments", day),  # same page
        Candidate("https://other.example/2026/b", day),  # other site
        Candidate("https://www.n.example/about", day),  # include fails
        Candidate("https://www.n.example/2026/video/c", day),  # excluded
        Candidate("https://www.n.example/2026/old", datetime(2026, 2, 1, tzinfo=UTC)),
        Candidate("https://news.n.example/2026/undated"),  # same registered domain, no date
        Candidate("https://www.n.example/2026/d", day),
        Candidate("https://www.n.example/2026/e", day),  # past max_pages
    ]
    scope = WebScope(
        include=(re.compile(r"/20\d\d/"),),
        exclude=(re.compile("/video/"),),
        since=datetime(2026, 3, 1, tzinfo=UTC),
        max_pages=3,
    )
    kept = [c.url for c in select(candidates, scope, origin="https://www.n.example/sitemap.xml")]
    assert kept == [
        "https://www.n.example/2026/a",
        "https://news.n.example/2026/undated",
        "https://www.n.example/2026/d",
    ]


SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://n.example/news.xml</loc><lastmod>2026-03-02T10:00:00+02:00</lastmod></sitemap>
  <sitemap><loc>https://n.example/archive.xml.gz</loc></sitemap>
</sitemapindex>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://n.example/a</loc><lastmod>2026-01-01</lastmod>
    <news:news><news:publication><news:name>N</news:name><news:language>en</news:language>
    </news:publication><news:publication_date>2026-03-03T08:00:00Z</news:publication_date>
    <news:title>A</news:title></news:news></url>
  <url><loc> https://n.example/b </loc><lastmod>2026-03-01</lastmod></url>
  <url><loc>https://n.example/c</loc></url>
</urlset>"""


def test_sitemap_index_lists_child_sitemaps():
    entries = list(parse_sitemap(SITEMAP_INDEX))
    assert [(e.loc, e.is_sitemap) for e in entries] == [
        ("https://n.example/news.xml", True),
        ("https://n.example/archive.xml.gz", True),
    ]
    assert entries[0].lastmod == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_google_news_sitemap_dates_by_publication_date():
    entries = list(parse_sitemap(NEWS_SITEMAP))
    assert [e.loc for e in entries] == [
        "https://n.example/a",
        "https://n.example/b",
        "https://n.example/c",
    ]
    assert entries[0].lastmod == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert entries[1].lastmod == datetime(2026, 3, 1, tzinfo=UTC)
    assert entries[2].lastmod is None and not entries[2].is_sitemap


def test_sitemap_entities_are_not_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<urlset><url><loc>https://n.example/&b;</loc></url></urlset>"
    )
    entries = list(parse_sitemap(bomb))
    assert all("aaaaaaaaaa" not in e.loc for e in entries)


def test_text_sitemap_and_garbage():
    assert [e.loc for e in parse_sitemap(b"https://n.example/a\nhttps://n.example/b\n")] == [
        "https://n.example/a",
        "https://n.example/b",
    ]
    with pytest.raises(SitemapError, match="not a sitemap"):
        list(parse_sitemap(gzip.compress(b"binary")))


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>
<item><title>A</title><link>https://n.example/a</link>
<pubDate>Tue, 03 Mar 2026 08:00:00 +0000</pubDate></item>
<item><title>B</title><link>/b</link></item>
<item><title>No link</title></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>N</title><id>urn:n</id><updated>2026-03-04T00:00:00Z</updated>
<entry><title>A</title><id>urn:a</id><link rel="alternate" href="https://n.example/atom-a"/>
<updated>2026-03-04T09:30:00+01:00</updated></entry>
</feed>"""


def test_rss_feed_links_and_dates():
    entries = list(parse_feed(RSS, "https://n.example/rss.xml"))
    assert [e.url for e in entries] == ["https://n.example/a", "https://n.example/b"]
    assert entries[0].date == datetime(2026, 3, 3, 8, 0, tzinfo=UTC) and entries[1].date is None


def test_atom_feed_links_and_dates():
    (entry,) = parse_feed(ATOM, "https://n.example/atom.xml")
    assert entry.url == "https://n.example/atom-a"
    assert entry.date == datetime(2026, 3, 4, 8, 30, tzinfo=UTC)


def test_not_a_feed():
    with pytest.raises(FeedError, match="not a feed"):
        list(parse_feed(b"<html><body>hello</body></html>", "https://n.example/"))


def test_web_scope_direct_errors(tmp_path):
    with pytest.raises(ValueError, match="'urls' belongs to a urls source"):
        web_scope(
            "here", "feed", {"url": "https://a.example/f", "urls": ["https://a.example"]}, tmp_path
        )
