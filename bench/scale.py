"""Scale benchmark: memory and cost per page at 2k/10k/20k pages, a nightly 1 % update, and
the speed-up of two dask workers over one. Measures and prints; writes docs/BENCHMARKS.md's
"Scale" section with ``--write-docs``.

    uv run python bench/scale.py                      # everything (about an hour on 2 cores)
    uv run python bench/scale.py --sizes 2000 --skip-dask

Each backfill runs in a fresh process (``python -m orchestration.backfill``) over a synthetic
Common Crawl-like corpus (``bench/warc_corpus.py``: demo and shared dataset pages, hundreds of
sites mixed, files of 1,000 pages); the peak RSS is that process's own (``wait4``), CPU is its
user+system time. The in-process executor is used for memory and per-page cost, so the figure
holds every stage in one process (the worst case); the dask comparison runs the same backfill
on a LocalCluster of one, then two single-threaded worker processes on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.warc_corpus import write_changes, write_corpus  # noqa: E402

PER_FILE = 1000
DOCS = ROOT / "docs" / "BENCHMARKS.md"
SECTION = "## Scale: WARC backfill, memory, nightly cost, distributed speed-up"


def _run(work: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """One backfill in a fresh process: wall and CPU seconds, peak RSS, step timings."""
    command = [sys.executable, "-m", "orchestration.backfill", "--json", *args]
    full_env = (
        os.environ
        | {
            "WINNOW_SOURCES": str(work / "sources.yaml"),
            "WINNOW_WAREHOUSE": str(work / "warehouse.duckdb"),
            "DAGSTER_HOME": str(work / "dagster_home"),
        }
        | (env or {})
    )
    (work / "dagster_home").mkdir(exist_ok=True)
    start = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        raise SystemExit(f"backfill failed ({status}):\n{output[-3000:]}")
    timings = json.loads(output.strip().splitlines()[-1])
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "steps": timings["steps"],
    }


def _corpus(work: Path, pages: int) -> None:
    write_corpus(work / "crawl", pages, PER_FILE)
    (work / "sources.yaml").write_text("sources:\n  - name: cc\n    kind: warc\n    path: crawl\n")


def _pages(work: Path) -> int:
    import duckdb

    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM pages WHERE status = 'ok'").fetchall()[0][0]
    finally:
        con.close()


def size_run(pages: int, nightly: bool) -> dict:
    """Full in-process backfill of ``pages`` pages, then (optionally) a night of 1 % changes."""
    work = Path(tempfile.mkdtemp(prefix=f"scale-{pages}-"))
    try:
        _corpus(work, pages)
        full = _run(work, "--in-process")
        full["pages"] = _pages(work)
        print(
            f"{pages:>6} pages: {full['wall']:.0f} s wall, {full['cpu']:.0f} s CPU, "
            f"{full['rss_mb']:.0f} MB peak RSS",
            flush=True,
        )
        if nightly:
            write_changes(work / "crawl", pages, 0.01)
            night = _run(work, "--in-process", "--new")
            full["night"] = night
            print(
                f"        nightly 1 %: {night['wall']:.0f} s wall, {night['cpu']:.0f} s CPU, "
                f"{night['rss_mb']:.0f} MB",
                flush=True,
            )
        return full
    finally:
        shutil.rmtree(work, ignore_errors=True)


def dask_run(pages: int, workers: int) -> dict:
    """The backfill of ``pages`` pages on a LocalCluster of ``workers`` worker processes."""
    from distributed import LocalCluster

    work = Path(tempfile.mkdtemp(prefix=f"dask-{workers}-"))
    try:
        write_corpus(work / "crawl", pages, pages // 8)
        (work / "sources.yaml").write_text(
            "sources:\n  - name: cc\n    kind: warc\n    path: crawl\n"
        )
        with LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            result = _run(work, "--dask", cluster.scheduler_address)
        result["pages"] = _pages(work)
        print(
            f"dask {workers} worker(s): {pages} pages in {result['wall']:.0f} s "
            f"({result['pages'] / result['wall']:.2f} pages/s)",
            flush=True,
        )
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _stage_rates(run: dict) -> list[str]:
    pages = run["pages"]
    lines = ["| stage (op) | seconds | pages/s on one core |", "|---|---:|---:|"]
    for op, seconds in sorted(run["steps"].items(), key=lambda kv: -kv[1]):
        rate = f"{pages / seconds:,.0f}" if seconds > 0 else "-"
        lines.append(f"| `{op}` | {seconds:.1f} | {rate} |")
    return lines


def report(sizes: dict[int, dict], dask: dict[int, dict], engine: str) -> str:
    """The BENCHMARKS.md section, from what was measured in this run."""
    lines = [
        SECTION,
        "",
        f"`uv run python bench/scale.py --write-docs` ({platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work, {time.strftime('%Y-%m-%d')}; "
        f"extraction engine: {engine}). Synthetic WARC corpus (`bench/warc_corpus.py`): "
        "the demo and shared-dataset pages, copied onto new sites with their long texts "
        "rewritten, shuffled into files of 1,000 pages; in-process executor, one fresh process "
        "per run, peak RSS from `wait4`.",
        "",
        "| pages | files | wall s | CPU s | CPU ms/page | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n, run in sorted(sizes.items()):
        lines.append(
            f"| {run['pages']:,} | {-(-n // PER_FILE)} | {run['wall']:.0f} | {run['cpu']:.0f} "
            f"| {1000 * run['cpu'] / run['pages']:.1f} | {run['rss_mb']:.0f} |"
        )
    if len(sizes) > 1:
        small, large = sizes[min(sizes)], sizes[max(sizes)]
        ratio = (large["cpu"] / large["pages"]) / (small["cpu"] / small["pages"])
        lines += ["", f"Per-page CPU at {max(sizes):,} vs {min(sizes):,} pages: {ratio:.2f}x."]
    nights = [(n, r) for n, r in sorted(sizes.items()) if "night" in r]
    for n, run in nights:
        night = run["night"]
        lines += [
            "",
            f"Nightly run at {n:,} pages, 1 % of pages changed (one new WARC file of new "
            f"versions, `--new`): {night['wall']:.0f} s wall, {night['cpu']:.0f} s CPU = "
            f"{100 * night['cpu'] / run['cpu']:.1f} % of the full run's CPU "
            f"({100 * night['wall'] / run['wall']:.1f} % of its wall time), "
            f"peak RSS {night['rss_mb']:.0f} MB.",
        ]
    if sizes:
        largest = sizes[max(sizes)]
        lines += ["", f"Stage times of the {max(sizes):,}-page run (one process):", ""]
        lines += _stage_rates(largest)
    if len(dask) == 2:
        one, two = dask[1], dask[2]
        speedup = (two["pages"] / two["wall"]) / (one["pages"] / one["wall"])
        lines += [
            "",
            f"Distributed (dagster-dask, LocalCluster on 127.0.0.1, single-threaded worker "
            f"processes, {one['pages']:,} pages in 8 files): 1 worker "
            f"{one['pages'] / one['wall']:.2f} pages/s ({one['wall']:.0f} s), 2 workers "
            f"{two['pages'] / two['wall']:.2f} pages/s ({two['wall']:.0f} s): "
            f"**{speedup:.2f}x**.",
        ]
    return "\n".join(lines) + "\n"


def write_docs(section: str) -> None:
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\Z)", re.S)
    text = (
        pattern.sub(section.rstrip("\n"), text)
        if SECTION in text
        else (text.rstrip("\n") + "\n\n" + section)
    )
    DOCS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,10000,20000")
    parser.add_argument("--nightly-at", type=int, default=20000)
    parser.add_argument("--dask-pages", type=int, default=2400)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--engine", default="main's engine (trafilatura + lxml segmenter)")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    sizes = {}
    for n in (int(s) for s in args.sizes.split(",") if s):
        sizes[n] = size_run(n, nightly=n == args.nightly_at)
    dask = {} if args.skip_dask else {w: dask_run(args.dask_pages, w) for w in (1, 2)}
    section = report(sizes, dask, args.engine)
    print(section)
    if args.write_docs:
        write_docs(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
