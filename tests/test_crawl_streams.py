"""Big and hostile sitemaps and feeds against real servers on 127.0.0.1: the crawl's event loop
keeps serving other hosts while a 38 MB feed is read, memory stays bounded, entries a parser
could not read are error rows, and a body cut short is stored as truncated."""

import gzip
import re
import time
import tracemalloc

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from winnow import stages, warehouse
from winnow.fetch.crawl import Crawl, CrawlItem
from winnow.fetch.options import load_fetch_options
from winnow.sources import load_sources

pytestmark = pytest.mark.reliability

HTML = "text/html; charset=utf-8"
FEED_ITEMS = 280_000


def _server() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    return server


@pytest.fixture
def servers():
    a, b = _server(), _server()
    yield a, b
    for server in (a, b):
        server.clear()
        server.stop()


def _feed(base: str, items: int) -> bytes:
    """An RSS feed of ``items`` entries on ``base`` (280,000 make 38 MB)."""
    entries = "".join(
        f"<item><title>Story {i}</title><link>{base}/news/{i}</link>"
        "<pubDate>Tue, 03 Mar 2026 08:00:00 +0000</pubDate></item>\n"
        for i in range(items)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{entries}'
        "</channel></rss>"
    ).encode()


def _serve_feed(server: HTTPServer, items: int) -> int:
    data = _feed(server.url_for("").rstrip("/"), items)
    server.expect_request("/feed.xml").respond_with_data(
        gzip.compress(data, 1),
        headers={"Content-Encoding": "gzip"},
        content_type="application/rss+xml",
    )
    server.expect_request(re.compile(r"/news/\d+")).respond_with_data(
        "<html><body><p>Story.</p></body></html>", content_type=HTML
    )
    return len(data)


def _timed_pages(server: HTTPServer, count: int) -> list[float]:
    """Pages /p/0.. on ``server``; returns the list their arrival times are appended to."""
    arrivals: list[float] = []

    def page(request):
        arrivals.append(time.monotonic())
        return Response("<html><body><p>Other host.</p></body></html>", content_type=HTML)

    server.expect_request(re.compile(r"/p/\d+")).respond_with_handler(page)
    return arrivals


def _config(tmp_path, text: str):
    config = tmp_path / "sources.yaml"
    config.write_text(
        "fetch:\n  allow_private: true\n  delay: 0\n  retries: 0\n  concurrency: 4\n"
        "  user_agent: WinnowTest/1.0\n" + text
    )
    return load_sources(config), load_fetch_options(config)


def _crawl(specs, options) -> list[CrawlItem]:
    return [item for item in Crawl(specs, options, {}) if isinstance(item, CrawlItem)]


def _other_host(b: HTTPServer, pages: int) -> str:
    urls = "".join(f"      - {b.url_for(f'/p/{i}')}\n" for i in range(pages))
    return f"  - name: other\n    kind: urls\n    urls:\n{urls}"


def _largest_gap(arrivals: list[float], started: float) -> float:
    times = [started, *sorted(arrivals)]
    return max(later - earlier for earlier, later in zip(times, times[1:], strict=False))


@pytest.mark.parametrize("scope", ["max_pages: 5", "include: '/news/2799[5-9]$'"])
def test_a_38_mb_feed_never_freezes_the_other_hosts(tmp_path, servers, scope):
    """While a 280,000-item gzip feed is read (stopped at max_pages, or read whole for the 5
    entries an include keeps), another host's pages keep arriving one after another."""
    a, b = servers
    items = FEED_ITEMS if scope.startswith("max") else 28_000
    size = _serve_feed(a, items)
    arrivals = _timed_pages(b, 40)
    # per_host 1 and a 0.1 s delay spread the other host's 40 pages over ~4 s.
    specs, options = _config(
        tmp_path,
        "  per_host: 1\nsources:\n  - name: big\n    kind: feed\n"
        f"    url: {a.url_for('/feed.xml')}\n    {scope}\n" + _other_host(b, 40),
    )
    options = options.with_overrides(delay=0.1)
    started = time.monotonic()
    items_done = _crawl(specs, options)
    elapsed = time.monotonic() - started
    feed_pages = [i for i in items_done if i.job.source == "big"]
    assert len(feed_pages) == 5 and all(i.fetched.outcome == "ok" for i in feed_pages)
    assert len(arrivals) == 40
    gap = _largest_gap(arrivals, started)
    print(f"feed {size / 1e6:.1f} MB, {items} items: crawl {elapsed:.1f}s, largest gap {gap:.2f}s")
    assert gap < 2.0


def test_a_38_mb_feed_costs_bounded_memory(tmp_path, servers):
    a, _ = servers
    size = _serve_feed(a, FEED_ITEMS)
    specs, options = _config(
        tmp_path,
        f"sources:\n  - name: big\n    kind: feed\n    url: {a.url_for('/feed.xml')}\n"
        "    max_pages: 5\n",
    )
    tracemalloc.start()
    try:
        items = _crawl(specs, options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(items) == 5
    print(f"feed {size / 1e6:.1f} MB inflated: peak traced memory {peak / 1e6:.1f} MB")
    assert peak < size / 2  # spooled and parsed in chunks: the old reader held it whole


def _bomb_sitemap(base: str) -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE urlset [{entities}]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/news/1</loc></url>"
        f"<url><loc>{base}/news/&lol9;</loc></url>"
        f"<url><loc>{base}/news/3</loc></url></urlset>"
    ).encode()


