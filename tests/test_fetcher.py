"""The async fetcher against a real HTTP server on 127.0.0.1: every way the web misbehaves."""

import asyncio
import gzip
import threading
import time
import tracemalloc

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from winnow.fetch import Fetcher, FetchOptions, Validators
from winnow.fetch.body import gunzip_capped
from winnow.fetch.charset import page_encoding
from winnow.fetch.errors import FetchFailure
from winnow.fetch.safety import GuardedBackend, is_public
from winnow.parse.decode import decode_with

LOCAL = FetchOptions(
    allow_private=True,
    delay=0.0,
    retries=2,
    backoff=0.01,
    user_agent="WinnowTest/1.0 (+tests)",
    read_timeout=5.0,
)
HTML = "text/html; charset=utf-8"


@pytest.fixture(scope="module")
def server():
    """A threaded server: slow handlers must not hold up the next request (or test)."""
    instance = HTTPServer(host="127.0.0.1", threaded=True)
    instance.start()
    yield instance
    instance.clear()
    instance.stop()


@pytest.fixture
def httpserver(server):
    server.clear()
    yield server
    server.clear()


@pytest.fixture
def site(httpserver):
    """The test server, with no robots.txt (a 404: everything allowed)."""
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    return httpserver


def fetch(options, *urls, validators=None, kind="page"):
    """Fetch urls one after another with one Fetcher; (results, attempts other than robots)."""

    async def run():
        async with Fetcher(options) as fetcher:
            results = [await fetcher.fetch(u, kind, validators) for u in urls]
            return results, [a for a in fetcher.drain_log() if a.kind != "robots"]

    return asyncio.run(run())


def paths(server):
    return [request.path for request, _ in server.log]


def test_ok_page_with_user_agent_and_gzip_transfer(site):
    body = b"<html><body><p>Harbour news</p></body></html>" * 50
    site.expect_request("/a", headers={"User-Agent": "WinnowTest/1.0 (+tests)"}).respond_with_data(
        gzip.compress(body), headers={"Content-Encoding": "gzip"}, content_type=HTML
    )
    (result,), log = fetch(LOCAL, site.url_for("/a"))
    assert result.outcome == "ok" and result.body == body and result.status == 200
    assert result.media_type == "text/html" and result.charset == "utf-8"
    assert log[0].bytes < len(body)  # bytes on the wire: compressed
    assert log[0].attempt == 1 and log[0].outcome == "ok" and log[0].elapsed_ms > 0


def test_robots_disallow_allow_and_crawl_delay(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\nAllow: /private/ok\nCrawl-delay: 0.4\n",
        content_type="text/plain",
    )
    for path in ("/private/secret", "/private/ok", "/open"):
        httpserver.expect_request(path).respond_with_data("<p>x</p>", content_type=HTML)
    urls = [httpserver.url_for(p) for p in ("/private/secret", "/private/ok", "/open")]
    started = time.monotonic()
    (secret, ok, open_), log = fetch(LOCAL, *urls)
    elapsed = time.monotonic() - started
    assert secret.outcome == "error" and secret.error_class == "RobotsDisallowed"
    assert ok.outcome == "ok" and open_.outcome == "ok"
    assert paths(httpserver).count("/robots.txt") == 1  # cached for the run
    assert "/private/secret" not in paths(httpserver)
    assert elapsed >= 0.4  # two requests to the host, Crawl-delay apart


