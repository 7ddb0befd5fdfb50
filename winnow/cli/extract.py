"""``winnow extract``: the assets' code path (``winnow.pipeline.extract_dataset``) over a
dataset folder, written as JSON lines."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from winnow.cli.common import CommandError, say, settings


def cmd_extract(args: argparse.Namespace) -> int:
    from winnow.pipeline import iter_records

    settings(args)  # prints the page limits it applies (extract_dataset reads the same)
    dataset = Path(args.dataset_dir)
    if not (dataset / "manifest.jsonl").is_file():
        raise CommandError(f"{dataset}: no manifest.jsonl in this folder")
    start = time.perf_counter()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    pages = empty = 0
    # Lines are written as each chunk of sites is decided (memory holds one chunk), into a
    # partial file renamed into place at the end: a failed run never leaves half an output.
    with partial.open("w", encoding="utf-8") as handle:
        for record in iter_records(dataset, limit=args.limit):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            pages += 1
            empty += not record["body"]
    partial.replace(out)
    elapsed = time.perf_counter() - start
    say(
        f"{pages} pages -> {out} in {elapsed:.1f}s "
        f"({pages / max(elapsed, 1e-9):.1f} pages/s; {empty} with an empty body)"
    )
    return 0
