"""The ``warc`` source: real Common Crawl samples and small WARC/WET files written here."""

from __future__ import annotations

import gzip
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from winnow import stages, warehouse
from winnow.fetch import FetchError
from winnow.fetch.warc import NewRecord, RecordError, read_record, read_warc_payload, scan
from winnow.fetch.warc import write_warc as write
from winnow.pipeline import load_page
from winnow.records import PageRef, WarcLocator
from winnow.sources import SourceError, load_sources
from winnow.sources.warc import iter_warc, warc_files

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "warc-samples"
if not SAMPLES.is_dir():  # CI lays shared/ beside the clone; a worktree sits beside /work/shared
    SAMPLES = Path("/work/shared/datasets/warc-samples")

DATE = datetime(2024, 5, 17, 12, 30, 0)
WORDS = (
    "harbour bridge council market river school garden station museum library forest "
    "valley mountain island harvest festival theatre stadium airport hospital"
).split()


def _html(title: str, body: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><p>{body}</p></body></html>".encode()


def _mixed_records() -> list[NewRecord]:
    """Three HTML pages on two sites, and one of each record Winnow must skip."""
    return [
        NewRecord("https://a.example/one", _html("One", "First story."), date=DATE),
        NewRecord("https://a.example/two", _html("Two", "Second story.")),
        NewRecord("https://b.example/x", _html("X", "Other site.")),
        NewRecord("https://a.example/one", b"", record_type="revisit", status=None),
        NewRecord("https://a.example/doc.pdf", b"%PDF-1.4 ...", content_type="application/pdf"),
        NewRecord("https://a.example/gone", _html("Gone", "Not found"), status=404),
        NewRecord("https://a.example/empty", b"  \n"),
        NewRecord(
            "https://a.example/one",
            b"GET / HTTP/1.1\r\n\r\n",
            record_type="request",
            status=None,
            content_type="application/http; msgtype=request",
        ),
    ]


def _refs(path: Path, source: str = "cc") -> tuple[list, Counter]:
    tally: Counter = Counter()
    return list(iter_warc(path, source, tally=tally)), tally


@pytest.mark.parametrize("name", ["mixed.warc.gz", "mixed.warc"])
def test_html_responses_become_pages_and_the_rest_is_counted(tmp_path, name):
    path = tmp_path / name
    offsets = write(path, _mixed_records())
    refs, tally = _refs(path)
    assert [r.url for r in refs] == [
        "https://a.example/one",
        "https://a.example/two",
        "https://b.example/x",
    ]
    first = refs[0]
    assert first.page_id == "cc/https://a.example/one" and first.fmt == "html"
    assert (first.http_status, first.content_type, first.fetched_at) == (200, "text/html", DATE)
    assert first.warc.file == str(path) and first.warc.offset == offsets[0]
    assert first.warc.record_id.startswith("<urn:uuid:")
    assert first.payload == _html("One", "First story.")
    assert tally == Counter(
        warc_files=1,
        warc_records=8,
        html_pages=3,
        skipped_revisit=1,
        skipped_non_html=1,
        skipped_status=1,
        skipped_empty=1,
        other_records=1,
    )


def test_wet_conversion_records_become_text_pages(tmp_path):
    path = tmp_path / "crawl.warc.wet.gz"
    text = "Headline\nA paragraph of the story.\n"
    write(
        path,
        [
            NewRecord(
                "https://a.example/one",
                text.encode(),
                record_type="conversion",
                status=None,
                content_type="text/plain",
            ),
            NewRecord(
                "https://a.example/two",
                b"",
                record_type="conversion",
                status=None,
                content_type="text/plain",
            ),
        ],
    )
    refs, tally = _refs(path)
    assert [(r.fmt, r.payload, r.http_status) for r in refs] == [("txt", text.encode(), None)]
    assert tally["text_pages"] == 1 and tally["skipped_empty"] == 1


def test_real_common_crawl_samples():
    refs, tally = _refs(SAMPLES / "resiliparse-tests-warcfile.warc.gz")
    assert len(refs) == tally["html_pages"] == 16
    assert tally["other_records"] == 34 and tally["record_errors"] == 0
    assert all(r.http_status == 200 and r.content_type == "text/html" for r in refs)
    assert refs[0].url == "http://003338.cn/l41/481397.html"
    wet, wet_tally = _refs(SAMPLES / "whirlwind.warc.wet.gz")
    assert [r.url for r in wet] == ["https://an.wikipedia.org/wiki/Escopete"]
    assert wet[0].fmt == "txt" and wet_tally["text_pages"] == 1
    html, _ = _refs(SAMPLES / "whirlwind.warc.gz")
    assert [r.url for r in html] == ["https://an.wikipedia.org/wiki/Escopete"]
    assert b"Escopete" in html[0].payload
    wat, wat_tally = _refs(SAMPLES / "whirlwind.warc.wat.gz")
    assert wat == [] and wat_tally["other_records"] == 2


def test_each_page_reads_back_from_its_offset():
    refs, _ = _refs(SAMPLES / "resiliparse-tests-warcfile.warc.gz")
    for ref in refs:
        assert read_warc_payload(ref.warc) == ref.payload
        record = read_record(ref.warc)
        assert (record.url, record.record_id) == (ref.url, ref.warc.record_id)


def test_reading_back_a_wrong_locator_is_a_clear_error(tmp_path):
    refs, _ = _refs(SAMPLES / "resiliparse-tests-warcfile.warc.gz")
    wrong_id = WarcLocator(refs[0].warc.file, refs[0].warc.offset, "<urn:uuid:not-this-one>")
    with pytest.raises(FetchError, match="is not <urn:uuid:not-this-one>"):
        read_record(wrong_id)
    with pytest.raises(FetchError, match=r"@ 5: cannot read WARC record"):
        read_record(WarcLocator(refs[0].warc.file, 5))
    with pytest.raises(FetchError, match="cannot read WARC record"):
        read_record(WarcLocator(str(tmp_path / "missing.warc.gz"), 0))
    # load_page reads a page from its locator when no payload travels with it
    ref = refs[1]
    bare = type(ref)(ref.page_id, ref.source, ref.location, url=ref.url, warc=ref.warc)
    assert load_page(bare).raw == ref.payload


def _five_pages(tmp_path: Path, name: str) -> tuple[Path, list[int]]:
    path = tmp_path / name
    records = [NewRecord(f"https://a.example/{i}", _html(f"T{i}", f"Story {i}.")) for i in range(5)]
    return path, write(path, records)


@pytest.mark.parametrize("name", ["bad.warc.gz", "bad.warc"])
def test_a_corrupt_record_is_recorded_and_the_rest_read(tmp_path, name):
    path, offsets = _five_pages(tmp_path, name)
    data = bytearray(path.read_bytes())
    middle = offsets[2] + (offsets[3] - offsets[2]) // 2
    data[offsets[2] + 2 if name.endswith(".gz") else middle : middle + 40] = b"\x00" * (
        middle + 40 - (offsets[2] + 2 if name.endswith(".gz") else middle)
    )
    if not name.endswith(".gz"):  # a plain record: break its header line instead
        data[offsets[2] : offsets[2] + 8] = b"GARBAGE!"
    path.write_bytes(bytes(data))
    refs, tally = _refs(path)
    good = [r.url for r in refs if r.error is None]
    errors = [r for r in refs if r.error is not None]
    assert good == [f"https://a.example/{i}" for i in (0, 1, 3, 4)]
    assert len(errors) == 1 and tally["record_errors"] == 1
    assert errors[0].warc.offset == offsets[2]
    assert str(path) in errors[0].error and f"byte {offsets[2]}" in errors[0].error
    assert load_page(errors[0]).status == "error"


@pytest.mark.parametrize("name", ["cut.warc.gz", "cut.warc"])
def test_a_truncated_file_keeps_its_whole_records(tmp_path, name):
    path, offsets = _five_pages(tmp_path, name)
    data = path.read_bytes()
    path.write_bytes(data[: offsets[4] + (len(data) - offsets[4]) // 2])
    refs, tally = _refs(path)
    assert [r.url for r in refs if r.error is None] == [f"https://a.example/{i}" for i in range(4)]
    errors = [r for r in refs if r.error]
    assert len(errors) == 1 and errors[0].warc.offset == offsets[4]
    assert "truncated" in errors[0].error or "corrupt" in errors[0].error


def _lie_about_length(path: Path, offset: int, claim: str) -> None:
    """Rewrite the WARC ``Content-Length`` of the plain record at ``offset`` (no other byte)."""
    data = path.read_bytes()
    head_end = data.index(b"\r\n\r\n", offset)
    head = data[offset:head_end]
    line = re.search(rb"Content-Length: *\d+", head).group(0)
    lied = head.replace(line, b"Content-Length: " + claim.encode(), 1)
    path.write_bytes(data[:offset] + lied + data[head_end:])


@pytest.mark.reliability
@pytest.mark.parametrize("claim", ["999999999", "10", "+1000", "+5", "-5"])
def test_a_lying_content_length_costs_one_record(tmp_path, claim):
    """A plain .warc record whose Content-Length is a lie (far past the file's end, or a few
    bytes off) is one error row at its offset; the walk resyncs at the next ``WARC/1.`` line."""
    path = tmp_path / "lying.warc"
    records = [
        NewRecord(f"https://a.example/{i}", _html(f"T{i}", f"Story {i}.")) for i in range(50)
    ]
    offsets = write(path, records)
    data = path.read_bytes()
    head_end = data.index(b"\r\n\r\n", offsets[20])
    true_length = int(re.search(rb"Content-Length: *(\d+)", data[offsets[20] : head_end])[1])
    if claim[0] in "+-":
        claim = str(true_length + int(claim))
    _lie_about_length(path, offsets[20], claim)
    refs, tally = _refs(path)
    good = [r for r in refs if r.error is None]
    assert [r.url for r in good] == [f"https://a.example/{i}" for i in range(50) if i != 20]
    assert [r.payload for r in good] == [records[i].body for i in range(50) if i != 20]
    (bad,) = [r for r in refs if r.error is not None]
    assert tally["record_errors"] == 1 and tally["html_pages"] == 49
    assert bad.warc.offset == offsets[20] and f"byte {offsets[20]}" in bad.error
    assert f"Content-Length {claim}" in bad.error
    assert load_page(bad).status == "error"


def test_garbage_and_empty_files_end_cleanly(tmp_path):
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    assert _refs(empty)[0] == []
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(gzip.compress(b"not a warc at all\n" * 100))
    items = list(scan(junk))
    assert len(items) == 1 and isinstance(items[0], RecordError) and items[0].offset == 0


def _story(i: int, chrome: str) -> bytes:
    """A news page: its own headline and paragraphs (distinct words), the site's chrome."""
    paragraphs = "".join(
        f"<p>The {WORDS[i]} report tells its own tale of the {WORDS[j + 6]} and the "
        f"{WORDS[(i + j) % 10 + 10]} that came after it.</p>"
        for j in range(4)
    )
    return (
        f"<html><body><nav><a href='/'>Home</a></nav><article><h1>The {WORDS[i]} story</h1>"
        f"{paragraphs}</article><aside><p>{chrome}</p></aside></body></html>"
    ).encode()


def _yaml(root: Path, path: str) -> Path:
    config = root / "sources.yaml"
    config.write_text(f"sources:\n  - name: cc\n    kind: warc\n    path: '{path}'\n")
    return config


def test_source_path_is_a_file_a_folder_or_a_glob(tmp_path):
    crawl = tmp_path / "crawl"
    (crawl / "2024").mkdir(parents=True)
    for name in ("a.warc.gz", "2024/b.warc", "c.warc.wet.gz", "d.wet", "e.warc.wat.gz", "f.txt"):
        (crawl / name).write_bytes(b"")
    (spec,) = load_sources(_yaml(tmp_path, "crawl"))
    assert [p.relative_to(crawl).as_posix() for p in warc_files(spec.path, spec.include)] == [
        "2024/b.warc",
        "a.warc.gz",
        "c.warc.wet.gz",
        "d.wet",
    ]
    (spec,) = load_sources(_yaml(tmp_path, "crawl/*.warc.gz"))
    assert warc_files(spec.path, spec.include) == [crawl / "a.warc.gz"]
    (spec,) = load_sources(_yaml(tmp_path, "crawl/a.warc.gz"))
    assert warc_files(spec.path, spec.include) == [crawl / "a.warc.gz"]
    (tmp_path / "later").mkdir()  # a glob over a folder that has no files yet is fine
    (spec,) = load_sources(_yaml(tmp_path, "later/*.warc.gz"))
    assert warc_files(spec.path, spec.include) == []


def test_bad_warc_paths_name_the_entry(tmp_path):
    with pytest.raises(SourceError, match=r"source #1 'cc'.*does not exist"):
        load_sources(_yaml(tmp_path, "nowhere.warc.gz"))
    with pytest.raises(SourceError, match=r"source #1 'cc'.*glob 'nowhere/\*.warc.gz'"):
        load_sources(_yaml(tmp_path, "nowhere/*.warc.gz"))


def test_ingest_keeps_the_record_locator_on_each_page(tmp_path):
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    write(crawl / "one.warc.gz", _mixed_records())
    (crawl / "two.warc.gz").write_bytes(
        (SAMPLES / "resiliparse-tests-warcfile.warc.gz").read_bytes()
    )
    specs = load_sources(_yaml(tmp_path, "crawl"))
    con = warehouse.connect(tmp_path / "wh.duckdb")
    result = stages.ingest(con, specs, "run-1")
    assert result.counts["seen"] == 19 and result.counts["new_versions"] == 19
    assert result.counts["skipped_revisit"] == 1 and result.counts["skipped_non_html"] == 1
    rows = con.execute(
        "SELECT page_id, warc_file, warc_offset, warc_record_id, http_status, content_type, "
        "fetched_at, content_hash FROM latest_pages ORDER BY page_id"
    ).fetchall()
    assert len(rows) == 19
    for page_id, file, offset, record_id, status, ctype, fetched_at, content_hash in rows:
        assert (status, ctype) == (200, "text/html") and fetched_at is not None
        page = load_page(PageRef(page_id, "cc", file, warc=WarcLocator(file, offset, record_id)))
        assert page.content_hash == content_hash
    again = stages.ingest(con, specs, "run-2")
    assert again.counts["new_versions"] == 0
    con.close()


def test_whole_path_over_a_warc_source(tmp_path):
    """ingest, segment, learn and extract over WARC pages: repeated chrome is learnt."""
    crawl = tmp_path / "crawl"
    crawl.mkdir()
    chrome = "Subscribe to the Daily Example newsletter for all the news that fits."
    records = [NewRecord(f"https://news.example/story-{i}", _story(i, chrome)) for i in range(6)]
    write(crawl / "news.warc.gz", records)
    specs = load_sources(_yaml(tmp_path, "crawl"))
    con = warehouse.connect(tmp_path / "wh.duckdb")
    stages.ingest(con, specs, "r")
    stages.segment(con, "r")
    stages.learn(con, "r")
    stages.extract(con, "r")
    bodies = dict(con.execute("SELECT url, body FROM articles").fetchall())
    con.close()
    assert len(bodies) == 6
    assert all("tells its own tale" in b and chrome not in b for b in bodies.values())


def test_warehouse_from_before_the_warc_columns_migrates(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    version, _, sql = warehouse.migrations()[0]
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
        "applied_at TIMESTAMP DEFAULT now())"
    )
    con.execute(sql)
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'core')", [version])
    con.execute(
        "INSERT INTO pages (page_id, content_hash, source, location, format, status, loaded_at, "
        "run_id) VALUES ('p', 'h', 's', 'l', 'html', 'ok', now(), 'r')"
    )
    con.close()
    con = warehouse.connect(db)
    rows = con.execute("SELECT page_id, warc_offset FROM latest_pages").fetchall()
    assert rows == [("s/p", None)]  # migration 007 keys a manifest page by its source
    con.close()
