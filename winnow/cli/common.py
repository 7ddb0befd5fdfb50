"""What every command shares: plain messages on stderr, the settings it announces, and the
one line a failure becomes.

Messages are written as given (no markup: a page id or an error holding ``[/]`` prints as it
is); errors are red only on a terminal, and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import argparse
import os
import sys

from winnow.settings import Settings, SettingsError, origin, resolve


class CommandError(Exception):
    """A mistake the user can fix, told in one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def one_line(exc: BaseException | str) -> str:
    return " ".join(str(exc).split())


def say(message: str) -> None:
    """A line on stderr (stdout holds only results)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _colour() -> bool:
    return "NO_COLOR" not in os.environ and sys.stderr.isatty()


def error(message: str) -> None:
    """A one-line error on stderr."""
    text = one_line(message)
    say(f"\x1b[31m{text}\x1b[0m" if _colour() else text)


def warn(message: str) -> None:
    say(f"\x1b[33m{message}\x1b[0m" if _colour() else message)


#: The settings each command prints before it starts (default: sources and warehouse).
SHOWN = {
    "validate": ("sources",),
    "query": ("warehouse",),
    "sql": ("warehouse",),
    "why": ("warehouse",),
    "status": ("warehouse",),
    "extract": ("max_page_bytes", "page_seconds"),  # a dataset folder, no sources or warehouse
}


def settings(args: argparse.Namespace) -> Settings:
    """The one configuration (flags, then env, then defaults); says which files it uses."""
    flags = {k: getattr(args, k, None) for k in ("sources", "warehouse")}
    resolved = resolve(**flags)
    if not getattr(args, "_announced", False):
        args._announced = True
        for name in SHOWN.get(args.command, ("sources", "warehouse")):
            say(f"{name}: {getattr(resolved, name)} ({origin(name, **flags)})")
    return resolved


def report(args: argparse.Namespace, exc: Exception) -> int:
    """One line for a failure an operator can act on, and its exit status (2: a mistake in
    what was asked, 3: the warehouse is missing or held); anything else is re-raised (imports
    here: a command starts without the modules it does not use)."""
    if isinstance(exc, CommandError):
        error(str(exc))
        return exc.code
    if isinstance(exc, SettingsError):
        error(str(exc))
        return 2
    import duckdb

    from winnow import warehouse
    from winnow.sources import SourceError

    if isinstance(exc, SourceError | warehouse.SchemaError | warehouse.PublishError):
        error(str(exc))
        return 2
    if isinstance(exc, warehouse.DiskFull):
        error(exc.strerror or str(exc))
        return 3
    from winnow.warehouse.runlock import RunLockTimeout

    # No warehouse yet, a lock DuckDB names the holder of, a damaged file, another run holding
    # the warehouse: named, never blamed on another program without DuckDB's evidence
    # (warehouse.explain).
    if isinstance(
        exc,
        warehouse.WarehouseMissing
        | warehouse.WarehouseBusy
        | warehouse.WarehouseCorrupt
        | RunLockTimeout,
    ):
        error(str(exc))
        return 3
    if isinstance(exc, warehouse.SandboxRefused):
        error(str(exc))
        return 2
    if isinstance(exc, duckdb.Error):  # the file's fault (named), else bad SQL
        named = warehouse.explain(settings(args).warehouse, exc)
        if named is not None:
            return report(args, named)
        error(f"{type(exc).__name__}: {one_line(exc)}")
        return 2
    raise exc
