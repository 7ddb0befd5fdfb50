"""Grouping syndicated copies of one story (the same wire text on several sites).

Bodies are shingled into word 5-grams and sketched with MinHash (datasketch); an LSH index
proposes candidate pairs above ``threshold`` estimated Jaccard, and connected pairs form a
cluster. The cluster id is its smallest page_id, so ids are stable across runs.
"""

from __future__ import annotations

import polars as pl
from datasketch import MinHash, MinHashLSH

from winnow.parse.fingerprint import word_count, words

NUM_PERM = 128
SHINGLE = 5


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    """Lower-cased word n-grams of a body (a short body is one shingle)."""
    tokens = words(text.lower())
    if len(tokens) <= size:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + size]).encode() for i in range(len(tokens) - size + 1)}


def sketch(text: str) -> MinHash:
    mh = MinHash(num_perm=NUM_PERM, seed=7)
    mh.update_batch(list(shingles(text)))
    return mh


def cluster_stories(
    articles: pl.DataFrame, threshold: float = 0.6, min_words: int = 50
) -> pl.DataFrame:
    """One row per article that shares its story with another: page_id, cluster_id, site, size.

    ``articles`` has columns page_id, site, body. Bodies shorter than ``min_words`` words are
    skipped: short texts collide by chance.
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    sketches: dict[str, MinHash] = {}
    sites: dict[str, str | None] = {}
    for page_id, site, body in articles.select("page_id", "site", "body").iter_rows():
        if word_count(body or "") < min_words:
            continue
        mh = sketch(body)
        sketches[page_id], sites[page_id] = mh, site
        lsh.insert(page_id, mh)
    parent = {pid: pid for pid in sketches}

    def root(pid: str) -> str:
        while parent[pid] != pid:
            parent[pid] = parent[parent[pid]]
            pid = parent[pid]
        return pid

    for pid, mh in sketches.items():
        for other in lsh.query(mh):
            a, b = root(pid), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for pid in sketches:
        groups.setdefault(root(pid), []).append(pid)
    rows = []
    for members in groups.values():
        if len(members) < 2:
            continue
        cluster_id = min(members)
        n_sites = len({sites[m] for m in members})
        for m in members:
            rows.append(
                (
                    m,
                    cluster_id,
                    sites[m],
                    len(members),
                    n_sites,
                    sketches[m].jaccard(sketches[cluster_id]),
                )
            )
    return pl.DataFrame(
        rows,
        schema={
            "page_id": pl.String,
            "cluster_id": pl.String,
            "site": pl.String,
            "cluster_size": pl.Int32,
            "sites": pl.Int32,
            "similarity": pl.Float64,
        },
        orient="row",
    ).sort("cluster_id", "page_id")
