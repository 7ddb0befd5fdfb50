"""Evidence for the warehouse read/write design (docs/WAREHOUSE.md): measures and prints.

    uv run python bench/warehouse_design.py [--pages N] [--publish-mb 200]

1. In place (the old design: every step opens the one file readers open) against the snapshot
   design (steps write a private working file; the run publishes it by atomic rename): does a
   run survive a reader holding a read-only connection, and how many half-written states does a
   reader polling during runs see?
2. What publishing costs: checkpoint + copy + fsync + rename, per MB.
3. Parallel writers (4 processes): opening DuckDB directly, queueing on the warehouse write lock,
   or staging Parquet per partition: failures, lost rows, wall time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from winnow import stages, warehouse  # noqa: E402
from winnow.sources import load_sources  # noqa: E402
from winnow.warehouse import Warehouse  # noqa: E402

STATE_SQL = (
    "SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM page_blocks), "
    "(SELECT count(*) FROM articles), (SELECT count(*) FROM story_clusters)"
)
mp = multiprocessing.get_context("spawn")  # no fork of a process that has used DuckDB
POLLER = textwrap.dedent(
    """
    import duckdb, json, os, sys, time
    path, sql, stop = sys.argv[1], sys.argv[2], sys.argv[3]
    seen, errors, polls = [], 0, 0
    while not os.path.exists(stop):
        polls += 1
        try:
            con = duckdb.connect(path, read_only=True)
            seen.append(con.execute(sql).fetchall()[0])
            con.close()
        except duckdb.Error:
            errors += 1
        time.sleep(0.002)
    print(json.dumps({"polls": polls, "seen": seen, "errors": errors}))
    """
)


def _sources(root: Path, tag: str, pages: int) -> Path:
    folder = root / "extra"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(pages):
        words = " ".join(f"{tag}{i}w{j}" for j in range(80))
        (folder / f"{tag}-{i}.html").write_text(
            f"<html><body><article><h1>{tag} {i}</h1><p>{words}</p></article>"
            "<footer><p>Shared footer text of the extra site.</p></footer></body></html>"
        )
    config = root / "sources.yaml"
    demo = ROOT / "data" / "demo" / "manifest.jsonl"
    config.write_text(
        f"sources:\n  - name: demo\n    kind: manifest\n    path: {demo}\n"
        "  - name: extra\n    kind: files\n    path: extra\n    site: extra.example\n"
    )
    return config


def _stage_calls(specs, run_id):
    return [
        ("pages", lambda con: stages.ingest(con, specs, run_id)),
        ("page_blocks", lambda con: stages.segment(con, run_id)),
        ("boilerplate", lambda con: stages.learn(con, run_id)),
        ("articles", lambda con: stages.extract(con, run_id)),
        ("story_clusters", lambda con: stages.cluster(con, run_id)),
    ]


def run_in_place(path: Path, config: Path, run_id: str) -> str | None:
    """The old design: each step opens the published file for writing. Error text or None."""
    specs = load_sources(config)
    for _, call in _stage_calls(specs, run_id):
        try:
            con = warehouse.connect_file(path)
        except duckdb.Error as exc:
            return str(exc).split("\n")[0][:120]
        try:
            call(con)
        finally:
            con.close()
    return None


def run_snapshot(path: Path, config: Path, run_id: str) -> str | None:
    specs = load_sources(config)
    store = Warehouse(path)
    try:
        for _, call in _stage_calls(specs, run_id):
            with store.writer() as con:
                call(con)
        store.publish(run_id, stages.STAGE_ORDER)
    except duckdb.Error as exc:
        return str(exc).split("\n")[0][:120]
    return None


def _holder(path: Path, ready, release) -> None:
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SELECT count(*) FROM pages").fetchall()
    ready.set()
    release.wait()
    con.close()


def reader_scenarios(design: str, runner, pages: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = root / "warehouse.duckdb"
        config = _sources(root, "a", pages)
        assert runner(db, config, "first") is None
        # (a) a reader holds a read-only connection while the next run writes
        ready, release = mp.Event(), mp.Event()
        holder = mp.Process(target=_holder, args=(db, ready, release))
        holder.start()
        ready.wait()
        _sources(root, "b", pages)
        held_error = runner(db, config, "second")
        release.set()
        holder.join()
        # (b) a reader polls while three more runs write; states it saw vs whole-run states
        whole = {_state(db)} if db.exists() else set()
        stop = root / "stop"
        poller = subprocess.Popen(
            [sys.executable, "-c", POLLER, str(db), STATE_SQL, str(stop)],
            stdout=subprocess.PIPE,
            text=True,
        )
        failures = 0
        for tag in ("c", "d", "e"):
            _sources(root, tag, pages)
            failures += runner(db, config, tag) is not None
            whole.add(_state(db))
        stop.touch()
        report = json.loads(poller.communicate()[0])
        seen = [tuple(s) for s in report["seen"]]
        half = [s for s in seen if s not in whole]
        return {
            "design": design,
            "run_with_reader_held": "ok" if held_error is None else f"FAILED: {held_error}",
            "runs_failed_while_polled": failures,
            "polls": report["polls"],
            "poll_errors": report["errors"],
            "half_states_seen": len(half),
            "distinct_half_states": len(set(half)),
        }


def _state(db: Path) -> tuple:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(con.execute(STATE_SQL).fetchall()[0])
    finally:
        con.close()


def publish_cost(megabytes: int) -> dict:
    with tempfile.TemporaryDirectory(dir=ROOT / "data") as tmp:
        store = Warehouse(Path(tmp) / "warehouse.duckdb")
        with store.writer() as con:
            con.execute("SET enable_progress_bar = false")
            rows = megabytes * 1024 * 1024 // 1024  # 1 kB of random hex text per row
            blob = " || ".join(["md5(random()::VARCHAR)"] * 32)
            con.execute(
                f"CREATE TABLE filler AS SELECT range AS i, {blob} AS blob FROM range(?)", [rows]
            ).fetchall()
            for stage in stages.STAGE_ORDER:
                warehouse.mark_stage(con, stage, "bench")
        start = time.perf_counter()
        done = store.publish("bench", stages.STAGE_ORDER)
        total = time.perf_counter() - start
        size = done.bytes / 1e6
        return {
            "snapshot_mb": round(size, 1),
            "copy_s": round(done.seconds, 3),
            "publish_s": round(total, 3),
            "mb_per_s": round(size / max(done.seconds, 1e-9)),
        }


def _direct_writer(path: str, worker: int, rounds: int, out) -> None:
    fails = 0
    for _ in range(rounds):
        try:
            con = duckdb.connect(path)
            con.execute("CREATE TABLE IF NOT EXISTS tally (w INT, i INT)")
            con.execute("INSERT INTO tally SELECT ?, count(*) FROM tally", [worker])
            con.close()
        except duckdb.Error:
            fails += 1
    out.put(fails)


def _locked_writer(path: str, worker: int, rounds: int, out) -> None:
    store, waits = Warehouse(path), []
    for _ in range(rounds):
        with store.writer(waits.append) as con:
            con.execute("CREATE TABLE IF NOT EXISTS tally (w INT, i INT)")
            con.execute("INSERT INTO tally SELECT ?, count(*) FROM tally", [worker])
    out.put(sum("waiting" in w for w in waits))


def _stager(path: str, worker: int, rounds: int, out) -> None:
    store = Warehouse(path)
    for i in range(rounds):
        store.stage("tally", f"{worker}-{i}", pl.DataFrame({"w": [worker], "i": [i]}))
    out.put(0)


def parallel_writers(workers: int = 4, rounds: int = 20) -> list[dict]:
    results = []
    for name, target in (
        ("direct DuckDB open", _direct_writer),
        ("write lock (Warehouse.writer)", _locked_writer),
        ("Parquet staging + one load", _stager),
    ):
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "warehouse.duckdb")
            direct = target is _direct_writer
            out = mp.Queue()
            start = time.perf_counter()
            procs = [mp.Process(target=target, args=(path, w, rounds, out)) for w in range(workers)]
            for p in procs:
                p.start()
            for p in procs:
                p.join()
            counts = [out.get() for _ in procs]
            store = Warehouse(path)
            if target is _stager:
                with store.writer() as con:
                    con.execute("CREATE TABLE tally (w INT, i INT)")
                    store.load_staged(con, "tally", ["w", "i"])
            elapsed = time.perf_counter() - start
            file = path if direct else str(store.work_path)
            con = duckdb.connect(file, read_only=True)
            rows = con.execute("SELECT count(*) FROM tally").fetchall()[0][0]
            con.close()
            results.append(
                {
                    "writers": name,
                    "writes": workers * rounds,
                    "rows_stored": rows,
                    "failed_writes": sum(counts) if direct else 0,
                    "waits_logged": 0 if direct else sum(counts),
                    "wall_s": round(elapsed, 2),
                }
            )
    return results


def _table(rows: list[dict]) -> None:
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40, help="extra pages added per run")
    parser.add_argument("--publish-mb", type=int, nargs="*", default=[50, 200])
    args = parser.parse_args()
    os.environ.pop("WINNOW_WAREHOUSE", None)
    print(f"duckdb {duckdb.__version__}, {os.cpu_count()} cores\n")
    print("## Readers during runs\n")
    _table(
        [
            reader_scenarios("in place (old)", run_in_place, args.pages),
            reader_scenarios("snapshot (new)", run_snapshot, args.pages),
        ]
    )
    print("## Publishing cost\n")
    _table([publish_cost(mb) for mb in args.publish_mb])
    print("## Parallel writers (4 processes x 20 writes)\n")
    _table(parallel_writers())


if __name__ == "__main__":
    main()
