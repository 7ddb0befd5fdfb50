"""``make crawl-demo``: serve data/demo on 127.0.0.1, crawl it twice into a warehouse.

The first run discovers every page through each site's sitemap index (a Google News sitemap
and a gzipped archive sitemap) and an Atom feed, and stores them; the second run sends the
stored ETags back and fetches nothing new (every page answers 304). The port is fixed
(CRAWL_DEMO_PORT, default 8765) so page URLs stay the same from one invocation to the next.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

from rich.console import Console

from bench.demo_server import DemoServer
from winnow import stages, warehouse
from winnow.fetch.options import load_fetch_options
from winnow.fetch.progress import rich_progress
from winnow.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "crawl-demo"
SITES = ("harborgazette.example", "ridgelinepost.example", "valleyherald.example")
console = Console(stderr=True)


def write_sources(base: str) -> Path:
    lines = [
        "# Written by `make crawl-demo`: the demo sites as served on 127.0.0.1.",
        "fetch:",
        "  allow_private: true      # the demo server is on 127.0.0.1; never set this for the web",
        "  delay: 0.0",
        '  user_agent: "WinnowDemo/0.1 (make crawl-demo)"',
        "sources:",
    ]
    for site in SITES:
        lines += [
            f"  - name: {site.split('.')[0]}",
            "    kind: sitemap",
            f"    url: {base}{site}/sitemap.xml",
            f"    site: {site}",
        ]
    lines += [
        "  - name: valley-atom",
        "    kind: feed",
        f"    url: {base}{SITES[2]}/atom.xml",
        f"    site: {SITES[2]}",
    ]
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawl_once(config: Path, db: Path, label: str) -> dict[str, int]:
    run_id = f"crawl-demo-{uuid.uuid4()}"
    con = warehouse.connect(db)
    try:
        with rich_progress(console) as progress:
            result = stages.ingest(
                con, load_sources(config), run_id, load_fetch_options(config), progress
            )
        for stage in (stages.segment, stages.learn, stages.extract, stages.cluster):
            stage(con, run_id)
        articles = warehouse.scalar(con, "SELECT count(*) FROM articles WHERE has_article")
    finally:
        con.close()
    counts = {k: v for k, v in result.counts.items() if k.startswith("fetch_")}
    counts["new_versions"] = result.counts["new_versions"]
    console.print(f"[bold]{label}[/bold]: {counts}; articles in the warehouse: {articles}")
    for failure in result.failures[:10]:
        console.print(f"  [yellow]{failure}[/yellow]")
    return result.counts


def main() -> int:
    port = int(os.environ.get("CRAWL_DEMO_PORT", "8765"))
    db = OUT / "warehouse.duckdb"
    try:
        server = DemoServer(port=port)
    except OSError as exc:
        console.print(f"[red]cannot serve on 127.0.0.1:{port} ({exc}); set CRAWL_DEMO_PORT[/red]")
        return 2
    with server:
        config = write_sources(server.url)
        console.print(f"serving data/demo at {server.url}; sources: {config}; warehouse: {db}")
        crawl_once(config, db, "first run")
        second = crawl_once(config, db, "second run")
    fresh = second.get("fetch_new", 0) + second.get("fetch_changed", 0)
    if fresh or second.get("new_versions", 0):
        console.print("[red]the second run fetched new content[/red]")
        return 1
    console.print("second run: nothing new (every page 304 or unchanged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
