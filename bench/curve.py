"""How much the cross-page model buys as a site gets more pages: body F1 against pages per site.

    uv run python bench/curve.py [--sizes 1,3,10,30,100] [--baselines DIR] [--write docs/CURVE.md]

Two page sets: Dragnet's sites with at least ``--min-site`` pages, and a many-pages set
assembled from every labelled shared dataset by site (a site's pages pooled across datasets).
For a point k, each site's pages are cut into groups of k (in manifest order) and every group is
treated as its own site, so the site model of a page has learnt from k pages; k = 1 is the
single-page result (no site model). The classifier is trained by ``bench/train.py`` on every
labelled page *except those of the curve's sites*, so the curve measures templates the model has
never seen, not its memory of them. ``--baselines`` points at ``bench/quality.py --preds-dir``
output: the single-page extractors are scored on the same pages, and the table shows the edge.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import train  # noqa: E402

BASELINES = ("trafilatura", "trafilatura_comments", "readability", "resiliparse")


def curve_sites(corpora: list[train.Corpus], min_site: int) -> dict[str, set[str]]:
    """The sites of each curve set: Dragnet's, and those pooled over every dataset."""
    counts: dict[str, dict[str, int]] = {"dragnet-2012": defaultdict(int), "pooled": {}}
    pooled: dict[str, int] = defaultdict(int)
    for c in corpora:
        for site in page_sites(c):
            if site and "." in site:  # a real domain, not a page id standing in for one
                pooled[site] += 1
                if c.name == "dragnet-2012":
                    counts["dragnet-2012"][site] += 1
    return {
        "dragnet-2012": {s for s, n in counts["dragnet-2012"].items() if n >= min_site},
        "pooled": {s for s, n in pooled.items() if n >= 2 * min_site},
    }


def page_sites(c: train.Corpus) -> list[str]:
    """The site of every page, in page order (a page with no block is its own site)."""
    first = c.blocks.unique("page_id", keep="first", maintain_order=True)
    site = dict(zip(first["page_id"], first["site"], strict=True))
    return [site.get(page, page) for page in train.page_ids(c)]


def in_sites(c: train.Corpus, sites: set[str]) -> np.ndarray:
    return np.array([s in sites for s in page_sites(c)])


def grouped(c: train.Corpus, sites: set[str], k: int) -> train.Corpus:
    """The corpus' pages of ``sites``, each site's pages in groups of k as separate sites."""
    seen: dict[str, int] = defaultdict(int)
    group = {}
    for page, site in zip(train.page_ids(c), page_sites(c), strict=True):
        group[page] = f"{site}#{seen[site] // k}"
        seen[site] += 1
    keep = in_sites(c, sites)
    column = c.blocks["page_id"].replace_strict(group, return_dtype=pl.String)
    return train.subset(c, keep, column)


def score_pooled(parts: list[tuple[train.Corpus, dict[str, str]]]) -> float:
    """Body F1 (macro over every page of every part) with the shared scorer."""
    sys.path.insert(0, str(train.DATASETS_DIR))
    import score

    gold, preds = [], {}
    for c, bodies in parts:
        for g in c.gold:
            key = f"{c.name}/{g['page_id']}"
            gold.append({**g, "page_id": key})
            preds[key] = {"body": bodies.get(g["page_id"], "")}
    return score.score_dataset("curve", gold, preds)["body"]["f1"]


def baseline_bodies(folder: Path, dataset: str, system: str) -> dict[str, str] | None:
    path = folder / f"{dataset}.{system}.jsonl"
    if not path.is_file():
        return None
    rows = (json.loads(line) for line in path.open(encoding="utf-8"))
    return {r["page_id"]: r.get("body") or "" for r in rows}


def run(args: argparse.Namespace) -> list[str]:
    corpora = [train.load_corpus(name) for name in train.TRAIN_SETS]
    sets = curve_sites(corpora, args.min_site)
    excluded = set().union(*sets.values())
    keep = [(c, ~in_sites(c, excluded)) for c in corpora]
    model = train.fit([train.subset(c, k) for c, k in keep if k.any()])
    print(f"held-out model trained without {len(excluded)} curve sites", file=sys.stderr)
    sizes = [int(s) for s in args.sizes.split(",")]
    header = "| set | sites | pages/site | " + " | ".join(f"k={k}" for k in sizes)
    lines = [header + " | best single-page | edge at k=1 | edge at largest k |",
             "|---|---:|---:|" + "---:|" * (len(sizes) + 3)]  # fmt: skip
    for name, sites in sets.items():
        members = [c for c in corpora if name == "pooled" or c.name == name]
        members = [c for c in members if any(s in sites for s in page_sites(c))]
        f1 = {}
        for k in sizes:
            groups = [grouped(c, sites, k) for c in members]
            f1[k] = score_pooled([(g, train.predict_bodies(model, g)) for g in groups])
            print(f"  {name} k={k}: F1 {f1[k]:.4f}", file=sys.stderr)
        best = best_baseline(members, sites, Path(args.baselines)) if args.baselines else None
        pages = sum(s in sites for c in members for s in page_sites(c))
        cells = " | ".join(f"{f1[k]:.3f}" for k in sizes)
        edge = "– | – | –"
        if best:
            first, last = f1[sizes[0]] - best[1], f1[sizes[-1]] - best[1]
            edge = f"{best[1]:.3f} ({best[0]}) | {first:+.3f} | {last:+.3f}"
        per_site = pages / max(len(sites), 1)
        lines.append(f"| {name} | {len(sites)} | {per_site:.1f} | {cells} | {edge} |")
    return lines


def best_baseline(
    members: list[train.Corpus], sites: set[str], folder: Path
) -> tuple[str, float] | None:
    """The best single-page extractor's F1 on the same pages (from its prediction files)."""
    found = []
    for system in BASELINES:
        parts = []
        for c in members:
            bodies = baseline_bodies(folder, c.name, system)
            if bodies is None:
                break
            parts.append((train.subset(c, in_sites(c, sites)), bodies))
        else:
            found.append((system, score_pooled(parts)))
    return max(found, key=lambda x: x[1]) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,3,10,30,100")
    parser.add_argument("--min-site", type=int, default=10)
    parser.add_argument("--baselines", help="bench/quality.py --preds-dir folder")
    parser.add_argument("--write", metavar="PATH", help="also write the table as markdown")
    args = parser.parse_args()
    lines = run(args)
    print("\n".join(lines))
    if args.write:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        Path(args.write).write_text(
            "# Body F1 against pages per site\n\n"
            f"Generated by `bench/curve.py --write {args.write}` on {stamp}. "
            + __doc__.split("\n\n", 2)[2].replace("\n", " ").strip()
            + "\n\n" + "\n".join(lines) + "\n",
            encoding="utf-8",
        )  # fmt: skip


if __name__ == "__main__":
    main()
