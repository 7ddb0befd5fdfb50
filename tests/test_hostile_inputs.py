"""Hostile inputs: paths out of a source, non-regular files, oversized, binary, mis-encoded and
slow pages each get a status and a reason, cost only themselves, and never hang or kill a run.

Listed with what held in docs/RELIABILITY.md; ``make test-reliability`` runs them.
"""

import gzip
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from winnow import checks, stages, warehouse
from winnow.fetch.local import PageRejected, read_local
from winnow.limits import PageLimits, PageTimeout, time_limit
from winnow.parse.decode import decode, detect_encoding
from winnow.parse.garbage import lost_text, text_verdict
from winnow.pipeline import LoadedPage, extract_pages, load_page
from winnow.sources import iter_page_refs, load_sources

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = [
    "The council met on Monday to discuss the new bridge over the river and its budget.",
    "Engineers said the old crossing had carried twice the traffic it was built for.",
    "Residents asked whether the work would close the road during the summer holidays.",
    "The mayor promised a public meeting before any contract is signed next spring.",
]


def _article(title: str) -> str:
    paragraphs = "".join(f"<p>{s} {title}.</p>" for s in SENTENCES)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{paragraphs}</article></body></html>"
    )


def _random(size: int, low: int = 0, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(low, 256) for _ in range(size))


CP1252_CLAIMING_UTF8 = (
    '<html><head><meta charset="utf-8"><title>Café crème</title></head><body><article>'
    "<h1>Café crème</h1>"
    + "<p>Le café est déjà fermé. Il fait très froid à Paris, où les garçons servent la "
    "crème brûlée – naïve « quoted » text.</p>" * 6 + "</article></body></html>"
).encode("cp1252")


def _hostile_dataset(folder: Path) -> dict[str, str]:
    """A manifest source whose pages are each hostile in one way (page id -> file)."""
    (folder / "ds").mkdir(parents=True)
    (folder / "private").mkdir()
    (folder / "private" / "notes.txt").write_text("secret notes")
    ds = folder / "ds"
    (ds / "good.html").write_text(_article("Bridge plans"))
    (ds / "random.html").write_bytes(_random(200_000))
    (ds / "invalid.html").write_bytes(
        b'<html><head><meta charset="utf-8"></head><body><p>'
        + _random(20_000, low=0x80)
        + b"</p></body></html>"
    )
    (ds / "cp1252.html").write_bytes(CP1252_CLAIMING_UTF8)
    (ds / "big.html").write_bytes(b"<p>" + b"word " * 2_100_000 + b"</p>")
    (ds / "bomb.html.gz").write_bytes(gzip.compress(b" " * 11_000_000))
    os.mkfifo(ds / "fifo.html")
    os.symlink("/etc/hostname", ds / "link.html")
    files = {
        "good": "good.html",
        "random": "random.html",
        "invalid": "invalid.html",
        "cp1252": "cp1252.html",
        "big": "big.html",
        "bomb": "bomb.html.gz",
        "fifo": "fifo.html",
        "link": "link.html",
        "up": "../private/notes.txt",
        "abs": "/etc/hostname",
        "zero": "/dev/zero",
    }
    rows = [{"page_id": k, "file": v, "site": "x.example"} for k, v in files.items()]
    (ds / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return files


EXPECTED = {
    "good": "ok",
    "cp1252": "ok",
    "random": "binary",
    "invalid": "undecodable",
    "big": "too_large",
    "bomb": "too_large",
    "fifo": "not_regular",
    "link": "error",
    "up": "error",
    "abs": "error",
    "zero": "error",
}


def test_manifest_paths_stay_under_the_source_folder(tmp_path):
    _hostile_dataset(tmp_path)
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: h\n    kind: manifest\n    path: ds/manifest.jsonl\n"
    )
    (spec,) = load_sources(tmp_path / "sources.yaml")
    refs = {ref.page_id.removeprefix("h/"): ref for ref in iter_page_refs(spec)}
    for name in ("link", "up", "abs", "zero"):
        assert "outside the source's folder" in refs[name].error, name
        assert "manifest.jsonl: line" in refs[name].error
    assert refs["up"].error.count("private/notes.txt") == 2  # as written, and where it leads
    assert refs["good"].error is None and refs["fifo"].error is None


