"""The ``winnow`` command line.

winnow extract DATASET_DIR --out PRED.jsonl   # the asset code path over a dataset folder
winnow run [--sources S] [--warehouse W]      # every stage once, without Dagster
winnow validate [--sources S]                 # check the sources YAML and manifests
winnow query "SQL" [--warehouse W]            # read-only SQL on the warehouse
winnow why PAGE_ID [--warehouse W]            # which blocks of a page were dropped, and why
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

from winnow.settings import Settings, SettingsError, origin, resolve

console = Console(stderr=True)


def _print_frame(frame, title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for name in frame.columns:
        table.add_column(name, overflow="fold")
    for row in frame.iter_rows():
        table.add_row(*("" if v is None else str(v) for v in row))
    out = Console()
    if not out.is_terminal:  # piped: wide enough that rows stay one line each
        out = Console(width=200)
    out.print(table)


def cmd_extract(args: argparse.Namespace) -> int:
    from winnow.pipeline import extract_dataset

    _settings(args)  # prints the page limits it applies (extract_dataset reads the same)
    dataset = Path(args.dataset_dir)
    if not (dataset / "manifest.jsonl").is_file():
        console.print(f"[red]{dataset}: no manifest.jsonl in this folder[/red]")
        return 2
    start = time.perf_counter()
    records = extract_dataset(dataset, limit=args.limit)
    elapsed = time.perf_counter() - start
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    empty = sum(not r["body"] for r in records)
    console.print(
        f"{len(records)} pages -> {out} in {elapsed:.1f}s "
        f"({len(records) / max(elapsed, 1e-9):.1f} pages/s; {empty} with an empty body)"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from winnow import stages, warehouse
    from winnow.fetch.options import load_fetch_options
    from winnow.fetch.progress import rich_progress
    from winnow.sources import WEB_KINDS, load_sources

    settings = _settings(args)
    specs = load_sources(settings.sources)
    run_id = f"cli-{uuid.uuid4()}"
    store = warehouse.Warehouse(settings.warehouse, settings.work_dir)
    log = console.print
    if args.fresh:
        store.fresh(log)
        console.print(f"fresh start: the working state in {store.work_dir} was emptied")
    fetch = load_fetch_options(settings.sources)

    def ingest(con) -> stages.StageResult:
        if not any(spec.kind in WEB_KINDS for spec in specs):
            return stages.ingest(con, specs, run_id, fetch)
        with rich_progress(console) as progress:  # a live line while web sources are fetched
            return stages.ingest(con, specs, run_id, fetch, progress)

    steps = {
        "pages": ingest,
        "page_blocks": lambda con: stages.segment(con, run_id),
        "boilerplate": lambda con: stages.learn(con, run_id),
        "articles": lambda con: stages.extract(con, run_id),
        "story_clusters": lambda con: stages.cluster(con, run_id),
    }
    for name in stages.STAGE_ORDER:
        with store.writer(log, f"winnow run: {name}") as con:
            result = steps[name](con)
        counts = ", ".join(f"{k}={v}" for k, v in result.counts.items())
        console.print(f"[bold]{name}[/bold]: {counts}")
        for failure in result.failures[:10]:
            console.print(f"  [yellow]{failure}[/yellow]")
    published = store.publish(run_id, stages.STAGE_ORDER, log, "winnow run: publish")
    console.print(
        f"published {published.path} ({published.bytes / 1e6:.1f} MB, "
        f"copied in {published.seconds:.2f} s)"
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from winnow.sources import iter_page_refs, load_sources

    specs = load_sources(_settings(args).sources)
    problems = 0
    for spec in specs:
        pages = 0
        for ref in iter_page_refs(spec):
            pages += 1
            problem = ref.error or _page_problem(ref)
            if problem:
                problems += 1
                console.print(f"[red]{problem}[/red]", soft_wrap=True)
        console.print(f"source '{spec.name}' ({spec.kind}, {spec.path}): {pages} pages")
    return 1 if problems else 0


def _page_problem(ref) -> str | None:  # noqa: ANN001 - a winnow.records.PageRef
    """What ``validate`` can tell of a page without reading it: a repeated id, a file that is
    missing or is not a regular file."""
    import stat

    where = f"source '{ref.source}'" + (f" line {ref.extra['line']}" if "line" in ref.extra else "")
    if "duplicate" in ref.extra:
        return f"{where}: {ref.extra['duplicate']}; both are kept, this one as {ref.page_id!r}"
    if ref.warc is not None or ref.location.startswith(("http://", "https://")):
        return None
    try:
        mode = Path(ref.location).stat().st_mode
    except OSError as exc:
        return f"{where}: {ref.location}: {exc.strerror}"
    return None if stat.S_ISREG(mode) else f"{where}: {ref.location}: not a regular file"


def cmd_query(args: argparse.Namespace) -> int:
    from winnow import warehouse

    con = warehouse.open_published(_settings(args).warehouse)
    try:
        _print_frame(warehouse.query_frame(con, args.sql))
    finally:
        con.close()
    return 0


WHY_SQL = """
SELECT b.block_index, b.tag, left(b.text, 70) AS text,
       CASE WHEN 'boilerplate' IN (t.decision, s.decision) THEN 'boilerplate'
            ELSE coalesce(t.decision, 'content') END AS decision,
       CASE WHEN s.decision = 'boilerplate' AND t.decision IS DISTINCT FROM 'boilerplate'
            THEN s.reason ELSE coalesce(t.reason, s.reason, 'seen on this page only') END AS reason
