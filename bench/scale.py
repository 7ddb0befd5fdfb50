"""Scale benchmark: memory and cost per page at 2k/10k/20k pages, a nightly 1 % update, and
the speed-up of two dask workers over one. Measures and prints; writes its two sections of
docs/BENCHMARKS.md with ``--write-docs`` (``bench.docs.replace_section``: others' sections stay).

    uv run python bench/scale.py --skip-dask --write-docs   # make bench-scale (~20 min)
    uv run python bench/scale.py --dask-only --write-docs   # make bench-dask (~5 min)

Each backfill runs in a fresh process (``python -m orchestration.backfill``) over a synthetic
Common Crawl-like corpus (``bench/warc_corpus.py``: demo and shared dataset pages, hundreds of
sites mixed, files of 1,000 pages); the peak RSS is that process's own (``wait4``), CPU is its
user+system time. The in-process executor is used for memory and per-page cost, so the figure
holds every stage in one process (the worst case); the dask comparison runs the same backfill
on a LocalCluster of one worker pinned to one core, then two single-threaded worker processes
on 127.0.0.1 (both cores), and compares the runs' rates.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.docs import replace_section  # noqa: E402
from bench.warc_corpus import write_changes, write_corpus  # noqa: E402

PER_FILE = 1000
DOCS = ROOT / "docs" / "BENCHMARKS.md"
SECTION = "## Scale: WARC backfill memory, per-page cost, nightly cost (bench/scale.py)"
DASK_SECTION = "## Scale: two dask workers against one (bench/scale.py --dask-only)"


def _env(work: Path) -> dict[str, str]:
    return {
        "WINNOW_SOURCES": str(work / "sources.yaml"),
        "WINNOW_WAREHOUSE": str(work / "warehouse.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }


def _run(work: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """One backfill in a fresh process: wall and CPU seconds, peak RSS, step timings."""
    command = [sys.executable, "-m", "orchestration.backfill", "--json", *args]
    full_env = os.environ | _env(work) | (env or {})
    (work / "dagster_home").mkdir(exist_ok=True)
    load_before = os.getloadavg()[0]
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
        "spans": timings.get("spans", {}),
        "rss_by_op": timings.get("rss", {}),
        "load_before": round(load_before, 2),
        "run_seconds": timings["seconds"],
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
        print(json.dumps(full["steps"]), flush=True)
        if nightly:
            write_changes(work / "crawl", pages, 0.01)
            night = _run(work, "--in-process", "--new")
            full["night"] = night
            print(
                f"        nightly 1 %: {night['wall']:.0f} s wall, {night['cpu']:.0f} s CPU, "
                f"{night['rss_mb']:.0f} MB",
                flush=True,
            )
            print(json.dumps(night["steps"]), flush=True)
        return full
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _warm_worker(workers: int) -> None:
    """In a dask worker: import what the steps import and run the engine once (a running
    cluster is warm: models loaded), and with
    one worker, pin every thread of the process to one core, so the baseline is one core's
    rate (DuckDB and polars would otherwise use both cores of the machine in a 1-worker run)."""
    import orchestration.definitions  # noqa: F401
    from winnow.pipeline import extract_dataset

    extract_dataset(ROOT / "data" / "demo", limit=20)  # parser, classifier, language model loaded
    if workers == 1:
        for tid in os.listdir("/proc/self/task"):
            os.sched_setaffinity(int(tid), {0})


def dask_run(pages: int, workers: int) -> dict:
    """The backfill of ``pages`` pages on a LocalCluster of ``workers`` worker processes."""
    from distributed import Client, LocalCluster

    work = Path(tempfile.mkdtemp(prefix=f"dask-{workers}-"))
    try:
        write_corpus(work / "crawl", pages, pages // 8)
        (work / "sources.yaml").write_text(
            "sources:\n  - name: cc\n    kind: warc\n    path: crawl\n"
        )
        # The workers run the steps: they read the same sources and warehouse settings.
        os.environ.update(_env(work))
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(_warm_worker, workers)
            result = _run(work, "--dask", cluster.scheduler_address)
        result["pages"] = _pages(work)
        print(
            f"dask {workers} worker(s): {pages} pages, run {result['run_seconds']:.0f} s "
            f"({result['pages'] / result['run_seconds']:.2f} pages/s), step spans "
            f"{json.dumps(result['spans'])}",
            flush=True,
        )
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _stage_rates(run: dict) -> list[str]:
    pages, rss = run["pages"], run.get("rss_by_op", {})
    lines = [
        "| stage (op) | seconds | pages/s | peak RSS MB while it ran |",
        "|---|---:|---:|---:|",
    ]
    for op, seconds in sorted(run["steps"].items(), key=lambda kv: -kv[1]):
        rate = f"{pages / seconds:,.0f}" if seconds > 0 else "-"
        lines.append(f"| `{op}` | {seconds:.1f} | {rate} | {rss.get(op, '-')} |")
    return lines


def _night_table(night: dict) -> list[str]:
    lines = ["| stage (op) | seconds |", "|---|---:|"]
    for op, seconds in sorted(night["steps"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| `{op}` | {seconds:.1f} |")
    return lines


PARALLEL_OPS = ("warc_pages.read_warc_file", "articles.extract_article_slice")


def _dask_lines(one: dict, two: dict) -> list[str]:
    """Whole-run and parallel-stage rates of one worker against two, same corpus, same run."""
    speedup = (two["pages"] / two["run_seconds"]) / (one["pages"] / one["run_seconds"])
    lines = [
        "",
        f"Distributed (`warc_backfill_dask` on a `dask.distributed` LocalCluster on 127.0.0.1, "
        "single-threaded worker processes, warmed up (imports, one engine pass), 1-worker run "
        "pinned "
        f"to one core; {one['pages']:,} pages in 8 files; the run's own time, without the "
        f"client's start-up): whole backfill 1 worker "
        f"{one['pages'] / one['run_seconds']:.2f} pages/s ({one['run_seconds']:.0f} s), "
        f"2 workers {two['pages'] / two['run_seconds']:.2f} pages/s "
        f"({two['run_seconds']:.0f} s): **{speedup:.2f}x** (load average of the machine before "
        f"the runs: {one['load_before']}, {two['load_before']}).",
        "",
        "| stage | 1 worker: wall span s | 2 workers: wall span s | speed-up |",
        "|---|---:|---:|---:|",
    ]
    for op in PARALLEL_OPS:
        a, b = one["spans"].get(op), two["spans"].get(op)
        if a and b:
            lines.append(f"| `{op}` (parallel steps) | {a:.1f} | {b:.1f} | {a / b:.2f}x |")
    serial = [op for op in one["steps"] if op not in PARALLEL_OPS]
    a = sum(one["steps"][op] for op in serial)
    b = sum(two["steps"].get(op, 0.0) for op in serial)
    lines.append(f"| single-writer and whole-corpus steps (sum) | {a:.1f} | {b:.1f} | - |")
    return lines


def dask_report(dask: dict[int, dict]) -> str:
    """The distributed section, from what was measured in this run."""
    lines = [
        DASK_SECTION,
        "",
        f"`make bench-dask` ({platform.machine()}, {os.cpu_count()} cores shared with other "
        f"work, {time.strftime('%Y-%m-%d')}).",
        *_dask_lines(dask[1], dask[2]),
    ]
    return "\n".join(lines) + "\n"


def report(sizes: dict[int, dict], engine: str) -> str:
    """The sizes section, from what was measured in this run."""
    lines = [
        SECTION,
        "",
        f"`make bench-scale` ({platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work, {time.strftime('%Y-%m-%d')}; "
        f"extraction engine: {engine}). Synthetic WARC corpus (`bench/warc_corpus.py`): "
        "the demo and shared-dataset pages, copied onto new sites with their long texts "
        "rewritten, shuffled into files of 1,000 pages; in-process executor, one fresh process "
        "per run, peak RSS from `wait4`. Per-page CPU includes each run's fixed start-up "
        "(imports, Dagster instance, ~8 s), which weighs most at 2,000 pages.",
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
            f"Nightly run at {n:,} pages, 1 % of pages changed (one new WARC file holding a new "
            "version of 1 % of the pages, their article text edited and their template "
            "untouched, `bench/warc_corpus.py --changed`; `--new`): "
            f"{night['wall']:.0f} s wall, {night['cpu']:.0f} s CPU = "
            f"{100 * night['cpu'] / run['cpu']:.1f} % of the full run's CPU "
            f"({100 * night['wall'] / run['wall']:.1f} % of its wall time), "
            f"peak RSS {night['rss_mb']:.0f} MB. Its stage times:",
            "",
            *_night_table(night),
        ]
    if sizes:
        largest = sizes[max(sizes)]
        lines += [
            "",
            f"Stage wall times of the {max(sizes):,}-page run (one process, one step at a time; "
            "RSS sampled every 0.25 s by `orchestration/backfill.py --json`):",
            "",
        ]
        lines += _stage_rates(largest)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,10000,20000")
    parser.add_argument("--nightly-at", type=int, default=20000)
    parser.add_argument("--dask-pages", type=int, default=2400)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--dask-only", action="store_true", help="only the dask comparison")
    parser.add_argument("--engine", default="lexbor parse + block classifier (main)")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--results", type=Path, help="save (or with --report-only, read) JSON")
    parser.add_argument("--report-only", action="store_true", help="report saved results")
    args = parser.parse_args()
    if args.report_only:
        saved = json.loads(args.results.read_text())
        sizes = {int(k): v for k, v in saved["sizes"].items()}
        dask = {int(k): v for k, v in saved["dask"].items()}
    else:
        sizes = {}
        for n in (int(s) for s in args.sizes.split(",") if s and not args.dask_only):
            sizes[n] = size_run(n, nightly=n == args.nightly_at)
        dask = {} if args.skip_dask else {w: dask_run(args.dask_pages, w) for w in (1, 2)}
        if args.results:
            args.results.write_text(json.dumps({"sizes": sizes, "dask": dask}, indent=1))
    if sizes:
        section = report(sizes, args.engine)
        print(section)
        if args.write_docs:
            replace_section(SECTION, section)
    if len(dask) == 2:
        section = dask_report(dask)
        print(section)
        if args.write_docs:
            replace_section(DASK_SECTION, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
