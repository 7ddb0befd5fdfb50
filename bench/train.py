"""Train the block classifier (``make train``): reproducible, from the labelled shared datasets.

    uv run python bench/train.py [--lodo] [--datasets a,b,...] [--out winnow/extract/model]

Every page goes through the production parse (``winnow.parse``), so training sees exactly the
blocks extraction decides on. A block's label is the share of its words that the gold body
holds, found by aligning the page's words with the gold's (``difflib``, longest matches first,
so a teaser that repeats the headline does not steal the headline's label). Blocks weigh their
share of the page's words: every page counts the same, as in the benchmark's macro average.

Stage 1 is trained on all pages; stage 2 on stage 1's out-of-fold beliefs (folds by site), so it
learns how far to trust stage 1 on pages stage 1 has not seen. Class-token weights are counted
on the training folds only. Seeds are fixed and LightGBM runs deterministically.

``--lodo`` first reports leave-one-dataset-out body F1: train on all datasets but one, score
the one left out with the shared ``score.py``; the model written at the end is trained on all.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from winnow.extract.booster import Booster  # noqa: E402
from winnow.extract.classifier import (  # noqa: E402
    MODEL_DIR,
    SURE_NO,
    SURE_YES,
    BlockClassifier,
    candidates,
    matrix,
)
from winnow.extract.features import (  # noqa: E402
    Batch,
    _cumsum,
    batch,
    context_features,
    page_features,
    site_features,
    token_features,
)
from winnow.extract.vocabulary import (  # noqa: E402
    TokenWeights,
    count_tokens,
    merge_counts,
    weights_from_counts,
)
from winnow.fetch.local import read_local  # noqa: E402
from winnow.model.site import SiteStats, site_stats  # noqa: E402
from winnow.parse.decode import decode  # noqa: E402
from winnow.parse.fingerprint import hash64  # noqa: E402
from winnow.parse.frames import blocks_frame, elements_frame  # noqa: E402
from winnow.parse.html import body_dom, parse_html, repair_open_title  # noqa: E402

DATASETS_DIR = Path(os.environ.get("WINNOW_DATASETS") or REPO.parent / "shared" / "datasets")
TRAIN_SETS = (
    "scrapinghub-aeb",
    "dragnet-2012",
    "l3s-gn1",
    "cleanportaleval",
    "readability-testpages",
    "wcxb-dev",
    "fundus-tests",
)
SEED = 20261128
FOLDS = 3
ROUNDS = (160, 100)  # trees of stage 1 and stage 2: prediction time grows with them
LABEL_SHARE = 0.5  # a block is article when this share of its words is in the gold body
#: Stage-1 features stage 2 sees besides its context features (the most useful by gain).
STAGE2_EXTRA = (
    "chars",
    "link_density",
    "page_chars",
    "page_blocks",
    "page_good",
    "anc1_good",
    "in_best",
    "in_main",
    "best_share",
    "main_share",
    "h1_before",
    "tok_anc_min",
    "tok_anc_max",
    "tok_parent_min",
    "fp_share",
    "path_share",
    "site_pages_log",
)
LEAVES = (31, 15)
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.1,
    "min_data_in_leaf": 100,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.7,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 63,
    "verbose": -1,
    "seed": SEED,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
}
_WORD = re.compile(r"\w+")


@dataclass
class Corpus:
    """A dataset's pages parsed, with labels: frames, batch, per-block arrays."""

    name: str
    blocks: pl.DataFrame
    elements: pl.DataFrame
    batch: Batch
    label: np.ndarray  # share of the block's words in the gold body (NaN: no gold)
    words: np.ndarray  # word count of the block
    weight: np.ndarray
    candidate: np.ndarray
    fold: np.ndarray
    stats: SiteStats
    gold: list[dict]


def align(texts: list[str], gold: str) -> tuple[np.ndarray, np.ndarray]:
    """(share of each block's words found in the gold, word count of each block)."""
    tokens: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        found = _WORD.findall(text)
        tokens += found
        owner += [i] * len(found)
    gold_tokens = _WORD.findall(gold)
    matched = np.zeros(len(tokens), dtype=bool)
    if tokens and gold_tokens:
        matcher = difflib.SequenceMatcher(None, tokens, gold_tokens, autojunk=False)
        for a, _, n in matcher.get_matching_blocks():
            if n >= 2 or (n == 1 and len(gold_tokens) <= 3):
                matched[a : a + n] = True
    total = np.bincount(owner, minlength=len(texts)).astype(float)
    hit = np.bincount(owner, weights=matched, minlength=len(texts))
    return hit / np.maximum(total, 1), total


