"""Crawl progress on the command line: a rich status line with counts by outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@contextmanager
def rich_progress(console: Console | None = None) -> Iterator[Callable[[int, dict], None]]:
    """A ``progress(done, counts)`` callback drawing a live line on stderr."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console or Console(stderr=True), transient=False) as bar:
        task = bar.add_task("fetching", total=None)

        def report(done: int, counts: dict) -> None:
            shown = {k: v for k, v in counts.items() if not k.startswith("error_")}
            summary = " ".join(f"{k}={v}" for k, v in sorted(shown.items()))
            bar.update(task, description=f"fetched {done} pages  {summary}")

        yield report
