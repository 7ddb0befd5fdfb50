"""``winnow status``: what the last runs did and what the warehouse holds, for people who never
open the UI.

Runs come from two places: the warehouse's ``publications`` (every run that published a
snapshot, ``winnow run`` included) and, when there is one, the Dagster instance in
``DAGSTER_HOME`` (every run the UI shows, failed ones too, with their duration). Dagster's run
history is read straight from its SQLite run storage (``history/runs.db``), read-only: the core
never imports Dagster. Site health is the check's own judgement (``winnow.health``) over the
latest measured run; quarantined pages are the latest versions whose status is not ``ok``.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from winnow.cli.common import say, settings
from winnow.cli.output import json_value, write_result
from winnow.cli.query import fetch
from winnow.settings import Settings, default_dagster_home

if TYPE_CHECKING:
    import duckdb

QUARANTINE_SHOWN = 10  # pages listed by name (all are counted)

#: Published runs, newest first, with the rows whose latest load or extraction was theirs (a
#: page seen again is stamped by the run that saw it); a run started no later than the first
#: of those rows (its duration is unknown when later runs re-stamped them all).
PUBLISHED_SQL = """
WITH recent AS (SELECT run_id, max(published_at) AS published_at FROM publications
                GROUP BY run_id ORDER BY published_at DESC LIMIT ?),
     loaded AS (SELECT run_id, min(loaded_at) AS first, count(*) AS n FROM pages
                SEMI JOIN recent USING (run_id) GROUP BY run_id),
     extracted AS (SELECT run_id, min(extracted_at) AS first, count(*) AS n FROM articles
                   SEMI JOIN recent USING (run_id) GROUP BY run_id)
SELECT r.run_id, least(l.first, e.first) AS started, r.published_at,
       coalesce(l.n, 0) AS pages_loaded, coalesce(e.n, 0) AS articles_extracted
FROM recent r LEFT JOIN loaded l USING (run_id) LEFT JOIN extracted e USING (run_id)
ORDER BY r.published_at DESC
"""

DAGSTER_SQL = """
SELECT run_id, pipeline_name, status, start_time, end_time, create_timestamp
FROM runs ORDER BY coalesce(start_time, 0) DESC, create_timestamp DESC LIMIT ?
"""


def dagster_home(warehouse: Path) -> Path:
    """The Dagster instance ``make run``, ``winnow run`` and ``make ui`` use for
    ``warehouse``: ``DAGSTER_HOME``, else the folder beside the warehouse."""
    return Path(os.environ.get("DAGSTER_HOME") or default_dagster_home(Path(warehouse)))


def dagster_runs(home: Path, limit: int) -> list[dict[str, Any]] | None:
    """The instance's last runs, or None when it keeps no SQLite run history there."""
    path = home / "history" / "runs.db"
    if not path.is_file():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        rows = con.execute(DAGSTER_SQL, [limit]).fetchall()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    now = datetime.now(UTC).timestamp()
    return [
        {
            "run_id": run_id,
            "job": job,
            "outcome": status.lower(),
            "started": _when(start),
            "duration_s": _seconds((end or now) - start) if start else None,
        }
        for run_id, job, status, start, end, _ in rows
    ]


