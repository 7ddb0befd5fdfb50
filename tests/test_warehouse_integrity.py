"""No way to tamper with a published run, corruption named and healed, a full disk, a newer
warehouse never downgraded, readers that always see the newest run (issues 23 and 24).

Real files throughout: a real ``winnow run`` into a real warehouse, ``winnow query``
subprocesses, tampering from separate processes with plain DuckDB, files zeroed, truncated and
garbled on disk, a real small tmpfs (where this machine lets the test mount one) and SIGKILLs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from winnow import warehouse
from winnow.warehouse import integrity
from winnow.warehouse.integrity import Seal
from winnow.warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.reliability
ORDER = ("pages", "page_blocks", "boilerplate", "articles", "story_clusters")
STORIES = {
    "bridge": "The old river bridge reopened to traffic on Monday after six months of repairs.",
    "choir": "The school choir won first prize at the regional festival on Saturday evening.",
    "market": "The weekly farmers market will move to the town square next month, it was said.",
}
BODIES_SQL = "SELECT page_id, body FROM articles ORDER BY page_id"


def _env(**values: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WINNOW_")}
    env.pop("DAGSTER_HOME", None)
    env.update({k: str(v) for k, v in values.items()})
    return {**env, "PYTHONPATH": str(ROOT), "COLUMNS": "300", "NO_COLOR": "1"}


def _project(root: Path) -> Path:
    """A sources YAML with one manifest source of three pages."""
    folder = root / "news"
    folder.mkdir(parents=True)
    rows = []
    for page_id, sentence in STORIES.items():
        paragraphs = "".join(f"<p>{sentence} Paragraph {n} about {page_id}.</p>" for n in (1, 2))
        html = f"<html><body><article><h1>{page_id}</h1>{paragraphs}</article></body></html>"
        (folder / f"{page_id}.html").write_text(html)
        rows.append({"page_id": page_id, "file": f"{page_id}.html", "site": "news.example"})
    (folder / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = root / "sources.yaml"
    config.write_text(
        "sources:\n  - name: news\n    kind: manifest\n    path: news/manifest.jsonl\n"
    )
    return config


def winnow(root: Path, *args: object, **env: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "winnow.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=root,
        env=_env(**env),
        timeout=300,
    )


def run(root: Path) -> subprocess.CompletedProcess:
    return winnow(root, "run", "--sources", root / "sources.yaml", "--warehouse", root / "w.duckdb")


def query(root: Path, sql: str) -> subprocess.CompletedProcess:
    return winnow(root, "query", sql, "--warehouse", root / "w.duckdb")


def rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[tuple]]:
    """One real ``winnow run`` (copied per test): the folder and its article bodies."""
    root = tmp_path_factory.mktemp("built")
    _project(root)
    done = run(root)
    assert done.returncode == 0, done.stderr
    return root, rows(root / "w.duckdb", BODIES_SQL)


@pytest.fixture
def project(built, tmp_path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(built[0], root)
    return root


def _one_line(done: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    return " ".join(done.stderr.split())


# -- 1. the query connection is a sandbox ---------------------------------------------------------

ESCAPES = {
    "attach the working file read-write": "ATTACH '{work}' AS w (READ_WRITE)",
    "copy over the working file": "COPY (SELECT 1 AS a) TO '{work}' (FORMAT csv)",
    "copy to a new file": "COPY articles TO '{root}/export.csv'",
    "read a file outside with read_csv": "SELECT * FROM read_csv('{secret}')",
    "read a file outside with read_text": "SELECT content FROM read_text('{secret}')",
    "read /etc/passwd": "SELECT * FROM read_csv('/etc/passwd')",
    "switch external access back on": "SET enable_external_access = true",
    "unlock the configuration": "SET lock_configuration = false",
    "install an extension": "INSTALL httpfs",
    "load an extension": "LOAD httpfs",
}


@pytest.mark.parametrize("escape", list(ESCAPES))
def test_winnow_query_cannot_reach_outside_the_warehouse(project, escape):
    work = Warehouse(project / "w.duckdb").work_path
    secret = project / "secret.txt"
    secret.write_text("top-secret-line\n")
    before = integrity.stamp(work)
    sql = ESCAPES[escape].format(work=work, root=project, secret=secret)
    if escape.startswith("attach"):  # then write through it, as the probe did
        sql_then = f"{sql}; UPDATE w.articles SET body = 'TAMPERED'"
        con = warehouse.open_published(project / "w.duckdb")
        with pytest.raises(duckdb.Error):
            con.execute(sql_then).fetchall()
        con.close()
    done = query(project, sql)
    line = _one_line(done)
    assert done.returncode == 2, (done.stdout, line)
    assert "holds the warehouse open" not in line  # an offline INSTALL is not a lock
    assert "top-secret-line" not in done.stdout + done.stderr
    assert integrity.stamp(work) == before  # the working file was not touched
    assert not (project / "export.csv").exists()
    assert "configuration" in line or "disabled" in line, line


def test_legitimate_reads_still_work(project):
    for sql in (
        "SELECT count(*) AS n FROM articles",
        "SELECT count(*) AS n FROM latest_pages",  # a view of the published file
        "SELECT run_id FROM publications",
        "SELECT current_setting('enable_external_access') AS external",
    ):
        done = query(project, sql)
        assert done.returncode == 0, (sql, done.stderr)
    assert "False" in query(project, "SELECT current_setting('enable_external_access')").stdout


@pytest.mark.parametrize("escape", list(ESCAPES))
def test_open_published_is_the_same_sandbox_in_process(project, escape):
    work = Warehouse(project / "w.duckdb").work_path
    secret = project / "secret.txt"
    secret.write_text("top-secret-line\n")
    con = warehouse.open_published(project / "w.duckdb")
    try:
        with pytest.raises(duckdb.Error):
            con.execute(ESCAPES[escape].format(work=work, root=project, secret=secret)).fetchall()
        assert con.execute("SELECT count(*) FROM articles").fetchall()[0][0] == len(STORIES)
    finally:
        con.close()


def test_a_notebook_may_ask_for_external_access(project):
    (project / "extra.csv").write_text("page_id\nnews/bridge\n")
    with warehouse.connect_latest(project / "w.duckdb", external_access=True) as con:
        joined = con.execute(
            f"SELECT count(*) FROM articles JOIN read_csv('{project}/extra.csv') USING (page_id)"
        ).fetchall()
    assert joined == [(1,)]


# -- 1b. a working file the run did not leave is rebuilt, not published ----------------------------

TAMPER = textwrap.dedent(
    """
    import duckdb, sys
    con = duckdb.connect(sys.argv[1])  # another program, read-write
    con.execute("UPDATE articles SET body = 'TAMPERED'")
    con.close()
    """
)


def test_a_working_file_updated_by_another_process_is_rebuilt_not_published(project, built):
    work = Warehouse(project / "w.duckdb").work_path
    subprocess.run([sys.executable, "-c", TAMPER, str(work)], check=True, timeout=120)
    assert {b for _, b in rows(work, BODIES_SQL)} == {"TAMPERED"}
    done = run(project)
    assert done.returncode == 0, done.stderr
    assert "changed by another program" in " ".join(done.stderr.split())
    assert "rebuilt it from the published snapshot" in " ".join(done.stderr.split())
    assert rows(project / "w.duckdb", BODIES_SQL) == built[1]  # the clean result
    assert rows(work, BODIES_SQL) == built[1]


@pytest.mark.parametrize("garbage", ["random bytes", "a CSV copied over it"])
def test_a_working_file_replaced_by_garbage_is_rebuilt(project, built, garbage):
    work = Warehouse(project / "w.duckdb").work_path
    if garbage == "random bytes":
        work.write_bytes(os.urandom(300_000))
    else:
        con = duckdb.connect()
        con.execute(f"COPY (SELECT 1 AS a, 'x' AS b) TO '{work}' (FORMAT csv)")
        con.close()
    done = run(project)
    assert done.returncode == 0, done.stderr
    assert rows(project / "w.duckdb", BODIES_SQL) == built[1]
    assert run(project).returncode == 0  # and every later run too


def test_a_working_file_changed_before_publish_is_not_published(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    with store.writer() as con:
        for stage in ORDER:
            warehouse.mark_stage(con, stage, "r1")
    store.publish("r1", ORDER)
    with store.writer() as con:
        for stage in ORDER:
            warehouse.mark_stage(con, stage, "r2")
    con = duckdb.connect(str(store.work_path))  # between the last step and publish
    con.execute("INSERT INTO site_models VALUES ('evil.example', 1, 1, 0, 1, 'x', now())")
    con.close()
    with pytest.raises(warehouse.PublishError, match="rebuilt it from the published snapshot"):
        store.publish("r2", ORDER)
    assert rows(store.published, "SELECT run_id FROM publications") == [("r1",)]
    assert rows(store.work_path, "SELECT count(*) FROM site_models") == [(0,)]


# -- 2. corruption named and healed ---------------------------------------------------------------


def _garble(path: Path, offset: int, size: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(os.urandom(size))


def _bit_rot(store: Warehouse, offset: int, size: int) -> None:
    """Damage the working file the way a failing disk does: the seal does not notice."""
    _garble(store.work_path, offset, size)
    Seal(store.work_dir, store.work_path).closed("bit rot")


def test_a_garbled_working_file_is_named_and_healed(project, built):
    store = Warehouse(project / "w.duckdb")
    size = store.work_path.stat().st_size
    _bit_rot(store, 4096, size - 8192)  # every block after the header
    done = run(project)
    line = _one_line(done)
    assert "Current transaction is aborted" not in line
    if done.returncode != 0:  # a step read the damage: named, the file rebuilt, run again
        assert done.returncode == 3, line
        assert "damaged warehouse file" in line and str(store.work_path) in line
        assert "run again" in line
        done = run(project)
    assert done.returncode == 0, done.stderr
    assert rows(project / "w.duckdb", BODIES_SQL) == built[1]
    assert run(project).returncode == 0


def test_damage_found_mid_step_rebuilds_and_names_the_block(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    with store.writer() as con:
        con.execute(
            "CREATE TABLE filler AS SELECT repeat('x', 200) || i AS t FROM range(200000) r(i)"
        )
        for stage in ORDER:
            warehouse.mark_stage(con, stage, "r1")
    store.publish("r1", ORDER)
    size = store.work_path.stat().st_size
    _bit_rot(store, size // 2, 600_000)
    with pytest.raises(warehouse.WarehouseCorrupt) as caught, store.writer() as con:
        con.execute("SELECT count(hash(f)) FROM filler f").fetchall()
    message = str(caught.value)
    assert "checksum" in message and str(store.work_path) in message and "run again" in message
    with store.writer() as con:  # rebuilt from the snapshot: reads whole again
        assert con.execute("SELECT count(hash(f)) FROM filler f").fetchall() == [(200000,)]


def test_a_check_reading_a_damaged_working_file_names_it(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    with store.writer() as con:
        warehouse.mark_stage(con, "pages", "r1")
    _bit_rot(store, 4096, 8192)  # the database headers
    with pytest.raises(warehouse.WarehouseCorrupt) as caught, store.reader():
        pytest.fail("a check must not get a connection to a damaged file")
    message = str(caught.value)
    assert f"{store.work_path}: damaged warehouse file" in message
    assert "the next step that writes rebuilds it" in message
    with store.writer() as con:  # and the next writer does
        assert con.execute("SELECT count(*) FROM stage_marks").fetchall() == [(0,)]


@pytest.mark.parametrize("damage", ["zeroed", "truncated", "emptied"])
def test_a_damaged_published_file_is_named_not_blamed_on_another_program(project, built, damage):
    published = project / "w.duckdb"
    size = published.stat().st_size
    if damage == "zeroed":
        published.write_bytes(b"\0" * size)
    elif damage == "truncated":
        os.truncate(published, size // 2)
    else:
        os.truncate(published, 0)
    done = query(project, "SELECT count(*), max(length(body)) FROM articles")
    line = _one_line(done)
    assert done.returncode == 3, line
    assert "another program" not in line and "holds" not in line
    assert f"{published}: damaged warehouse file" in line
    cause = {"zeroed": "not a valid DuckDB file", "emptied": "not a valid DuckDB file"}
    assert cause.get(damage, "truncated") in line
    assert "next run" in line
    done = run(project)  # the run publishes a good snapshot over it
    assert done.returncode == 0, done.stderr
    assert rows(published, BODIES_SQL) == built[1]


@pytest.mark.parametrize("damage", ["zeroed", "truncated"])
def test_a_damaged_published_file_is_never_seeded(project, built, damage):
    """No working file (deleted), a damaged snapshot: the run starts empty, reads every
    source again and publishes a whole, clean warehouse."""
    store = Warehouse(project / "w.duckdb")
    shutil.rmtree(store.work_dir)
    size = store.published.stat().st_size
    if damage == "zeroed":
        store.published.write_bytes(b"\0" * size)
    else:
        os.truncate(store.published, size // 2)
    done = run(project)
    assert done.returncode == 0, done.stderr
    assert "starts empty" in " ".join(done.stderr.split())
    assert rows(store.published, BODIES_SQL) == built[1]


def test_a_snapshot_that_differs_from_its_checksum_is_not_seeded(tmp_path):
    store = Warehouse(tmp_path / "w.duckdb")
    with store.writer() as con:
        con.execute("INSERT INTO site_models VALUES ('a.example', 1, 1, 0, 1, 'x', now())")
        for stage in ORDER:
            warehouse.mark_stage(con, stage, "r1")
    store.publish("r1", ORDER)
    con = duckdb.connect(str(store.published))  # changed after publish: valid, but not ours
    con.execute("INSERT INTO site_models VALUES ('b.example', 1, 1, 0, 1, 'x', now())")
    con.close()
    integrity.remove(store.work_path)
    lines: list[str] = []
    with store.writer(lines.append) as con:
        assert con.execute("SELECT count(*) FROM site_models").fetchall() == [(0,)]
    assert any("checksum differ" in line for line in lines), lines


def test_a_held_lock_names_the_holding_process(tmp_path):
    db = tmp_path / "busy.duckdb"
    writer = duckdb.connect(str(db))
    try:
        writer.execute("CREATE TABLE t (a INTEGER)")
        done = winnow(tmp_path, "query", "SELECT 1", "--warehouse", db)
    finally:
        writer.close()
    line = _one_line(done)
    assert done.returncode == 3 and "holds the warehouse open for writing" in line
    assert f"PID {os.getpid()}" in line


# -- 3. a full disk at publish ---------------------------------------------------------------


def _filled_store(tmp_path: Path, published_dir: Path, mb: int) -> Warehouse:
    """A working file of about ``mb`` MB (random text does not compress), stages in order."""
    store = Warehouse(published_dir / "w.duckdb", tmp_path / "work")
    with store.writer() as con:
        con.execute(
            "CREATE TABLE filler AS SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS t "
            f"FROM range({mb * 16000}) r(i)"
        )
        for stage in ORDER:
            warehouse.mark_stage(con, stage, "r1")
    return store


@pytest.fixture
def small_tmpfs(tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); ENOSPC is simulated")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_full_disk_at_publish_is_one_line_and_leaves_nothing(tmp_path, small_tmpfs, monkeypatch):
    store = _filled_store(tmp_path, small_tmpfs, 4)
    work_size = store.work_path.stat().st_size
    filler = small_tmpfs / "someone-elses-file"
    filler.write_bytes(b"\0" * (12 * 1024 * 1024 - work_size // 2))  # room for half the copy
    with pytest.raises(warehouse.PublishError) as caught:  # refused before copying
        store.publish("r1", ORDER)
    message = str(caught.value)
    assert "\n" not in message and str(small_tmpfs) in message and "MB" in message
    assert "needs" in message and "free" in message
    assert _leftovers(small_tmpfs) == [] and not store.published.exists()

    monkeypatch.setattr(integrity, "need_space", lambda *a, **k: None)  # a real ENOSPC mid-copy
    with pytest.raises(warehouse.PublishError, match="disk filled up") as caught:
        store.publish("r2", ORDER)
    assert str(small_tmpfs) in str(caught.value)
    assert _leftovers(small_tmpfs) == [] and not store.published.exists()
    assert rows(store.work_path, "SELECT count(*) FROM publications") == [(0,)]

    filler.unlink()  # space freed: the next publish works, with one row for it
    monkeypatch.undo()
    store.publish("r3", ORDER)
    assert rows(store.published, "SELECT run_id FROM publications") == [("r3",)]
    assert _leftovers(small_tmpfs) == []


def test_winnow_run_on_a_full_disk_says_so_in_one_line(tmp_path, small_tmpfs):
    _project(tmp_path)
    filler = small_tmpfs / "filler"
    filler.write_bytes(b"\0" * (12 * 1024 * 1024 - 64 * 1024))
    done = winnow(
        tmp_path,
        "run",
        "--sources",
        tmp_path / "sources.yaml",
        WINNOW_WAREHOUSE=small_tmpfs / "w.duckdb",
        WINNOW_WORK_DIR=tmp_path / "work",
        DAGSTER_HOME=tmp_path / "dagster",  # the run's history elsewhere: the warehouse is full
    )
    line = _one_line(done)
    assert done.returncode == 2, line
    assert f"not publishing: {small_tmpfs}: not enough free space" in line
    assert _leftovers(small_tmpfs) == []


def test_a_step_that_fills_the_disk_is_named_as_a_full_disk(tmp_path, small_tmpfs):
    store = Warehouse(tmp_path / "w.duckdb", small_tmpfs / "work")
    with pytest.raises(duckdb.Error) as caught, store.writer() as con:
        con.execute(
            "CREATE TABLE filler AS SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS t "
            "FROM range(2000000) r(i)"
        )
        con.execute("CHECKPOINT")
    named = warehouse.explain(store.work_path, caught.value)
    assert isinstance(named, warehouse.DiskFull), caught.value
    assert "the disk is full" in named.strerror and str(store.work_path) in named.strerror


def test_a_simulated_enospc_removes_the_temp_file(tmp_path, monkeypatch):
    store = _filled_store(tmp_path, tmp_path / "pub", 1)
    real_fsync = os.fsync

    def full(fd: int) -> None:
        if ".publish-" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(integrity.os, "fsync", full)
    with pytest.raises(warehouse.PublishError, match="disk filled up during publishing"):
        store.publish("r1", ORDER)
    assert _leftovers(tmp_path / "pub") == [] and not store.published.exists()
    assert rows(store.work_path, "SELECT count(*) FROM publications") == [(0,)]


KILLED_PUBLISH = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from winnow.warehouse import integrity
    from winnow.warehouse.store import Warehouse
    real = integrity.copy_file
    def slow(src, dst, what):
        real(src, dst, what)
        print("copied", flush=True)
        time.sleep(60)  # killed here: the copy is whole, the rename has not happened
    integrity.copy_file = slow
    store = Warehouse(sys.argv[1], sys.argv[2])
    store.publish("r2", ("pages",))
    """
)


