"""One configuration for every command, a fresh start, and one-line messages an operator can
act on. Every test runs the real commands in subprocesses on real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.reliability

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_ENV = ("WINNOW_SOURCES", "WINNOW_WAREHOUSE", "WINNOW_WORK_DIR", "WINNOW_PAGE_SECONDS")
STORIES = {
    "bridge": "The old river bridge reopened to traffic on Monday after six months of repairs.",
    "choir": "The school choir won first prize at the regional festival on Saturday evening.",
    "market": "The weekly farmers market will move to the town square next month, it was said.",
}


def _page(title: str, sentence: str) -> str:
    body = "".join(f"<p>{sentence} Paragraph {n} of the story about {title}.</p>" for n in (1, 2))
    return f"<html><body><article><h1>{title}</h1>{body}</article></body></html>"


def _source(root: Path, name: str) -> Path:
    """A sources YAML with one manifest source ``name`` of three pages on its own site."""
    folder = root / name
    folder.mkdir(parents=True)
    rows = []
    for page_id, sentence in STORIES.items():
        (folder / f"{page_id}.html").write_text(_page(f"{name} {page_id}", sentence))
        rows.append({"page_id": page_id, "file": f"{page_id}.html", "site": f"{name}.example"})
    (folder / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = root / f"{name}.yaml"
    config.write_text(
        f"sources:\n  - name: {name}\n    kind: manifest\n    path: {name}/manifest.jsonl\n"
    )
    return config


def _env(**values: object) -> dict[str, str]:
    """This process's environment without Winnow's settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV and k != "DAGSTER_HOME"}
    env.update({k: str(v) for k, v in values.items()})
    return {**env, "COLUMNS": "300", "NO_COLOR": "1"}


def winnow(*args: object, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "winnow.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def _rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _error_lines(stderr: str) -> list[str]:
    """stderr without the lines naming the settings used."""
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not line.startswith(("sources:", "warehouse:"))
    ]


def test_every_command_reads_the_same_settings(tmp_path):
    """run, validate, query and why take the sources and warehouse from the environment (not
    the demo under data/), print them with where they came from, and a flag beats the env."""
    sources, db = _source(tmp_path, "alpha"), tmp_path / "out" / "w.duckdb"
    env = _env(WINNOW_SOURCES=sources, WINNOW_WAREHOUSE=db)
    work = tmp_path / "cwd"  # not the repository: nothing may fall back to ./data
    work.mkdir()

    done = winnow("validate", env=env, cwd=work)
    assert done.returncode == 0, done.stderr
    assert f"sources: {sources} (WINNOW_SOURCES)" in done.stderr
    assert "source 'alpha' (manifest" in done.stderr and ": 3 pages" in done.stderr

    done = winnow("run", env=env, cwd=work)
    assert done.returncode == 0, done.stderr
    assert f"sources: {sources} (WINNOW_SOURCES)" in done.stderr
    assert f"warehouse: {db} (WINNOW_WAREHOUSE)" in done.stderr
    assert _rows(db, "SELECT DISTINCT source FROM pages") == [("alpha",)]

    done = winnow(
        "query", "SELECT count(*) AS n FROM articles WHERE has_article", env=env, cwd=work
    )
    assert done.returncode == 0, done.stderr
    assert f"warehouse: {db} (WINNOW_WAREHOUSE)" in done.stderr and "sources:" not in done.stderr
    assert " 3 " in done.stdout

    done = winnow("why", "bridge", env=env, cwd=work)  # a bare id: the one source naming it
    assert done.returncode == 0, done.stderr
    assert "blocks of alpha/bridge" in done.stdout

    other = tmp_path / "other.duckdb"
    done = winnow("query", "SELECT 1", "--warehouse", other, env=env, cwd=work)
    assert f"warehouse: {other} (flag)" in done.stderr
    assert done.returncode == 3 and not other.exists()


