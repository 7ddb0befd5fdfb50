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
    path: list[str] = field(default_factory=list)  # the element's tag-path step (tag.class…)
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
    """Record a block-level element (depth and inherited hiding are filled in by ``_finish``);
    returns its index."""
    attrs = node.attributes
    cls = None
    words = ""
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
    step = _STEPS.get((tag, cls)) or _step(tag, cls)
    index = len(dom.tag)
    blocks = len(dom.text)
    dom.tag.append(tag)
    dom.parent.append(parent)
    dom.words.append(words)
    dom.path.append(step)  # this element's step; ``paths`` joins them
    dom.hidden.append(hidden)
    dom.first_block.append(blocks)
    dom.end_block.append(blocks)
    dom.end_element.append(index + 1)
    dom.images.append(0)
    return index


def _finish(dom: PageDom) -> PageDom:
    """Depths, and hiding inherited from ancestors (elements come after their parents)."""
    parent, hidden = dom.parent, dom.hidden
    depth = [0] * len(parent)
    for i in range(1, len(parent)):
        up = parent[i]
        depth[i] = depth[up] + 1
        if hidden[up]:
            hidden[i] = True
    dom.depth = depth
    return dom


def paths(dom: PageDom, elements: list[int]) -> list[str]:
    """Tag paths (steps from ``<body>`` down) of the given elements: one forward pass, as every
    element comes after its parent."""
    full: list[str] = []
    append = full.append
    for step, parent in zip(dom.path, dom.parent, strict=True):
        append(f"{full[parent]}/{step}" if parent >= 0 else step)
    return [full[e] for e in elements]


BREAK = "\x1e"  # stands for a <br> in the collected text (source newlines are whitespace)


def _clean(raw: str) -> str:
    """Whitespace collapsed; ``<br>`` line breaks kept, empty lines dropped."""
    if BREAK not in raw:
        return " ".join(raw.split())
    lines = (" ".join(line.split()) for line in raw.split(BREAK))
    return "\n".join(line for line in lines if line)


def walk(body: LexborNode) -> PageDom:
    """Blocks and elements of the subtree under ``body`` (usually the page's ``<body>``).

    One pass over lexbor's pre-order ``traverse``; an element is left when a node's parent is
    no longer the innermost open element. Everything the loop touches is a local (the top of
    the open-element stack included) because it runs for every node of every page.
    """
    dom = PageDom()
    parts: list[str] = []
    link_chars = links = words = 0  # of the text collected since the last block boundary
    root = _open_element(dom, body, "body", -1)
    stack: list[tuple[int, int, bool, int]] = []  # open elements below the top
    top_id, top_element, in_link, owner = body.mem_id, root, False, root
    nodes = body.traverse(include_text=True)
    next(nodes, None)  # the body itself
    for node in nodes:
        parent_id = node.parent.mem_id
        while parent_id != top_id and stack:
            if top_element >= 0:
                if words:
                    _add_block(dom, parts, top_element, link_chars, links)
                parts.clear()
                link_chars = links = words = 0
                _close(dom, top_element)
            top_id, top_element, in_link, owner = stack.pop()
        tag = node.tag
        if tag == "-text":
            text = node.text_content
            if text:
                parts.append(text)
                if not text.isspace():
                    words += 1
                    if in_link:
                        link_chars += len(text.strip())
        elif tag in BLOCK_TAGS:
            if words:
                _add_block(dom, parts, owner, link_chars, links)
            parts.clear()
            link_chars = links = words = 0
            stack.append((top_id, top_element, in_link, owner))
            top_id, top_element = node.mem_id, _open_element(dom, node, tag, owner)
            owner = top_element
        elif tag == "br":
            parts.append(BREAK)
        elif tag == "img":
            dom.images[owner] += 1
        elif tag == "a":
            links += 1
            stack.append((top_id, top_element, in_link, owner))
            top_id, top_element, in_link = node.mem_id, -1, True
        elif tag != "-comment":
            stack.append((top_id, top_element, in_link, owner))
            top_id, top_element = node.mem_id, -1
    while True:
        if top_element >= 0:
            if words:
                _add_block(dom, parts, top_element, link_chars, links)
            parts.clear()
            link_chars = links = words = 0
            _close(dom, top_element)
        if not stack:
            return _finish(dom)
        top_id, top_element, in_link, owner = stack.pop()


def _close(dom: PageDom, element: int) -> None:
    """Close an element: its block and element ranges end here. An element with no text below
    it (a spacer, an image wrapper, an empty list) is forgotten with its whole subtree (the last
    elements recorded), its images passed to its parent: it can never own or contain a block,
    and a fifth of a page's elements are such."""
    blocks = len(dom.text)
    if blocks == dom.first_block[element] and element > 0:
        dom.images[dom.parent[element]] += sum(dom.images[element:])
        for column in (
            dom.tag,
            dom.parent,
            dom.words,
            dom.path,
            dom.hidden,
            dom.first_block,
            dom.end_block,
            dom.end_element,
            dom.images,
        ):
            del column[element:]
        return
    dom.end_block[element] = blocks
    dom.end_element[element] = len(dom.tag)


def _add_block(dom: PageDom, parts: list[str], owner: int, link_chars: int, links: int) -> None:
    """Close the collected text as a block of ``owner`` (nothing when it is only space)."""
    text = _clean("".join(parts))
    if text:
        dom.text.append(text)
        dom.owner.append(owner)
        dom.link_chars.append(min(link_chars, len(text)))
        dom.links.append(links)


def text_dom(text: str) -> PageDom:
    """A plain-text page (a copy of a page's visible text) as blocks: one per non-empty line,
    each its own ``p`` element under the root, so the frames have the shape HTML pages have."""
    dom = PageDom()
    dom.tag.append("body")
    dom.parent.append(-1)
    dom.depth.append(0)
    dom.words.append("")
    dom.path.append("body")
    dom.first_block.append(0)
    dom.images.append(0)
    dom.hidden.append(False)
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        index = len(dom.tag)
        dom.tag.append("p")
        dom.parent.append(0)
        dom.depth.append(1)
        dom.words.append("")
        dom.path.append("body/p")
        dom.first_block.append(len(dom.text))
        dom.end_block.append(len(dom.text) + 1)
        dom.end_element.append(index + 1)
        dom.images.append(0)
        dom.hidden.append(False)
        dom.text.append(line)
        dom.owner.append(index)
        dom.link_chars.append(0)
        dom.links.append(0)
    dom.end_block.insert(0, len(dom.text))
    dom.end_element.insert(0, len(dom.tag))
    return dom
