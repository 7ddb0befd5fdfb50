"""``winnow extract``: the assets' code path (``winnow.pipeline.extract_dataset``) over a
dataset folder, written as JSON lines."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from winnow.cli.common import CommandError, say, settings


def cmd_extract(args: argparse.Namespace) -> int:
    from winnow.pipeline import extract_dataset

    settings(args)  # prints the page limits it applies (extract_dataset reads the same)
    dataset = Path(args.dataset_dir)
    if not (dataset / "manifest.jsonl").is_file():
        raise CommandError(f"{dataset}: no manifest.jsonl in this folder")
    start = time.perf_counter()
    records = extract_dataset(dataset, limit=args.limit)
    elapsed = time.perf_counter() - start
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    empty = sum(not r["body"] for r in records)
    say(
        f"{len(records)} pages -> {out} in {elapsed:.1f}s "
        f"({len(records) / max(elapsed, 1e-9):.1f} pages/s; {empty} with an empty body)"
    )
    return 0