def test_a_publish_killed_mid_copy_records_no_publication(tmp_path):
    store = Warehouse(tmp_path / "pub" / "w.duckdb", tmp_path / "work")
    with store.writer() as con:
        warehouse.mark_stage(con, "pages", "r1")
    store.publish("r1", ("pages",))
    with store.writer() as con:
        warehouse.mark_stage(con, "pages", "r2")
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUBLISH, str(store.published), str(store.work_dir)],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert proc.stdout.readline().strip() == "copied"
    finally:
        proc.kill()
        proc.wait()
    assert _leftovers(store.published.parent) != []  # the killed copy's temp file
    assert rows(store.published, "SELECT run_id FROM publications") == [("r1",)]
    assert rows(store.work_path, "SELECT run_id FROM publications") == [("r1",)]
    with store.writer() as con:
        warehouse.mark_stage(con, "pages", "r3")
    store.publish("r3", ("pages",))
    published = rows(store.published, "SELECT run_id FROM publications ORDER BY seq")
    assert published == [("r1",), ("r3",)]  # never r2: nobody could read it
    assert _leftovers(store.published.parent) == []


# -- 4. never downgrade a newer warehouse ---------------------------------------------------


def test_a_run_refuses_to_publish_over_a_newer_schema(project):
    published = project / "w.duckdb"
    newer = warehouse.latest_version() + 1
    con = duckdb.connect(str(published))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, 'future')", [newer])
    con.close()
    before = integrity.checksum_of(published)
    done = run(project)
    line = _one_line(done)
    assert done.returncode == 2, line
    assert f"schema version {newer}" in line and f"Winnow's {newer - 1}" in line
    assert integrity.checksum_of(published) == before  # not downgraded


