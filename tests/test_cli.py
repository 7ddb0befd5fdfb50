import gzip
import json
import os
import subprocess
import sys

import pytest

from winnow import stages, warehouse
from winnow.sources import load_sources

SITE = "valleyherald.example"
NAV = (
    '<div class="menu"><a href="/">Home</a> <a href="/news">News</a> '
    '<a href="/sport">Sport</a></div>'
)
FOOTER = "Copyright Valley Herald. All rights reserved. Contact the newsroom."
PROMO = (
    "Support local journalism: subscribe to the Valley Herald for unlimited access to every "
    "story we publish."
)
STORIES = {
    "bridge": (
        "Bridge reopens after repairs",
        "The old river bridge reopened to traffic on Monday morning after six months of repairs "
        "that cost the county more than two million pounds, the highways department said.",
        "Drivers said the detour through the hills had added almost half an hour to their daily "
        "journeys to work and school, and shopkeepers in the square reported fewer customers.",
    ),
    "choir": (
        "School choir wins regional prize",
        "The choir of Millbrook primary school won first prize at the regional festival on "
        "Saturday, beating twenty other schools from across the valley and the coast.",
        "Their teacher said the children had practised every lunchtime since September and "
        "deserved every bit of the applause they received from a packed concert hall.",
    ),
    "market": (
        "Farmers market moves to the square",
        "The weekly farmers market will move from the car park to the town square next month, "
        "the council said on Thursday after a public vote on the future of the market.",
        "Stallholders welcomed the change, saying the square would bring more passing trade and "
        "give shoppers more room to browse the stalls on busy Saturday mornings.",
    ),
    "library": (
        "Library extends its opening hours",
        "The town library will stay open until eight in the evening on weekdays from next week, "
        "after volunteers offered to staff the building during the extra hours.",
        "The head librarian said the later hours would help students and people who work during "
        "the day, and that a new reading room upstairs would open in the autumn.",
    ),
}


def _html(title, first, second):
    return (
        f'<html lang="en"><head><title>{title}</title>'
        '<meta name="author" content="Sam Reed"></head><body>'
        f"{NAV}<article><h1>{title}</h1><p>{first}</p>"
        f'<div class="promo"><p>{PROMO}</p></div><p>{second}</p></article>'
        f'<div class="site-footer"><p>{FOOTER}</p></div></body></html>'
    )


TEXT_PAGE = (
    "Valley Herald\n"
    "Road closed for resurfacing\n"
    "By Ann Lee\n"
    "2024-05-02\n"
    "The main road through the village will be closed for resurfacing for two weeks from "
    "Monday, the council announced today.\n"
    "Buses will follow a diversion through the industrial estate while the work goes on.\n"
    "Residents who need access to their driveways should contact the highways team, which "
    "has promised to keep disruption to a minimum.\n"
)


def _manifest_row(page_id, file):
    return {
        "page_id": page_id,
        "file": file,
        "url": f"https://www.{SITE}/{page_id}",
        "site": SITE,
    }


