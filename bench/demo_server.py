"""Serve the demo sites (data/demo) over HTTP on 127.0.0.1, as a news site would.

Per site folder ``/<site>/``: every page (``.html``), a sitemap index ``sitemap.xml`` pointing
to a Google News sitemap (``sitemap-news.xml``, the newer half) and a gzipped archive sitemap
(``sitemap-archive.xml.gz``, the rest), an RSS 2.0 feed ``feed.xml`` and an Atom feed
``atom.xml``. Pages carry an ETag and Last-Modified and answer conditional requests with 304
(``etags=False`` turns that off, to exercise the content-hash path). ``/robots.txt`` disallows
``/private/``. Used by ``make crawl-demo``, the crawl tests and ``bench/fetch.py``.

    uv run python bench/demo_server.py [--port 8765]   # serves until Ctrl-C
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def _dated(path: Path) -> str:
    """The W3C date in a demo page's path (``.../2026/03/01/slug.html``), else 2026-01-01."""
    parts = path.parts
    for i in range(len(parts) - 3):
        if parts[i].isdigit() and len(parts[i]) == 4:
            return f"{parts[i]}-{parts[i + 1]}-{parts[i + 2]}"
    return "2026-01-01"


class DemoSite:
    """What the server answers: a dict of path -> (body, content type), built from a folder."""

    def __init__(self, folder: Path = DEMO, etags: bool = True) -> None:
        self.folder, self.etags = folder, etags
        self.extra: dict[str, tuple[int, bytes, str]] = {}  # tests add odd routes here
        self.requests = 0

    def bench_body(self) -> bytes:
        if not hasattr(self, "_bench_body"):
            site = self.sites()[0]
            self._bench_body = (self.folder / self.pages(site)[-1]).read_bytes()
        return self._bench_body

    def sites(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if p.is_dir())

    def pages(self, site: str) -> list[str]:
        return sorted(
            p.relative_to(self.folder).as_posix() for p in (self.folder / site).rglob("*.html")
        )

    def _urlset(self, base: str, pages: list[str], news: bool) -> bytes:
        ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
        rows = []
        for page in pages:
            date = _dated(Path(page))
            extra = (
                f"<news:news><news:publication_date>{date}T06:00:00Z"
                "</news:publication_date></news:news>"
                if news
                else ""
            )
            rows.append(
                f"<url><loc>{escape(base + page)}</loc><lastmod>{date}</lastmod>{extra}</url>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>'
            + "".join(rows)
            + "</urlset>"
        ).encode()

    def _feed(self, base: str, site: str, pages: list[str]) -> bytes:
        items = "".join(
            f"<item><title>{escape(Path(p).stem)}</title><link>{escape(base + p)}</link>"
            f"<pubDate>{formatdate(0, usegmt=True)}</pubDate></item>"
            for p in pages
        )
        return (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>{site}</title>'
            f"<link>{base}{site}/</link>{items}</channel></rss>"
        ).encode()

    def _atom(self, base: str, site: str, pages: list[str]) -> bytes:
        entries = "".join(
            f"<entry><title>{escape(Path(p).stem)}</title><id>{escape(base + p)}</id>"
            f'<link rel="alternate" href="{escape(base + p)}"/>'
            f"<updated>{_dated(Path(p))}T06:00:00Z</updated></entry>"
            for p in pages
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{site}</title><id>{base}{site}/</id><updated>2026-03-01T00:00:00Z</updated>"
            f"{entries}</feed>"
        ).encode()

    def answer(self, path: str, base: str) -> tuple[int, bytes, str]:
        """(status, body, content type) for a request path; base is ``http://host:port/``."""
        if path in self.extra:
            return self.extra[path]
        if path == "/robots.txt":
            return 200, ROBOTS, "text/plain"
        if path.startswith("/bench/"):  # any number of distinct URLs with one demo page's body
            return 200, self.bench_body(), "text/html; charset=utf-8"
        site, _, rest = path.lstrip("/").partition("/")
        if site not in self.sites():
            return 404, b"not found", "text/plain"
        pages = self.pages(site)
        half = len(pages) // 2
        if rest == "sitemap.xml":
            children = "".join(
                f"<sitemap><loc>{base}{site}/{name}</loc></sitemap>"
                for name in ("sitemap-news.xml", "sitemap-archive.xml.gz")
            )
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}</sitemapindex>'
            )
            return 200, body.encode(), "application/xml"
        if rest == "sitemap-news.xml":
            return 200, self._urlset(base, pages[half:], news=True), "application/xml"
        if rest == "sitemap-archive.xml.gz":
            return 200, gzip.compress(self._urlset(base, pages[:half], False)), "application/gzip"
        if rest == "feed.xml":
            return 200, self._feed(base, site, pages), "application/rss+xml"
        if rest == "atom.xml":
            return 200, self._atom(base, site, pages), "application/atom+xml"
        file = (self.folder / path.lstrip("/")).resolve()
        if file.is_file() and self.folder.resolve() in file.parents:
            return 200, file.read_bytes(), "text/html; charset=utf-8"
        return 404, b"not found", "text/plain"


def make_handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            site.requests += 1
            base = f"http://{self.headers.get('Host', '127.0.0.1')}/"
            status, body, ctype = site.answer(self.path.split("?", 1)[0], base)
            etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
            if site.etags and status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if site.etags and status == 200:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

    return Handler


class DemoServer:
    """``with DemoServer() as server: server.url`` serves a DemoSite on 127.0.0.1."""

    def __init__(self, site: DemoSite | None = None, port: int = 0) -> None:
        self.site = site or DemoSite()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), make_handler(self.site))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    with DemoServer(port=args.port) as server:
        print(f"serving {DEMO} at {server.url} (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
