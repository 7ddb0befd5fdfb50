"""The Dagster UI tells a run's story: a run into a temporary warehouse, recorded in a temporary
DAGSTER_HOME, then a real webserver on 127.0.0.1 asked over GraphQL (graph, groups, code
versions, checks, the latest materializations' metadata) and a headless Chromium screenshot of
the lineage page (kept under bench/out/ui/, outside git; `make browser` installs Chromium)."""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.catalog import GROUPS
from orchestration.resources import SourcesResource, WarehouseResource
from orchestration.run_once import materialize_all

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "bench" / "out" / "ui"
ASSETS = set(GROUPS)
#: WARC partitions are loaded by make backfill; the export by its own job.
MATERIALIZED = ASSETS - {"warc_pages", "articles_export"}
BLOCKING = {
    "page_id_unique",
    "article_bodies_non_empty",
    "bodies_not_mostly_boilerplate",
    "article_bodies_are_text",
}
DEMO_SITES = ("harborgazette.example", "ridgelinepost.example", "valleyherald.example")

METADATA = (
    "assetMaterializations(limit: 1) { runId metadataEntries { label __typename "
    "... on IntMetadataEntry { intValue } ... on MarkdownMetadataEntry { mdStr } } }"
)


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
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer.get("errors")
    return answer["data"]


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """One ingest run over the demo into a temporary warehouse, recorded in a temporary
    DAGSTER_HOME (with the project's instance settings), then the webserver on a free port
    serving the workspace over that warehouse. Yields (port, warehouse path, run id)."""
    tmp = tmp_path_factory.mktemp("ui")
    home, db = tmp / "dagster_home", tmp / "warehouse.duckdb"
    home.mkdir()
    shutil.copy(ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = materialize_all(
            WarehouseResource(path=str(db)),
            SourcesResource(config_path=str(ROOT / "data" / "sources.yaml")),
            instance=instance,
        )
    assert result.success
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "WINNOW_WAREHOUSE": str(db)}
    command = [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(
        [*command, "-w", str(ROOT / "workspace.yaml")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("dagster webserver did not come up on 127.0.0.1")
                time.sleep(1)
        yield port, db, result.run_id
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_ui_serves_assets_checks_schedule_and_sensor(ui):
    port = ui[0]
    nodes = _graphql(
        port,
        "{ assetNodes { assetKey { path } groupName opVersion description "
        "dependencyKeys { path } assetChecksOrError { ... on AssetChecks "
        "{ checks { name blocking description } } } } }",
    )["assetNodes"]
    by_key = {n["assetKey"]["path"][0]: n for n in nodes}
    assert set(by_key) == ASSETS
    # Groups read left to right as the stages run; every asset says what it is and which code
    # made it (code_version), so the UI can tell when its code changed.
    assert {k: n["groupName"] for k, n in by_key.items()} == GROUPS
    assert all(n["opVersion"] and len(n["description"]) > 80 for n in nodes)
    assert {d["path"][0] for d in by_key["articles"]["dependencyKeys"]} == {"boilerplate"}
    checks = {c["name"]: c for n in nodes for c in n["assetChecksOrError"].get("checks", [])}
    assert {"page_id_unique", "chrome_share_sane", "site_health_stable"} <= set(checks)
    assert {name for name, c in checks.items() if c["blocking"]} == BLOCKING
    assert all(c["description"] for c in checks.values())
    repo = _graphql(
        port,
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { "
        "schedules { name } sensors { name } } } } }",
    )["repositoriesOrError"]["nodes"][0]
    assert [s["name"] for s in repo["schedules"]] == ["nightly_ingest"]
    assert sorted(s["name"] for s in repo["sensors"]) == [
        "export_after_ingest",
        "inbox_sensor",
        "warc_sensor",
    ]


def test_checks_of_the_run_are_shown_with_their_outcome(ui):
    port, _, run_id = ui
    nodes = _graphql(
        port,
        "{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { "
        "name executionForLatestMaterialization { runId status "
        "evaluation { severity success } } } } } } }",
    )["assetNodes"]
    executions = {
        c["name"]: c["executionForLatestMaterialization"]
        for n in nodes
        for c in n["assetChecksOrError"].get("checks", [])
    }
    assert executions and all(e is not None for e in executions.values())
    assert {e["runId"] for e in executions.values()} == {run_id}
    assert {e["status"] for e in executions.values()} == {"SUCCEEDED"}
    severity = {name: e["evaluation"]["severity"] for name, e in executions.items()}
    assert severity["page_id_unique"] == "ERROR" and severity["site_health_stable"] == "WARN"


def _latest_metadata(port: int) -> dict[str, dict]:
    nodes = _graphql(port, f"{{ assetNodes {{ assetKey {{ path }} {METADATA} }} }}")["assetNodes"]
    latest = {}
    for node in nodes:
        events = node["assetMaterializations"]
        if events:
            entries = events[0]["metadataEntries"]
            latest[node["assetKey"]["path"][0]] = {
                e["label"]: e.get("intValue", e.get("mdStr")) for e in entries
            }
    return latest


def _png(markdown: str) -> bytes:
    assert markdown.startswith("![") and "](data:image/png;base64," in markdown
    data = base64.b64decode(markdown.split("base64,", 1)[1].rstrip(")"))
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    return data


def test_latest_materializations_tell_the_run(ui):
    port, db, _ = ui
    latest = _latest_metadata(port)
    assert set(latest) == MATERIALIZED
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table in ("pages", "page_blocks", "boilerplate", "articles", "story_clusters"):
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            assert latest[table]["dagster/row_count"] == rows, table
        articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    finally:
        con.close()
    assert latest["warehouse_snapshot"]["dagster/row_count"] == articles

    art = latest["articles"]
    assert all(site in art["by_site"] for site in DEMO_SITES)  # counts by site
    assert art["preview"].startswith("| page_id | site | title")
    _png(art["plot_articles_per_day"])

    chrome = latest["boilerplate"]
    top = chrome["top_chrome_texts"].splitlines()
    assert top[0] == "| site | page_share | pages | text |"
    assert {row.split("|")[1].strip() for row in top[2:]} == set(DEMO_SITES)
    _png(chrome["plot_chrome_share"])


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


def _browse(browser: str, profile: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1400,900",
        "--virtual-time-budget=20000",
        *args,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_lineage_page_screenshot(ui, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine and `make browser` could not install one")
    port = ui[0]
    url = (
        f"http://127.0.0.1:{port}/assets/warehouse_snapshot"
        "?view=lineage&lineageScope=neighbors&lineageDepth=10"
    )
    dom = _browse(browser, tmp_path / "profile", url, "--dump-dom").stdout
    missing = [name for name in sorted(ASSETS) if f">{name}<" not in dom]
    assert not missing, f"lineage page lacks nodes {missing}"
    assert all(f">{group}<" in dom for group in set(GROUPS.values()))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "lineage.png"
    shot.unlink(missing_ok=True)
    _browse(browser, tmp_path / "profile", url, f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000  # a drawn graph, not blank
