"""One lexbor parse per page (selectolax), with the subtrees that never hold article text removed.

selectolax was picked over resiliparse (both wrap lexbor) on a measured walk: parsing costs the
same (≈ 0.35 ms a Dragnet page), but selectolax's ``traverse`` visits a page's ≈ 1,700 nodes in
≈ 0.5 ms from Python, where resiliparse's DOM walk with callbacks took ≈ 6 ms
(``bench/speed.py --parsers`` repeats the comparison).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from winnow.parse.blocks import PageDom, walk

try:  # the compiled walk (``make setup`` builds it; ``winnow.parse.build_walk``)
    from winnow.parse._walk import walk as compiled_walk
except ImportError:  # not built here (no compiler, no download): the Python walk, same output
    compiled_walk = None

#: Elements whose whole subtree is never article text: dropped right after parsing. ``nav`` and
#: ``footer`` hold 14 % and 6 % of the labelled datasets' blocks but 0.000 % and 0.006 % of
#: their gold article words: dropping them saves a fifth of the walk, features and model.
SKIP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "iframe",
    "object",
    "embed",
    "select",
    "textarea",
    "button",
    "canvas",
    "video",
    "audio",
    "map",
    "nav",
    "footer",
)


#: A ``<title>`` whose end tag is missing or misspelt (``</titlevalue="true" -->``): the HTML
#: parser reads the rest of the document as title text (RCDATA), so the body comes out empty.
_OPEN_TITLE = re.compile(r"<title\b[^>]*>([^<\n]*)", re.I)
_TITLE_END = re.compile(r"</title\s*>", re.I)


def repair_open_title(text: str) -> str | None:
    """The page with an end tag put after the first line of a never-closed ``<title>``, or
    ``None`` when its title is closed. Only tried on a page whose body came out empty, so a
    well-formed page never pays for the search; browsers show such pages blank, but their
    article is in the source and other extractors (lxml-based) find it."""
    found = _OPEN_TITLE.search(text)
    if found is None or _TITLE_END.search(text, found.end()):
        return None
    return f"{text[: found.end()]}</title>{text[found.end() :]}"


def parse_html(text: str | bytes) -> LexborHTMLParser:
    """The page's DOM, as parsed (metadata is read from it before ``strip_skipped``)."""
    return LexborHTMLParser(text)


def strip_skipped(tree: LexborHTMLParser) -> LexborHTMLParser:
    """Remove the ``SKIP_TAGS`` subtrees in place (JSON-LD scripts are gone after this)."""
    tree.strip_tags(list(SKIP_TAGS))
    return tree


def body_dom(tree: LexborHTMLParser) -> PageDom:
    """Walk the body without its skipped subtrees (a page without one gets an empty body).

    The compiled walk passes over the ``SKIP_TAGS`` subtrees as it goes; the Python walk needs
    them stripped first (18 searches of the whole tree)."""
    if compiled_walk is not None:
        body = tree.body
        return compiled_walk(body if body is not None else LexborHTMLParser("<body></body>").body)
    body = strip_skipped(tree).body
    if body is None:
        body = LexborHTMLParser("<body></body>").body
    return walk(body)
