"""The shared code path: which pages the learning pass reads, and that it changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from winnow.pipeline import extract_dataset, may_have_model
from winnow.sources import PageRef

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def _ref(n: int, site: str | None, url: str | None = None) -> PageRef:
    return PageRef(f"p{n}", "test", f"/nowhere/{n}.html", url=url, site=site)


def test_learning_pass_skips_sites_too_small_for_a_model():
    refs = [_ref(i, "big.example") for i in range(3)] + [
        _ref(3, "pair.example"),
        _ref(4, None, "https://www.pair.example/b"),  # site from the URL
        _ref(5, "single.example"),
    ]
    learnable = may_have_model(refs)
    assert [learnable(r) for r in refs] == [True, True, True, False, False, False]


def test_pages_of_unknown_site_count_for_every_site():
    refs = [_ref(0, "pair.example"), _ref(1, "pair.example"), _ref(2, None)]
    learnable = may_have_model(refs)
    # the URL-less page may turn out to be the third page of pair.example: all are read
    assert [learnable(r) for r in refs] == [True, True, True]


def test_extract_dataset_keeps_manifest_order_and_models_the_demo_sites():
    records = extract_dataset(DEMO)
    manifest = [json.loads(line)["page_id"] for line in (DEMO / "manifest.jsonl").open()]
    assert [r["page_id"] for r in records] == manifest
    chrome = json.loads((DEMO / "chrome.json").read_text(encoding="utf-8"))
    strings = [
        s
        for site in chrome.values()
        for s in [*site["teasers_constant"], *site["most_watched"], site["cookie"], *site["footer"]]
    ]
    leaks = [(r["page_id"], s[:40]) for r in records for s in strings if s and s in r["body"]]
    assert len(strings) > 20 and leaks == []
    assert sum(bool(r["body"]) for r in records) >= 80  # articles and text pages, not fronts
