"""Article extraction from one page, after the site's chrome is taken out.

HTML: the outermost elements whose every text block is chrome for the site are dropped from the
parsed tree (never one holding more than half the page's text, in case the model is wrong),
then trafilatura extracts body and metadata from the pruned tree, and any output line that is
still a known chrome text is removed. Text pages: chrome lines are dropped, then headline,
byline and date are read off the top and the paragraphs kept.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import py3langid
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.metadata import extract_metadata
from trafilatura.readability_lxml import Document as ReadabilityDocument
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import fromstring_bytes

from winnow.model import EMPTY_MODEL, SiteModel
from winnow.parse.fingerprint import normalize_text, text_fingerprint, word_count, words
from winnow.parse.segment import Block, segment_tree

MAX_PRUNE_SHARE = 0.5
_LANG = re.compile(r"^[a-zA-Z]{2,3}\b")
_BYLINE = re.compile(r"^(?:by|von|par|por|di|door|av)\s+(.{2,120})$", re.IGNORECASE)
_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2})\b|\b(\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2}, \d{4})\b"
)


@dataclass(slots=True)
class Article:
    """What extraction found on one page; empty body when the page holds no article."""

    title: str | None = None
    byline: str | None = None
    published_at: str | None = None
    language: str | None = None
    body: str = ""
    blocks_removed: int = 0
    lines_removed: int = 0


def chrome_elements(
    blocks: list[Block], model: SiteModel, keep: frozenset[int] = frozenset()
) -> list[Block]:
    """The outermost blocks whose whole subtree is chrome, in document order.

    ``keep`` holds fingerprints that are content on this page whatever the model says (the
    page's own headline, which other pages of the site list as links).
    """
    n = len(blocks)
    has_content = [False] * n
    has_chrome = [False] * n
    subtree_chars = [0] * n
    for block in reversed(blocks):  # children come after their parent: fold bottom-up
        i = block.index
        if block.n_chars:
            if block.fingerprint not in keep and model.is_chrome(
                block.fingerprint, block.signature
            ):
                has_chrome[i] = True
            else:
                has_content[i] = True
        subtree_chars[i] += block.n_chars
        if block.parent >= 0:
            p = block.parent
            has_content[p] |= has_content[i]
            has_chrome[p] |= has_chrome[i]
            subtree_chars[p] += subtree_chars[i]
    total = sum(b.n_chars for b in blocks) or 1
    removable = [
        has_chrome[i] and not has_content[i] and subtree_chars[i] <= MAX_PRUNE_SHARE * total
        for i in range(n)
    ]
    return [b for b in blocks if removable[b.index] and (b.parent < 0 or not removable[b.parent])]


def drop_elements(blocks: list[Block]) -> None:
    """Remove the blocks' elements from their tree, keeping the text that follows them."""
    for block in blocks:
        el = block.element
        if el is not None and el.getparent() is not None:
            el.drop_tree()


def drop_chrome_lines(
    text: str, model: SiteModel, keep: frozenset[int] = frozenset()
) -> tuple[str, int]:
    """Lines of extracted text that are known chrome for the site (and not in ``keep``), removed."""
    if not model.text_keys or not text:
        return text, 0
    kept = [
        line
        for line in text.split("\n")
        if (fp := text_fingerprint(line)) in keep or fp not in model.text_keys
    ]
    return "\n".join(kept), text.count("\n") + 1 - len(kept)


def drop_link_rows(body: str, blocks: list[Block], model: SiteModel = EMPTY_MODEL) -> str:
    """Layout-table rows removed: rows of short link or chrome cells ("| Print | E-mail |")
    and rows holding a single short cell. A row with a cell of 15+ words, or several cells of
    mostly plain text (a data table), is kept.

    trafilatura renders a table row as one ``| a | b |`` line, so its cells are judged against
    the page's table-cell blocks by fingerprint.
    """
    if "|" not in body:
        return body
    density = {b.fingerprint: b.link_density for b in blocks if b.n_chars}

    def is_link_row(line: str) -> bool:
        if not line.lstrip().startswith("|"):
            return False
        cells = [c.strip() for c in line.split("|") if c.strip()]
        if not cells:
            return True
        if max(word_count(c) for c in cells) >= 15:
            return False
        if len(cells) == 1:
            return True  # one short cell in a row: a layout-table fragment, not data
        fps = [text_fingerprint(c) for c in cells]
        linked = sum(density.get(fp, 0.0) >= 0.5 or model.is_chrome(fp) for fp in fps)
        return linked >= 0.5 * len(cells)

    return "\n".join(line for line in body.split("\n") if not is_link_row(line))


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code: the page's declared ``lang`` when present, else identified from text."""
    if declared:
        match = _LANG.match(declared.strip())
        if match:
            return match.group(0).lower()
    if word_count(text) < 10:
        return None
    lang, _ = py3langid.classify(text[:3000])
    return lang


CARD_MAX_CHARS = 400
CARD_SHARE = 0.6


def teaser_card_texts(blocks: list[Block]) -> set[int]:
    """Fingerprints of text blocks that sit in a small card beside a link-only block.

    That is the shape of a section front (headline link + one-line teaser per card); an
    article's paragraphs sit in a large container instead.
    """
    n = len(blocks)
    subtree = [b.n_chars for b in blocks]
    has_link_child = [False] * n
    for b in reversed(blocks):
        if b.parent >= 0:
            subtree[b.parent] += subtree[b.index]
            if b.n_chars and b.link_density >= 0.8:
                has_link_child[b.parent] = True
    return {
        b.fingerprint
        for b in blocks
        if b.n_chars
        and b.link_density < 0.5
        and b.parent >= 0
        and has_link_child[b.parent]
        and subtree[b.parent] <= CARD_MAX_CHARS
    }


def mostly_cards(body: str, cards: set[int]) -> bool:
    """At least ``CARD_SHARE`` of the body (and three lines) is teaser-card text."""
    lines = [line for line in body.split("\n") if line.strip()]
    in_cards = [line for line in lines if text_fingerprint(line) in cards]
    return len(in_cards) >= 3 and sum(map(len, in_cards)) >= CARD_SHARE * sum(map(len, lines))


def _lead_words(text: str, k: int = 5) -> tuple[str, ...]:
    return tuple(normalize_text(text).split()[:k])


def link_texts(blocks: list[Block]) -> set[tuple[str, ...]]:
    """First words of the page's link-only blocks (headline links), for ``looks_like_listing``."""
    return {_lead_words(b.text) for b in blocks if b.n_chars >= 10 and b.link_density >= 0.8}


def looks_like_listing(body: str, links: set[tuple[str, ...]]) -> bool:
    """A section front or link list, not an article: mostly list items that open with a link.

    trafilatura renders list items as ``- `` lines. A front page's items start with a headline
    link (maybe followed by a one-line teaser) and no paragraph of 40+ words stands between
    them; a list of quotes or facts in an article does not open with links.
    """
    lines = [line for line in body.split("\n") if line.strip()]
    items = [line for line in lines if line.startswith("- ")]
    if len(items) < 5 or any(word_count(line) >= 40 for line in lines if line not in items):
        return False
    lengths = {len(key) for key in links}
    linked = sum(any(_lead_words(item[2:], k) in links for k in lengths) for item in items)
    return linked >= 0.7 * len(items) and sum(map(len, items)) >= 0.7 * sum(map(len, lines))


SECOND_OPINION_CONTAINED = 0.8  # share of readability's text that must lie inside ours
SECOND_OPINION_MIN_SHARE = 0.3  # readability's text must be at least this share of ours


def _shingles(text: str) -> Counter:
    tokens = words(text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)))


