"""Progress bars for long work (``winnow run``, ``winnow extract``): drawn with rich on a
terminal, absent on a pipe or a file (a log stays the lines the command says, nothing more).

Rich is imported only when a bar is drawn. Lines logged while a bar is shown are printed
above it as plain text (never as markup).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from winnow.cli.common import say, warn


class Quiet:
    """No bar: lines go to stderr as they come."""

    def start(self, name: str) -> None:
        pass

    def done(self, steps: int = 1) -> None:
        pass

    def fetched(self, done: int, counts: dict[str, int]) -> None:
        pass

    def log(self, message: str, warning: bool = False) -> None:
        (warn if warning else say)(message)


class Bar(Quiet):
    """A rich bar of ``total`` steps; ``start`` names the current one."""

    def __init__(self, progress: Any, total: int, unit: str) -> None:
        self.progress = progress
        self.task = progress.add_task(unit, total=total)
        self.name = unit

    def start(self, name: str) -> None:
        self.name = name
        self.progress.update(self.task, description=name)

    def done(self, steps: int = 1) -> None:
        self.progress.advance(self.task, steps)

    def fetched(self, done: int, counts: dict[str, int]) -> None:
        shown = {k: v for k, v in counts.items() if not k.startswith("error_")}
        summary = " ".join(f"{k}={v}" for k, v in sorted(shown.items()))
        self.progress.update(self.task, description=f"{self.name}: fetched {done}  {summary}")

    def log(self, message: str, warning: bool = False) -> None:
        style = "yellow" if warning else None
        self.progress.console.print(message, markup=False, highlight=False, style=style)


def on_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress_bar(total: int, unit: str) -> Iterator[Quiet]:
    """A bar of ``total`` steps on a terminal's stderr, else a quiet stand-in."""
    if not on_terminal():
        yield Quiet()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield Bar(progress, total, unit)
