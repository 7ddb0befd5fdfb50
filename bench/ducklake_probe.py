"""The DuckLake alternative, measured (the design not taken; see docs/WAREHOUSE.md).

DuckLake's extension ships on PyPI pinned to one DuckDB release, older than the project's, so
this runs in a throwaway environment and loads the extension from the package (no download):

    uv run --no-project --with duckdb-extension-ducklake --with duckdb-extension-sqlite-scanner \
        python bench/ducklake_probe.py

For a DuckDB-file catalog and a SQLite catalog: can a reader process stay attached while a writer
commits, and what happens when 4 processes insert 10 times each at once?
"""

from __future__ import annotations

import multiprocessing as mp
import shutil
import tempfile
import time
from pathlib import Path

import duckdb


def _extension(package: str, name: str) -> str:
    module = __import__(package)
    return str(Path(module.__file__).parent / "extensions" / f"v{duckdb.__version__}" / name)


DUCKLAKE = _extension("duckdb_extension_ducklake", "ducklake.duckdb_extension")
SQLITE = _extension("duckdb_extension_sqlite_scanner", "sqlite_scanner.duckdb_extension")


def _lake(root: str, catalog: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    con.execute(f"LOAD '{DUCKLAKE}'")
    if catalog.startswith("sqlite:"):
        con.execute(f"LOAD '{SQLITE}'")
    mode = ", READ_ONLY" if read_only else ""
    con.execute(f"ATTACH 'ducklake:{catalog}' AS lake (DATA_PATH '{root}/data/'{mode})")
    return con


def _reader(root, catalog, ready, release, out) -> None:
    try:
        con = _lake(root, catalog, read_only=True)
        con.execute("SELECT count(*) FROM lake.t").fetchall()
        ready.set()
        release.wait()
        out.put(("reader", "ok"))
    except duckdb.Error as exc:
        ready.set()
        out.put(("reader", f"failed: {str(exc)[:90]}"))


def _writer(root, catalog, worker, rounds, out) -> None:
    fails, errors = 0, set()
    for i in range(rounds):
        try:
            con = _lake(root, catalog)
            con.execute("INSERT INTO lake.t SELECT ?, range FROM range(100)", [worker * 100 + i])
            con.close()
        except duckdb.Error as exc:
            fails += 1
            errors.add(str(exc).split("\n")[-1][:80])
    out.put(("writer", fails, sorted(errors)))


def probe(catalog_kind: str) -> dict:
    root = tempfile.mkdtemp()
    catalog = f"{root}/cat.duckdb" if catalog_kind == "duckdb" else f"sqlite:{root}/cat.sqlite"
    con = _lake(root, catalog)
    con.execute("CREATE TABLE lake.t (w INT, v INT)")
    con.close()
    out, ready, release = mp.Queue(), mp.Event(), mp.Event()
    reader = mp.Process(target=_reader, args=(root, catalog, ready, release, out))
    reader.start()
    ready.wait()
    try:
        con = _lake(root, catalog)
        con.execute("INSERT INTO lake.t VALUES (0, 0)")
        con.close()
        held = "ok"
    except duckdb.Error as exc:
        held = f"FAILED: {str(exc).splitlines()[-1][:90]}"
    release.set()
    reader.join()
    reader_result = out.get()[1]
    start = time.perf_counter()
    procs = [mp.Process(target=_writer, args=(root, catalog, w, 10, out)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    results = [out.get() for _ in procs]
    shutil.rmtree(root, ignore_errors=True)
    return {
        "catalog": catalog_kind,
        "reader attached": reader_result,
        "write while reader attached": held,
        "concurrent inserts failed": f"{sum(r[1] for r in results)} of 40",
        "errors": "; ".join(sorted({e for r in results for e in r[2]}))[:160],
        "wall_s": round(time.perf_counter() - start, 1),
    }


if __name__ == "__main__":
    print(f"duckdb {duckdb.__version__}")
    for kind in ("duckdb", "sqlite"):
        print(probe(kind))