def test_allow_outside_reads_outside_but_still_only_regular_files(tmp_path):
    _hostile_dataset(tmp_path)
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: h\n    kind: manifest\n    path: ds/manifest.jsonl\n"
        "    allow_outside: true\n"
    )
    (spec,) = load_sources(tmp_path / "sources.yaml")
    limits = PageLimits(10_000_000, 5.0)
    pages = {ref.page_id.removeprefix("h/"): load_page(ref, limits) for ref in iter_page_refs(spec)}
    assert pages["up"].status == "ok" and pages["up"].raw == b"secret notes"
    assert pages["zero"].status == "not_regular" and "character device" in pages["zero"].error
    assert pages["fifo"].status == "not_regular" and "FIFO" in pages["fifo"].error


def test_files_source_refuses_symlinks_out_and_marks_fifos(tmp_path):
    box = tmp_path / "box"
    box.mkdir()
    (box / "ok.html").write_text(_article("Inside"))
    os.symlink(tmp_path / "box" / "ok.html", box / "alias.html")  # inside: fine
    os.symlink("/etc/hostname", box / "out.html")
    os.mkfifo(box / "pipe.html")
    (tmp_path / "s.yaml").write_text("sources:\n  - name: box\n    kind: files\n    path: box\n")
    (spec,) = load_sources(tmp_path / "s.yaml")
    pages = {r.page_id: load_page(r) for r in iter_page_refs(spec)}
    assert pages["box/ok.html"].status == "ok"
    assert pages["box/alias.html"].status == "ok"
    assert pages["box/out.html"].status == "error"
    assert "is a symlink to /etc/hostname" in pages["box/out.html"].error
    assert pages["box/pipe.html"].status == "not_regular"


def test_hard_links_to_files_outside_the_folder_are_refused(tmp_path):
    """A hard link cannot be resolved like a symlink: a file inside the folder with links
    outside it is an error row (files and manifest sources); links that all lie inside are
    read."""
    (tmp_path / "private").mkdir()
    secret = tmp_path / "private" / "secret.html"
    secret.write_text(_article("Secret"))
    box = tmp_path / "box"
    box.mkdir()
    os.link(secret, box / "stolen.html")
    (box / "a.html").write_text(_article("Twice inside"))
    os.link(box / "a.html", box / "b.html")
    (box / "m.jsonl").write_text(
        json.dumps({"page_id": "m1", "file": "stolen.html"})
        + "\n"
        + json.dumps({"page_id": "m2", "file": "a.html"})
        + "\n"
    )
    (tmp_path / "s.yaml").write_text(
        "sources:\n  - name: box\n    kind: files\n    path: box\n    include: ['*.html']\n"
        "  - name: man\n    kind: manifest\n    path: box/m.jsonl\n"
    )
    specs = load_sources(tmp_path / "s.yaml")
    pages = {r.page_id: load_page(r) for spec in specs for r in iter_page_refs(spec)}
    for refused in ("box/stolen.html", "man/m1"):
        assert pages[refused].status == "error" and pages[refused].raw is None
        assert "is a hard link to a file with 1 other link(s) outside" in pages[refused].error
    assert pages["box/a.html"].status == pages["box/b.html"].status == "ok"
    assert pages["man/m2"].status == "ok"


