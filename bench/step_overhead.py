"""What one step of a multiprocess backfill costs before it does any work.

    uv run python bench/step_overhead.py --pages 18 --files 3

Writes ``--files`` small WARC files (``--pages`` pages in all), then in fresh processes:
``make backfill``'s command (``python -m orchestration.backfill --json``, multiprocess executor)
and the same backfill ``--in-process`` (the reference: every step in one process, no start-up),
each on a temporary DAGSTER_HOME and warehouse; and the import of the code location a step
worker pays (``import orchestration.definitions``) against ``import dagster`` and an empty
interpreter. Prints one JSON object: whole-run seconds of both, each op's step start-up
(executor launching the worker to STEP_START) and the import times (wall and CPU, median).
Measures and prints; run it under ``nice`` on a shared machine and compare within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.warc_corpus import base_pages, write_corpus  # noqa: E402

IMPORTS = {
    "python": "pass",
    "dagster": "import dagster",
    "code location": "import orchestration.definitions",
}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_seconds(code: str, repeat: int) -> dict[str, float]:
    """Median wall and CPU seconds of a fresh interpreter running ``code``."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu, start = _child_cpu(), time.monotonic()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
        walls.append(time.monotonic() - start)
        cpus.append(_child_cpu() - cpu)
    return {"wall": round(statistics.median(walls), 2), "cpu": round(statistics.median(cpus), 2)}


def run_backfill(folder: Path, extra: list[str]) -> dict:
    """``orchestration.backfill --json`` in a fresh process on its own instance and warehouse."""
    home = Path(tempfile.mkdtemp(dir=folder))
    (home / "dagster.yaml").write_text((ROOT / "orchestration" / "dagster.yaml").read_text())
    env = dict(
        os.environ,
        DAGSTER_HOME=str(home),
        WINNOW_SOURCES=str(folder / "sources.yaml"),
        WINNOW_WAREHOUSE=str(home / "warehouse.duckdb"),
    )
    env.pop("WINNOW_WORK_DIR", None)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.backfill", "--json", *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"backfill {extra} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    lines = (done.stdout + done.stderr).splitlines()
    return {
        "command_seconds": round(time.monotonic() - start, 1),
        "run_seconds": round(report["seconds"], 1),
        "spans": report["spans"],
        "startup": report.get("startup", {}),
        "printed_lines": len(lines),
        "debug_lines": sum(" - DEBUG - " in line for line in lines),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=18)
    parser.add_argument("--files", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="import timings per interpreter")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        per_file = -(-args.pages // args.files)
        base = base_pages([ROOT / "data" / "demo"])
        write_corpus(folder / "crawl", args.pages, per_file=per_file, base=base)
        (folder / "sources.yaml").write_text(
            "sources:\n  - name: cc\n    kind: warc\n    path: crawl\n"
        )
        load = os.getloadavg()[0]
        imports = {name: import_seconds(code, args.repeat) for name, code in IMPORTS.items()}
        multiprocess = run_backfill(folder, [])
        in_process = run_backfill(folder, ["--in-process"])
    steps = [s for values in multiprocess["startup"].values() for s in values]
    print(
        json.dumps(
            {
                "pages": args.pages,
                "files": args.files,
                "load_average_before": round(load, 2),
                "imports": imports,
                "multiprocess": multiprocess,
                "in_process": in_process,
                "steps": len(steps),
                "startup_median": round(statistics.median(steps), 2) if steps else None,
                "startup_sum": round(sum(steps), 1),
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
