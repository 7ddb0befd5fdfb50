"""docs/BENCHMARKS.md is written by several benchmarks: each replaces only its own section."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"
TITLE = "# Benchmarks\n"


def replace_section(heading: str, section: str, path: Path = DOCS) -> None:
    """Put ``section`` (which starts with the ``## heading`` line) in place of the section of
    that heading in ``path``, or append it; every other section stays as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else TITLE
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    section = section.rstrip("\n") + "\n\n"
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