def load_corpus(name: str, folder: Path | None = None) -> Corpus:
    """Parse every page of a dataset with the production parser and label its blocks (pages
    without a gold body get no labels: NaN)."""
    folder = folder or DATASETS_DIR / name
    gold = [json.loads(line) for line in (folder / "gold.jsonl").open(encoding="utf-8")]
    by_id = {g["page_id"]: g for g in gold}
    pages, labels, words = [], [], []
    for line in (folder / "manifest.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        text, _ = decode(read_local(folder / row["file"]))
        dom = body_dom(parse_html(text))
        if not dom.text and (repaired := repair_open_title(text)) is not None:
            dom = body_dom(parse_html(repaired))  # as winnow.pipeline.parse_page does
        pages.append((row["page_id"], row.get("site") or row["page_id"], dom))
        body = by_id[row["page_id"]].get("body")
        if body is not None:
            share, count = align(dom.text, body)
        else:
            share = np.full(len(dom.text), np.nan)
            count = np.array([len(_WORD.findall(t)) for t in dom.text], dtype=float)
        labels.append(share)
        words.append(count)
    blocks, elements = blocks_frame(pages), elements_frame(pages)
    label, word = np.concatenate(labels), np.concatenate(words)
    b = batch(blocks, elements)
    page_words = np.bincount(b.page, weights=word, minlength=len(b.page_first))
    page_blocks = np.bincount(b.page, minlength=len(b.page_first))
    weight = (word + 0.5) / (page_words[b.page] + 0.5 * page_blocks[b.page])
    fold = np.array([hash64(site) % FOLDS for site in blocks["site"]], dtype=np.int64)
    stats = site_stats(blocks)
    candidate = candidates({**page_features(b), **site_features(blocks, stats)})
    return Corpus(name, blocks, elements, b, label, word, weight, candidate, fold, stats, gold)


def token_counts(c: Corpus, folds: set[int]) -> dict[str, list]:
    """Class-token counts of the corpus' pages in ``folds`` (labelled pages only)."""
    b = c.batch
    positive = np.where(c.label >= LABEL_SHARE, c.words, 0.0)
    page_words = np.maximum(np.bincount(b.page, weights=c.words, minlength=len(b.page_first)), 1)
    pos_share = _cumsum(positive / page_words[b.page])
    all_share = _cumsum(np.where(np.isnan(c.label), 0.0, c.words) / page_words[b.page])
    e_pos = pos_share[b.e_end] - pos_share[b.e_first]
    e_all = all_share[b.e_end] - all_share[b.e_first]
    stats: dict[str, list] = {}
    page_fold = np.zeros(len(b.page_first), dtype=np.int64)
    page_fold[b.page] = c.fold
    sites = c.elements["page_id"].to_list()
    words = [b.e_words.values[code] for code in b.e_words.codes]
    site_of_page = dict(zip(c.blocks["page_id"], c.blocks["site"], strict=False))
    for page in range(len(b.page_first)):
        if page_fold[page] not in folds:
            continue
        lo, hi = np.searchsorted(b.e_page, [page, page + 1])
        count_tokens(
            words[lo:hi], e_pos[lo:hi], e_all[lo:hi], site_of_page.get(sites[lo], ""), stats
        )
    return stats


def base_features(c: Corpus) -> dict[str, np.ndarray]:
    """Stage-1 features that do not depend on the token weights (computed once)."""
    return {**page_features(c.batch), **site_features(c.blocks, c.stats)}


def labelled(c: Corpus) -> np.ndarray:
    """Blocks that train the models: labelled, and candidates the models will score."""
    return ~np.isnan(c.label) & c.candidate


#: Features whose direction is known (+1: more of it, more likely article; -1: less likely):
#: the trees may not learn the opposite from one dataset's quirks.
MONOTONE: dict[str, int] = {}


def _train(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, stage: int = 0, names: list[str] | None = None
) -> lgb.Booster:
    params = {**PARAMS, "num_leaves": LEAVES[stage]}
    if names is not None and any(n in MONOTONE for n in names):
        params["monotone_constraints"] = [MONOTONE.get(n, 0) for n in names]
        params["monotone_constraints_method"] = "intermediate"
    return lgb.train(params, lgb.Dataset(x, y, weight=w, free_raw_data=True), ROUNDS[stage])


def _tokens(counts: list[dict[str, list]]) -> TokenWeights:
    return TokenWeights(weights_from_counts(merge_counts(counts)))


MIN_GAIN_SHARE = 0.0005  # stage-1 features below this share of the folds' gain are dropped


def select_features(names: list[str], gain: np.ndarray) -> list[str]:
    """The features that earned their keep in the out-of-fold models (fewer columns to compute
    and to hand to the model at run time), plus those stage 2 and the candidate rule read."""
    share = gain / max(float(np.sum(gain)), 1e-12)
    always = {"words", "link_density", "own_tag", *STAGE2_EXTRA}
    return [n for n, g in zip(names, share, strict=True) if g >= MIN_GAIN_SHARE or n in always]


def fit(corpora: list[Corpus], threshold: float = 0.5) -> BlockClassifier:
    """Both stages on the corpora (stage 2 on stage 1's out-of-fold beliefs)."""
    counts = {(c.name, k): token_counts(c, {k}) for c in corpora for k in range(FOLDS)}
    base = {c.name: base_features(c) for c in corpora}
    y = np.concatenate([(c.label[labelled(c)] >= LABEL_SHARE).astype(int) for c in corpora])
    w = np.concatenate([c.weight[labelled(c)] for c in corpora])
    oof = {c.name: np.zeros(len(c.label)) for c in corpora}
    names1: list[str] = []
    gain = 0.0
    for k in range(FOLDS):
        tokens = _tokens([v for (_, f), v in counts.items() if f != k])
        feats = {c.name: {**base[c.name], **token_features(c.batch, tokens)} for c in corpora}
        names1 = sorted(feats[corpora[0].name])
        train = [
            np.concatenate([matrix(feats[c.name], names1)[labelled(c) & (c.fold != k)]])
            for c in corpora
        ]
        target = [
            (c.label[labelled(c) & (c.fold != k)] >= LABEL_SHARE).astype(int) for c in corpora
        ]
        weight = [c.weight[labelled(c) & (c.fold != k)] for c in corpora]
        model = _train(np.vstack(train), np.concatenate(target), np.concatenate(weight), 0, names1)
        gain += model.feature_importance("gain")
        for c in corpora:
            held = (c.fold == k) & c.candidate
            oof[c.name][held] = model.predict(matrix(feats[c.name], names1, held))
    names1 = select_features(names1, gain)
    tokens = _tokens(list(counts.values()))
    feats = {c.name: {**base[c.name], **token_features(c.batch, tokens)} for c in corpora}
    x1 = np.vstack([matrix(feats[c.name], names1)[labelled(c)] for c in corpora])
    stage1 = _train(x1, y, w, 0, names1)
    second = {c.name: {**feats[c.name], **context_features(c.batch, oof[c.name])} for c in corpora}
    context = set(second[corpora[0].name]) - set(feats[corpora[0].name])
    names2 = sorted(context) + list(STAGE2_EXTRA)
    # stage 2 re-scores only what stage 1 doubts (classifier.SURE_NO/SURE_YES): train it there
    doubted = {
        c.name: labelled(c) & (oof[c.name] > SURE_NO) & (oof[c.name] < SURE_YES) for c in corpora
    }
    x2 = np.vstack([matrix(second[c.name], names2)[doubted[c.name]] for c in corpora])
    y2 = np.concatenate([(c.label[doubted[c.name]] >= LABEL_SHARE).astype(int) for c in corpora])
    w2 = np.concatenate([c.weight[doubted[c.name]] for c in corpora])
    stage2 = _train(x2, y2, w2, 1, names2)
    texts = [stage1.model_to_string(), stage2.model_to_string()]
    boosters = [Booster(t) for t in texts]
    return BlockClassifier(*boosters, names1, names2, tokens, threshold, "", texts)


def bodies(c: Corpus, keep: np.ndarray) -> dict[str, str]:
    """Predicted body of every page: its kept blocks, one per line."""
    kept = c.blocks.select("page_id", "text").filter(pl.Series(keep))
    grouped = kept.group_by("page_id", maintain_order=True).agg(pl.col("text").str.join("\n"))
    found = dict(zip(grouped["page_id"], grouped["text"], strict=True))
    return {g["page_id"]: found.get(g["page_id"], "") for g in c.gold}


def score_bodies(c: Corpus, predicted: dict[str, str]) -> dict[str, float]:
    sys.path.insert(0, str(DATASETS_DIR))
    import score  # the shared reference scorer

    result = score.score_dataset(c.name, c.gold, {k: {"body": v} for k, v in predicted.items()})
    body = result["body"]
    return {k: round(body[k], 4) for k in ("f1", "precision", "recall")}


def page_ids(c: Corpus) -> list[str]:
    """The corpus' page ids in page order."""
    return c.elements["page_id"].unique(maintain_order=True).to_list()


def subset(c: Corpus, keep: np.ndarray, sites: pl.Series | None = None) -> Corpus:
    """The corpus restricted to the pages in the boolean page mask ``keep``, its batch and site
    model rebuilt from those pages only (``sites``: a site column replacing the blocks' own,
    e.g. to regroup a site's pages)."""
    ids = [p for p, k in zip(page_ids(c), keep, strict=True) if k]
    rows = c.blocks["page_id"].is_in(ids).to_numpy()
    blocks = c.blocks if sites is None else c.blocks.with_columns(sites.alias("site"))
    blocks = blocks.filter(pl.Series(rows))
    elements = c.elements.filter(c.elements["page_id"].is_in(ids))
    b = batch(blocks, elements)
    stats = site_stats(blocks)
    candidate = candidates({**page_features(b), **site_features(blocks, stats)})
    wanted = set(ids)
    gold = [g for g in c.gold if g["page_id"] in wanted]
    return Corpus(
        c.name, blocks, elements, b, c.label[rows], c.words[rows], c.weight[rows], candidate,
        c.fold[rows], stats, gold,
    )  # fmt: skip


CV_FOLDS = 3


def site_folds(c: Corpus, k: int = CV_FOLDS) -> np.ndarray:
    """Outer fold of each page, by site (salted: independent of the inner stage-2 folds)."""
    site = dict(zip(c.blocks["page_id"], c.blocks["site"], strict=False))
    return np.array([hash64("cv:" + (site.get(p) or p)) % k for p in page_ids(c)])


def predict_bodies(model: BlockClassifier, c: Corpus) -> dict[str, str]:
    p = model.probabilities(c.batch, c.blocks, c.stats)
    return bodies(c, model.decide(c.batch, p))


def site_cv(
    corpora: list[Corpus], extra: list[Corpus], k: int = CV_FOLDS
) -> dict[str, dict[str, float]]:
    """Site-grouped cross-validation over all datasets at once: a site's pages are all in one
    fold, and every fold's model is trained on the other folds of every dataset."""
    folds = {c.name: site_folds(c, k) for c in corpora}
    predicted: dict[str, dict[str, str]] = {c.name: {} for c in corpora}
    for fold in range(k):
        model = fit([subset(c, folds[c.name] != fold) for c in corpora] + extra)
        for c in corpora:
            predicted[c.name].update(predict_bodies(model, subset(c, folds[c.name] == fold)))
    figures = {}
    for c in corpora:
        figures[c.name] = score_bodies(c, {p: predicted[c.name].get(p, "") for p in page_ids(c)})
        print(f"CV   {c.name:24} {figures[c.name]}", flush=True)
    return figures


def lodo(
    corpora: list[Corpus], extra: list[Corpus], preds_dir: Path | None = None
) -> dict[str, dict[str, float]]:
    """Leave one dataset out: train on the others, score the one left out (its predicted
    bodies are written to ``preds_dir`` when given, for error analysis)."""
    figures = {}
    for held in corpora:
        model = fit([c for c in corpora if c is not held] + extra)
        p = model.probabilities(held.batch, held.blocks, held.stats)
        predicted = bodies(held, model.decide(held.batch, p))
        figures[held.name] = score_bodies(held, predicted)
        print(f"LODO {held.name:24} {figures[held.name]}", flush=True)
        if preds_dir is not None:
            preds_dir.mkdir(parents=True, exist_ok=True)
            with (preds_dir / f"{held.name}.jsonl").open("w", encoding="utf-8") as out:
                for page_id, body in predicted.items():
                    out.write(json.dumps({"page_id": page_id, "body": body}) + "\n")
            np.save(preds_dir / f"{held.name}.p.npy", p)
    return figures


#: Unlabelled pages taught by the single-page extractors' agreement (``bench/distil.py``):
#: ``--distil trafilatura-eval,warc-samples``; off by default (see docs/QUALITY_NOTES.md).
DISTIL_SETS: tuple[str, ...] = ()
DISTIL_WEIGHT = 1.0  # a distilled page weighs this much against a gold page
CACHE = REPO / "bench" / "out"


def code_digest() -> str:
    """Digest of the code a parsed corpus depends on: a cached corpus from other code is stale."""
    import hashlib

    digest = hashlib.sha1()
    files = sorted((REPO / "winnow" / "parse").glob("*.py"))
    files += [REPO / "winnow" / "model" / "site.py", REPO / "winnow" / "extract" / "features.py"]
    files += [REPO / "winnow" / "extract" / "classifier.py"]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def load_cached(name: str, cache: Path | None, folder: Path | None = None) -> Corpus:
    """``load_corpus``, kept as a pickle in ``cache`` (parsing is most of a run's time), under
    a digest of the parsing code."""
    import pickle

    path = cache / f"corpus-{name}-{code_digest()}.pkl" if cache else None
    if path is not None and path.is_file():
        with path.open("rb") as f:
            return pickle.load(f)
    corpus = load_corpus(name, folder)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            pickle.dump(corpus, f, protocol=5)
    return corpus


def distilled(name: str, cache: Path | None) -> Corpus:
    """An unlabelled set with the teachers' agreed labels (``bench/distil.py``)."""
    from bench.distil import agreed_labels, teacher_outputs, warc_dataset

    folder = DATASETS_DIR / name
    if name == "warc-samples":
        folder = warc_dataset(folder, CACHE / "warc-pages")
    c = load_cached(name, cache, folder)
    outputs = teacher_outputs(folder, CACHE / "teachers")
    b = c.batch
    c.label = agreed_labels(b, c.blocks["page_id"].to_list(), outputs, CACHE / "teachers")
    c.words = np.array([len(_WORD.findall(t)) for t in b.text], dtype=float)
    page_words = np.bincount(b.page, weights=c.words, minlength=len(b.page_first))
    page_blocks = np.bincount(b.page, minlength=len(b.page_first))
    c.weight = DISTIL_WEIGHT * (c.words + 0.5) / (page_words[b.page] + 0.5 * page_blocks[b.page])
    return c


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lodo", action="store_true", help="report leave-one-dataset-out F1")
    parser.add_argument("--datasets", default=",".join(TRAIN_SETS))
    parser.add_argument("--out", default=str(MODEL_DIR))
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--preds", help="write leave-one-out predictions to this folder")
    parser.add_argument("--lodo-only", action="store_true", help="no final model")
    parser.add_argument("--cv", action="store_true", help="also report site-grouped CV F1")
    parser.add_argument("--json", help="write the held-out figures to this JSON file")
    parser.add_argument("--distil", default=",".join(DISTIL_SETS), help="unlabelled sets")
    parser.add_argument("--cache", help="keep parsed corpora in this folder (pickles)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    cache = Path(args.cache) if args.cache else None
    corpora = [load_cached(name, cache) for name in args.datasets.split(",")]
    extra = [distilled(name, cache) for name in args.distil.split(",") if name]
    print(f"parsed and labelled {len(corpora)} datasets in {time.perf_counter() - start:.0f}s")
    preds = Path(args.preds) if args.preds else None
    figures = lodo(corpora, extra, preds) if args.lodo or args.lodo_only else {}
    cv = site_cv(corpora, extra) if args.cv else {}
    if args.json:
        Path(args.json).write_text(json.dumps({"lodo": figures, "cv": cv}, indent=1))
    if args.lodo_only:
        return 0
    model = fit(corpora + extra)
    if not args.no_save:
        trained = [c.name for c in corpora]
        model.save(Path(args.out), extra={"trained_on": trained, "distilled": args.distil})
        print(f"model written to {args.out} ({time.perf_counter() - start:.0f}s)")
        if figures and Path(args.out).resolve() == MODEL_DIR.resolve():
            record_held_out(figures, cv)
    return 0


HELD_OUT = REPO / "bench" / "heldout.json"


def record_held_out(figures: dict, cv: dict) -> None:
    """The shipped model's held-out figures, with its digest (tests/test_quality_gate.py reads
    them: seven trainings are too slow for CI; kept outside the model files so that recording
    them does not change the extractor version)."""
    digest = BlockClassifier.load(MODEL_DIR).digest
    record = {"model": digest, "command": "make train", "lodo": figures, "cv": cv}
    HELD_OUT.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
