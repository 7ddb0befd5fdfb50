"""Grouping syndicated copies of one story (the same wire text on several sites).

Bodies are shingled into word 5-grams and sketched with MinHash (datasketch); an LSH index
proposes candidate pairs above ``threshold`` estimated Jaccard, each is verified on the two
bodies (``winnow.stories.verify``: exact Jaccard, containment, distinctive shingles, no name
swapped), and linked pairs form a cluster whose cluster_id is its smallest page_id. This is the
whole-corpus reference; the pipeline keeps the same clusters incrementally
(``winnow.stories.incremental``) and names them with ids that outlive runs
(``winnow.stories.ids``).
"""

from __future__ import annotations

import polars as pl
from datasketch import MinHash, MinHashLSH

from winnow.parse.fingerprint import word_count, words
from winnow.settings import STORIES
from winnow.stories.verify import body_shingles, verify

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


def _linked(a: str, b: str) -> bool:
    return a == b or verify(body_shingles(a), body_shingles(b), STORIES).linked


def cluster_stories(
    articles: pl.DataFrame,
    threshold: float = STORIES.lsh_threshold,
    min_words: int = STORIES.min_words,
) -> pl.DataFrame:
    """One row per article that shares its story with another: page_id, cluster_id, site, size.

    ``articles`` has columns page_id, site, body. Bodies shorter than ``min_words`` words are
    skipped: short texts collide by chance.
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    sketches: dict[str, MinHash] = {}
    sites: dict[str, str | None] = {}
    bodies: dict[str, str] = {}
    for page_id, site, body in articles.select("page_id", "site", "body").iter_rows():
        if word_count(body or "") < min_words:
            continue
        mh = sketch(body)
        sketches[page_id], sites[page_id], bodies[page_id] = mh, site, body
        lsh.insert(page_id, mh)
    parent = {pid: pid for pid in sketches}

    def root(pid: str) -> str:
        while parent[pid] != pid:
            parent[pid] = parent[parent[pid]]
            pid = parent[pid]
        return pid

    for pid, mh in sketches.items():
        for other in lsh.query(mh):
            if other <= pid or not _linked(bodies[pid], bodies[other]):
                continue
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
