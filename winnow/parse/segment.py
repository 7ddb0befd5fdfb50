"""Cutting a page into blocks, the units the per-site model counts and removes.

An HTML block is a block-level element with the text that belongs to it directly (its own text
and that of its inline descendants, not that of nested blocks). A text page's blocks are its
non-empty lines. Each block carries what the model and the warehouse need: its text, tag path,
link density and position; HTML blocks also keep their element so extraction can drop them from
the same parsed tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement
from trafilatura.utils import load_html

from winnow.parse.fingerprint import normalize_text, structural_signature, text_fingerprint

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu "
    "nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
SKIP_TAGS = frozenset("script style noscript template svg math head iframe object embed".split())
_BREAKS = BLOCK_TAGS | {"br"}
_SPACE = re.compile(r"\s+")
_CLASS_OK = re.compile(r"^[A-Za-z][\w-]{0,40}$")


@dataclass(slots=True)
class Block:
    """One block of a page, in document order."""

    index: int
    tag: str
    tag_path: str
    text: str
    n_chars: int
    link_chars: int
    depth: int
    parent: int  # index of the enclosing block, -1 at the top
    element: HtmlElement | None = field(default=None, repr=False)
    fingerprint: int = 0  # text fingerprint, set once the text is known (0: no text)
    signature: int = 0  # structural signature of the tag path (0: text pages)

    @property
    def link_density(self) -> float:
        return self.link_chars / self.n_chars if self.n_chars else 0.0


def parse_html(text: str | bytes) -> HtmlElement | None:
    """Parse once with the same loader trafilatura uses, so its extraction can reuse the tree."""
    return load_html(text)


_STEPS: dict[tuple[str, str | None], str] = {}
_SIGNATURES: dict[str, int] = {}


def _step(el: HtmlElement, tag: str) -> str:
    """A tag-path step: the tag with its first two well-formed classes (memoised: templates
    repeat the same few class strings on every page)."""
    cls = el.get("class")
    key = (tag, cls)
    step = _STEPS.get(key)
    if step is None:
        classes = [c for c in (cls or "").split() if _CLASS_OK.match(c)][:2]
        step = tag + "".join(f".{c}" for c in classes)
        if len(_STEPS) < 100_000:
            _STEPS[key] = step
    return step


def _signature(path: str) -> int:
    signature = _SIGNATURES.get(path)
    if signature is None:
        signature = structural_signature(path)
        if len(_SIGNATURES) < 100_000:
            _SIGNATURES[path] = signature
    return signature


def segment_tree(tree: HtmlElement) -> list[Block]:
    """All blocks of a parsed page in document order, empty ones included (they hold others).

    A block's text is its own text and that of its inline descendants; a nested block or a
    ``<br>`` separates words, an inline tag does not. One recursive walk with the text parts
    of the open blocks on a stack (this is a hot loop: about a tenth of a page's cost).
    """
    body = tree.find(".//body") if tree.tag != "body" else tree
    root = body if body is not None else tree
    blocks: list[Block] = []
    parts: list[list[str]] = []  # text parts of the open blocks, innermost last
    links: list[int] = []  # link characters of the open blocks

    def walk(el: HtmlElement, path: str, depth: int, parent: int, in_link: bool) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return  # comment or processing instruction
        tag = tag.lower()
        if tag in SKIP_TAGS:
            return
        in_link = in_link or tag == "a"
        is_block = tag in BLOCK_TAGS
        if is_block:
            path = f"{path}/{_step(el, tag)}" if path else _step(el, tag)
            index = len(blocks)
            block = Block(index, tag, path, "", 0, 0, depth, parent, el)
            blocks.append(block)
            parts.append([])
            links.append(0)
            depth, parent = depth + 1, index
        if parts:
            own = parts[-1]
            text = el.text
            if text:
                own.append(text)
                if in_link:
                    links[-1] += len(text.strip())
            for child in el:
                walk(child, path, depth, parent, in_link)
                child_tag = child.tag
                if isinstance(child_tag, str) and child_tag.lower() in _BREAKS:
                    own.append(" ")
                tail = child.tail
                if tail:
                    own.append(tail)
                    if in_link:
                        links[-1] += len(tail.strip())
        else:
            for child in el:
                walk(child, path, depth, parent, in_link)
        if is_block:
            text = _SPACE.sub(" ", "".join(parts.pop())).strip()
            block.text, block.n_chars = text, len(text)
            block.link_chars = min(links.pop(), block.n_chars)
            if text:
                block.fingerprint = text_fingerprint(text)
                block.signature = _signature(path)

    walk(root, "", 0, -1, False)
    return blocks


def segment_text(text: str) -> list[Block]:
    """Blocks of a plain-text page: one per non-empty line, in order."""
    blocks: list[Block] = []
    for line in text.splitlines():
        line = _SPACE.sub(" ", line).strip()
        if line:
            blocks.append(
                Block(
                    len(blocks),
                    "line",
                    "text",
                    line,
                    len(line),
                    0,
                    0,
                    -1,
                    fingerprint=text_fingerprint(line),
                )
            )
    return blocks


def text_blocks(blocks: list[Block]) -> list[Block]:
    """The blocks that hold text of their own (the ones the model counts)."""
    return [b for b in blocks if b.n_chars and normalize_text(b.text)]