def _when(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _seconds(value: float) -> float:
    return round(value, 1)


def warehouse_runs(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    """Runs that published a snapshot: when, what they wrote, how long since they loaded."""
    columns, rows = fetch(con, PUBLISHED_SQL, [limit])
    runs = []
    for row in rows:
        run = dict(zip(columns, row, strict=True))
        started, published = run["started"], run["published_at"]
        runs.append(
            {
                "run_id": run["run_id"],
                "published_at": published.strftime("%Y-%m-%d %H:%M:%S"),
                "started": started.strftime("%Y-%m-%d %H:%M:%S") if started else None,
                "duration_s": _seconds((published - started).total_seconds()) if started else None,
                "pages_loaded": run["pages_loaded"],
                "articles_extracted": run["articles_extracted"],
            }
        )
    return runs


def merged_runs(
    published: list[dict[str, Any]], dagster: list[dict[str, Any]] | None, limit: int
) -> list[dict[str, Any]]:
    """One row per run, newest first: Dagster's outcome and duration where it ran the run,
    the warehouse's publication and counts where it published."""
    by_id = {run["run_id"]: run for run in published}
    rows = []
    for run in dagster or []:
        mine = by_id.pop(run["run_id"], {})
        rows.append(_row(run["run_id"], run["job"], run["outcome"], run, mine))
    for run_id, mine in by_id.items():  # published without Dagster (winnow run)
        rows.append(_row(run_id, "winnow run", "success", mine, mine))
    rows.sort(key=lambda r: r["started"] or r["published_at"] or "", reverse=True)
    return rows[:limit]


def _row(run_id: str, job: str, outcome: str, timing: dict, published: dict) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "job": job,
        "outcome": outcome,
        "started": timing.get("started"),
        "duration_s": timing.get("duration_s"),
        "published_at": published.get("published_at"),
        "pages_loaded": published.get("pages_loaded"),
        "articles_extracted": published.get("articles_extracted"),
    }


def table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of every table of the warehouse."""
    names = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main' "
            "ORDER BY table_name"
        ).fetchall()
    ]
    # Names come from the catalog itself, quoted as identifiers.
    return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0] for name in names}


def _exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? UNION ALL "
        "SELECT count(*) FROM duckdb_views() WHERE view_name = ?",
        [name, name],
    ).fetchall()
    return any(n for (n,) in found)


def flagged_sites(con: duckdb.DuckDBPyConnection, config: Settings) -> dict[str, Any] | None:
    """The site health check's judgement of the latest measured run, or None when this
    warehouse does not measure site health."""
    if not _exists(con, "site_health_runs"):
        return None
    from winnow import health

    latest = con.execute(
        "SELECT run_id FROM site_health_runs ORDER BY measured_at DESC LIMIT 1"
    ).fetchall()
    if not latest:
        return {"run_id": None, "sites_judged": 0, "flags": []}
    current = health.read_run(con, latest[0][0])
    history = health.read_history(
        con, latest[0][0], config.health_history_runs, config.health_min_pages
    )
    flags = health.judge(
        current, history, config.health_min_pages, config.health_max_drop, config.health_max_rise
    )
    judged = health.judged_sites(current, history, config.health_min_pages)
    return {
        "run_id": latest[0][0],
        "sites_judged": len(judged),
        "flags": flags.select("site", "figure", "value", "usual", "reason").to_dicts(),
    }


def quarantined(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Latest page versions that are not ``ok``: counted by status, the first ones named."""
    _, counts = fetch(
        con,
        "SELECT status, count(*) FROM latest_pages WHERE status <> 'ok' GROUP BY 1 ORDER BY 2 DESC",
    )
    columns, pages = fetch(
        con,
        "SELECT page_id, status, error FROM latest_pages WHERE status <> 'ok' "
        "ORDER BY status, page_id LIMIT ?",
        [QUARANTINE_SHOWN],
    )
    return {
        "by_status": dict(counts),
        "pages": [dict(zip(columns, row, strict=True)) for row in pages],
    }


def gather(args: argparse.Namespace) -> dict[str, Any]:
    from winnow.warehouse import open_published

    config = settings(args)
    home = dagster_home(config.warehouse)
    dagster = dagster_runs(home, args.runs)
    con = open_published(config.warehouse)
    try:
        published = warehouse_runs(con, args.runs)
        report = {
            "warehouse": str(config.warehouse),
            "warehouse_mb": round(Path(config.warehouse).stat().st_size / 1e6, 1),
            "dagster_home": str(home) if dagster is not None else None,
            "home": str(home),
            "runs": merged_runs(published, dagster, args.runs),
            "tables": table_rows(con),
            "site_health": flagged_sites(con, config),
            "quarantined": quarantined(con),
        }
    finally:
        con.close()
    return report


def cmd_status(args: argparse.Namespace) -> int:
    report = gather(args)
    if args.format == "json":
        json.dump(json_value(report), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    show(report)
    return 0


def show(report: dict[str, Any]) -> None:
    """The report as titled tables on stdout (notes on stderr)."""
    out = sys.stdout
    if report["dagster_home"] is None:
        say(f"dagster: no run history in {report['home']} (only published runs are shown)")
    runs = report["runs"]
    if runs:
        columns = list(runs[0])
        write_result(columns, [list(r.values()) for r in runs], "table", out, "last runs")
    else:
        out.write("last runs: none yet\n")
    tables = report["tables"]
    write_result(["table", "rows"], list(tables.items()), "table", out, "rows per table")
    health = report["site_health"]
    if health is None:
        out.write("site health: not measured in this warehouse\n")
    elif not health["flags"]:
        out.write(f"site health: {health['sites_judged']} sites judged, none flagged\n")
    else:
        flags = health["flags"]
        title = f"sites flagged by site health ({health['sites_judged']} judged)"
        write_result(list(flags[0]), [list(f.values()) for f in flags], "table", out, title)
    quarantine = report["quarantined"]
    if not quarantine["by_status"]:
        out.write("quarantined or unreadable pages: none\n")
        return
    summary = ", ".join(f"{status} {n}" for status, n in quarantine["by_status"].items())
    pages = quarantine["pages"]
    title = f"quarantined or unreadable pages: {summary}"
    write_result(list(pages[0]), [list(p.values()) for p in pages], "table", out, title)
