"""How much the cross-page model buys as a site gets more pages: body F1 against pages per site.

    uv run python bench/curve.py [DATASET_DIR ...] [--sizes 1,2,3,5,10,20] [--min-site 10]

Only sites with at least ``--min-site`` pages are used, so every point scores the same pages.
For a point k, each site's pages are cut into groups of k (in manifest order) and every group
is treated as its own site, so the model of a page has learnt from k pages; k = 1 is the
single-page result (no model). The curve is what a nightly crawl climbs as it accumulates a
site's pages.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from winnow.model import EMPTY_MODEL
from winnow.pipeline import article_record, extract_page, learn_models, load_page, segment_pages
from winnow.sources import iter_manifest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("WINNOW_DATASETS", ROOT.parent / "shared" / "datasets"))


def point(pages: list, k: int) -> list[dict]:
    """Predictions when every page's model learnt from groups of k pages of its site."""
    by_site: dict[str, list] = defaultdict(list)
    for page in pages:
        by_site[page.site].append(page)
    for site, members in by_site.items():
        for i, page in enumerate(members):
            page.site = f"{site}#{i // k}"
    _, models = learn_models(segment_pages(pages))
    records = []
    for page in pages:
        article = extract_page(page, models.get(page.site, EMPTY_MODEL))
        records.append(article_record(page.page_id, article))
    for page in pages:
        page.site = page.site.split("#")[0]
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*")
    parser.add_argument("--sizes", default="1,2,3,5,10,20")
    parser.add_argument("--min-site", type=int, default=10)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    dirs = [Path(d) for d in args.datasets] or [DATASETS / "dragnet-2012", DATASETS / "l3s-gn1"]
    print("| dataset | sites | pages | " + " | ".join(f"k={k}" for k in sizes) + " |")
    print("|---|---:|---:|" + "---:|" * len(sizes))
    for dataset in dirs:
        refs = list(iter_manifest(dataset / "manifest.jsonl", dataset.name))
        counts: dict[str, int] = defaultdict(int)
        for ref in refs:
            counts[ref.site] += 1
        keep = {s for s, n in counts.items() if s and n >= args.min_site}
        pages = [load_page(r) for r in refs if r.site in keep]
        cells = []
        for k in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                preds = Path(tmp) / "pred.jsonl"
                preds.write_text("".join(json.dumps(r) + "\n" for r in point(pages, k)))
                ids = {p.page_id for p in pages}
                result = _score_subset(dataset, preds, ids, Path(tmp))
            cells.append(f"{result:.3f}")
            print(f"  {dataset.name} k={k}: F1 {result:.4f}", file=sys.stderr)
        print(f"| {dataset.name} | {len(keep)} | {len(pages)} | " + " | ".join(cells) + " |")


def _score_subset(dataset: Path, preds: Path, ids: set[str], tmp: Path) -> float:
    """Body F1 over the pages in ``ids`` (the scorer reads a dataset folder: give it a subset)."""
    sub = tmp / dataset.name
    sub.mkdir()
    for name in ("manifest.jsonl", "gold.jsonl"):
        lines = (dataset / name).read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if json.loads(line)["page_id"] in ids]
        (sub / name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(DATASETS / "score.py"), str(sub), str(preds), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)["datasets"][dataset.name]["body"]["f1"]


if __name__ == "__main__":
    main()
