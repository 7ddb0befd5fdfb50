"""Cutting a parsed page into blocks: the units the site model counts and extraction decides on.

A block is a maximal run of inline content between two block-level boundaries (the start or end
of a ``<p>``, ``<div>``, ``<li>``, ``<td>`` …), owned by the innermost block-level element
around it. So every piece of text belongs to exactly one block, in reading order, and nothing is
duplicated by nested containers: ``<div>Lead<p>Para</p>tail</div>`` gives three blocks, "Lead",
"Para", "tail". ``<br>`` keeps a line break inside a block.

The walk also records the block-level elements (tag, parent, depth, class/id words, tag path,
the range of blocks and elements below each), so container features are array arithmetic later,
never a second walk. One pass over lexbor's ``traverse``; this is the hot loop of a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt "
    "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu "
    "nav ol p pre section summary table tbody td tfoot th thead tr ul legend".split()
)
_CLASS_OK = re.compile(r"^[A-Za-z][\w-]{0,40}$")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_STEPS: dict[tuple[str, str | None], str] = {}
_MEMO_LIMIT = 200_000


@dataclass(slots=True)
class PageDom:
    """Blocks and block-level elements of one page, as parallel columns (document order)."""

    # blocks
    text: list[str] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # element holding the block
    link_chars: list[int] = field(default_factory=list)
    links: list[int] = field(default_factory=list)  # <a> elements opened in the block
    # elements
    tag: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # class, id, role, itemprop values
    path: list[str] = field(default_factory=list)  # tag path with classes, from <body>
    first_block: list[int] = field(default_factory=list)
    end_block: list[int] = field(default_factory=list)
    end_element: list[int] = field(default_factory=list)
    images: list[int] = field(default_factory=list)  # <img> directly in the element
    hidden: list[bool] = field(default_factory=list)


def _step(tag: str, cls: str | None) -> str:
    """A tag-path step: the tag with its first two well-formed classes (memoised: templates
    repeat the same few class strings on every page)."""
    key = (tag, cls)
    step = _STEPS.get(key)
    if step is None:
        classes = [c for c in (cls or "").split() if _CLASS_OK.match(c)][:2]
        step = tag + "".join(f".{c}" for c in classes)
        if len(_STEPS) < _MEMO_LIMIT:
            _STEPS[key] = step
    return step


def _open_element(dom: PageDom, node: LexborNode, tag: str, parent: int) -> int:
    """Record a block-level element; returns its index."""
    attrs = node.attributes
    cls = words = None
    hidden = False
    if attrs:
        cls = attrs.get("class")
        words = " ".join(
            v for v in (cls, attrs.get("id"), attrs.get("role"), attrs.get("itemprop")) if v
        )
        style = attrs.get("style")
        hidden = (
            "hidden" in attrs
            or attrs.get("aria-hidden") == "true"
            or (style is not None and _HIDDEN_STYLE.search(style) is not None)
        )
    index = len(dom.tag)
    dom.tag.append(tag)
    dom.parent.append(parent)
    dom.depth.append(dom.depth[parent] + 1 if parent >= 0 else 0)
    dom.words.append(words or "")
    step = _step(tag, cls)
    dom.path.append(f"{dom.path[parent]}/{step}" if parent >= 0 else step)
    dom.first_block.append(len(dom.text))
    dom.end_block.append(len(dom.text))
    dom.end_element.append(index + 1)
    dom.images.append(0)
    dom.hidden.append(hidden or (parent >= 0 and dom.hidden[parent]))
    return index


BREAK = "\x1e"  # stands for a <br> in the collected text (source newlines are whitespace)


def _clean(raw: str) -> str:
    """Whitespace collapsed; ``<br>`` line breaks kept, empty lines dropped."""
    if BREAK not in raw:
        return " ".join(raw.split())
    lines = (" ".join(line.split()) for line in raw.split(BREAK))
    return "\n".join(line for line in lines if line)


def walk(body: LexborNode) -> PageDom:
    """Blocks and elements of the subtree under ``body`` (usually the page's ``<body>``)."""
    dom = PageDom()
    parts: list[str] = []
    counters = [0, 0, 0]  # link characters, links, non-blank text nodes of the open block

    def flush(owner: int) -> None:
        if counters[2]:
            text = _clean("".join(parts))
            if text:
                dom.text.append(text)
                dom.owner.append(owner)
                dom.link_chars.append(min(counters[0], len(text)))
                dom.links.append(counters[1])
        parts.clear()
        counters[0] = counters[1] = counters[2] = 0

    root = _open_element(dom, body, "body", -1)
    # frames: (mem_id, element index or -1 for an inline element, inside a link, owner)
    stack: list[tuple[int, int, bool, int]] = [(body.mem_id, root, False, root)]
    nodes = body.traverse(include_text=True)
    next(nodes, None)  # the body itself
    for node in nodes:
        parent_id = node.parent.mem_id
        while stack[-1][0] != parent_id and len(stack) > 1:
            _, element, _, owner = stack.pop()
            if element >= 0:
                flush(element)
                dom.end_block[element] = len(dom.text)
                dom.end_element[element] = len(dom.tag)
        _, _, in_link, owner = stack[-1]
        tag = node.tag
        if tag == "-text":
            text = node.text_content
            if text:
                parts.append(text)
                if not text.isspace():
                    counters[2] += 1
                    if in_link:
                        counters[0] += len(text.strip())
        elif tag in BLOCK_TAGS:
            flush(owner)
            element = _open_element(dom, node, tag, owner)
            stack.append((node.mem_id, element, in_link, element))
        elif tag == "br":
            parts.append(BREAK)
        elif tag == "img":
            dom.images[owner] += 1
        elif tag == "a":
            counters[1] += 1
            stack.append((node.mem_id, -1, True, owner))
        elif tag != "-comment":
            stack.append((node.mem_id, -1, in_link, owner))
    while stack:
        _, element, _, _ = stack.pop()
        if element >= 0:
            flush(element)
            dom.end_block[element] = len(dom.text)
            dom.end_element[element] = len(dom.tag)
    return dom