FROM page_blocks b
JOIN latest_pages p ON p.page_id = b.page_id AND p.content_hash = b.content_hash
LEFT JOIN boilerplate t ON t.site = b.site AND t.kind = 'text' AND t.key = b.fingerprint
LEFT JOIN boilerplate s ON s.site = b.site AND s.kind = 'slot' AND s.key = b.signature
WHERE b.page_id = ?
ORDER BY b.block_index
"""


def cmd_why(args: argparse.Namespace) -> int:
    from winnow import warehouse

    con = warehouse.open_published(_settings(args).warehouse)
    try:
        keys = _page_keys(con, args.page_id)
        if len(keys) > 1:
            console.print(f"[red]{args.page_id!r} names {len(keys)} pages: {', '.join(keys)}[/red]")
            return 1
        page_id = keys[0] if keys else args.page_id
        frame = warehouse.query_frame(con, WHY_SQL, [page_id])
        beliefs = _classifier_beliefs(con, page_id) if not frame.is_empty() else None
    finally:
        con.close()
    if frame.is_empty():
        console.print(f"[red]no blocks stored for page {args.page_id!r}[/red]")
        return 1
    if beliefs is not None:
        frame = frame.join(beliefs, on="block_index", how="left").select(
            "block_index", "tag", "text", "kept", "p_article", "decision", "reason"
        )
    _print_frame(frame, title=f"blocks of {page_id}")
    return 0


def _page_keys(con, given: str) -> list[str]:  # noqa: ANN001 - a duckdb connection
    """The stored keys ``given`` names: itself, or the page one source names so (a bare id:
    "bridge" -> "demo/bridge"); more than one when several sources name it."""
    rows = con.execute(
        "SELECT DISTINCT page_id FROM latest_pages WHERE page_id = ? "
        "OR page_id = source || '/' || ? ORDER BY 1",
        [given, given],
    ).fetchall()
    return [row[0] for row in rows]


def _classifier_beliefs(con, page_id: str):  # noqa: ANN001, ANN202 - duckdb con, polars frame
    """The block classifier's probability and decision for each block of the page's latest
    version (site counts from the merged partition counts, as extraction reads them)."""
    from winnow import warehouse
    from winnow.extract.explain import explain_blocks
    from winnow.partitions import counts as partition_counts

    keys = con.execute(
        "SELECT page_id, content_hash FROM latest_pages WHERE page_id = ?", [page_id]
    ).fetchall()
    blocks, elements, _ = warehouse.read_segments(con, keys)
    if blocks.is_empty():
        return None
    explained = explain_blocks(blocks, elements, partition_counts.merged_stats(con))
    return explained.select("block_index", "p_article", "kept")


#: The settings each command prints before it starts (``run``: sources and warehouse).
SHOWN = {
    "validate": ("sources",),
    "query": ("warehouse",),
    "why": ("warehouse",),
    "extract": ("max_page_bytes", "page_seconds"),  # a dataset folder, no sources or warehouse
}


def _settings(args: argparse.Namespace) -> Settings:
    """The one configuration (flags, then env, then defaults); says which files it uses."""
    flags = {k: getattr(args, k, None) for k in ("sources", "warehouse")}
    settings = resolve(**flags)
    if not getattr(args, "_announced", False):
        args._announced = True
        shown = SHOWN.get(args.command, ("sources", "warehouse"))
        for name in shown:
            console.print(f"{name}: {getattr(settings, name)} ({origin(name, **flags)})")
    return settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="winnow", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sources_help = "sources YAML (default: $WINNOW_SOURCES, else data/sources.yaml)"
    warehouse_help = "warehouse file (default: $WINNOW_WAREHOUSE, else data/warehouse.duckdb)"

    p = sub.add_parser("extract", help="extract every page of a dataset folder to JSON lines")
    p.add_argument("dataset_dir")
    p.add_argument("--out", required=True, help="predictions file (JSON lines)")
    p.add_argument("--limit", type=int, default=None, help="only the first N manifest pages")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("run", help="run every stage once into the warehouse (no Dagster)")
    p.add_argument("--sources", help=sources_help)
    p.add_argument("--warehouse", help=warehouse_help)
    p.add_argument(
        "--fresh", action="store_true", help="start from an empty warehouse (drop all rows)"
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("validate", help="check the sources YAML and every manifest line")
    p.add_argument("--sources", help=sources_help)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("query", help="run read-only SQL on the warehouse")
    p.add_argument("sql")
    p.add_argument("--warehouse", help=warehouse_help)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("why", help="show each block of a page and why it was kept or dropped")
    p.add_argument("page_id")
    p.add_argument("--warehouse", help=warehouse_help)
    p.set_defaults(func=cmd_why)
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # noqa: BLE001 - known failures become one line, others re-raise
        return _report(args, exc)


def _report(args: argparse.Namespace, exc: Exception) -> int:
    """One line for a failure an operator can act on (imports here: ``winnow extract`` starts
    without duckdb and the source kinds)."""
    import duckdb

    from winnow import warehouse
    from winnow.sources import SourceError

    if isinstance(
        exc, SourceError | SettingsError | warehouse.SchemaError | warehouse.PublishError
    ):
        console.print(f"[red]{_one_line(exc)}[/red]", soft_wrap=True)
        return 2
    if isinstance(exc, warehouse.WarehouseMissing):
        console.print(f"[red]{_one_line(exc)}[/red]", soft_wrap=True)
        return 3
    if isinstance(exc, duckdb.IOException):  # a process outside Winnow holds the file
        console.print(
            f"[red]{_settings(args).warehouse}: another program holds the warehouse open for "
            f"writing (Winnow's runs never do; close that connection): {_one_line(exc)}[/red]",
            soft_wrap=True,
        )
        return 3
    if isinstance(exc, duckdb.Error):  # bad SQL, unknown table or column
        console.print(f"[red]{type(exc).__name__}: {_one_line(exc)}[/red]", soft_wrap=True)
        return 2
    raise exc


if __name__ == "__main__":
    sys.exit(main())
