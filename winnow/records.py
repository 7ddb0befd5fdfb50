"""Typed records that travel between the stages: what a source names, before it is read."""

from __future__ import annotations

from dataclasses import dataclass, field

_TEXT_SUFFIXES = (".txt", ".txt.gz")


@dataclass(frozen=True, slots=True)
class PageRef:
    """A page a source names, before its bytes are read."""

    page_id: str
    source: str
    location: str  # file path or URL
    url: str | None = None
    site: str | None = None
    fmt: str = "html"
    error: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


def page_format(location: str) -> str:
    """``txt`` for plain-text pages (``.txt``, ``.txt.gz``), else ``html``."""
    return "txt" if location.lower().endswith(_TEXT_SUFFIXES) else "html"
