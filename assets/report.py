"""Materialization metadata a person reads at a glance: the row count Dagster shows
(``dagster/row_count``), counts, a markdown preview, per-site tables and plots."""

from __future__ import annotations

import dagster as dg
import polars as pl

from assets import plots
from winnow.stages import StageResult

#: Summary tables drawn as a plot in the UI (the table stays queryable in the warehouse).
PLOTS = {
    "articles_per_day": ("plot_articles_per_day", plots.articles_per_day),
    "chrome_share": ("plot_chrome_share", plots.chrome_share),
}


def markdown_table(frame: pl.DataFrame | None, max_chars: int = 80) -> str:
    """A small markdown table of ``frame`` (cells shortened), for the Dagster UI."""
    if frame is None or frame.is_empty():
        return "_no rows_"
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    lines = [header, rule]
    for row in frame.iter_rows():
        cells = []
        for value in row:
            text = "" if value is None else str(value).replace("\n", " ").replace("|", "\\|")
            cells.append(text if len(text) <= max_chars else text[: max_chars - 1] + "…")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def metadata(result: StageResult, **extra: object) -> dict[str, dg.MetadataValue]:
    """Counts as integers, the table's rows as ``dagster/row_count``, the preview and summary
    tables as markdown (plots as PNG images), the first failures as text."""
    meta: dict[str, dg.MetadataValue] = {
        name: dg.MetadataValue.int(int(value)) for name, value in result.counts.items()
    }
    if result.rows is not None:
        meta["dagster/row_count"] = dg.MetadataValue.int(int(result.rows))
    meta["preview"] = dg.MetadataValue.md(markdown_table(result.preview))
    for name, frame in result.tables.items():
        if name in PLOTS:
            key, draw = PLOTS[name]
            meta[key] = dg.MetadataValue.md(draw(frame))
        else:
            meta[name] = dg.MetadataValue.md(markdown_table(frame))
    if result.failures:
        meta["failures"] = dg.MetadataValue.text("\n".join(result.failures[:50]))
    for name, value in extra.items():
        meta[name] = dg.MetadataValue.text(str(value))
    return meta
