"""Runs log at INFO by default: a backfill of three small WARC files printed 214 Dagster DEBUG
lines. Both ways a run starts are covered: ``python -m orchestration.backfill`` (its own run
config, on a temporary instance) and a run launched on an instance configured by
``orchestration/dagster.yaml`` (the UI, schedules and sensors), whose event log keeps every
structured event but no DEBUG user line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.warc_corpus import base_pages, write_corpus  # noqa: E402
from orchestration.backfill import range_tags, register_partitions, warc_backfill  # noqa: E402

DEBUG = " - DEBUG - "


@pytest.fixture()
def small_crawl(tmp_path, monkeypatch) -> Path:
    """Three WARC files of six pages each, and settings pointing at them."""
    write_corpus(tmp_path / "crawl", 18, per_file=6, base=base_pages([ROOT / "data" / "demo"]))
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: cc\n    kind: warc\n    path: crawl\n"
    )
    monkeypatch.setenv("WINNOW_SOURCES", str(tmp_path / "sources.yaml"))
    monkeypatch.setenv("WINNOW_WAREHOUSE", str(tmp_path / "wh" / "warehouse.duckdb"))
    for name in ("WINNOW_WORK_DIR", "WINNOW_LOG_LEVEL", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _backfill_output(level: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "WINNOW_LOG_LEVEL"}
    if level:
        env["WINNOW_LOG_LEVEL"] = level
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.backfill", "--in-process"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout + done.stderr


def test_backfill_command_prints_no_debug_lines_unless_asked(small_crawl):
    quiet = _backfill_output(None)
    assert quiet.count(DEBUG) == 0
    assert quiet.count("pages in") == 3  # each file's INFO line is still there
    loud = _backfill_output("DEBUG")
    assert loud.count(DEBUG) > 20  # step events: the level is what silences them


def test_runs_on_the_project_instance_log_at_info(small_crawl, capfd):
    """No run config at all, as the UI or a sensor launches it: dagster.yaml's level holds."""
    settings = yaml.safe_load((ROOT / "orchestration" / "dagster.yaml").read_text())
    with dg.instance_for_test(overrides={"python_logs": settings["python_logs"]}) as instance:
        keys = register_partitions(instance)
        result = warc_backfill().execute_in_process(instance=instance, tags=range_tags(keys))
        assert result.success
        entries = instance.all_logs(result.run_id)
    printed = capfd.readouterr()
    assert (printed.out + printed.err).count(DEBUG) == 0
    user_levels = {e.level for e in entries if e.dagster_event is None}
    assert user_levels and min(user_levels) >= 20  # INFO: no DEBUG user line recorded
    events = {e.dagster_event.event_type_value for e in entries if e.dagster_event}
    assert {"STEP_START", "STEP_SUCCESS"} <= events  # step timings still measurable
