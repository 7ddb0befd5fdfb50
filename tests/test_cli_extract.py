"""`winnow extract` as trafilatura users expect it: standard output, a single file, standard
input, a folder without a manifest, --format jsonl|markdown|txt, url and markdown fields, plain
--help. The real command in subprocesses."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import FOOTER, PROMO, SITE, STORIES, TEXT_PAGE, _html, build_dataset

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ["page_id", "body", "title", "byline", "date", "language"]


def winnow(*args: object, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "winnow.cli", *map(str, args)],
        capture_output=True,
        input=stdin if stdin is not None else b"",
        cwd=cwd,
        env=env,
        timeout=300,
    )


def _lines(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.decode().splitlines()]


def test_out_dash_writes_json_lines_to_standard_output(tmp_path):
    order = build_dataset(tmp_path / "herald")
    done = winnow("extract", tmp_path / "herald", "--out", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "-").exists()
    records = _lines(done.stdout)  # nothing but JSON lines on stdout
    assert [r["page_id"] for r in records] == order
    for record in records:  # the contract's fields first, in its order
        assert list(record)[:8] == [*CONTRACT, "url", "markdown"]
    by_id = {r["page_id"]: r for r in records}
    bridge = by_id["bridge"]
    assert bridge["url"] == f"https://www.{SITE}/bridge"
    title, first, second = STORIES["bridge"]
    assert first in bridge["markdown"] and second in bridge["markdown"]
    assert PROMO not in bridge["markdown"] and FOOTER not in bridge["markdown"]
    assert by_id["gone"]["status"] == "error" and by_id["gone"]["markdown"] == ""
    assert "6 pages -> standard output" in done.stderr.decode()


def test_stdout_is_the_default(tmp_path):
    build_dataset(tmp_path / "herald")
    done = winnow("extract", tmp_path / "herald", "--limit", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [r["page_id"] for r in _lines(done.stdout)] == ["bridge", "choir"]


def test_a_single_file(tmp_path):
    page = tmp_path / "story.html"
    page.write_text(_html(*STORIES["market"]))
    done = winnow("extract", page, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (record,) = _lines(done.stdout)
    assert record["page_id"] == "story.html"
    assert record["title"] == STORIES["market"][0]
    assert STORIES["market"][1] in record["body"] and STORIES["market"][2] in record["body"]


@pytest.mark.parametrize("args", [["-"], []])
def test_standard_input(tmp_path, args):
    html = _html(*STORIES["library"]).encode()
    done = winnow("extract", *args, cwd=tmp_path, stdin=html)
    assert done.returncode == 0, done.stderr
    (record,) = _lines(done.stdout)
    assert record["page_id"] == "-"
    assert STORIES["library"][1] in record["body"]


def test_text_on_standard_input_is_read_as_a_text_page(tmp_path):
    done = winnow("extract", "-", "--format", "txt", cwd=tmp_path, stdin=TEXT_PAGE.encode())
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("The main road through the village")


def test_a_folder_without_manifest(tmp_path):
    folder = tmp_path / "dump"
    (folder / "sub").mkdir(parents=True)
    for name, story in STORIES.items():
        target = folder / ("sub" if name == "choir" else "") / f"{name}.html"
        target.write_text(_html(*story))
    (folder / "road.txt").write_text(TEXT_PAGE)
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4")  # not a page
    done = winnow("extract", folder, "--out", tmp_path / "out.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = _lines((tmp_path / "out.jsonl").read_bytes())
    ids = [r["page_id"] for r in records]
    assert sorted(ids) == sorted(
        ["bridge.html", "sub/choir.html", "market.html", "library.html", "road.txt"]
    )
    by_id = {r["page_id"]: r for r in records}
    assert STORIES["choir"][1] in by_id["sub/choir.html"]["body"]
    assert PROMO not in by_id["bridge.html"]["body"]  # the folder's pages teach the site model
    assert by_id["road.txt"]["title"] == "Road closed for resurfacing"


def test_formats_of_one_page(tmp_path):
    page = tmp_path / "story.html"
    page.write_text(_html(*STORIES["bridge"]))
    title, first, second = STORIES["bridge"]
    done = winnow("extract", page, "--format", "txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    assert first in text and second in text and "{" not in text
    (record,) = _lines(winnow("extract", page, cwd=tmp_path).stdout)
    assert text == record["body"] + "\n"
    done = winnow("extract", page, "--format", "markdown", "--out", tmp_path / "s.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "s.md").read_text() == record["markdown"] + "\n"


def test_several_pages_as_markdown_files_in_a_folder(tmp_path):
    order = build_dataset(tmp_path / "herald")
    out = tmp_path / "md"
    done = winnow(
        "extract", tmp_path / "herald", "--format", "markdown", "--out", f"{out}/", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{i}.md" for i in order)
    assert STORIES["choir"][1] in (out / "choir.md").read_text()
    assert (out / "gone.md").read_text() == ""


def test_several_pages_as_text_on_standard_output(tmp_path):
    order = build_dataset(tmp_path / "herald")
    done = winnow("extract", tmp_path / "herald", "--format", "txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode()
    headers = [line for line in text.splitlines() if line.startswith("==> ")]
    assert headers == [f"==> {page_id} <==" for page_id in order]
    assert STORIES["market"][1] in text


@pytest.mark.parametrize(
    ("target", "expected"),
    [("missing.html", "no such file or folder"), ("empty", "no page files")],
)
def test_nothing_to_read_is_one_line(tmp_path, target, expected):
    (tmp_path / "empty").mkdir()
    done = winnow("extract", tmp_path / target, "--out", tmp_path / "o.jsonl", cwd=tmp_path)
    assert done.returncode == 2
    lines = [
        line
        for line in done.stderr.decode().splitlines()
        if not line.startswith(("max_page_bytes:", "page_seconds:"))
    ]
    assert len(lines) == 1 and expected in lines[0] and target in lines[0], lines
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("command", [[], ["extract"], ["sql"], ["status"], ["why"], ["run"]])
def test_help_is_plain_words(tmp_path, command):
    done = winnow(*command, "--help", cwd=tmp_path)
    assert done.returncode == 0
    text = done.stdout.decode()
    assert "usage: winnow" in text
    for markup in ("``", ":class:", ":func:", ".. ", "[bold]", "[/"):
        assert markup not in text, markup


def _stderr_on_terminal(args: list[object], cwd: Path) -> tuple[int, str]:
    """The command with stderr on a pseudo-terminal (stdout on a pipe): (exit, stderr)."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "winnow.cli", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        cwd=cwd,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    proc.wait(timeout=300)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


def test_a_progress_bar_on_a_terminal_and_none_on_a_pipe(tmp_path):
    build_dataset(tmp_path / "herald")
    out = tmp_path / "o.jsonl"
    code, err = _stderr_on_terminal(["extract", tmp_path / "herald", "--out", out], tmp_path)
    assert code == 0, err
    assert "━" in err and "6/6" in err  # rich's bar, its count of pages
    done = winnow("extract", tmp_path / "herald", "--out", out, cwd=tmp_path)
    lines = done.stderr.decode().splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["max_page_bytes", "page_seconds"]
    assert len(lines) == 3 and lines[2].startswith("6 pages -> ")  # nothing else on a pipe
    assert "━" not in done.stderr.decode() and "\x1b" not in done.stderr.decode()
