"""Materialization metadata: row counts and a markdown preview of what was written."""

from __future__ import annotations

import dagster as dg
import polars as pl

from winnow.stages import StageResult


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
    """Counts as integers, the preview as markdown, the first failures as text."""
    meta: dict[str, dg.MetadataValue] = {
        name: dg.MetadataValue.int(int(value)) for name, value in result.counts.items()
    }
    meta["preview"] = dg.MetadataValue.md(markdown_table(result.preview))
    if result.failures:
        meta["failures"] = dg.MetadataValue.text("\n".join(result.failures[:50]))
    for name, value in extra.items():
        meta[name] = dg.MetadataValue.text(str(value))
    return meta