def build_dataset(folder):
    """A tiny dataset folder: four HTML pages of one site (one gzipped), a text page and a
    manifest line naming a file that does not exist."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, story in STORIES.items():
        html = _html(*story)
        if name == "choir":
            (folder / f"{name}.html.gz").write_bytes(gzip.compress(html.encode()))
            rows.append(_manifest_row(name, f"{name}.html.gz"))
        else:
            (folder / f"{name}.html").write_text(html, encoding="utf-8")
            rows.append(_manifest_row(name, f"{name}.html"))
        if name == "choir":
            rows.append(_manifest_row("gone", "gone.html"))
    (folder / "road.txt").write_text(TEXT_PAGE, encoding="utf-8")
    rows.append(_manifest_row("road", "road.txt"))
    (folder / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return [r["page_id"] for r in rows]


def winnow(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "winnow.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"},
        timeout=120,
    )


def test_extract_writes_one_line_per_manifest_page(tmp_path):
    order = build_dataset(tmp_path / "herald")
    out = tmp_path / "out" / "pred.jsonl"
    result = winnow("extract", tmp_path / "herald", "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["page_id"] for r in records] == order
    fields = {"page_id", "body", "title", "byline", "date", "language", "url", "markdown"}
    for record in records:  # a page that could not be read also says why
        extra = {"status", "error"} if record["page_id"] == "gone" else set()
        assert set(record) == fields | extra
    by_id = {r["page_id"]: r for r in records}

    assert by_id["gone"]["body"] == "" and by_id["gone"]["status"] == "error"
    assert "gone.html" in by_id["gone"]["error"]
    for name, (title, first, second) in STORIES.items():
        record = by_id[name]
        assert first in record["body"] and second in record["body"], name
        assert record["title"] == title
        assert record["byline"] == "Sam Reed"
        assert record["language"] == "en"
        # Repeated on every page of the site: learnt as chrome and removed.
        assert PROMO not in record["body"] and FOOTER not in record["body"]

    road = by_id["road"]
    assert road["title"] == "Road closed for resurfacing"
    assert road["byline"] == "Ann Lee" and road["date"] == "2024-05-02"
    assert road["body"].startswith("The main road through the village")
    assert "6 pages" in result.stderr


def test_extract_without_manifest_fails(tmp_path):
    (tmp_path / "empty").mkdir()
    result = winnow("extract", tmp_path / "empty", "--out", tmp_path / "o.jsonl", cwd=tmp_path)
    assert result.returncode != 0
    assert "manifest.jsonl" in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_validate_bad_sources(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - name: feed\n    kind: rss\n    path: feed.xml\n")
    result = winnow("validate", "--sources", bad, cwd=tmp_path)
    assert result.returncode != 0
    err = " ".join(result.stderr.split())  # undo console line wrapping
    assert "bad.yaml" in err and "'feed'" in err and "unknown kind 'rss'" in err


def test_validate_reports_bad_manifest_lines(tmp_path):
    build_dataset(tmp_path / "herald")
    with (tmp_path / "herald" / "manifest.jsonl").open("a") as handle:
        handle.write("{oops\n")
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: herald\n    kind: manifest\n    path: herald/manifest.jsonl\n"
    )
    result = winnow("validate", "--sources", sources, cwd=tmp_path)
    assert result.returncode == 1
    err = " ".join(result.stderr.split())
    assert "line 7" in err and "not valid JSON" in err
    assert "source 'herald'" in err and "7 pages" in err


@pytest.fixture(scope="module")
def run_warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    build_dataset(root / "herald")
    sources = root / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: herald\n    kind: manifest\n    path: herald/manifest.jsonl\n"
    )
    db = root / "warehouse.duckdb"
    result = winnow("run", "--sources", sources, "--warehouse", db, cwd=root)
    return root, db, result


def test_run_builds_warehouse(run_warehouse):
    root, db, result = run_warehouse
    assert result.returncode == 0, result.stderr
    assert db.is_file()
    err = " ".join(result.stderr.split())
    assert "gone.html" in err  # the unreadable page is reported, the run goes on
    assert "━" not in result.stderr and "\x1b" not in result.stderr  # no bar on a pipe
    con = warehouse.connect(db, read_only=True)
    try:
        counts = warehouse.table_counts(con)
        assert counts["pages"] == 6 and counts["articles"] == 5
        assert counts["boilerplate"] > 0 and counts["site_models"] == 1
        status = dict(con.execute("SELECT page_id, status FROM latest_pages").fetchall())
        assert status["herald/gone"] == "error" and status["herald/bridge"] == "ok"
    finally:
        con.close()


def test_query(run_warehouse):
    root, db, _ = run_warehouse
    result = winnow(
        "query",
        "SELECT page_id, has_article FROM articles ORDER BY page_id",
        "--warehouse",
        db,
        cwd=root,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "True" in line or "False" in line]
    assert len(lines) == 5
    names = ["bridge", "choir", "library", "market", "road"]
    assert [line.split()[1] for line in lines] == [f"herald/{name}" for name in names]
    assert all("True" in line for line in lines)


def test_query_is_read_only(run_warehouse):
    root, db, _ = run_warehouse
    result = winnow("query", "DELETE FROM articles", "--warehouse", db, cwd=root)
    assert result.returncode != 0
    con = warehouse.connect(db, read_only=True)
    try:
        assert warehouse.scalar(con, "SELECT count(*) FROM articles") == 5
    finally:
        con.close()


def _why_rows(stdout):
    """Rows of the `why` table: (text, decision, reason) split on the box-drawing bars."""
    rows = []
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 7 and cells[0].isdigit():
            rows.append(cells)
    return rows


def test_why_shows_boilerplate_footer(run_warehouse):
    root, db, _ = run_warehouse
    result = winnow("why", "bridge", "--warehouse", db, cwd=root)
    assert result.returncode == 0, result.stderr
    rows = _why_rows(result.stdout)
    by_text = {text: (decision, reason) for _, _, text, _, _, decision, reason in rows}
    kept = {text: (flag, float(p)) for _, _, text, flag, p, _, _ in rows}
    footer = next(text for text in by_text if text.startswith("Copyright Valley Herald"))
    decision, reason = by_text[footer]
    assert decision == "boilerplate" and "4 of 5 pages" in reason
    assert kept[footer][0] == "False" and kept[footer][1] < 0.5
    assert by_text["Home News Sport"][0] == "boilerplate"
    first = STORIES["bridge"][1]  # whole on a pipe (cut with an ellipsis on a terminal)
    assert by_text[first] == ("content", "seen on this page only")
    assert kept[first][0] == "True" and kept[first][1] >= 0.5


def test_why_unknown_page(run_warehouse):
    root, db, _ = run_warehouse
    result = winnow("why", "no-such-page", "--warehouse", db, cwd=root)
    assert result.returncode == 1
    assert "no-such-page" in result.stderr


PROMOS = [
    "Subscribe to the print edition today",
    "Download the Herald app for your phone",
    "Listen to our weekly valley podcast",
    "Join the readers panel this spring",
]
ROTATING = "Win tickets to the summer regatta ball"


def test_why_shows_slot_decision_for_rotating_text(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike nov"
    for i, word in enumerate(words.split()):
        promo = PROMOS[i // 3] if i < 12 else ROTATING  # the rotating text is on 2 pages
        body = (
            f"<p>The {word} committee met on a quiet evening and discussed the {word} plan at "
            "length with residents who had travelled from across the district to be heard.</p>"
        )
        (pages / f"s{i:02d}.html").write_text(
            f"<html><body><article><h1>Story {word}</h1>{body}</article>"
            f'<aside class="promo"><p>{promo}</p></aside></body></html>'
        )
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: box\n    kind: files\n    path: pages\n    site: box.example\n"
    )
    db = tmp_path / "w.duckdb"
    con = warehouse.connect(db)
    try:
        specs = load_sources(sources)
        stages.ingest(con, specs, "t")
        stages.segment(con, "t")
        learned = stages.learn(con, "t")
        assert learned.counts["chrome_slots"] == 1
    finally:
        con.close()
    result = winnow("why", "box/s12.html", "--warehouse", db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    by_text = {text: decision for _, _, text, _, _, decision, _ in _why_rows(result.stdout)}
    assert by_text[ROTATING] == "boilerplate"


@pytest.mark.reliability
def test_query_while_a_writer_holds_the_file_says_so(tmp_path):
    import duckdb

    db = tmp_path / "busy.duckdb"
    writer = duckdb.connect(str(db))  # this process writes; the CLI is another process
    try:
        writer.execute("CREATE TABLE t (a INTEGER)")
        result = winnow("query", "SELECT 1", "--warehouse", db, cwd=tmp_path)
    finally:
        writer.close()
    assert result.returncode == 3
    err = " ".join(result.stderr.split())
    assert "holds the warehouse open for writing" in err and "busy.duckdb" in err
    assert "Traceback" not in err


def test_why_takes_a_url(run_warehouse):
    root, db, _ = run_warehouse
    for url in (f"https://www.{SITE}/bridge", f"https://www.{SITE}/bridge/"):
        result = winnow("why", url, "--warehouse", db, cwd=root)
        assert result.returncode == 0, result.stderr
        assert "blocks of herald/bridge" in result.stdout
        assert STORIES["bridge"][1] in result.stdout
    result = winnow("why", f"https://www.{SITE}/nowhere", "--warehouse", db, cwd=root)
    assert result.returncode == 1 and "nowhere" in result.stderr


def test_why_in_json_has_every_block(run_warehouse):
    root, db, _ = run_warehouse
    result = winnow("why", "bridge", "--format", "json", "--warehouse", db, cwd=root)
    assert result.returncode == 0, result.stderr
    blocks = json.loads(result.stdout)
    assert [b["block_index"] for b in blocks] == sorted(b["block_index"] for b in blocks)
    assert {"text", "kept", "p_article", "decision", "reason"} <= set(blocks[0])
    assert any(b["text"] == STORIES["bridge"][2] and b["kept"] for b in blocks)


def test_version(tmp_path):
    import winnow as package

    result = winnow("--version", cwd=tmp_path)
    assert result.returncode == 0
    expected = f"winnow {package.__version__} (extractor {package.EXTRACTOR_VERSION})"
    assert result.stdout.strip() == expected