# -- 5. readers see the newest run ----------------------------------------------------------------


def test_connect_latest_sees_a_run_published_while_this_process_holds_an_old_one(
    tmp_path, monkeypatch
):
    store = Warehouse(tmp_path / "w.duckdb")
    for run_id in ("r1",):
        with store.writer() as con:
            for stage in ORDER:
                warehouse.mark_stage(con, stage, run_id)
        store.publish(run_id, ORDER)
    latest = "SELECT run_id FROM publications ORDER BY seq DESC LIMIT 1"
    held = duckdb.connect(str(store.published), read_only=True)  # a notebook's connection
    try:
        assert held.execute(latest).fetchall() == [("r1",)]
        with store.writer() as con:
            for stage in ORDER:
                warehouse.mark_stage(con, stage, "r2")
        store.publish("r2", ORDER)
        stale = duckdb.connect(str(store.published), read_only=True)
        assert stale.execute(latest).fetchall() == [("r1",)]  # DuckDB's cached instance
        stale.close()
        with warehouse.connect_latest(store.published) as con:
            assert con.execute(latest).fetchall() == [("r2",)]
        monkeypatch.setenv("WINNOW_WAREHOUSE", str(store.published))
        with warehouse.connect_latest() as con:  # the configured warehouse
            assert con.execute(latest).fetchall() == [("r2",)]
    finally:
        held.close()
