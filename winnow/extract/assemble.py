"""From kept blocks to an article body: plain lines and a Markdown rendering, in reading order.

Blocks are already in document order and never overlap, so assembly is a walk over the kept
blocks of each page: a line per block, except that the cells of one table row make one line
(``a | b | c``). The Markdown keeps structure for readers that want it (language models):
``#`` headings, ``-`` list items, ``>`` quotes, fenced code, ``| a | b |`` table rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from winnow.extract.features import Batch, inherited_tags
from winnow.extract.rules import TAG_CODES

HEADING_LEVEL = {TAG_CODES[f"h{i}"]: i for i in range(1, 7)}
CELL_TAGS = frozenset({TAG_CODES["td"], TAG_CODES["th"]})


@dataclass(slots=True)
class Body:
    """A page's article text as plain lines and as Markdown."""

    text: str = ""
    markdown: str = ""


def _markdown_item(text: str, tag: int, flags: frozenset[str]) -> tuple[str, str]:
    """(kind, Markdown) of one block; items of kind ``li`` or ``row`` run on without a gap."""
    if tag in HEADING_LEVEL:
        return "heading", "#" * HEADING_LEVEL[tag] + " " + text.replace("\n", " ")
    if "pre" in flags:
        return "code", "```\n" + text + "\n```"
    kind, line = ("li", "- " + text) if "li" in flags else ("p", text)
    line = line.replace("\n", "  \n")
    if "blockquote" in flags:
        return "quote", "> " + line.replace("\n", "\n> ")
    return kind, line


def _join_markdown(items: list[tuple[str, str]]) -> str:
    """Blank lines between items, none inside a list or a table (which gets its rule line)."""
    out: list[str] = []
    previous = ""
    for kind, text in items:
        if out:
            out.append("\n" if kind == previous and kind in ("li", "row") else "\n\n")
        out.append(text)
        if kind == "row" and previous != "row":
            out.append("\n|" + " --- |" * (text.count(" | ") + 1))
        previous = kind
    return "".join(out)


def assemble(b: Batch, keep: np.ndarray) -> list[Body]:
    """The body of every page of the batch from its kept blocks."""
    bodies = [Body() for _ in range(len(b.page_first))]
    kept = np.flatnonzero(keep)
    if not len(kept):
        return bodies
    tags = b.e_tag[b.owner[kept]]
    flags = inherited_tags(b, kept)
    rows = b.e_parent[b.owner[kept]]
    start = 0
    for page in np.unique(b.page[kept]):
        end = start + int(np.searchsorted(b.page[kept][start:], page, side="right"))
        bodies[page] = _page_body(
            b, kept[start:end], tags[start:end], flags[start:end], rows[start:end]
        )
        start = end
    return bodies


def _page_body(
    b: Batch, blocks: np.ndarray, tags: np.ndarray, flags: list[frozenset[str]], rows: np.ndarray
) -> Body:
    lines: list[str] = []
    markdown: list[tuple[str, str]] = []
    row_cells: list[str] = []
    for i, block in enumerate(blocks):
        text = b.text[block]
        if tags[i] in CELL_TAGS:
            row_cells.append(text.replace("\n", " "))
            last_cell = (
                i + 1 == len(blocks) or rows[i + 1] != rows[i] or tags[i + 1] not in CELL_TAGS
            )
            if last_cell:
                lines.append(" | ".join(row_cells))
                markdown.append(("row", "| " + " | ".join(row_cells) + " |"))
                row_cells = []
            continue
        lines.append(text)
        markdown.append(_markdown_item(text, int(tags[i]), flags[i]))
    return Body("\n".join(lines), _join_markdown(markdown))
