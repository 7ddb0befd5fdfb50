"""One lexbor parse per page (selectolax), with the subtrees that never hold article text removed.

selectolax was picked over resiliparse (both wrap lexbor) on a measured walk: parsing costs the
same (≈ 0.35 ms a Dragnet page), but selectolax's ``traverse`` visits a page's ≈ 1,700 nodes in
≈ 0.5 ms from Python, where resiliparse's DOM walk with callbacks took ≈ 6 ms
(``bench/speed.py --parsers`` repeats the comparison).
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from winnow.parse.blocks import PageDom, walk

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


def parse_html(text: str | bytes) -> LexborHTMLParser:
    """The page's DOM, as parsed (metadata is read from it before ``strip_skipped``)."""
    return LexborHTMLParser(text)


def strip_skipped(tree: LexborHTMLParser) -> LexborHTMLParser:
    """Remove the ``SKIP_TAGS`` subtrees in place (JSON-LD scripts are gone after this)."""
    tree.strip_tags(list(SKIP_TAGS))
    return tree


def body_dom(tree: LexborHTMLParser) -> PageDom:
    """Strip the skipped subtrees and walk the body (a page without one gets an empty body)."""
    body = strip_skipped(tree).body
    if body is None:
        body = LexborHTMLParser("<body></body>").body
    return walk(body)
