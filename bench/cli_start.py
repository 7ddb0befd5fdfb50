"""How long ``winnow query`` takes to start and answer, against the floor of any DuckDB reader.

Alternates, N times each: ``winnow query "select count(*) from pages"`` and a bare
``python -c "import duckdb; duckdb.connect(W, read_only=True)..."`` on the same warehouse, and
prints the median wall and CPU time (user + system) of each and their ratio. The machine may be
shared: read the CPU figures and the ratio. Optionally ``--before DIR`` times a checkout of an
older Winnow (its ``winnow.cli``) in the same rounds, on ``--before-warehouse`` (a file of its
own schema version, built from the same pages by its own ``winnow run``).

    uv run python bench/cli_start.py --warehouse data/warehouse.duckdb [--runs 10]
        [--before DIR --before-warehouse FILE]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL = "select count(*) from pages"


def _timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        cmd, cwd=cwd, env={**os.environ, "PYTHONPATH": str(cwd)}, capture_output=True, check=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", default=str(ROOT / "data" / "warehouse.duckdb"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--before", help="a checkout of an older Winnow to time as well")
    parser.add_argument("--before-warehouse", help="its warehouse (default: --warehouse)")
    args = parser.parse_args()
    floor = f"import duckdb; duckdb.connect({args.warehouse!r}, read_only=True).sql({SQL!r})"
    query = [sys.executable, "-m", "winnow.cli", "query", SQL, "--warehouse", args.warehouse]
    commands = {
        "winnow query": (query, ROOT),
        "duckdb floor": ([sys.executable, "-c", floor], ROOT),
    }
    if args.before:
        old = [*query[:-1], args.before_warehouse or args.warehouse]
        commands["winnow query (before)"] = (old, Path(args.before).resolve())
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, (cmd, cwd) in commands.items():
            times[name].append(_timed(cmd, cwd))
    medians = {}
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        medians[name] = cpu
        print(f"{name:24s} wall median {wall:.3f} s   cpu median {cpu:.3f} s   ({len(runs)} runs)")
    for name in medians:
        if name != "duckdb floor":
            print(f"{name}: {medians[name] / medians['duckdb floor']:.2f}x the floor's CPU")


if __name__ == "__main__":
    main()
