"""Definitions load; the nightly schedule and the inbox sensor evaluate as intended."""

import importlib
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest

from orchestration import schedules
from orchestration.definitions import defs
from orchestration.monitor import WRITES_TAG, WRITES_VALUE
from orchestration.sensors import make_inbox_sensor

ROOT = Path(__file__).resolve().parents[1]

REPO = defs.get_repository_def()


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("ingest")
    assert job.name == "ingest"
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert keys == {
        "pages",
        "warc_pages",
        "page_blocks",
        "boilerplate",
        "articles",
        "story_clusters",
        "warehouse_snapshot",
        "articles_export",
    }


def test_nightly_schedule_runs_ingest_at_two(monkeypatch):
    monkeypatch.setenv("WINNOW_TIMEZONE", "Europe/Berlin")
    module = importlib.reload(schedules)
    try:
        assert module.nightly.cron_schedule == "0 2 * * *"
        assert module.nightly.execution_timezone == "Europe/Berlin"
        context = dg.build_schedule_context(
            scheduled_execution_time=datetime(2026, 11, 28, 2),
            repository_def=defs.get_repository_def(),
        )
        data = module.nightly.evaluate_tick(context)
        assert len(data.run_requests) == 1
        assert data.run_requests[0].partition_key is None  # every source, read whole
        assert module.nightly.job_name == "ingest"
    finally:
        monkeypatch.delenv("WINNOW_TIMEZONE")
        importlib.reload(schedules)


def test_inbox_sensor_requests_one_run_per_new_file(tmp_path):
    sensor = make_inbox_sensor(tmp_path)
    with dg.instance_for_test() as instance:
        first = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, repository_def=REPO)
        )
        assert first.run_requests == [] and first.skip_message

        page = tmp_path / "story.html"
        page.write_text("<html><body><p>New story.</p></body></html>")
        stamp = time.time() - 5
        os.utime(page, (stamp, stamp))
        second = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, repository_def=REPO)
        )
        assert len(second.run_requests) == 1
        assert second.run_requests[0].job_name in (None, "ingest")
        cursor = second.cursor

        again = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=REPO)
        )
        assert again.run_requests == []

        (tmp_path / "notes.md").write_text("not a page")
        ignored = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=REPO)
        )
        assert ignored.run_requests == []

        newer = tmp_path / "sub" / "later.txt"
        newer.parent.mkdir()
        newer.write_text("A later story.")
        third = sensor.evaluate_tick(
            dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=REPO)
        )
        assert len(third.run_requests) == 1 and third.cursor != cursor


def _home(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.mark.reliability
def test_instance_limits_writing_runs_to_one(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(_home(tmp_path)))
    with dg.DagsterInstance.get() as instance:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        assert {"key": WRITES_TAG, "value": WRITES_VALUE, "limit": 1} in limits
        assert instance.run_monitoring_enabled
    for name in ("ingest", "warc_backfill"):
        assert defs.resolve_job_def(name).tags[WRITES_TAG] == WRITES_VALUE


KILLED_RUN = """
import os, dagster as dg
from orchestration.definitions import defs
from orchestration.monitor import WORKER_TAG, worker_identity

@dg.op
def stall():
    print("stalling", flush=True)
    import time; time.sleep(600)

@dg.job(tags={"winnow/writes": "warehouse"})
def stuck():
    stall()

with dg.DagsterInstance.get() as instance:
    stuck.execute_in_process(instance=instance, tags={WORKER_TAG: worker_identity()})
"""


@pytest.mark.reliability
def test_killed_run_is_marked_failed_on_the_next_start(tmp_path):
    home = _home(tmp_path)
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert "stalling" in proc.stdout.readline()
    finally:
        proc.kill()
        proc.wait()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.STARTED  # what Dagster alone leaves behind
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.monitor"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and run.run_id in done.stdout, done.stderr
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE


@pytest.mark.reliability
def test_live_worker_is_not_reaped():
    from orchestration.monitor import worker_alive, worker_identity

    assert worker_alive(worker_identity())
    host, pid, started = worker_identity().split(":")
    assert not worker_alive(f"{host}:{pid}:{int(started) + 1}")  # a reused pid is not ours


def test_definitions_import_leaves_dask_and_pandas_unloaded():
    """Runs that never use Dask must not pay for it: dagster_dask pulls in pandas and
    dask.dataframe (about 7 s of CPU); they load only when a dask step is submitted."""
    import subprocess
    import sys

    probe = (
        "import sys, orchestration.definitions\n"
        "print(','.join(m for m in ('dagster_dask', 'pandas', 'distributed', 'dask') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == ""
