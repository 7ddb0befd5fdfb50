"""What one publish costs: a ~130 MB working file (random text), stages marked, published four
times; prints the seconds of each. ``--code DIR`` measures another checkout (e.g. main before a
change) with this environment, so two versions can be alternated in one session.

    uv run --locked python bench/publish_cost.py [--code DIR] [--rows N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ORDER = ("pages", "page_blocks", "boilerplate", "articles", "story_clusters")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--rows", type=int, default=2_500_000, help="rows of 96 random chars")
    args = parser.parse_args()
    sys.path.insert(0, args.code)
    from winnow import warehouse  # the checkout measured

    base = Path(tempfile.mkdtemp(prefix="publish-cost-"))
    try:
        store = warehouse.Warehouse(base / "w.duckdb")
        with store.writer() as con:
            con.execute(
                "CREATE TABLE filler AS SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) "
                f"|| md5((i * 13)::VARCHAR) AS t FROM range({args.rows}) r(i)"
            )
        times = []
        for run in range(4):
            with store.writer() as con:
                for stage in ORDER:
                    warehouse.mark_stage(con, stage, f"r{run}")
            start = time.perf_counter()
            done = store.publish(f"r{run}", ORDER)
            times.append(time.perf_counter() - start)
        seconds = " ".join(f"{t:.2f}" for t in times)
        print(f"{args.code}: {done.bytes / 1e6:.0f} MB, publish seconds: {seconds}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
