"""The crawl frontier survives a kill: a real crawl subprocess SIGKILLed mid-crawl against a
real server on 127.0.0.1, then run again, fetches only what it had not stored (even URLs the
feed has dropped since) and never a stored URL again."""

import os
import re
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

pytestmark = pytest.mark.reliability

PAGES = 60
CRAWL = """
import sys
from winnow import stages, warehouse
from winnow.fetch.options import load_fetch_options
from winnow.sources import load_sources

config, path, run_id = sys.argv[1:4]
con = warehouse.connect(path)
result = stages.ingest(con, load_sources(config), run_id, load_fetch_options(config))
print({k: v for k, v in result.counts.items() if k.startswith(("fetch_", "new_versions"))})
con.close()
"""


@pytest.fixture
def site():
    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    yield server
    server.clear()
    server.stop()


def _serve(site: HTTPServer, listed: range) -> list[str]:
    """The feed lists ``listed``; every page takes 0.1 s. Returns the page paths requested."""
    base = site.url_for("").rstrip("/")
    items = "".join(f"<item><link>{base}/news/{i}</link></item>" for i in listed)
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'
    site.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    requested: list[str] = []

    def page(request):
        requested.append(request.path)
        time.sleep(0.1)
        return Response(
            f"<html><body><p>Story {request.path}.</p></body></html>",
            200,
            content_type="text/html; charset=utf-8",
        )

    site.expect_request(re.compile(r"/news/\d+")).respond_with_handler(page)
    return requested


def _crawl(tmp_path, site: HTTPServer, run_id: str) -> subprocess.Popen:
    (tmp_path / "crawl.py").write_text(CRAWL)
    config = tmp_path / "sources.yaml"
    config.write_text(
        "fetch:\n  allow_private: true\n  delay: 0\n  per_host: 1\n  concurrency: 2\n"
        "  user_agent: WinnowTest/1.0\nsources:\n"
        f"  - name: news\n    kind: feed\n    url: {site.url_for('/feed.xml')}\n"
    )
    args = [sys.executable, str(tmp_path / "crawl.py"), str(config), str(tmp_path / "wh.duckdb")]
    return subprocess.Popen(
        [*args, run_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={**os.environ},
    )


def _stored(tmp_path) -> list[str]:
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT url FROM pages ORDER BY url").fetchall()]
    finally:
        con.close()


def test_a_killed_crawl_resumes_and_refetches_nothing_it_stored(tmp_path, site):
    requested = _serve(site, range(PAGES))
    first = _crawl(tmp_path, site, "run-killed")
    deadline = time.monotonic() + 60
    while len(requested) < 30 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    assert first.poll() is None, first.communicate()
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    stored = _stored(tmp_path)
    assert 0 < len(stored) < PAGES  # committed batches survived the kill

    # The feed has moved on: it lists only the last ten stories now.
    site.clear()
    site.expect_request("/robots.txt").respond_with_data("", status=404)
    again = _serve(site, range(PAGES - 10, PAGES))
    second = _crawl(tmp_path, site, "run-resumed")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err

    base = site.url_for("").rstrip("/")
    refetched = {f"{base}{path}" for path in again} & set(stored)
    assert refetched == set()  # nothing stored by the killed run was fetched again
    final = _stored(tmp_path)
    assert sorted(final) == sorted(f"{base}/news/{i}" for i in range(PAGES))
    assert len(final) == len(set(final))  # each page stored once
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM crawl_frontier").fetchone()[0] == 0
    con.close()


def test_the_frontier_serves_sources_in_turn_and_lets_discovery_run_ahead():
    """A source with many queued pages does not keep another's waiting behind all of them;
    discovery may run ``ahead`` jobs ahead, then waits for the fetchers."""
    import asyncio

    from winnow.fetch.frontier import Frontier

    async def run():
        frontier: Frontier[str] = Frontier(ahead=4)
        for i in range(4):
            await frontier.put(f"a{i}", "a")
        blocked = asyncio.create_task(frontier.put("a4", "a"))
        await asyncio.sleep(0.05)
        assert not blocked.done()  # four ahead: the fifth waits for a fetcher
        for i in range(2):
            await frontier.put(f"b{i}", "b")
        order = [await frontier.get() for _ in range(4)]
        await blocked
        await frontier.close()
        while (job := await frontier.get()) is not None:
            order.append(job)
        return order

    assert asyncio.run(run()) == ["a0", "b0", "a1", "b1", "a2", "a3", "a4"]