def readability_text(tree: HtmlElement) -> str:
    """The article readability's algorithm (trafilatura's maintained fork) picks, as lines."""
    try:
        summary = fromstring_bytes(ReadabilityDocument(tree, min_text_length=25).summary())
    except Exception:  # readability gives up on odd pages; there is then no second opinion
        return ""
    if summary is None:
        return ""
    return "\n".join(b.text for b in segment_tree(summary) if b.n_chars)


def second_opinion(body: str, tree: HtmlElement, blocks: Sequence[Block] = ()) -> str:
    """Let readability's choice end our body.

    When readability's article lies almost wholly inside ours but is clearly shorter, what
    ours has after the last line readability also has is most likely trailing furniture
    (related links, newsletter boxes, reader comments: page-specific text, which the site
    model cannot know as chrome): it is cut. The head of ours is never cut, readability often
    misses a lead paragraph. Nor is a later line that sits in the same template slot (tag path
    with classes, from ``blocks``) as a line readability kept: that is the article going on
    where readability stopped early (paragraphs each wrapped in their own container). The
    tree may be modified.
    """
    if not body:
        return body
    ours, theirs = _shingles(body), _shingles(readability_text(tree))
    n_ours, n_theirs = sum(ours.values()), sum(theirs.values())
    if not n_theirs or n_theirs >= n_ours or n_theirs < SECOND_OPINION_MIN_SHARE * n_ours:
        return body
    inside = sum(min(c, ours.get(k, 0)) for k, c in theirs.items()) / n_theirs
    if inside < SECOND_OPINION_CONTAINED:
        return body
    lines = body.split("\n")
    agreed = [i for i, line in enumerate(lines) if any(k in theirs for k in _shingles(line))]
    if not agreed:
        return body
    slot = {b.fingerprint: b.signature for b in blocks if b.n_chars}
    slots = [slot.get(text_fingerprint(line)) for line in lines]
    article_slots = {slots[i] for i in agreed} - {None}
    agreed_set = set(agreed)
    last = max(i for i, s in enumerate(slots) if i in agreed_set or s in article_slots)
    return "\n".join(lines[: last + 1])


