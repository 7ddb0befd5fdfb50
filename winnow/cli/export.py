"""``winnow export``: the published articles as Parquet or JSON lines (``winnow.export``)."""

from __future__ import annotations

import argparse
from datetime import date

from winnow.cli.common import CommandError, say, settings


def since_date(text: str) -> date:
    """``--since`` as a date (argparse type: a bad one is argparse's one-line usage error)."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: not a date (YYYY-MM-DD)") from exc


def cmd_export(args: argparse.Namespace) -> int:
    from winnow.export import ExportError, export_articles

    warehouse = settings(args).warehouse
    try:
        done = export_articles(warehouse, args.out, args.format, args.since)
    except ExportError as exc:
        raise CommandError(str(exc)) from exc
    say(
        f"{done.rows} articles -> {done.out} ({done.format}, {done.files} files, "
        f"{done.bytes / 1e6:.1f} MB) in {done.seconds:.1f}s"
    )
    return 0
