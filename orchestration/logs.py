"""How loud runs are: INFO by default, Dagster's DEBUG event lines only on request.

Dagster prints every engine event (step worker starting, input loaded, output handled...) at
DEBUG; a backfill of three small WARC files printed 214 such lines. Every run is quiet by
default in two ways: the instance (``dagster.yaml``: ``python_logs.python_log_level``) sets the
level of runs launched from the UI, schedules and sensors, and runs started from a command
(``make backfill``, ``make run``) pass ``WINNOW_LOG_LEVEL`` (default INFO) as their console
logger's run config, which also holds on an instance without that file (a temporary one). The
event log still records every structured event (step starts and ends); only user log lines below
the level are dropped.
"""

from __future__ import annotations

import os

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def log_level() -> str:
    """``WINNOW_LOG_LEVEL`` (default INFO); a one-line ``SystemExit`` for anything else."""
    level = os.environ.get("WINNOW_LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        raise SystemExit(f"WINNOW_LOG_LEVEL={level!r}: expected one of {', '.join(LOG_LEVELS)}")
    return level


def console_run_config(level: str) -> dict:
    """The run config that sets the console logger (Dagster's default ``console``) to ``level``."""
    return {"loggers": {"console": {"config": {"log_level": level}}}}