def test_robots_unreachable_blocks_the_host(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("down", status=503)
    httpserver.expect_request("/a").respond_with_data("<p>x</p>", content_type=HTML)
    options = LOCAL.with_overrides(retries=0)
    (result,), _ = fetch(options, httpserver.url_for("/a"))
    assert result.error_class == "RobotsDisallowed" and "/a" not in paths(httpserver)


def test_conditional_request_gets_304(site):
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(
            "<p>v1</p>",
            content_type=HTML,
            headers={"ETag": '"v1"', "Last-Modified": "Sun, 01 Mar 2026 08:00:00 GMT"},
        )

    site.expect_request("/c").respond_with_handler(handler)
    (first,), _ = fetch(LOCAL, site.url_for("/c"))
    assert first.outcome == "ok" and first.etag == '"v1"'
    assert first.last_modified == "Sun, 01 Mar 2026 08:00:00 GMT"
    validators = Validators(first.etag, first.last_modified)
    (second,), log = fetch(LOCAL, site.url_for("/c"), validators=validators)
    assert second.outcome == "not_modified" and second.status == 304 and second.body is None
    sent = site.log[-1][0].headers
    assert sent["If-Modified-Since"] == "Sun, 01 Mar 2026 08:00:00 GMT"
    assert log[-1].outcome == "not_modified"


def _sequence(*responses):
    """A handler answering with each response in turn (the last one repeats)."""
    remaining = list(responses)

    def handler(request):
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handler


def test_429_with_retry_after_is_honoured(site):
    site.expect_request("/busy").respond_with_handler(
        _sequence(
            Response("slow down", status=429, headers={"Retry-After": "1"}),
            Response("<p>ok</p>", content_type=HTML),
        )
    )
    started = time.monotonic()
    (result,), log = fetch(LOCAL, site.url_for("/busy"))
    assert result.outcome == "ok" and result.attempts == 2
    assert time.monotonic() - started >= 1.0
    assert [(a.status, a.outcome) for a in log] == [(429, "error"), (200, "ok")]


def test_retry_after_past_the_cap_gives_up(site):
    site.expect_request("/later").respond_with_data(
        "come back tomorrow", status=503, headers={"Retry-After": "86400"}
    )
    started = time.monotonic()
    (result,), _ = fetch(LOCAL.with_overrides(max_retry_after=5.0), site.url_for("/later"))
    assert result.outcome == "error" and result.status == 503 and result.attempts == 1
    assert time.monotonic() - started < 3


def test_500_then_success(site):
    site.expect_request("/flaky").respond_with_handler(
        _sequence(Response("oops", status=500), Response("<p>fine</p>", content_type=HTML))
    )
    (result,), log = fetch(LOCAL, site.url_for("/flaky"))
    assert result.outcome == "ok" and result.body == b"<p>fine</p>"
    assert [a.attempt for a in log] == [1, 2] and log[0].error_class == "HTTPStatus"


def test_persistent_500_stops_after_the_retries(site):
    site.expect_request("/broken").respond_with_data("oops", status=500)
    (result,), log = fetch(LOCAL, site.url_for("/broken"))
    assert result.outcome == "error" and result.attempts == 3 and len(log) == 3


def test_404_is_not_retried(site):
    site.expect_request("/gone").respond_with_data("no", status=404)
    (result,), log = fetch(LOCAL, site.url_for("/gone"))
    assert result.status == 404 and result.attempts == 1 and log[0].error_class == "HTTPStatus"


def test_slow_response_past_the_timeout(site):
    released = threading.Event()

    def slow(request):
        released.wait(3)
        return Response("<p>late</p>", content_type=HTML)

    site.expect_request("/slow").respond_with_handler(slow)
    options = LOCAL.with_overrides(read_timeout=0.3, retries=0)
    started = time.monotonic()
    (result,), _ = fetch(options, site.url_for("/slow"))
    released.set()
    assert result.outcome == "error" and result.error_class == "ReadTimeout"
    assert time.monotonic() - started < 1.5


def test_total_timeout_caps_a_trickling_body(site):
    def trickle():
        for _ in range(20):
            time.sleep(0.1)
            yield b"<p>drip</p>"

    site.expect_request("/drip").respond_with_handler(
        lambda request: Response(trickle(), content_type=HTML)
    )
    options = LOCAL.with_overrides(total_timeout=0.5, retries=0)
    (result,), _ = fetch(options, site.url_for("/drip"))
    assert result.error_class == "TotalTimeout"


def test_redirects_record_the_final_url(site):
    site.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/mid#frag"})
    site.expect_request("/mid").respond_with_data("", status=302, headers={"Location": "/new"})
    site.expect_request("/new").respond_with_data("<p>here</p>", content_type=HTML)
    (result,), _ = fetch(LOCAL, site.url_for("/old"))
    assert result.outcome == "ok" and result.final_url == site.url_for("/new")


def test_redirect_loop(site):
    site.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    site.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    (result,), _ = fetch(LOCAL, site.url_for("/a"))
    assert result.outcome == "error" and result.error_class == "RedirectLoop"


def test_more_than_five_redirects(site):
    for hop in range(7):
        site.expect_request(f"/r{hop}").respond_with_data(
            "", status=302, headers={"Location": f"/r{hop + 1}"}
        )
    (result,), _ = fetch(LOCAL, site.url_for("/r0"))
    assert result.error_class == "TooManyRedirects"
    assert "/r5" in paths(site) and "/r6" not in paths(site)


def test_loopback_refused_by_default_before_any_request(site):
    site.expect_request("/a").respond_with_data("<p>x</p>", content_type=HTML)
    (result,), _ = fetch(LOCAL.with_overrides(allow_private=False), site.url_for("/a"))
    assert result.error_class == "PrivateAddress" and "/a" not in paths(site)


def test_redirect_to_a_private_address_is_refused(site):
    """Only this server is exempt; its redirect to another loopback address is refused."""
    target = f"http://127.0.0.2:{site.port}/internal"
    site.expect_request("/go").respond_with_data("", status=302, headers={"Location": target})
    options = FetchOptions(
        delay=0.0, retries=0, private_hosts=(f"127.0.0.1:{site.port}",), user_agent="T/1"
    )
    (result,), _ = fetch(options, site.url_for("/go"))
    assert result.error_class == "PrivateAddress" and result.final_url == target
    # Not a connection error: refused before connecting (nothing listens on 127.0.0.2).
    assert "/go" in paths(site) and "/internal" not in paths(site)


def test_only_http_and_https(site):
    (result,), _ = fetch(LOCAL, "file:///etc/passwd")
    assert result.error_class == "UnsupportedScheme"
    site.expect_request("/ftp").respond_with_data(
        "", status=302, headers={"Location": "ftp://127.0.0.1/x"}
    )
    (result,), _ = fetch(LOCAL, site.url_for("/ftp"))
    assert result.error_class == "UnsupportedScheme"


def test_connect_time_guard_refuses_private_addresses(site):
    """The network backend checks again when it connects (DNS rebinding gets nowhere)."""

    async def connect():
        await GuardedBackend(allow_private=False).connect_tcp("localhost", site.port)

    with pytest.raises(FetchFailure, match="private"):
        asyncio.run(connect())
    assert not is_public("10.1.2.3") and not is_public("169.254.169.254")
    assert not is_public("::1") and not is_public("::ffff:192.168.0.1") and is_public("8.8.8.8")


def test_oversized_body_by_length_and_by_stream(site):
    big = b"<p>" + b"x" * 50_000 + b"</p>"
    site.expect_request("/big").respond_with_data(big, content_type=HTML)

    def chunks():
        for _ in range(50):
            yield b"x" * 1000

    site.expect_request("/stream").respond_with_handler(
        lambda request: Response(chunks(), content_type=HTML)
    )
    options = LOCAL.with_overrides(max_bytes=10_000)
    (by_length, by_stream), _ = fetch(options, site.url_for("/big"), site.url_for("/stream"))
    assert by_length.error_class == "BodyTooLarge" and "Content-Length" in by_length.error
    assert by_stream.error_class == "BodyTooLarge" and by_stream.body is None


def test_gzip_bomb_is_cut_without_taking_memory(site):
    bomb = gzip.compress(b"\0" * 100_000_000, compresslevel=9)  # 100 MB in ~100 KB
    site.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type=HTML
    )
    options = LOCAL.with_overrides(max_decompressed_bytes=2_000_000)
    tracemalloc.start()
    (result,), _ = fetch(options, site.url_for("/bomb"))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.error_class == "DecompressedTooLarge"
    assert peak < 20_000_000, f"peak {peak} bytes"
    with pytest.raises(FetchFailure, match="max_decompressed_bytes"):
        gunzip_capped(bomb, 1_000_000, "sitemap.xml.gz")


