"""Each warehouse keeps its own Dagster history: ``DAGSTER_HOME`` defaults to a folder beside
the warehouse (``data/warehouse.duckdb`` -> ``data/warehouse.dagster/``), so a run on another
warehouse (``WINNOW_WAREHOUSE``) never becomes this one's latest materialization or check.

``make run``, ``winnow run`` and ``make ui`` use it; an explicit ``DAGSTER_HOME`` wins.
``python -m orchestration.home`` prepares the folder and prints it (what ``make ui`` uses).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from winnow.settings import ROOT, Settings, SettingsError, default_dagster_home, resolve

INSTANCE_YAML = ROOT / "orchestration" / "dagster.yaml"


def prepare_home(settings: Settings) -> Path:
    """The Dagster home of ``settings.warehouse`` (or ``$DAGSTER_HOME``), with Winnow's
    instance settings in it, exported as ``DAGSTER_HOME`` for this process and its children."""
    given = os.environ.get("DAGSTER_HOME")
    home = Path(given).absolute() if given else default_dagster_home(settings.warehouse)
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    # Winnow's own folder follows the project's settings; a home the user chose keeps theirs.
    if not target.exists() or (not given and target.read_bytes() != INSTANCE_YAML.read_bytes()):
        shutil.copyfile(INSTANCE_YAML, target)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def main() -> int:
    try:
        print(prepare_home(resolve()))
    except SettingsError as exc:
        print(f"not started: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
