"""Session fixtures shared by several test files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: URLs of the demo server that answer 404: the demo warehouse's fetch errors.
MISSING = ("harborgazette.example/news/withdrawn-story.html", "harborgazette.example/old/page.html")


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory) -> Path:
    """The demo warehouse, built once per session the way ``make run`` builds it (the
    ``ingest`` job in a subprocess, its own DAGSTER_HOME and warehouse path) from data/demo's
    manifest, plus a ``urls`` source naming two pages the demo server does not have (served
    on 127.0.0.1, a free port), so the warehouse holds real fetch errors."""
    from bench.demo_server import DemoServer

    root = tmp_path_factory.mktemp("demo-warehouse")
    (root / "dagster").mkdir()
    with DemoServer() as server:
        urls = "".join(f"\n      - {server.url}{path}" for path in MISSING)
        sources = root / "sources.yaml"
        sources.write_text(
            "fetch:\n  allow_private: true\n  delay: 0.0\n  retries: 0\nsources:\n"
            f"  - name: demo\n    kind: manifest\n    path: {ROOT / 'data/demo/manifest.jsonl'}\n"
            f"  - name: gone\n    kind: urls\n    site: harborgazette.example\n    urls:{urls}\n",
            encoding="utf-8",
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("WINNOW_")},
            "WINNOW_SOURCES": str(sources),
            "WINNOW_WAREHOUSE": str(root / "warehouse.duckdb"),
            "DAGSTER_HOME": str(root / "dagster"),
        }
        done = subprocess.run(
            [sys.executable, "-m", "orchestration.run_once"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "warehouse.duckdb"
