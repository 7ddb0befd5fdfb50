"""The shared code path: which pages the learning pass reads, and that it changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from winnow import pipeline
from winnow.pipeline import extract_dataset, iter_records, site_chunks
from winnow.records import PageRef

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def _ref(n: int, site: str | None, url: str | None = None) -> PageRef:
    return PageRef(f"p{n}", "test", f"/nowhere/{n}.html", url=url, site=site)


def test_chunks_hold_whole_sites():
    refs = [_ref(i, "big.example") for i in range(5)] + [
        _ref(5, "pair.example"),
        _ref(6, None, "https://www.pair.example/b"),  # site from the URL
        _ref(7, None),  # no site known: alone
        _ref(8, "small.example"),
    ]
    chunks = list(site_chunks(refs, size=4))
    assert sorted(i for c in chunks for i in c) == list(range(9))
    assert [0, 1, 2, 3, 4] in chunks  # a site bigger than a chunk stays whole
    pair = next(c for c in chunks if 5 in c)
    assert 6 in pair


def test_unreadable_page_still_gets_a_line(tmp_path):
    story = "<html><body><p>" + "Words of a story. " * 40 + "</p></body></html>"
    (tmp_path / "ok.html").write_text(story)
    (tmp_path / "bad.html.gz").write_bytes(b"not gzip at all")
    lines = [
        {"page_id": "ok", "file": "ok.html", "url": None, "site": None},
        {"page_id": "bad", "file": "bad.html.gz", "url": None, "site": None},
        {"page_id": "missing", "file": "nope.html", "url": None, "site": None},
    ]
    (tmp_path / "manifest.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    records = extract_dataset(tmp_path)
    assert [r["page_id"] for r in records] == ["ok", "bad", "missing"]
    assert "Words of a story." in records[0]["body"]
    assert records[1]["body"] == "" and records[2]["body"] == ""


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


def test_records_stream_in_manifest_order_with_one_chunk_held(tmp_path, monkeypatch):
    """Sites interleaved in the manifest and chunks of one site: records still come in manifest
    order, each chunk's as soon as every earlier page is out (the rest wait in the spill
    file), and equal what extract_dataset returns."""
    whole_sites = pipeline.site_chunks
    monkeypatch.setattr(pipeline, "site_chunks", lambda refs: whole_sites(refs, size=1))
    rows = []
    for n in range(9):
        site = f"s{n % 3}.example"
        words = " ".join(f"w{n}x{k}" for k in range(60))
        (tmp_path / f"p{n}.html").write_text(f"<html><body><p>{words}.</p></body></html>")
        rows.append({"page_id": f"p{n}", "file": f"p{n}.html", "site": site})
    (tmp_path / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    decided: list[int] = []
    chunks = pipeline._chunk_records

    def counted(refs, limits):
        for done in chunks(refs, limits):
            decided.append(len(done))
            yield done

    monkeypatch.setattr(pipeline, "_chunk_records", counted)
    stream = iter_records(tmp_path)
    first = next(stream)
    assert first["page_id"] == "p0" and sum(decided) == 3  # site s0's pages only
    records = [first, *stream]
    assert [r["page_id"] for r in records] == [f"p{n}" for n in range(9)]
    assert all(f"w{n}x0" in r["body"] for n, r in enumerate(records))
    assert records == extract_dataset(tmp_path)