def test_read_local_caps_size_and_refuses_what_is_not_a_file(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(b"x" * 1000)
    assert read_local(page, 1000) == b"x" * 1000
    with pytest.raises(PageRejected) as too_big:
        read_local(page, 999)
    assert too_big.value.page_status == "too_large"
    packed = tmp_path / "p.html.gz"
    packed.write_bytes(gzip.compress(b"y" * 5000))  # 5 KB unzipped from a few bytes
    with pytest.raises(PageRejected):
        read_local(packed, 4999)
    with pytest.raises(PageRejected) as device:
        read_local(Path("/dev/zero"), 1000)
    assert device.value.page_status == "not_regular"
    with pytest.raises(PageRejected) as folder:
        read_local(tmp_path, 1000)
    assert "directory" in str(folder.value)


def test_winnow_extract_survives_every_hostile_page(tmp_path):
    """The whole ``winnow extract`` in a subprocess: no hang on the FIFO, no MemoryError on
    /dev/zero, one line per page with the status and reason of each quarantined one."""
    _hostile_dataset(tmp_path)
    out = tmp_path / "pred.jsonl"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "winnow.cli", "extract", tmp_path / "ds", "--out", out],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 120
    records = {r["page_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(records) == set(EXPECTED)
    for page_id, status in EXPECTED.items():
        assert records[page_id].get("status", "ok") == status, (page_id, records[page_id])
        if status != "ok":
            assert records[page_id]["body"] == "" and records[page_id]["error"]


def test_false_utf8_claim_falls_back_to_detection():
    assert detect_encoding(CP1252_CLAIMING_UTF8) == "cp1252"
    text, _ = decode(CP1252_CLAIMING_UTF8)
    assert "crème brûlée" in text and "\ufffd" not in text
    # A UTF-8 page with a stray byte is still UTF-8 (one U+FFFD), not re-detected.
    stray = "<meta charset='utf-8'><p>Zürich – Genève – Kraków</p>".encode() + b"\xff"
    assert detect_encoding(stray) == "utf-8"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_pages_without_a_bom_are_decoded_not_binary(tmp_path, encoding):
    """UTF-16/32 without a BOM is valid "UTF-8" full of NUL bytes: it was quarantined as
    binary. The NUL pattern names the encoding; the page is read and extracted."""
    russian = "Правительство объявило о новых мерах поддержки для жителей города."
    html = _article("Café crème").replace("</article>", f"<p>{russian}</p></article>")
    (tmp_path / "box").mkdir()
    (tmp_path / "box" / "wide.html").write_bytes(html.encode(encoding))
    (tmp_path / "s.yaml").write_text("sources:\n  - name: box\n    kind: files\n    path: box\n")
    (spec,) = load_sources(tmp_path / "s.yaml")
    (page,) = [load_page(ref) for ref in iter_page_refs(spec)]
    assert (page.status, page.error, page.encoding) == ("ok", None, encoding)
    assert decode(page.raw) == (html, encoding)
    article = extract_pages([page])["box/wide.html"]
    assert russian in article.body and SENTENCES[0] in article.body


def test_garbage_measures_separate_text_from_bytes():
    assert text_verdict(_random(50_000).decode("cp1252", "replace")).status == "binary"
    assert text_verdict("ok text \ufffd\ufffd\ufffd" * 100).status == "undecodable"
    mojibake = _random(20_000, low=0xA0).decode("latin-1")  # letters, but no language
    assert text_verdict(mojibake).status == "undecodable"
    for clean in (_article("Plain English"), "Правительство объявило о новых мерах. " * 50):
        assert text_verdict(clean) is None
    text = "<p>" + "a" * 2_000_000 + "</p>"
    assert lost_text(text, kept_chars=1000).status == "truncated"
    assert lost_text(text, kept_chars=2_000_000) is None


def test_time_limit_interrupts_and_restores_an_outer_limit():
    with pytest.raises(PageTimeout), time_limit(0.2, "spinning"):
        while True:
            pass
    start = time.monotonic()
    with pytest.raises(PageTimeout), time_limit(1.0, "outer"):
        with time_limit(0.1, "inner"):
            pass
        while True:
            pass
    assert 0.8 < time.monotonic() - start < 3


def _page(page_id: str, html: bytes) -> LoadedPage:
    url = f"https://x.example/{page_id}"
    return LoadedPage(page_id, "s", page_id, url, "x.example", "html", html, page_id, "utf-8", "ok")


def test_a_slow_page_times_out_alone():
    # 400,000 short paragraphs (7 MB, under the size cap): seconds of work on any machine, where
    # one long run of words became fast enough to finish inside the limit once the walk was compiled
    slow = b"<html><body><article><h1>T</h1>" + b"<p>a word here</p>" * 400_000 + b"</article>"
    pages = [_page("slow", slow), _page("fine", _article("Fine page").encode())]
    articles = extract_pages(pages, PageLimits(10_000_000, 0.3))
    assert pages[0].status == "timeout" and "took over 0.3 s" in pages[0].error
    assert articles["slow"].body == ""
    assert pages[1].status == "ok" and "Fine page" in articles["fine"].body


def test_winnow_extract_names_a_timed_out_page_by_its_page_id(tmp_path):
    """``winnow extract``'s timeout message names the manifest's page id (not the page's index
    in the run); a repeated id is told apart as ``<id>#2``."""
    folder = tmp_path / "ds"
    folder.mkdir()
    slow = b"<html><body><article><h1>Slow</h1>" + b"<p>a word here</p>" * 400_000 + b"</article>"
    (folder / "slow.html").write_bytes(slow)
    (folder / "fine.html").write_text(_article("Fine page"))
    rows = [("fine-story", "fine.html"), ("slow-story", "slow.html"), ("slow-story", "slow.html")]
    (folder / "manifest.jsonl").write_text(
        "".join(json.dumps({"page_id": p, "file": f}) + "\n" for p, f in rows)
    )
    out = tmp_path / "pred.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "winnow.cli", "extract", str(folder), "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "WINNOW_PAGE_SECONDS": "0.2"},
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["page_id"] for r in records] == [p for p, _ in rows]
    fine = records[0]  # under a loaded machine even a small page may run out of 0.2 s
    assert "Fine page" in fine["body"] or " fine-story took over 0.2 s" in fine["error"]
    first, second = records[1], records[2]
    assert first["status"] == second["status"] == "timeout"
    assert " slow-story took over 0.2 s" in first["error"], first["error"]
    assert " slow-story#2 took over 0.2 s" in second["error"], second["error"]


