"""`winnow query` / `winnow sql` / `winnow why` print the data as it is: no markup, binary
summarized, long cells cut only on a terminal, one-line errors. Every test runs the real
command in a subprocess; terminal behaviour is seen through a real pseudo-terminal."""

import csv
import fcntl
import io
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from winnow import stages, warehouse
from winnow.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_ENV = ("WINNOW_SOURCES", "WINNOW_WAREHOUSE", "WINNOW_WORK_DIR", "COLUMNS", "LINES")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    return {**env, "NO_COLOR": "1"}


def winnow(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The command with its output on pipes (not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "winnow.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=120,
    )


def on_terminal(*args: object, columns: int = 100) -> tuple[int, str, str]:
    """The command with stdout on a pseudo-terminal ``columns`` wide: (exit, stdout, stderr)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "winnow.cli", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_env(),
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    return proc.returncode, b"".join(chunks).decode().replace("\r\n", "\n"), stderr


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip() and ":" in line][1:]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """An empty, migrated warehouse (the queries below bring their own values)."""
    path = tmp_path_factory.mktemp("q") / "w.duckdb"
    warehouse.connect_file(path).close()
    return path


MARKUP = "[bold]hi[/bold] :x: [red]x[/] [link=http://a]b[/link]"


@pytest.mark.parametrize("where", ["pipe", "terminal"])
def test_cells_are_printed_literally_never_as_markup(db, where):
    sql = f"SELECT '{MARKUP}' AS s, '[/]' AS closing, '[Reuters] said' AS body"
    if where == "pipe":
        done = winnow("query", sql, "--warehouse", db)
        code, out, err = done.returncode, done.stdout, done.stderr
    else:
        code, out, err = on_terminal("query", sql, "--warehouse", db, columns=200)
    assert code == 0, err
    assert MARKUP in out and "[/]" in out and "[Reuters] said" in out
    assert "❌" not in out and "\x1b[" not in out  # no emoji code, no styling
    assert "Traceback" not in err


def test_a_closing_tag_alone_does_not_crash(db):
    done = winnow("query", "SELECT '[/]'", "--warehouse", db)
    assert done.returncode == 0 and "[/]" in done.stdout, done.stderr


def test_control_characters_never_reach_the_terminal(db):
    code, out, _ = on_terminal(
        "query", "SELECT 'a' || chr(27) || '[31mred' || chr(10) || 'next' AS s", "--warehouse", db
    )
    assert code == 0
    assert "\x1b" not in out
    row = next(line for line in out.splitlines() if "red" in line)
    assert "next" in row  # one row stays one line


def _size(text: str) -> int:
    found = re.search(r"([\d,]+) bytes", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


@pytest.mark.parametrize("where", ["pipe", "terminal"])
def test_binary_cells_are_a_size_and_a_prefix(db, where):
    sql = (
        "SELECT unhex('789c' || repeat('00ff', 100000)) AS raw, "
        "'ab'::BLOB || repeat('z', 5000)::BLOB AS txt"
    )
    if where == "pipe":
        done = winnow("query", sql, "--warehouse", db)
        code, out = done.returncode, done.stdout
    else:
        code, out, _ = on_terminal("query", sql, "--warehouse", db, columns=200)
    assert code == 0
    assert len(out) < 2000  # never the bytes themselves
    raw, txt = re.findall(r"<[^>]*bytes[^>]*>", out)
    assert _size(raw) == 200002 and "789c00ff" in raw.replace(" ", "")
    assert _size(txt) == 5002 and "abzz" in txt


def test_binary_in_json_and_csv_is_base64_of_the_whole_value(db):
    import base64

    sql = "SELECT unhex('789c' || repeat('00ff', 5000)) AS raw"
    done = winnow("query", sql, "--warehouse", db, "--format", "json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert base64.b64decode(row["raw"]) == bytes.fromhex("789c" + "00ff" * 5000)
    done = winnow("query", sql, "--warehouse", db, "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(done.stdout)))
    assert base64.b64decode(row["raw"]) == bytes.fromhex("789c" + "00ff" * 5000)


LONG = "SELECT 42 AS n, repeat('word ', 3000) || 'END' AS body, NULL AS nothing, '' AS empty"


def test_long_cells_are_cut_with_an_ellipsis_on_a_terminal(db):
    code, out, err = on_terminal("query", LONG, "--warehouse", db, columns=100)
    assert code == 0, err
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines and all(len(line) <= 100 for line in lines), out
    row = next(line for line in lines if "42" in line)
    assert "word word" in row and "…" in row and "END" not in row


def test_long_cells_are_whole_in_csv_and_json(db):
    whole = "word " * 3000 + "END"
    done = winnow("query", LONG, "--warehouse", db, "--format", "csv")
    assert done.returncode == 0, done.stderr
    (row,) = list(csv.DictReader(io.StringIO(done.stdout)))
    assert row == {"n": "42", "body": whole, "nothing": "", "empty": ""}
    done = winnow("query", LONG, "--warehouse", db, "--format", "json")
    assert json.loads(done.stdout) == [{"n": 42, "body": whole, "nothing": None, "empty": ""}]
    done = winnow("query", LONG, "--warehouse", db, "--format", "jsonl")
    assert [json.loads(line) for line in done.stdout.splitlines()] == [
        {"n": 42, "body": whole, "nothing": None, "empty": ""}
    ]


def test_csv_and_json_on_a_terminal_are_whole_too(db):
    code, out, _ = on_terminal("query", LONG, "--warehouse", db, "--format", "json", columns=80)
    assert code == 0
    assert json.loads(out)[0]["body"].endswith("word END")


def test_null_and_empty_string_are_told_apart_in_the_table(db):
    done = winnow("query", "SELECT NULL AS a, '' AS b", "--warehouse", db)
    assert done.returncode == 0
    row = done.stdout.splitlines()[-2]  # the row above the bottom border
    cells = [c.strip() for c in row.strip().strip("│").split("│")]
    assert cells == ["NULL", ""]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("", "no SQL statement"),
        ("   ", "no SQL statement"),
        ("-- only a comment", "no SQL statement"),
        ("SELECT 1; SELECT 2", "2 statements"),
        ("SELECT * FROM no_such_table", "no_such_table"),
        ("SELEC 1", "Parser Error"),
    ],
)
def test_sql_mistakes_are_one_line(db, sql, expected):
    for command in ("query", "sql"):
        done = winnow(command, sql, "--warehouse", db)
        assert done.returncode == 2, done.stderr
        lines = [line for line in done.stderr.splitlines() if not line.startswith("warehouse:")]
        assert len(lines) == 1 and expected in lines[0], done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""


def test_sql_is_query_with_a_table(db):
    done = winnow("sql", "SELECT 7 AS seven, 'x' AS ex", "--warehouse", db)
    assert done.returncode == 0, done.stderr
    assert "seven" in done.stdout and "│" in done.stdout
    assert re.search(r"│\s*7\s*│\s*x\s*│", done.stdout)


def test_query_keeps_polars_rich_and_dagster_out_of_its_imports(db):
    """The import path of ``winnow query`` (its start time is in the README)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "winnow.cli", "query", "SELECT 1"]
        + ["--warehouse", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        timeout=120,
    )
    assert done.returncode == 0
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    for heavy in ("polars", "pyarrow", "numpy", "rich", "dagster", "pandas"):
        assert heavy not in imported, heavy


def _page_with_brackets(folder: Path) -> None:
    folder.mkdir()
    for i, word in enumerate(["alpha", "bravo", "charlie"]):
        (folder / f"p{i}.html").write_text(
            f"<html><body><article><h1>Story {word}</h1><p>[Reuters] The {word} committee met "
            "on a quiet evening [/] and discussed :x: the plan at length with residents who "
            "had travelled from across the district.</p></article></body></html>"
        )


def test_why_prints_block_text_literally(tmp_path):
    _page_with_brackets(tmp_path / "pages")
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
        stages.learn(con, "t")
    finally:
        con.close()
    done = winnow("why", "box/p0.html", "--warehouse", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "[Reuters] The alpha committee met on a quiet evening [/]" in done.stdout
    assert "Traceback" not in done.stderr
