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
    "work_dir": "WINNOW_WORK_DIR",
    "max_page_bytes": "WINNOW_MAX_PAGE_BYTES",
    "page_seconds": "WINNOW_PAGE_SECONDS",
    "stage_pages": "WINNOW_STAGE_PAGES",
    "extract_slice_pages": "WINNOW_EXTRACT_SLICE_PAGES",
    "warc_batch_bytes": "WINNOW_WARC_BATCH_BYTES",
    "dask_scheduler": "WINNOW_DASK_SCHEDULER",
    "duckdb_memory": "WINNOW_DUCKDB_MEMORY",
    "max_chrome_bodies_share": "WINNOW_MAX_CHROME_BODIES_SHARE",
    "health_history_runs": "WINNOW_HEALTH_HISTORY_RUNS",
    "health_min_pages": "WINNOW_HEALTH_MIN_PAGES",
    "health_max_drop": "WINNOW_HEALTH_MAX_DROP",
    "health_max_rise": "WINNOW_HEALTH_MAX_RISE",
    "run_lock_seconds": "WINNOW_RUN_LOCK_SECONDS",
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Where Winnow reads and writes, and the thresholds of each stage."""

    sources: Path = ROOT / "data" / "sources.yaml"
    warehouse: Path = ROOT / "data" / "warehouse.duckdb"
    inbox: Path = ROOT / "data" / "inbox"
    timezone: str = "UTC"
    # -- reliability: where runs write, and what one page may cost ---------------------------
    #: Where runs write before publishing (default: ``<warehouse stem>.work/`` beside it).
    work_dir: Path | None = None
    #: A page larger than this (after gunzip) is not read: status 'too_large'.
    max_page_bytes: int = 10_000_000
    #: Parsing plus extracting one page may take this long; past it: status 'timeout'.
    page_seconds: float = 5.0
    # -- scale: partitions and parallel steps ---------------------------------------------------
    #: Pages a WARC partition step stages per Parquet file (what it holds in memory at once).
    stage_pages: int = 200
    #: Pages one parallel extraction step takes (more slices than workers balances the load).
    extract_slice_pages: int = 1000
    #: WARC files smaller than this are read together in one step, in batches of about this
    #: size (a step costs seconds to start: 3 files of 6 pages were 3 steps); 0: a step a file.
    warc_batch_bytes: int = 16_000_000
    #: A running dask scheduler (``tcp://127.0.0.1:8786``) the ``warc_backfill_dask`` job uses.
    dask_scheduler: str | None = None
    #: DuckDB's memory cap per connection of a run (it spills to disk past it).
    duckdb_memory: str = "512MB"
    # -- checks: what a run is judged by (assets' checks, winnow.checks, winnow.health) -------
    #: Share of the corpus' article bodies that may be mostly the site's chrome before the
    #: ``bodies_not_mostly_boilerplate`` check fails the run (below it, this run's such pages
    #: are a warning).
    max_chrome_bodies_share: float = 0.02
    #: Site health compares a site's figures with its last N runs that measured it.
    health_history_runs: int = 7
    #: A site's run is judged (and counted as history) only with at least this many pages.
    health_min_pages: int = 5
    #: Articles per page or median body words falling below (1 - this) x the site's usual.
    health_max_drop: float = 0.5
    #: Share of pages without an article, or of text removed, rising by more than this.
    health_max_rise: float = 0.3
    #: How long a run waits for another run of the same warehouse to finish (0: not at all).
    run_lock_seconds: float = 3600.0


def default_dagster_home(warehouse: Path) -> Path:
    """Where a warehouse's Dagster history lives unless ``DAGSTER_HOME`` says otherwise:
    beside it (``data/warehouse.duckdb`` -> ``data/warehouse.dagster/``), so each warehouse
    keeps its own runs, materializations and check results."""
    return warehouse.absolute().with_name(warehouse.stem + ".dagster")


def _convert(name: str, value: object) -> object:
    kind = {f.name: str(f.type) for f in fields(Settings)}[name]
    try:
        if "Path" in kind:
            return Path(str(value)).expanduser()
        if kind.startswith("int"):
            return int(str(value))
        if kind.startswith("float"):
            return float(str(value))
    except ValueError as exc:
        raise SettingsError(f"{ENV[name]} / --{name.replace('_', '-')}: {exc}") from exc
    return str(value)


class SettingsError(ValueError):
    """A setting's value cannot be used; the message names the variable or flag."""


def resolve(**flags: object) -> Settings:
    """Settings from command-line ``flags`` (None means not given), then env, then defaults."""
    values: dict[str, object] = {}
    for name, variable in ENV.items():
        given = flags.get(name)
        if given is None:
            given = os.environ.get(variable) or None
        if given is not None:
            values[name] = _convert(name, given)
    return replace(Settings(), **values)


def origin(name: str, **flags: object) -> str:
    """Where setting ``name`` came from: 'flag', the environment variable, or 'default'."""
    if flags.get(name) is not None:
        return "flag"
    if os.environ.get(ENV[name]):
        return ENV[name]
    return "default"


@dataclass(frozen=True, slots=True)
class StorySettings:
    """Thresholds of story clustering (``winnow.stories``): precision first."""

    #: LSH proposes pairs around this estimated Jaccard (MinHash, 128 permutations).
    lsh_threshold: float = 0.6
    #: Bodies shorter than this many words are never clustered (short texts collide by chance).
    min_words: int = 50
    #: A pair is linked only with at least this exact Jaccard of word 5-gram sets...
    jaccard: float = 0.5
    #: ...this containment of the smaller shingle set in the larger...
    containment: float = 0.8
    #: ...and this containment of the smaller body's distinctive shingles (names, figures).
    distinctive: float = 0.75
    #: Names swapped for another in the same words (another storm, another day): at most...
    #: (one: two copies of a wire story credit different reporters in the same line)
    name_conflicts: int = 1
    #: ...and figures swapped (an update of a toll or a forecast is still the same story).
    figure_conflicts: int = 2
    #: Fewer distinctive shingles than this: judged on Jaccard and containment alone.
    min_distinctive: int = 20
    #: An LSH bucket with more distinct bodies than this pairs each with its smallest only.
    max_bucket: int = 50
    #: Candidate pairs verified per batch (the bodies of one batch are in memory at once).
    pair_batch: int = 2000


STORIES = StorySettings()
