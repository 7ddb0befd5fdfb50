"""The learnt block classifier: two gradient-boosted tree models over block features.

Stage 1 scores every block from its own, its container's and its site's evidence. Stage 2 sees,
besides those, what stage 1 believes about the block's neighbours and ancestors (how much of the
page's likely-article text each container holds), so a doubted paragraph inside the article's
container is kept and a convincing paragraph in a comment thread is not. Both are LightGBM
models trained by ``bench/train.py`` (``make train``) on the labelled shared datasets; the
files live in ``winnow/extract/model/`` and their digest is part of the extractor version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from winnow.extract.booster import Booster
from winnow.extract.compiled import CompiledBooster, load_booster
from winnow.extract.features import Batch, context_features, page_features, site_features
from winnow.extract.vocabulary import TokenWeights
from winnow.model.site import SiteStats

MODEL_DIR = Path(__file__).parent / "model"
STAGE_FILES = ("stage1.txt", "stage2.txt")
META_FILE = "meta.json"


def stage1_features(
    b: Batch,
    blocks: pl.DataFrame,
    stats: SiteStats,
    tokens: TokenWeights,
    wanted: set[str] | None = None,
) -> dict[str, np.ndarray]:
    """The stage-1 features of every block of the batch (``wanted``: see ``page_features``)."""
    return {**page_features(b, tokens, wanted), **site_features(blocks, stats)}


LINK_ONLY_DENSITY = 0.99  # blocks this linked and this short are never article text, nor
LINK_ONLY_WORDS = 6  # single words outside headings: 55 % of all blocks, 0.45 % of gold words
HEADING_CODES = (15, 16, 17, 18, 19, 20)  # TAG_CODES of h1..h6


SURE_NO, SURE_YES = 0.03, 0.97  # stage-1 beliefs stage 2 leaves as they are
#: A page where no block reaches the threshold is re-decided against its own best block: keep
#: what scores at least ``WEAK_PAGE_RELATIVE`` of it (never under ``WEAK_PAGE_FLOOR``), when
#: that holds a paragraph of prose (``WEAK_PAGE_MIN_BLOCK`` characters; a section front's
#: one-sentence teasers do not). Unusual templates get uniformly low beliefs, yet the article's
#: blocks still rank first on the page. Leave-one-dataset-out: readability-testpages +0.007,
#: wcxb-dev +0.003, no dataset lower.
WEAK_PAGE_RELATIVE = 0.3
WEAK_PAGE_FLOOR = 0.05
WEAK_PAGE_MIN_BLOCK = 150


def candidates(features: dict[str, np.ndarray]) -> np.ndarray:
    """Blocks the models score; the others (short link-only blocks: menus, tag lists, teaser
    links) get probability 0 without a prediction, which halves the model's work."""
    return ~(
        (features["link_density"] >= LINK_ONLY_DENSITY) & (features["words"] <= LINK_ONLY_WORDS)
    )


def matrix(
    features: dict[str, np.ndarray], names: list[str], rows: np.ndarray | None = None
) -> np.ndarray:
    """The named features (of the ``rows`` mask, else all rows) as one float32 matrix.

    Filled feature by feature into a column-major array (contiguous writes), each column
    gathering only the wanted rows (stage 2 wants a few of them: the whole matrix is never
    built to be cut down); the models read either layout.
    """
    count = len(next(iter(features.values()), []))
    picked = np.flatnonzero(rows) if rows is not None else None
    out = np.empty((len(names), count if picked is None else len(picked)), dtype=np.float32)
    for column, name in enumerate(names):
        if picked is None:
            out[column] = features[name]
        else:
            np.take(features[name], picked, out=out[column])
    return out.T


@dataclass
class BlockClassifier:
    """Both stages, their feature lists, the class-token weights and the decision threshold."""

    stage1: Booster | CompiledBooster  # one interface: predict(float32 rows) -> probabilities
    stage2: Booster | CompiledBooster
    features1: list[str]
    features2: list[str]
    tokens: TokenWeights
    threshold: float
    digest: str
    texts: list[str]  # the two models in LightGBM's text format

    @property
    def wanted(self) -> set[str]:
        return set(self.features1) | set(self.features2)

    @classmethod
    def load(cls, folder: Path = MODEL_DIR) -> BlockClassifier:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        digest = hashlib.sha1()
        boosters = []
        texts = []
        for name in STAGE_FILES:
            text = (folder / name).read_text(encoding="utf-8")
            digest.update(text.encode())
            boosters.append(load_booster(text))
            texts.append(text)
        digest.update(json.dumps(meta, sort_keys=True).encode())
        return cls(
            boosters[0],
            boosters[1],
            meta["features1"],
            meta["features2"],
            TokenWeights(meta["token_weights"]),
            float(meta["threshold"]),
            digest.hexdigest()[:10],
            texts,
        )

    def save(self, folder: Path = MODEL_DIR, extra: dict | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for text, name in zip(self.texts, STAGE_FILES, strict=True):
            (folder / name).write_text(text, encoding="utf-8")
        meta = {
            "features1": self.features1,
            "features2": self.features2,
            "threshold": self.threshold,
            "token_weights": dict(sorted(self.tokens.weights.items())),
            **(extra or {}),
        }
        (folder / META_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    def probabilities(self, b: Batch, blocks: pl.DataFrame, stats: SiteStats) -> np.ndarray:
        """Stage-2 probability that each block of the batch is article text."""
        if not len(b.page):
            return np.zeros(0)
        first = stage1_features(b, blocks, stats, self.tokens, self.wanted)
        scored = candidates(first)
        p1 = np.zeros(len(b.page))
        p1[scored] = self.stage1.predict(matrix(first, self.features1, scored))
        second = {**first, **context_features(b, p1)}
        # Stage 2 never overturns a confident stage 1 (none of 50,000 such blocks flipped on
        # Dragnet and WCXB): it re-scores only the doubted ones, a third to a half of them.
        doubted = scored & (p1 > SURE_NO) & (p1 < SURE_YES)
        p2 = p1.copy()
        p2[doubted] = self.stage2.predict(matrix(second, self.features2, doubted))
        return p2

    def decide(self, b: Batch, p: np.ndarray) -> np.ndarray:
        """Which blocks to keep: those above the threshold, or on a page where none is, those
        near the page's best block (see ``WEAK_PAGE_RELATIVE``)."""
        keep = p >= self.threshold
        pages = len(b.page_first)
        best = np.zeros(pages)
        np.maximum.at(best, b.page, p)
        if not (best < self.threshold).any():
            return keep
        near = p >= np.maximum(best[b.page] * WEAK_PAGE_RELATIVE, WEAK_PAGE_FLOOR)
        longest = np.zeros(pages)
        np.maximum.at(longest, b.page, np.where(near, b.chars, 0))
        weak = (best < self.threshold) & (longest >= WEAK_PAGE_MIN_BLOCK)
        return np.where(weak[b.page], near, keep)


_LOADED: dict[Path, BlockClassifier] = {}


def default_classifier() -> BlockClassifier:
    """The shipped model, loaded once per process."""
    if MODEL_DIR not in _LOADED:
        _LOADED[MODEL_DIR] = BlockClassifier.load(MODEL_DIR)
    return _LOADED[MODEL_DIR]