def test_winnow_run_stores_statuses_and_checks_hold(tmp_path, monkeypatch):
    """A run over the hostile source (and a slow page): every page has a row with its
    status, quarantined pages have no article, the checks pass, the run publishes."""
    _hostile_dataset(tmp_path)
    slow = b"<html><body><article><h1>Slow</h1>" + b"<p>a word here</p>" * 400_000 + b"</article>"
    (tmp_path / "ds" / "slow.html").write_bytes(slow)
    with (tmp_path / "ds" / "manifest.jsonl").open("a") as manifest:
        manifest.write(json.dumps({"page_id": "slow", "file": "slow.html"}) + "\n")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: h\n    kind: manifest\n    path: ds/manifest.jsonl\n"
    )
    specs = load_sources(tmp_path / "sources.yaml")
    limits = PageLimits(10_000_000, 0.5)
    store = warehouse.Warehouse(tmp_path / "wh.duckdb")
    steps = [
        lambda con: stages.ingest(con, specs, "r1", limits=limits),
        lambda con: stages.segment(con, "r1", limits),
        lambda con: stages.learn(con, "r1"),
        lambda con: stages.extract(con, "r1", limits),
        lambda con: stages.cluster(con, "r1"),
    ]
    for step in steps:
        with store.writer() as con:
            step(con)
    store.publish("r1", stages.STAGE_ORDER)
    con = warehouse.open_published(tmp_path / "wh.duckdb")
    try:
        statuses = dict(con.execute("SELECT page_id, status FROM latest_pages").fetchall())
        expected = {**EXPECTED, "slow": "timeout"}
        assert statuses == {f"h/{page_id}": status for page_id, status in expected.items()}
        with_article = {r[0] for r in con.execute("SELECT page_id FROM articles").fetchall()}
        assert with_article == {"h/good", "h/cp1252"}
        text = con.execute(
            "SELECT string_agg(text, ' ') FROM page_blocks WHERE page_id = 'h/cp1252'"
        ).fetchone()[0]
        assert "crème brûlée" in text and "\ufffd" not in text
        assert checks.article_bodies_present(con)[0]
        assert checks.bodies_are_text(con)[0]
        passed, details = checks.pages_readable(con)
        assert not passed and details["by_status"]["too_large"] == 2
    finally:
        con.close()


def test_bodies_are_text_check_fails_on_garbage_bodies(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        con.execute(
            "INSERT INTO articles (page_id, content_hash, body, has_article, extractor_version, "
            "run_id, extracted_at) VALUES ('g', 'h', ?, true, 'v', 'r', now()), "
            "('t', 'h', 'A plain sentence of text.', true, 'v', 'r', now())",
            [_random(5000).decode("cp1252", "replace")],
        )
        passed, details = checks.bodies_are_text(con)
        assert not passed and list(details["pages"]) == ["g"] and details["checked"] == 2
    finally:
        con.close()


def test_a_binary_sources_file_is_one_line(tmp_path):
    config = tmp_path / "sources.yaml"
    config.write_bytes(_random(3000, low=0x80))
    done = subprocess.run(
        [sys.executable, "-m", "winnow.cli", "validate", "--sources", config],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 2
    assert "not a text (UTF-8) sources file" in done.stderr
    assert "Traceback" not in done.stderr
