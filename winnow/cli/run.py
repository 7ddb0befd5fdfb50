"""``winnow run`` (every stage once, without Dagster) and ``winnow validate``."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

from winnow.cli.common import say, settings, warn
from winnow.cli.progress import progress_bar


def cmd_run(args: argparse.Namespace) -> int:
    from winnow import stages, warehouse
    from winnow.fetch.options import load_fetch_options
    from winnow.sources import WEB_KINDS, load_sources

    resolved = settings(args)
    specs = load_sources(resolved.sources)
    run_id = f"cli-{uuid.uuid4()}"
    store = warehouse.Warehouse(resolved.warehouse, resolved.work_dir)
    if args.fresh:
        store.fresh(say)
        say(f"fresh start: the working state in {store.work_dir} was emptied")
    fetch = load_fetch_options(resolved.sources)
    web = any(spec.kind in WEB_KINDS for spec in specs)

    with progress_bar(len(stages.STAGE_ORDER) + 1, "stages") as progress:
        steps = {
            "pages": lambda con: stages.ingest(
                con, specs, run_id, fetch, progress.fetched if web else None
            ),
            "page_blocks": lambda con: stages.segment(con, run_id),
            "boilerplate": lambda con: stages.learn(con, run_id),
            "articles": lambda con: stages.extract(con, run_id),
            "story_clusters": lambda con: stages.cluster(con, run_id),
        }
        for name in stages.STAGE_ORDER:
            progress.start(name)
            with store.writer(progress.log, f"winnow run: {name}") as con:
                result = steps[name](con)
            counts = ", ".join(f"{k}={v}" for k, v in result.counts.items())
            progress.log(f"{name}: {counts}")
            for failure in result.failures[:10]:
                progress.log(f"  {failure}", warning=True)
            progress.done()
        progress.start("publish")
        published = store.publish(run_id, stages.STAGE_ORDER, progress.log, "winnow run: publish")
        progress.done()
    say(
        f"published {published.path} ({published.bytes / 1e6:.1f} MB, "
        f"copied in {published.seconds:.2f} s)"
    )
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