def test_extract_prints_the_page_limits_it_applies(tmp_path):
    sources = _source(tmp_path, "alpha")
    env = _env(WINNOW_PAGE_SECONDS="2.5")
    out = tmp_path / "pred.jsonl"
    done = winnow("extract", sources.parent / "alpha", "--out", out, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "page_seconds: 2.5 (WINNOW_PAGE_SECONDS)" in done.stderr
    assert "max_page_bytes: 10000000 (default)" in done.stderr
    assert len(out.read_text().splitlines()) == 3


def test_fresh_start_forgets_the_old_sources(tmp_path):
    """Switching sources keeps the old sources' rows (documented); ``--fresh`` starts over."""
    db = tmp_path / "w.duckdb"
    alpha, beta = _source(tmp_path, "alpha"), _source(tmp_path, "beta")
    tables = ("pages", "articles", "site_models", "page_blocks")

    def sites_by_table() -> dict[str, set]:
        return {t: {r[0] for r in _rows(db, f"SELECT DISTINCT site FROM {t}")} for t in tables}

    assert (
        winnow("run", env=_env(WINNOW_SOURCES=alpha, WINNOW_WAREHOUSE=db), cwd=tmp_path).returncode
        == 0
    )
    done = winnow("run", env=_env(WINNOW_SOURCES=beta, WINNOW_WAREHOUSE=db), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert all(found == {"alpha.example", "beta.example"} for found in sites_by_table().values())

    done = winnow(
        "run", "--fresh", env=_env(WINNOW_SOURCES=beta, WINNOW_WAREHOUSE=db), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "fresh start" in done.stderr
    assert sites_by_table() == {t: {"beta.example"} for t in tables}
    assert _rows(db, "SELECT count(*) FROM articles WHERE has_article") == [(3,)]


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("published")
    db = root / "w.duckdb"
    env = _env(WINNOW_SOURCES=_source(root, "alpha"), WINNOW_WAREHOUSE=db)
    done = winnow("run", env=env, cwd=root)
    assert done.returncode == 0, done.stderr
    return root, env


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELEC 1", "Parser Error"),
        ("SELECT * FROM no_such_table", "no_such_table"),
        ("SELECT no_such_column FROM pages", "no_such_column"),
        ("DELETE FROM pages", "read-only"),
    ],
)
def test_bad_sql_is_one_line(published, sql, expected):
    root, env = published
    done = winnow("query", sql, env=env, cwd=root)
    assert done.returncode == 2
    lines = _error_lines(done.stderr)
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert done.stdout == ""


def test_a_missing_warehouse_is_named_as_missing(tmp_path):
    missing = tmp_path / "nowhere" / "w.duckdb"
    for command in (["query", "SELECT 1"], ["why", "bridge"]):
        done = winnow(*command, env=_env(WINNOW_WAREHOUSE=missing), cwd=tmp_path)
        assert done.returncode == 3
        (line,) = _error_lines(done.stderr)
        assert f"{missing}: no warehouse here yet" in line
        assert "writing" not in line  # not mistaken for a run holding it


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read sources file"),  # no file at all
        (b"sources: [\n  - name: a\n", "not valid YAML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a text (UTF-8) sources file"),
        (
            b"sources:\n  - name: a\n    kind: nosuchkind\n    path: x\n",
            "unknown kind 'nosuchkind'",
        ),
        ("folder", "not a regular file"),
    ],
)
def test_an_unreadable_config_is_one_line_for_every_command(tmp_path, content, expected):
    config = tmp_path / "sources.yaml"
    if content == "folder":
        config.mkdir()
    elif content is not None:
        config.write_bytes(content)
    env = _env(WINNOW_SOURCES=config, WINNOW_WAREHOUSE=tmp_path / "w.duckdb")
    for command in ("validate", "run"):
        done = winnow(command, env=env, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        (line,) = _error_lines(done.stderr)
        assert str(config) in line and expected in line
    assert not (tmp_path / "w.duckdb").exists()


def test_a_bad_setting_is_one_line(tmp_path):
    done = winnow("query", "SELECT 1", env=_env(WINNOW_PAGE_SECONDS="soon"), cwd=tmp_path)
    (line,) = _error_lines(done.stderr)
    assert done.returncode == 2 and "WINNOW_PAGE_SECONDS" in line and "soon" in line


def make_run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """What ``make run`` runs (the Makefile's recipe), in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "orchestration.run_once", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )


def test_make_run_is_quiet_fresh_on_request_and_ends_a_failure_with_its_cause(tmp_path):
    import dagster as dg

    from winnow.warehouse import Warehouse

    home, db = tmp_path / "home", tmp_path / "w.duckdb"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "orchestration" / "dagster.yaml").read_text())
    alpha, beta = _source(tmp_path, "alpha"), _source(tmp_path, "beta")

    done = make_run(env=_env(WINNOW_SOURCES=alpha, WINNOW_WAREHOUSE=db, DAGSTER_HOME=home))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert (
        f"sources: {alpha} (WINNOW_SOURCES)" in out and f"warehouse: {db} (WINNOW_WAREHOUSE)" in out
    )
    assert " - DEBUG - " not in out and "Traceback" not in out
    assert len(out.splitlines()) < 30, out  # the settings, a few INFO lines, the table counts
    assert f"of job ingest published {db}" in out

    done = make_run(
        "--fresh", env=_env(WINNOW_SOURCES=beta, WINNOW_WAREHOUSE=db, DAGSTER_HOME=home)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fresh start" in done.stdout
    assert _rows(db, "SELECT DISTINCT source FROM articles") == [("beta",)]

    # A newer Winnow wrote the working file (a file changed any other way is rebuilt from the
    # snapshot: tests/test_warehouse_integrity.py); an older Winnow must not throw it away.
    con = duckdb.connect(str(Warehouse(db).work_path))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
    con.close()
    done = make_run(env=_env(WINNOW_SOURCES=beta, WINNOW_WAREHOUSE=db, DAGSTER_HOME=home))
    assert done.returncode == 1
    lines = done.stdout.strip().splitlines()
    assert "of job ingest failed:" in lines[-2]
    assert lines[-1].startswith("FAILED step pages: SchemaError: ")
    assert "a newer Winnow wrote it (schema version 999" in lines[-1]
    assert _rows(db, "SELECT DISTINCT source FROM articles") == [("beta",)]  # readers unharmed

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
    assert [r.job_name for r in runs] == ["ingest"] * 3
    assert [r.status for r in runs] == [
        dg.DagsterRunStatus.FAILURE,
        dg.DagsterRunStatus.SUCCESS,
        dg.DagsterRunStatus.SUCCESS,
    ]


def test_the_ui_code_location_says_which_sources_and_warehouse_it_uses(tmp_path):
    """What ``make ui`` loads: the definitions print their settings and their resources use
    them (the UI's runs write where the message says)."""
    sources, db = _source(tmp_path, "alpha"), tmp_path / "w.duckdb"
    show = (
        "from orchestration.definitions import defs\n"
        "print(defs.resources['warehouse'].path, defs.resources['sources'].config_path)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", show],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(WINNOW_SOURCES=sources, WINNOW_WAREHOUSE=db),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expected = f"winnow: sources {sources} (WINNOW_SOURCES), warehouse {db} (WINNOW_WAREHOUSE)"
    assert expected in done.stderr
    assert done.stdout.split() == [str(db), str(sources)]