def test_wrong_declared_charset(site):
    legacy = "<html><body><p>Caf\u00e9 \u201cMerrow\u201d re-opens</p></body></html>"
    site.expect_request("/cp1252").respond_with_data(
        legacy.encode("cp1252"), content_type="text/html; charset=utf-8"
    )
    site.expect_request("/utf8").respond_with_data(
        legacy.encode("utf-8"), content_type="text/html; charset=iso-8859-1"
    )
    (cp, utf), _ = fetch(LOCAL, site.url_for("/cp1252"), site.url_for("/utf8"))
    for result in (cp, utf):
        encoding = page_encoding(result.body, result.charset)
        assert "Caf\u00e9 \u201cMerrow\u201d" in decode_with(result.body, encoding)


def test_non_html_type_is_skipped(site):
    site.expect_request("/doc.pdf").respond_with_data(b"%PDF-1.7", content_type="application/pdf")
    site.expect_request("/notes.txt").respond_with_data(b"plain text", content_type="text/plain")
    (pdf, txt), _ = fetch(LOCAL, site.url_for("/doc.pdf"), site.url_for("/notes.txt"))
    assert pdf.error_class == "UnsupportedType" and pdf.attempts == 1
    assert txt.outcome == "ok" and txt.media_type == "text/plain"


def test_per_host_concurrency_is_bounded(site):
    active = {"now": 0, "max": 0}

    def handler(request):
        active["now"] += 1
        active["max"] = max(active["max"], active["now"])
        time.sleep(0.2)
        active["now"] -= 1
        return Response("<p>x</p>", content_type=HTML)

    site.expect_request("/p").respond_with_handler(handler)
    site.expect_request("/q").respond_with_handler(handler)

    async def run():
        async with Fetcher(LOCAL.with_overrides(per_host=2)) as fetcher:
            urls = [site.url_for("/p"), site.url_for("/q")] * 3
            return await asyncio.gather(*(fetcher.fetch(u) for u in urls))

    results = asyncio.run(run())
    assert all(r.outcome == "ok" for r in results)
    assert active["max"] == 2
