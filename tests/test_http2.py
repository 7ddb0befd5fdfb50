"""HTTP/2 for real: a hypercorn server on 127.0.0.1 speaking h2 over TLS (a certificate from a
CA made by the test with trustme), fetched by the crawler's own client through ALPN."""

import asyncio
import socket
import threading

import pytest
import trustme
from hypercorn.asyncio import serve
from hypercorn.config import Config

from winnow.fetch import Fetcher, FetchOptions
from winnow.fetch.crawl import Crawl, CrawlItem
from winnow.sources import load_sources


async def _app(scope, receive, send):
    """A tiny ASGI app: each page says which HTTP version carried it."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == "/robots.txt":
        status, body = 404, b""
    else:
        status = 200
        body = f"<html><body><p>{scope['path']} over HTTP/{scope['http_version']}</p>".encode()
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def h2_server(tmp_path_factory):
    """hypercorn on a socket bound to a free port, in a thread with its own event loop."""
    folder = tmp_path_factory.mktemp("h2")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(folder / "ca.pem")
    cert.private_key_pem.write_to_path(folder / "key.pem")
    cert.cert_chain_pems[0].write_to_path(folder / "cert.pem")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns (and closes) the socket now
    config.certfile, config.keyfile = str(folder / "cert.pem"), str(folder / "key.pem")
    config.accesslog = config.errorlog = None
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    ready = threading.Event()

    async def main():
        loop.call_soon(ready.set)
        await serve(_app, config, shutdown_trigger=stop.wait)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    ready.wait(10)
    yield f"https://127.0.0.1:{port}", str(folder / "ca.pem")
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)


def _options(ca_file: str, **values) -> FetchOptions:
    return FetchOptions(allow_private=True, delay=0.0, retries=0, ca_file=ca_file, **values)


def test_pages_come_over_http2_multiplexed(h2_server):
    base, ca_file = h2_server

    async def run():
        async with Fetcher(_options(ca_file, per_host=8)) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(f"{base}/news/{i}") for i in range(8)))

    results = asyncio.run(run())
    assert [r.outcome for r in results] == ["ok"] * 8
    assert {r.http_version for r in results} == {"HTTP/2"}
    assert results[3].body.endswith(b"/news/3 over HTTP/2</p>")


def test_http2_off_falls_back_to_http11_and_an_unknown_ca_is_refused(h2_server):
    base, ca_file = h2_server

    async def run(options):
        async with Fetcher(options) as fetcher:
            return await fetcher.fetch(f"{base}/a")

    plain = asyncio.run(run(_options(ca_file, http2=False)))
    assert plain.outcome == "ok" and plain.http_version == "HTTP/1.1"
    assert plain.body.endswith(b"over HTTP/1.1</p>")
    no_ca = FetchOptions(allow_private=True, delay=0.0, retries=0, respect_robots=False)
    untrusted = asyncio.run(run(no_ca))
    assert untrusted.outcome == "error" and "CERTIFICATE_VERIFY_FAILED" in untrusted.error


def test_a_crawl_fetches_over_http2(tmp_path, h2_server):
    base, ca_file = h2_server
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"fetch:\n  allow_private: true\n  delay: 0\n  ca_file: {ca_file}\nsources:\n"
        "  - name: h2\n    kind: urls\n    urls:\n"
        + "".join(f"      - {base}/p/{i}\n" for i in range(5))
    )
    from winnow.fetch.options import load_fetch_options

    items = [
        i
        for i in Crawl(load_sources(config), load_fetch_options(config), {})
        if isinstance(i, CrawlItem)
    ]
    assert len(items) == 5 and {i.fetched.http_version for i in items} == {"HTTP/2"}


def test_a_missing_ca_file_is_a_one_line_error(tmp_path):
    from winnow.fetch.options import load_fetch_options
    from winnow.sources import SourceError

    config = tmp_path / "sources.yaml"
    config.write_text("fetch:\n  ca_file: /nowhere/ca.pem\nsources: []\n")
    with pytest.raises(SourceError, match=r"fetch.ca_file '/nowhere/ca.pem' is not a file"):
        load_fetch_options(config)
