"""Definitions load; the nightly schedule and the inbox sensor evaluate as intended."""

import importlib
import os
import time
from datetime import datetime

import dagster as dg

from orchestration import schedules
from orchestration.definitions import defs
from orchestration.sensors import make_inbox_sensor

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
        assert data.run_requests[0].partition_key == "2026-11-28"
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