def test_entries_after_an_entity_bomb_are_an_error_row(tmp_path, servers):
    a, _ = servers
    base = a.url_for("").rstrip("/")
    a.expect_request("/sitemap.xml").respond_with_data(
        _bomb_sitemap(base), content_type="application/xml"
    )
    a.expect_request(re.compile(r"/news/\d+")).respond_with_data("<p>Story.</p>", content_type=HTML)
    specs, options = _config(
        tmp_path,
        f"sources:\n  - name: maps\n    kind: sitemap\n    url: {a.url_for('/sitemap.xml')}\n",
    )
    con = warehouse.connect(tmp_path / "wh.duckdb")
    result = stages.ingest(con, specs, "run-1", options)
    assert [r[0] for r in con.execute("SELECT url FROM pages").fetchall()] == [f"{base}/news/1"]
    (row,) = con.execute(
        "SELECT url, kind, outcome, error_class, error FROM fetch_log "
        "WHERE outcome = 'error' AND kind = 'sitemap'"
    ).fetchall()
    assert row[:4] == (a.url_for("/sitemap.xml"), "sitemap", "error", "EntriesLost")
    assert "2 of 3 entries could not be read" in row[4] and "amplification" in row[4]
    assert any("2 of 3 entries could not be read" in f for f in result.failures)
    con.close()


def test_a_body_cut_short_is_stored_as_truncated(tmp_path, servers):
    """A body shorter than its Content-Length, and a gzip body cut before its end (no
    Content-Length), are rows with status ``truncated``, never ``ok``."""
    a, _ = servers

    def short(request):
        return Response(
            iter([b"<html><body><p>Half a sto"]),
            headers={"Content-Length": "5000"},
            content_type=HTML,
        )

    whole = gzip.compress(b"<html><body>" + b"<p>A long story.</p>" * 2000 + b"</body></html>")

    def cut_gzip(request):
        return Response(
            iter([whole[: len(whole) // 2]]),
            headers={"Content-Encoding": "gzip"},
            content_type=HTML,
        )

    a.expect_request("/short").respond_with_handler(short)
    a.expect_request("/cut").respond_with_handler(cut_gzip)
    a.expect_request("/fine").respond_with_data("<p>Whole.</p>", content_type=HTML)
    specs, options = _config(
        tmp_path,
        "sources:\n  - name: pages\n    kind: urls\n    urls:\n"
        + "".join(f"      - {a.url_for(p)}\n" for p in ("/short", "/cut", "/fine")),
    )
    con = warehouse.connect(tmp_path / "wh.duckdb")
    stages.ingest(con, specs, "run-1", options)
    rows = dict(con.execute("SELECT url, status FROM pages").fetchall())
    assert rows == {
        a.url_for("/short"): "truncated",
        a.url_for("/cut"): "truncated",
        a.url_for("/fine"): "ok",
    }
    log = con.execute("SELECT error_class FROM fetch_log WHERE kind = 'page'").fetchall()
    assert "TruncatedBody" in {r[0] for r in log}
    con.close()


def _trickle(request):
    def drip():
        for _ in range(50):  # a byte every 0.1 s: never a read timeout, never a whole page
            time.sleep(0.1)
            yield b" "

    return Response(drip(), content_type=HTML)


def test_a_host_trickling_bytes_costs_its_slots_for_about_one_deadline(tmp_path, servers):
    """Ten URLs on a host that trickles bytes: the first answers past ``total_timeout`` give
    the host up for the crawl, its other URLs fail at once (HostGivenUp) instead of each
    holding a slot for four attempts; the other host's pages are all fetched."""
    a, b = servers
    a.expect_request(re.compile(r"/slow/\d+")).respond_with_handler(_trickle)
    b.expect_request(re.compile(r"/p/\d+")).respond_with_data("<p>Fast.</p>", content_type=HTML)
    slow = "".join(f"      - {a.url_for(f'/slow/{i}')}\n" for i in range(10))
    specs, options = _config(
        tmp_path,
        "sources:\n  - name: slow\n    kind: urls\n    urls:\n" + slow + _other_host(b, 10),
    )
    options = options.with_overrides(total_timeout=1.0, retries=3, backoff=0.01, per_host=2)
    started = time.monotonic()
    items = _crawl(specs, options)
    elapsed = time.monotonic() - started
    classes = [i.fetched.error_class for i in items if i.job.source == "slow"]
    assert sorted(set(classes)) == ["HostGivenUp", "TotalTimeout"]
    assert classes.count("TotalTimeout") <= options.per_host
    assert [i.fetched.outcome for i in items if i.job.source == "other"] == ["ok"] * 10
    # Without the host deadline: 10 URLs x 4 attempts x 1 s over 2 slots = 20 s.
    print(f"trickling host: crawl {elapsed:.1f}s")
    assert elapsed < 6


def test_a_fetch_deadline_bounds_every_attempt_together(servers):
    """Retries of a trickling URL stop once the attempts' time in the host's slot reaches
    ``fetch_deadline``; the last attempt gets only what is left of it."""
    import asyncio

    from winnow.fetch import Fetcher, FetchOptions

    a, _ = servers
    a.expect_request("/slow").respond_with_handler(_trickle)
    options = FetchOptions(
        allow_private=True,
        delay=0.0,
        retries=5,
        backoff=0.01,
        total_timeout=0.5,
        fetch_deadline=1.2,
        host_max_timeouts=100,
    )

    async def one():
        async with Fetcher(options) as fetcher:
            return await fetcher.fetch(a.url_for("/slow"))

    started = time.monotonic()
    result = asyncio.run(one())
    elapsed = time.monotonic() - started
    assert result.error_class == "TotalTimeout" and result.attempts == 3
    assert 1.1 < result.spent < 1.6 and elapsed < 3