def read_metadata(tree: HtmlElement, url: str | None) -> Document:
    """trafilatura's metadata, with htmldate's extensive date search only where it is needed.

    The extensive search runs dateparser over every text segment of the page, most of the cost
    of extraction; on trafilatura-eval it changes the date only where the fast search finds
    none, so it runs only then. Date bounds are set per call: a long-lived process must not
    reject today's articles with yesterday's upper bound.
    """
    meta = extract_metadata(tree, url, set_date_params(False), False)
    if not meta.date:
        meta.date = find_date(tree, **{**set_date_params(True), "url": meta.url or url})
    return meta


def _headline(blocks: list[Block], title: str | None) -> str | None:
    """The page's <h1> when the <title> is that headline plus a site or section suffix."""
    h1 = next((b.text for b in blocks if b.tag == "h1" and b.n_chars), None)
    if title and h1 and h1 != title and len(h1) >= 10 and title.startswith(h1):
        return h1
    return title


def extract_html(
    tree: HtmlElement, blocks: list[Block], model: SiteModel = EMPTY_MODEL, url: str | None = None
) -> Article:
    """Prune the site's chrome from the parsed page, then extract the article from what is left.

    Metadata is read before pruning: a byline or date repeated across an author's articles is
    template-like text for the model, but still this page's byline and date.
    """
    declared_lang = tree.get("lang") or tree.get("xml:lang")
    meta = read_metadata(tree, url)
    title = _headline(blocks, meta.title)
    keep = frozenset({text_fingerprint(title)} if title else ())
    pruned = chrome_elements(blocks, model, keep) if model.text_keys or model.slot_keys else []
    cards = teaser_card_texts(blocks)
    links = link_texts(blocks)
    drop_elements(pruned)
    doc = bare_extraction(tree, url=url, include_comments=False, output_format="python")
    body, lines_removed = drop_chrome_lines(doc.text or "" if doc is not None else "", model, keep)
    body = drop_link_rows(body, blocks, model)
    body = second_opinion(body, tree, blocks)
    if looks_like_listing(body, links) or mostly_cards(body, cards):
        body = ""
    return Article(
        title=title or None,
        byline=meta.author or None,
        published_at=meta.date or None,
        language=detect_language(body, declared_lang),
        body=body.strip(),
        blocks_removed=len(pruned),
        lines_removed=lines_removed,
    )
