"""Extraction throughput: Winnow's whole code path against trafilatura alone, same pages, same run.

    uv run python bench/speed.py [DATASET_DIR ...] [--limit N]

Single process, both warmed up first. Winnow's time covers everything ``winnow extract`` does
(read, decode, parse, segment, learn the per-site model, prune, extract body and metadata);
trafilatura's covers ``bare_extraction`` with metadata on the same bytes, already in memory.
The ratio (trafilatura time / Winnow time; above 1 means Winnow is faster) is what to compare
across machines. A shared machine drifts by tens of percent within minutes, so the two are
timed in alternating rounds (``--rounds``, the order flipped each round) and the best round
of each is kept.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import trafilatura

from bench.quality import load_dataset
from winnow.pipeline import extract_dataset

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("WINNOW_DATASETS", ROOT.parent / "shared" / "datasets"))
DEFAULT = ("scrapinghub-aeb", "cleanportaleval", "l3s-gn1", "dragnet-2012")


def measure(dataset: Path, limit: int | None, rounds: int = 2) -> dict[str, float]:
    data = load_dataset(dataset, limit)
    pages = [data.read_html(page) for page in data.pages]
    extract_dataset(dataset, 2)  # warm-up: imports, dateparser locales, the language model

    def time_trafilatura() -> float:
        start = time.perf_counter()
        for raw in pages:
            trafilatura.bare_extraction(raw, include_comments=False, with_metadata=True)
        return time.perf_counter() - start

    def time_winnow() -> float:
        start = time.perf_counter()
        extract_dataset(dataset, limit)
        return time.perf_counter() - start

    base = ours = float("inf")
    for number in range(rounds):
        first, second = (time_trafilatura, time_winnow)[:: 1 if number % 2 == 0 else -1]
        times = {first: first(), second: second()}
        base, ours = min(base, times[time_trafilatura]), min(ours, times[time_winnow])
    return {
        "pages": len(pages),
        "trafilatura_pps": len(pages) / base,
        "winnow_pps": len(pages) / ours,
        "ratio": base / ours,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=2, help="alternating timing rounds")
    args = parser.parse_args()
    dirs = [Path(d) for d in args.datasets] or [DATASETS / d for d in DEFAULT]
    print(f"{'dataset':24} {'pages':>6} {'trafilatura p/s':>16} {'winnow p/s':>11} {'ratio':>6}")
    for d in dirs:
        m = measure(d, args.limit, args.rounds)
        print(
            f"{d.name:24} {m['pages']:>6} {m['trafilatura_pps']:>16.1f} "
            f"{m['winnow_pps']:>11.1f} {m['ratio']:>6.2f}"
        )


if __name__ == "__main__":
    main()
