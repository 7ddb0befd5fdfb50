"""``winnow validate`` for web sources: what a sitemap, feed or URL list would fetch (URLs
found, robots-disallowed, off-site, filtered), from a real server on 127.0.0.1, fetching the
sitemaps, feeds and robots.txt only, never a page."""

import os
import re
import subprocess
import sys

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture
def site():
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def _sitemaps(site: HTTPServer) -> None:
    base = site.url_for("").rstrip("/")
    site.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    site.expect_request("/sitemap.xml").respond_with_data(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/news.xml</loc></sitemap></sitemapindex>",
        content_type="application/xml",
    )
    urls = [f"{base}/news/{i}" for i in range(4)]
    urls += [f"{base}/private/x", "https://elsewhere.example/a", f"{base}/news/1"]
    site.expect_request("/news.xml").respond_with_data(
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{u}</loc></url>" for u in urls)
        + "</urlset>",
        content_type="application/xml",
    )
    items = "".join(f"<item><link>{base}/story/{i}</link></item>" for i in range(5))
    site.expect_request("/feed.xml").respond_with_data(
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
        content_type="application/rss+xml",
    )
    site.expect_request("/gone.xml").respond_with_data("", status=404)


def _validate(tmp_path, site: HTTPServer, extra: str = "") -> subprocess.CompletedProcess:
    config = tmp_path / "sources.yaml"
    config.write_text(
        "fetch:\n  allow_private: true\n  delay: 0\n  retries: 0\n  user_agent: WinnowTest/1.0\n"
        "sources:\n"
        f"  - name: maps\n    kind: sitemap\n    url: {site.url_for('/sitemap.xml')}\n"
        f"  - name: news\n    kind: feed\n    url: {site.url_for('/feed.xml')}\n"
        "    max_pages: 2\n" + extra
    )
    return subprocess.run(
        [sys.executable, "-m", "winnow.cli", "validate", "--sources", str(config)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"},
        timeout=120,
    )


def _line(stderr: str, source: str) -> str:
    return next(line for line in stderr.splitlines() if line.startswith(f"source '{source}'"))


def test_validate_reports_what_web_sources_would_fetch_without_fetching_pages(tmp_path, site):
    _sitemaps(site)
    result = _validate(tmp_path, site)
    assert result.returncode == 0, result.stderr
    maps = _line(result.stderr, "maps")
    assert "7 URLs found, 4 would be fetched, 1 disallowed by robots.txt, 1 off-site" in maps
    assert "1 duplicates" in maps
    assert f"disallowed by robots.txt: {site.url_for('/private/x')}" in result.stderr
    news = _line(result.stderr, "news")
    assert "2 URLs found, 2 would be fetched" in news and "stopped at max_pages (2)" in news
    fetched = {request.path for request, _ in site.log}
    assert fetched == {"/robots.txt", "/sitemap.xml", "/news.xml", "/feed.xml"}
    assert not any(re.match(r"/(news|private|story)/", path) for path in fetched)


def test_validate_names_a_web_source_it_cannot_read(tmp_path, site):
    _sitemaps(site)
    result = _validate(
        tmp_path, site, f"  - name: gone\n    kind: feed\n    url: {site.url_for('/gone.xml')}\n"
    )
    assert result.returncode == 1
    assert "gone: feed" in result.stderr and "HTTP 404" in result.stderr
    assert "0 URLs found" in _line(result.stderr, "gone")
