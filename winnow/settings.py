"""One frozen settings object, resolved once and passed in (flags, then env, then defaults).

Every command (``winnow run/validate/query/why/extract``, ``make run``, the Dagster UI) builds
its ``Settings`` with :func:`resolve`, so they all read the same sources and warehouse. Each
concern keeps its thresholds in a section of its own (``extract``, ...), so a module takes the
section it needs rather than reading globals.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Environment variables read by ``resolve`` (flag name -> variable).
ENV = {
    "sources": "WINNOW_SOURCES",
    "warehouse": "WINNOW_WAREHOUSE",
    "inbox": "WINNOW_INBOX",
    "timezone": "WINNOW_TIMEZONE",
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Where Winnow reads and writes, and the thresholds of each stage."""

    sources: Path = ROOT / "data" / "sources.yaml"
    warehouse: Path = ROOT / "data" / "warehouse.duckdb"
    inbox: Path = ROOT / "data" / "inbox"
    timezone: str = "UTC"


def resolve(**flags: object) -> Settings:
    """Settings from command-line ``flags`` (None means not given), then env, then defaults."""
    values: dict[str, object] = {}
    types = {f.name: f.type for f in fields(Settings)}
    for name, variable in ENV.items():
        given = flags.get(name)
        if given is None:
            given = os.environ.get(variable) or None
        if given is not None:
            values[name] = Path(str(given)) if "Path" in str(types[name]) else str(given)
    return replace(Settings(), **values)
