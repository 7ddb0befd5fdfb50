"""``winnow run`` (the ingest job, as ``make run`` runs it), ``winnow prune`` and
``winnow validate``."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

from winnow.cli.common import say, settings, warn


def cmd_run(args: argparse.Namespace) -> int:
    """The ``ingest`` job, as ``make run`` runs it (``orchestration.run_once``): a run of the
    ``winnow`` code location, recorded in the warehouse's Dagster history, holding the
    warehouse's run lock. This process becomes that command (``exec``: same pid, so a signal
    reaches the run; ``winnow`` itself never imports Dagster); what it says goes to stderr."""
    import os
    import sys

    from winnow.sources import load_sources

    resolved = settings(args)
    load_sources(resolved.sources)  # a configuration mistake is one line, before any run
    os.environ["WINNOW_SOURCES"] = str(resolved.sources)
    os.environ["WINNOW_WAREHOUSE"] = str(resolved.warehouse)
    command = [sys.executable, "-m", "orchestration.run_once", "--who", "winnow run", "--quiet"]
    command += ["--fresh"] if args.fresh else []
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    os.execv(sys.executable, command)
    return 0  # not reached


def cmd_prune(args: argparse.Namespace) -> int:
    """Drop the rows of sources the sources file no longer names from the working file, under
    the warehouse's run lock (no run in between); the next run publishes without them."""
    from winnow.sources import load_sources
    from winnow.warehouse import Warehouse
    from winnow.warehouse.prune import prune
    from winnow.warehouse.runlock import run_lock

    resolved = settings(args)
    names = [spec.name for spec in load_sources(resolved.sources)]
    store = Warehouse(resolved.warehouse, resolved.work_dir)
    wait = resolved.run_lock_seconds
    lock = run_lock(resolved.warehouse, resolved.work_dir, "winnow prune", wait, say)
    with lock, store.writer(say, "winnow prune") as con:
        gone = prune(con, names, f"prune-{uuid.uuid4()}")
    if not gone:
        say("nothing to prune: every source in the warehouse is configured")
        return 0
    for source, rows in gone.items():
        say(f"dropped source '{source}': {rows} page versions and their rows")
    if args.publish:
        return cmd_run(args)
    say("the next run (winnow run, make run) publishes the warehouse without them")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from winnow.sources import WEB_KINDS, iter_page_refs, load_sources

    resolved = settings(args)
    specs = load_sources(resolved.sources)
    problems = 0
    for spec in specs:
        if spec.kind in WEB_KINDS:
            continue
        pages = 0
        for ref in iter_page_refs(spec):
            pages += 1
            problem = ref.error or _page_problem(ref)
            if problem:
                problems += 1
                warn(problem)
        say(f"source '{spec.name}' ({spec.kind}, {spec.path}): {pages} pages")
    web = [spec for spec in specs if spec.kind in WEB_KINDS]
    if web:
        problems += _validate_web(web, resolved.sources)
    return 1 if problems else 0


def _validate_web(specs: list, sources: Path) -> int:
    """What each web source would fetch: its sitemaps, feeds and robots.txt are fetched (no
    page); returns the number of problems (documents that could not be read)."""
    from winnow.fetch.options import load_fetch_options
    from winnow.fetch.preview import PREVIEW_EXAMPLES, preview_web

    problems = 0
    previews = preview_web(specs, load_fetch_options(sources))
    for spec in specs:
        preview = previews[spec.name]
        where = (spec.web.url if spec.web else None) or spec.path or "inline URLs"
        say(f"source '{spec.name}' ({spec.kind}, {where}): {preview.summary()}")
        for url in preview.disallowed[:PREVIEW_EXAMPLES]:
            say(f"  disallowed by robots.txt: {url}")
        for error in preview.errors:
            problems += 1
            warn(error)
    return problems


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
