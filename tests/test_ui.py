"""The Dagster UI serves the graph: a real webserver on 127.0.0.1, asked over GraphQL."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def webserver(tmp_path):
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_webserver",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-w",
            str(ROOT / "workspace.yaml"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("dagster webserver did not come up on 127.0.0.1")
                time.sleep(1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_ui_serves_assets_checks_schedule_and_sensor(webserver):
    nodes = _graphql(
        webserver,
        "{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks "
        "{ checks { name } } } } }",
    )["data"]["assetNodes"]
    keys = {n["assetKey"]["path"][0] for n in nodes}
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
    checks = {c["name"] for n in nodes for c in n["assetChecksOrError"].get("checks", [])}
    assert {"page_id_unique", "article_bodies_non_empty", "chrome_share_sane"} <= checks
    repo = _graphql(
        webserver,
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { "
        "schedules { name } sensors { name } } } } }",
    )["data"]["repositoriesOrError"]["nodes"][0]
    assert [s["name"] for s in repo["schedules"]] == ["nightly_ingest"]
    assert sorted(s["name"] for s in repo["sensors"]) == [
        "export_after_ingest",
        "inbox_sensor",
        "warc_sensor",
    ]
