"""Every run, whatever starts it, is a run of the ``winnow`` code location in the warehouse's
own Dagster history, one at a time, loading every configured source.

Real subprocesses (``make run``'s recipe, ``winnow run``), real DuckDB files, real WARC files
written here, a real Dagster instance and the UI's own GraphQL mutation for "Re-execute all".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

from winnow.fetch.warc import NewRecord, write_warc

ROOT = Path(__file__).resolve().parents[1]
LABEL = "__repository__@winnow"


def _env(**values: object) -> dict[str, str]:
    """This environment without Winnow's settings or a Dagster home, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WINNOW_")}
    env.pop("DAGSTER_HOME", None)
    return {**env, **{k: str(v) for k, v in values.items()}}


WORDS = (
    "harbour bridge council market river school garden station museum library forest valley "
    "mountain island harvest festival theatre stadium airport hospital orchard ferry"
).split()


def _story(tag: str, i: int) -> str:
    """A news page of its own: a headline and two paragraphs no other page shares."""
    first, second = WORDS[i % len(WORDS)], WORDS[(i * 7 + 3) % len(WORDS)]
    name = tag.title() + "".join(chr(97 + (i // 26**k) % 26) for k in range(3))  # no digits
    paragraphs = "".join(
        f"<p>The {first} report of {name} tells of the {second} and of what the town of "
        f"{name} decided about it at the {WORDS[n]} meeting, as its residents said.</p>"
        for n in (1, 2)
    )
    return f"<html><body><article><h1>{tag} story {i}</h1>{paragraphs}</article></body></html>"


def _pages(folder: Path, count: int, tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"{tag}-{i}.html").write_text(_story(tag, i))


def _sources(root: Path, *names: str, extra: str = "") -> Path:
    config = root / "sources.yaml"
    entries = "".join(
        f"  - name: {name}\n    kind: files\n    path: {name}\n    site: {name}.example\n"
        for name in names
    )
    config.write_text(f"sources:\n{entries}{extra}")
    return config


def make_run(env: dict[str, str], *args: str, wait: bool = True):
    """What ``make run`` runs (the Makefile's recipe), in its own process."""
    cmd = [sys.executable, "-m", "orchestration.run_once", *args]
    if not wait:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def winnow(env: dict[str, str], *args: str, wait: bool = True):
    cmd = [sys.executable, "-m", "winnow.cli", *args]
    if not wait:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _runs(home: Path) -> list[dg.DagsterRun]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return list(reversed(instance.get_runs()))  # oldest first


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """``make run`` then ``winnow run`` on one warehouse, neither given a DAGSTER_HOME."""
    root = tmp_path_factory.mktemp("runs")
    _pages(root / "alpha", 3, "a")
    db = root / "w.duckdb"
    env = _env(WINNOW_SOURCES=_sources(root, "alpha"), WINNOW_WAREHOUSE=db)
    first = make_run(env)
    assert first.returncode == 0, first.stdout + first.stderr
    second = winnow(env, "run")
    assert second.returncode == 0, second.stdout + second.stderr
    return root, db, env, second


def test_make_run_and_winnow_run_are_runs_of_the_code_location(two_runs):
    root, db, _, second = two_runs
    home = root / "w.dagster"  # the warehouse's own Dagster home, beside it
    assert (home / "dagster.yaml").is_file()
    assert "run " in second.stderr and f"of job ingest published {db}" in second.stderr
    runs = _runs(home)
    assert [r.job_name for r in runs] == ["ingest", "ingest"]
    assert [r.tags["winnow/trigger"] for r in runs] == ["make run", "winnow run"]
    for run in runs:
        assert run.status == dg.DagsterRunStatus.SUCCESS
        origin = run.remote_job_origin
        assert origin is not None and origin.location_name == "winnow"
        assert origin.job_name == "ingest" and run.job_code_origin is not None
    with dg.DagsterInstance.from_config(str(home)) as instance:  # the job's Runs tab's query
        listed = instance.get_runs(
            dg.RunsFilter(job_name="ingest", tags={REPOSITORY_LABEL_TAG: LABEL})
        )
        assert {r.run_id for r in listed} == {r.run_id for r in runs}
        materialized = instance.get_latest_materialization_event(dg.AssetKey("articles"))
        assert materialized is not None and materialized.run_id == runs[-1].run_id


REEXECUTE = textwrap.dedent(
    """
    import sys, dagster as dg
    from orchestration.launch import recon_job
    with dg.DagsterInstance.get() as instance:
        options = dg.ReexecutionOptions(parent_run_id=sys.argv[1])
        with dg.execute_job(recon_job("ingest"), instance, reexecution_options=options) as done:
            print(done.success, done.run_id)
    """
)

UI_REEXECUTE = textwrap.dedent(
    """
    import json, sys, dagster as dg
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import WorkspaceFileTarget
    from dagster_graphql.test.utils import execute_dagster_graphql

    MUTATION = '''mutation($id: String!) {
      launchPipelineReexecution(reexecutionParams: {parentRunId: $id, strategy: ALL_STEPS}) {
        __typename
        ... on LaunchRunSuccess { run { runId } }
        ... on PythonError { message }
      }
    }'''
    QUERY = '''query($id: ID!) {
      runOrError(runId: $id) { ... on Run { repositoryOrigin { repositoryLocationName } } }
    }'''
    target = WorkspaceFileTarget(paths=[sys.argv[2]])
    with dg.DagsterInstance.get() as instance, WorkspaceProcessContext(instance, target) as ws:
        context = ws.create_request_context()
        shown = execute_dagster_graphql(context, QUERY, {"id": sys.argv[1]}).data
        done = execute_dagster_graphql(context, MUTATION, {"id": sys.argv[1]}).data
        print(json.dumps({"shown": shown, "done": done}))
    """
)


def test_a_make_run_re_executes_from_the_ui_and_from_python(two_runs):
    root, db, env, _ = two_runs
    home = root / "w.dagster"
    parent = _runs(home)[0]
    env = {**env, "DAGSTER_HOME": str(home)}
    cmd = [sys.executable, "-c", UI_REEXECUTE, parent.run_id, str(ROOT / "workspace.yaml")]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith('{"shown"')]
    answer = json.loads(line)
    origin = answer["shown"]["runOrError"]["repositoryOrigin"]
    assert origin == {"repositoryLocationName": "winnow"}  # on the Overview timeline
    launched = answer["done"]["launchPipelineReexecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched  # "Re-execute all" works

    cmd = [sys.executable, "-c", REEXECUTE, parent.run_id]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    success, run_id = done.stdout.split()[-2:]
    assert success == "True"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        child = instance.get_run_by_id(run_id)
        assert child.parent_run_id == parent.run_id and child.status == dg.DagsterRunStatus.SUCCESS
    assert _rows(db, "SELECT count(*) FROM articles WHERE has_article") == [(3,)]


def test_another_warehouse_keeps_its_own_history(two_runs, tmp_path):
    root, _, env, _ = two_runs
    other = tmp_path / "other.duckdb"
    done = winnow({**env, "WINNOW_WAREHOUSE": str(other)}, "run")
    assert done.returncode == 0, done.stderr
    assert [r.job_name for r in _runs(tmp_path / "other.dagster")] == ["ingest"]
    assert len(_runs(root / "w.dagster")) >= 2  # untouched by the other warehouse's run
    for run in _runs(root / "w.dagster"):
        assert run.run_id not in {r.run_id for r in _runs(tmp_path / "other.dagster")}


def test_pages_is_not_partitioned_and_the_ingest_job_is_one_click():
    """The UI launches "Materialize all" as one run when no selected asset is partitioned
    (else it opens a partition picker): only the WARC files are partitions."""
    from orchestration import schedules
    from orchestration.definitions import defs

    partitioned = {
        asset.key.to_user_string()
        for asset in defs.resolve_all_asset_specs()
        if asset.partitions_def is not None
    }
    assert partitioned == {"warc_pages"}
    job = defs.resolve_job_def("ingest")
    assert job.partitions_def is None
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} == {
        "pages",
        "page_blocks",
        "boilerplate",
        "articles",
        "story_clusters",
        "warehouse_snapshot",
    }
    context = dg.build_schedule_context(repository_def=defs.get_repository_def())
    (request,) = schedules.nightly.evaluate_tick(context).run_requests
    assert request.partition_key is None


def _warc(folder: Path, name: str, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(count):
        body = _story(name, i).encode()
        records.append(NewRecord(f"https://cc.example/{name}/{i}", body))
    write_warc(folder / f"{name}.warc.gz", records)


def test_a_warc_only_source_loads_through_make_run(tmp_path):
    _warc(tmp_path / "crawl", "one", 4)
    _warc(tmp_path / "crawl", "two", 3)
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - name: cc\n    kind: warc\n    path: crawl\n")
    db = tmp_path / "w.duckdb"
    env = _env(WINNOW_SOURCES=config, WINNOW_WAREHOUSE=db)
    done = make_run(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _rows(db, "SELECT count(*) FROM pages WHERE source = 'cc' AND status = 'ok'") == [(7,)]
    assert _rows(db, "SELECT count(*) FROM articles WHERE has_article") == [(7,)]
    keys = [r[0] for r in _rows(db, "SELECT partition_key FROM warc_files ORDER BY 1")]
    assert keys == ["cc/one.warc.gz", "cc/two.warc.gz"]
    with dg.DagsterInstance.from_config(str(tmp_path / "w.dagster")) as instance:
        # the backfill's partitions: the sensor and `make backfill --new` find them loaded
        assert sorted(instance.get_dynamic_partitions("warc_files")) == keys
        assert instance.get_materialized_partitions(dg.AssetKey("warc_pages")) == set(keys)

    _warc(tmp_path / "crawl", "three", 2)  # a new file: only it is read by the next run
    done = make_run(env)
    assert done.returncode == 0, done.stdout + done.stderr
    loaded = _rows(db, "SELECT partition_key, count(*) FROM pages GROUP BY 1 ORDER BY 1")
    assert loaded == [("cc/one.warc.gz", 4), ("cc/three.warc.gz", 2), ("cc/two.warc.gz", 3)]


def test_a_source_that_produced_nothing_fails_the_run_in_one_line(tmp_path):
    (tmp_path / "crawl").mkdir()
    _pages(tmp_path / "alpha", 2, "a")
    (tmp_path / "waiting").mkdir()
    extra = (
        "  - name: cc\n    kind: warc\n    path: 'crawl/*.warc.gz'\n"
        "  - name: waiting\n    kind: files\n    path: waiting\n    optional: true\n"
    )
    config = _sources(tmp_path, "alpha", extra=extra)
    done = make_run(_env(WINNOW_SOURCES=config, WINNOW_WAREHOUSE=tmp_path / "w.duckdb"))
    assert done.returncode == 1, done.stdout
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and "source 'cc' (warc" in failed[0] and "no WARC" in failed[0]
    assert "source 'waiting'" in done.stdout and "(optional)" in done.stdout


def _lock_holder(db: Path) -> str:
    lock = db.with_name(db.stem + ".work") / "write.lock"
    try:
        return lock.read_text(errors="replace")
    except OSError:
        return ""


@pytest.mark.reliability
def test_runs_started_mid_run_wait_for_the_whole_run(tmp_path):
    """``winnow run`` and ``make run`` started while another run is in its boilerplate step
    wait for that whole run (one line says so) and succeed; one that may not wait says who
    holds the warehouse, in one line. The Dagster runs never overlap."""
    _pages(tmp_path / "alpha", 40, "a")
    db = tmp_path / "w.duckdb"
    env = _env(WINNOW_SOURCES=_sources(tmp_path, "alpha"), WINNOW_WAREHOUSE=db)
    first = winnow(env, "run", wait=False)
    deadline = time.monotonic() + 300
    while "step boilerplate" not in _lock_holder(db) and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert first.poll() is None, "the first run ended before its boilerplate step"
    others = [make_run(env, wait=False), winnow(env, "run", wait=False)]
    outs = [proc.communicate(timeout=600)[0] for proc in [first, *others]]
    assert [proc.returncode for proc in [first, *others]] == [0, 0, 0], outs
    assert "not publishing" not in "".join(outs)
    assert any("waiting up to 3600 s for another run to finish" in out for out in outs[1:])
    records = sorted(_records(tmp_path / "w.dagster"), key=lambda r: r.start_time)
    assert [r.dagster_run.status for r in records] == [dg.DagsterRunStatus.SUCCESS] * 3
    for before, after in zip(records, records[1:], strict=False):
        assert before.end_time <= after.start_time  # one whole run at a time


def _records(home: Path) -> list:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return list(instance.get_run_records())


HOLD_LOCK_THEN_RUN = textwrap.dedent(
    """
    import sys, dagster as dg
    from orchestration.launch import recon_job
    with dg.DagsterInstance.get() as instance:
        with dg.execute_job(recon_job("ingest"), instance) as done:
            print("success", done.success)
    """
)


@pytest.mark.reliability
def test_a_run_started_elsewhere_takes_the_same_lock(tmp_path):
    """A run the UI, the schedule, a sensor or a backfill starts goes through the job's
    executor, which takes the run lock: with the lock held, it waits, then gives up in one
    line naming the holder."""
    from winnow.warehouse.runlock import run_lock

    _pages(tmp_path / "alpha", 2, "a")
    db = tmp_path / "w.duckdb"
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "orchestration" / "dagster.yaml").read_text())
    env = _env(
        WINNOW_SOURCES=_sources(tmp_path, "alpha"),
        WINNOW_WAREHOUSE=db,
        WINNOW_RUN_LOCK_SECONDS=2,
        DAGSTER_HOME=home,
    )
    with run_lock(db, None, "the test", 0):
        cmd = [sys.executable, "-c", HOLD_LOCK_THEN_RUN]
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "success False" in done.stdout
    assert "waiting up to 2 s for another run to finish (the test, pid" in done.stdout + done.stderr
    assert "RunLockTimeout: another run still holds" in done.stderr and not db.exists()

    with run_lock(db, None, "the test", 0):  # make run and winnow run say so in one line
        refused = [make_run({**env, "WINNOW_RUN_LOCK_SECONDS": "0"}), winnow(env, "run")]
    for done in refused:
        assert done.returncode == 3, done.stdout + done.stderr
        (line,) = [line for line in (done.stdout + done.stderr).splitlines() if "holds" in line]
        assert "another run" in line and "holds" in line and "(the test, pid" in line
    assert not db.exists()


CONTENT = {
    "pages": "SELECT page_id, content_hash, source, status FROM pages",
    "articles": "SELECT page_id, title, body, has_article FROM articles",
    "boilerplate": "SELECT site, kind, key, pages, decision FROM boilerplate",
    "site_models": "SELECT site, model_hash FROM site_models",
    "page_blocks": "SELECT page_id, block_index, fingerprint FROM page_blocks",
    "story_clusters": "SELECT page_id, cluster_id FROM story_clusters",
}


def _content(db: Path) -> dict[str, list]:
    return {table: sorted(_rows(db, sql)) for table, sql in CONTENT.items()}


def test_a_removed_source_is_named_at_each_run_and_pruned(tmp_path):
    _pages(tmp_path / "alpha", 3, "a")
    _pages(tmp_path / "beta", 3, "b")
    db = tmp_path / "w.duckdb"
    both = tmp_path / "both"
    both.mkdir()
    env = _env(WINNOW_SOURCES=_sources(both, "alpha", "beta"), WINNOW_WAREHOUSE=db)
    for name in ("alpha", "beta"):
        (both / name).symlink_to(tmp_path / name)
    assert winnow(env, "run").returncode == 0

    env["WINNOW_SOURCES"] = str(_sources(tmp_path, "beta"))
    done = winnow(env, "run")
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "no longer configured" in line]
    assert "source 'alpha'" in line and "its 3 page versions" in line and "winnow prune" in line

    done = winnow(env, "prune")
    assert done.returncode == 0, done.stderr
    assert "dropped source 'alpha': 3 page versions" in done.stderr
    assert sorted(_rows(db, "SELECT DISTINCT source FROM pages")) == [("alpha",), ("beta",)]
    done = winnow(env, "run")  # publishes without them; nothing left to warn about
    assert done.returncode == 0 and "no longer configured" not in done.stderr, done.stderr

    clean = tmp_path / "clean.duckdb"
    assert winnow({**env, "WINNOW_WAREHOUSE": str(clean)}, "run").returncode == 0
    assert _content(db) == _content(clean)
