"""A page's key includes its source; a repeated id is reported and never hides a page."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from winnow import checks, stages, warehouse
from winnow.sources import iter_page_refs, load_sources

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[1]


def _page(title: str, sentence: str) -> str:
    paragraphs = "".join(
        f"<p>{sentence} Part {n} of the {title.lower()} story.</p>" for n in (1, 2)
    )
    return f"<html><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"


def _sources(tmp_path: Path) -> Path:
    """Two manifest sources that both name a page 'index'; the second names 'story' twice
    (different files), and also names an id that already carries its source's name."""
    for name, rows in {
        "alpha": [("index", "index.html", "Alpha front")],
        "beta": [
            ("index", "index.html", "Beta front"),
            ("story", "story.html", "Bridge reopens"),
            ("story", "story2.html", "Library extends hours"),
        ],
    }.items():
        folder = tmp_path / name
        folder.mkdir()
        lines = []
        for page_id, file, title in rows:
            sentence = f"The {title.lower()} was announced by {name} reporters on Monday."
            (folder / file).write_text(_page(title, sentence))
            lines.append(json.dumps({"page_id": page_id, "file": file, "site": f"{name}.example"}))
        (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n"
        "  - name: alpha\n    kind: manifest\n    path: alpha/manifest.jsonl\n"
        "  - name: beta\n    kind: manifest\n    path: beta/manifest.jsonl\n"
    )
    return config


def test_keys_include_the_source_and_repeats_are_numbered(tmp_path):
    specs = load_sources(_sources(tmp_path))
    refs = [ref for spec in specs for ref in iter_page_refs(spec)]
    assert [r.page_id for r in refs] == ["alpha/index", "beta/index", "beta/story", "beta/story#2"]
    repeat = refs[-1]
    assert repeat.extra["duplicate_of"] == "beta/story"
    assert repeat.extra["duplicate"] == "page id 'story' repeats line 2"


def test_no_page_is_lost_and_the_check_reports_the_repeat(tmp_path):
    specs = load_sources(_sources(tmp_path))
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        stages.ingest(con, specs, "r1")
        stages.segment(con, "r1")
        stages.learn(con, "r1")
        stages.extract(con, "r1")
        articles = dict(con.execute("SELECT page_id, title FROM articles").fetchall())
        assert articles == {
            "alpha/index": "Alpha front",
            "beta/index": "Beta front",
            "beta/story": "Bridge reopens",
            "beta/story#2": "Library extends hours",
        }
        assert checks.page_ids_unique(con)[0]
        passed, details = checks.ids_unique_within_source(con)
        assert not passed and details["repeated_ids"] == 1
        assert details["pages"] == {"beta/story#2": "beta: repeats beta/story"}
    finally:
        con.close()


def test_validate_reports_the_repeated_id(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "winnow.cli", "validate", "--sources", _sources(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"COLUMNS": "300", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 1
    err = " ".join(done.stderr.split())
    assert "source 'beta' line 3: page id 'story' repeats line 2" in err
    assert "'beta/story#2'" in err


def test_quotes_nul_and_unicode_in_ids_are_stored_as_given(tmp_path):
    """Ids reach SQL only as bound parameters and Arrow columns, never as SQL text."""
    ids = ["o'brien\"; DROP TABLE pages; --", "nul\x00byte", "Zürich–Kraków 東京 🗞"]
    folder = tmp_path / "odd"
    folder.mkdir()
    rows = []
    for n, page_id in enumerate(ids):
        (folder / f"{n}.html").write_text(_page(f"Story {n}", f"Odd id number {n} was read."))
        rows.append(json.dumps({"page_id": page_id, "file": f"{n}.html", "site": "odd.example"}))
    (folder / "manifest.jsonl").write_text("\n".join(rows) + "\n")
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - name: odd\n    kind: manifest\n    path: odd/manifest.jsonl\n")
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        stages.ingest(con, load_sources(config), "r1")
        for stage in (stages.segment, stages.learn, stages.extract):
            stage(con, "r1")
        stored = {r[0] for r in con.execute("SELECT page_id FROM articles").fetchall()}
        assert stored == {f"odd/{page_id}" for page_id in ids}
        assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == 3
    finally:
        con.close()
