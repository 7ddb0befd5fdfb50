"""Quality gate: Winnow's body F1 must not drop below a per-dataset floor.

Runs only the ``winnow`` system of ``bench/quality.py`` on a fixed subset (``GATE_LIMITS``
there: the first 60 pages of scrapinghub-aeb, 80 of l3s-gn1, all of cleanportaleval and 120 of
dragnet-2012, in manifest order), scored by the shared reference ``score.py``. Skipped when the
shared datasets folder (``../shared/datasets`` or ``$WINNOW_DATASETS``) is absent.

Raising the floors (``bench/quality_floor.json``, ``{"<dataset>": <min body F1>}``):

trafilatura-eval has no full-text gold and is never used to train the block classifier: its
``with``/``without`` snippet shares (floor and ceiling) check pages the model has not seen.

1. Measure on the same subset: ``uv run python bench/quality.py --gate --systems winnow``
   (or run this test with ``uv run pytest tests/test_quality_gate.py -rA``; every assertion
   message and the skip/pass summary show the measured F1).
2. Set each floor a little below the measured value (e.g. measured F1 rounded down to 2
   decimals, minus 0.01) so run-to-run noise cannot fail the gate, but a real regression does.
3. Only ever raise a floor in the same change that improves the score; lower one only with a
   written reason in the commit message.

The subset above is in-sample for the labelled sets (the shipped model was trained on them): it
catches a broken extractor, not memorisation. What the model does on sets it has not seen is
measured by ``make train`` (leave-one-dataset-out: train on six sets, score the seventh), which
records the figures with the model's digest in ``bench/heldout.json``; the ``lodo`` floors
check those figures (too slow to re-measure in CI: seven trainings).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.quality import (  # noqa: E402 - needs the repo root on sys.path first
    GATE_LIMITS,
    benchmark_system,
    datasets_dir,
    load_dataset,
    load_scorer,
)

FLOORS_PATH = REPO_ROOT / "bench" / "quality_floor.json"


def load_floors() -> dict[str, Any]:
    return json.loads(FLOORS_PATH.read_text())


SNIPPET_SETS = ("trafilatura-eval",)  # no full-text gold: scored by with/without snippets


@pytest.fixture(scope="module")
def datasets_root() -> Path:
    root = datasets_dir()
    if not root.is_dir():
        pytest.skip(f"shared datasets folder not found at {root} (set WINNOW_DATASETS)")
    return root


def run_winnow_gate(root: Path, name: str, tmp_path: Path) -> dict[str, Any]:
    dataset = load_dataset(root / name, GATE_LIMITS[name])
    scorer = load_scorer(root)
    return benchmark_system(dataset, "winnow", scorer, tmp_path)


def test_floors_cover_gate_datasets() -> None:
    floors = {k for k in load_floors() if k != "lodo"}
    assert floors == set(GATE_LIMITS), "quality_floor.json must list every dataset"


def test_recorded_held_out_figures_meet_floor() -> None:
    """The shipped model's leave-one-dataset-out F1, recorded by ``make train``, per set."""
    from winnow.extract.classifier import BlockClassifier

    held_out = json.loads((REPO_ROOT / "bench" / "heldout.json").read_text(encoding="utf-8"))
    digest = BlockClassifier.load().digest
    assert held_out["model"] == digest, "bench/heldout.json is for another model: make train"
    recorded = held_out["lodo"]
    floors = load_floors()["lodo"]
    missing = sorted(set(floors) - set(recorded))
    assert not missing, f"model meta.json has no leave-one-dataset-out F1 for {missing}"
    low = {
        name: (recorded[name]["f1"], floor)
        for name, floor in floors.items()
        if recorded[name]["f1"] < floor
    }
    print({name: recorded[name]["f1"] for name in floors})
    assert not low, f"held-out F1 below its floor (F1, floor): {low}"


@pytest.mark.parametrize("name", SNIPPET_SETS)
def test_snippets_within_bounds(name: str, datasets_root: Path, tmp_path: Path) -> None:
    """trafilatura-eval is never trained on: its snippets check pages the model has not seen."""
    result = run_winnow_gate(datasets_root, name, tmp_path)
    assert result["status"] == "ok", f"winnow could not run on {name}: {result.get('reason')}"
    shares = result["score"]["snippets"]
    bounds = load_floors()[name]
    summary = (
        f"{name}: with {shares['with_found_share']:.4f} (floor {bounds['with']}), without "
        f"{shares['without_present_share']:.4f} (ceiling {bounds['without']}) on "
        f"{result['pages']} pages"
    )
    print(summary)
    assert shares["with_found_share"] >= bounds["with"], summary
    assert shares["without_present_share"] <= bounds["without"], summary


@pytest.mark.parametrize("name", [n for n in GATE_LIMITS if n not in SNIPPET_SETS])
def test_body_f1_at_least_floor(name: str, datasets_root: Path, tmp_path: Path) -> None:
    result = run_winnow_gate(datasets_root, name, tmp_path)
    assert result["status"] == "ok", f"winnow could not run on {name}: {result.get('reason')}"
    assert result["errors"] == 0, f"winnow page errors on {name}: {result['error_examples']}"
    body = result["score"]["body"]
    floor = float(load_floors()[name])
    summary = (
        f"{name}: body F1 {body['f1']:.4f} (P {body['precision']:.4f}, "
        f"R {body['recall']:.4f}) on {result['pages']} pages, {result['seconds']:.1f} s; "
        f"floor {floor:.4f}"
    )
    print(summary)
    assert body["f1"] >= floor, summary
