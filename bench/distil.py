"""Training signal without new labels: where the single-page extractors agree on a block.

trafilatura (without comments), readability and resiliparse each extract every page of an
unlabelled set; a block is aligned with each output as with a gold body (``train.align``). When
all three keep at least half of its words it is a confident article block; when none does, a
confident boilerplate block; where they disagree it gets no label, and the gold sets and the site
model decide those. Measured against the gold on scrapinghub-aeb, cleanportaleval and
readability-testpages, the agreed labels cover 86-89 % of the block weight and are right 97.5-99.9 %
of the time (any single teacher alone: 89-97 %).

Unlabelled sources: the pages of trafilatura-eval (no full-text gold) and the HTML responses of
the shared Common Crawl WARC samples. Teacher outputs are cached per page (``--teachers``), so a
second ``make train`` does not run the teachers again; they are deterministic.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from winnow.extract.features import Batch

TEACHERS = ("trafilatura", "readability", "resiliparse")
AGREE_SHARE = 0.5  # a teacher keeps a block when it holds this share of the block's words
_WORD = re.compile(r"\w+")


def teacher_bodies(html: bytes) -> dict[str, str | None]:
    """Each teacher's body for one page (None where it failed)."""
    from bench.quality import readability_page, resiliparse_page, trafilatura_page

    out: dict[str, str | None] = {}
    for name, extract in zip(
        TEACHERS, (trafilatura_page, readability_page, resiliparse_page), strict=True
    ):
        try:
            out[name] = extract(html).get("body") or ""
        except Exception:  # noqa: BLE001 - a teacher that fails has no vote on the page
            out[name] = None
    return out


def teacher_outputs(folder: Path, cache: Path) -> dict[str, dict[str, str | None]]:
    """Teacher bodies of every page of a dataset folder, computed once into ``cache``."""
    from winnow.fetch.local import read_local

    path = cache / f"{folder.name}.jsonl"
    found: dict[str, dict[str, str | None]] = {}
    if path.is_file():
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            found[row.pop("page_id")] = row
    cache.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for line in (folder / "manifest.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            if row["page_id"] not in found:
                found[row["page_id"]] = teacher_bodies(read_local(folder / row["file"]))
                out.write(json.dumps({"page_id": row["page_id"], **found[row["page_id"]]}) + "\n")
    return found


def warc_dataset(warc_dir: Path, out: Path) -> Path:
    """The HTML responses of the WARC files in ``warc_dir`` as a dataset folder (no gold)."""
    from winnow.fetch.warc import scan

    (out / "html").mkdir(parents=True, exist_ok=True)
    rows = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        for record in scan(path):
            if getattr(record, "record_type", "") != "response" or not record.url:
                continue
            if record.content_type != "text/html":
                continue
            page_id = "warc-" + hashlib.sha1(record.url.encode()).hexdigest()[:12]
            (out / "html" / f"{page_id}.html.gz").write_bytes(
                gzip.compress(record.payload, mtime=0)
            )
            host = urlsplit(record.url).hostname or page_id
            site = ".".join(host.split(".")[-2:])
            rows.append({"page_id": page_id, "file": f"html/{page_id}.html.gz", "site": site})
    lines = "".join(json.dumps(r) + "\n" for r in rows)
    (out / "manifest.jsonl").write_text(lines, encoding="utf-8")
    gold = "".join(json.dumps({"page_id": r["page_id"], "body": None}) + "\n" for r in rows)
    (out / "gold.jsonl").write_text(gold, encoding="utf-8")
    return out


def agreed_labels(b: Batch, page_ids: list[str], outputs: dict, cache: Path) -> np.ndarray:
    """1 where every teacher keeps the block, 0 where none does, NaN otherwise or unknown
    (``page_ids``: the page id of every block)."""
    shares = teacher_shares(b, page_ids, outputs, cache)
    label = np.full(len(shares), np.nan)
    known = ~np.isnan(shares).any(axis=1)
    keep = shares >= AGREE_SHARE
    label[known & keep.all(axis=1)] = 1.0
    label[known & (~keep).all(axis=1)] = 0.0
    return label


def teacher_shares(b: Batch, page_ids: list[str], outputs: dict, cache: Path) -> np.ndarray:
    """(blocks, teachers): share of each block's words in each teacher's body (NaN: no body).
    Aligning is slow (difflib): kept in ``cache`` under a digest of the block texts."""
    from bench.train import align

    texts = b.text
    digest = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache / f"shares-{digest}.npy"
    if path.is_file():
        return np.load(path)
    shares = np.full((len(texts), len(TEACHERS)), np.nan)
    for lo, hi in zip(b.page_first.tolist(), b.page_end.tolist(), strict=True):
        if lo == hi:
            continue
        row = outputs.get(page_ids[lo])
        if row is None:
            continue
        for j, name in enumerate(TEACHERS):
            if row.get(name):
                shares[lo:hi, j] = align(texts[lo:hi], row[name])[0]
    np.save(path, shares)
    return shares
