"""Block features: per-page evidence for every block, as columns over a batch of pages.

Everything here is array arithmetic over the blocks and elements the walk recorded
(``winnow.parse.blocks.PageDom``), concatenated for a batch of pages: container sizes come from
cumulative sums over each element's block range, ancestry from gathers along parent indexes,
text shapes from polars string kernels. No per-block Python beyond the walk itself.

Three groups of features:
* the block: length, words, link density, punctuation and digit shares, its tag;
* its place: owning element, parent and grandparent (tag, size, link density, share of the
  page), "inside a li/table/figure/footer/nav…" flags, class/id words of the element and of
  any ancestor, position in the page, the readability-style best container;
* its neighbours: the same figures for the blocks before and after it.
Site-model evidence is added by ``winnow.extract.decide`` (it needs the corpus).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from winnow.extract.rules import ANCESTOR_TAGS, CLASS_WORDS, TAG_CODES
from winnow.extract.vocabulary import TokenWeights, class_tokens
from winnow.model.site import MIN_SITE_PAGES, SiteStats

_CLASS_RES = [re.compile(pattern) for _, pattern in CLASS_WORDS]
_WORD_MASKS: dict[str, int] = {}
_TOKEN_MASKS: dict[str, int] = {}
_ANCESTOR_BITS = {tag: 1 << i for i, tag in enumerate(ANCESTOR_TAGS)}
GOOD_BLOCK_CHARS = 80  # a "paragraph" for container scores: this long, little link text
GOOD_BLOCK_LINKS = 0.33


def _token_mask(token: str) -> int:
    mask = _TOKEN_MASKS.get(token)
    if mask is None:
        mask = 0
        for i, pattern in enumerate(_CLASS_RES):
            if pattern.search(token):
                mask |= 1 << i
        if len(_TOKEN_MASKS) < 200_000:
            _TOKEN_MASKS[token] = mask
    return mask


def words_mask(words: str) -> int:
    """Bit i set when class word group i matches a token of the element's class/id/role/itemprop
    words. Matched per token (tokens recur across sites far more than whole class strings)."""
    mask = _WORD_MASKS.get(words)
    if mask is None:
        mask = 0
        for token in class_tokens(words):
            mask |= _token_mask(token)
        if len(_WORD_MASKS) < 200_000:
            _WORD_MASKS[words] = mask
    return mask


@dataclass(slots=True)
class Batch:
    """A batch of pages' blocks and elements, concatenated (global indexes)."""

    page: np.ndarray  # page number of each block
    owner: np.ndarray  # global element index of each block
    chars: np.ndarray
    link_chars: np.ndarray
    links: np.ndarray
    text: list[str]
    fingerprint: np.ndarray
    e_page: np.ndarray
    e_parent: np.ndarray  # global index; the root points at itself
    e_depth: np.ndarray
    e_tag: np.ndarray  # tag code
    e_own: np.ndarray  # class-word mask of the element itself
    e_tagbits: np.ndarray  # ancestor-tag bits of the element itself
    e_first: np.ndarray  # global block range [first, end)
    e_end: np.ndarray
    e_images: np.ndarray
    e_hidden: np.ndarray
    e_words: Distinct  # class/id/role/itemprop words of each element
    page_first: np.ndarray  # block range of each page
    page_end: np.ndarray


@dataclass(slots=True)
class Distinct:
    """A column of strings as codes into its distinct values: functions of the values run once
    per distinct value (templates repeat a few class strings and tags thousands of times)."""

    codes: np.ndarray
    values: list[str]

    @classmethod
    def of(cls, column: list[str]) -> Distinct:
        index: dict[str, int] = {}
        codes = np.fromiter(
            (index.setdefault(v, len(index)) for v in column), np.int64, len(column)
        )
        return cls(codes, list(index))

    @classmethod
    def of_series(cls, column: pl.Series) -> Distinct:
        """``of`` a string column without nulls, in polars: the same codes (distinct values in
        order of first appearance) at a third of the cost."""
        if column.null_count():  # a frame read back with a missing value: the general way
            return cls.of(column.to_list())
        values = column.unique(maintain_order=True)
        codes = column.cast(pl.Enum(values)).to_physical().to_numpy().astype(np.int64)
        return cls(codes, values.to_list())

    def map(self, fn, dtype: type = np.int64) -> np.ndarray:  # noqa: ANN001 - any str -> value
        """``fn`` of every row's value, as an array."""
        table = np.array([fn(v) for v in self.values], dtype=dtype)
        if not len(self.codes):
            return np.zeros((0, *table.shape[1:]), dtype=dtype)
        return table[self.codes]


def per_distinct(values: list[str], fn, dtype: type = np.int64) -> np.ndarray:  # noqa: ANN001
    """``fn`` of every value, computed once per distinct value."""
    return Distinct.of(values).map(fn, dtype)


def batch(blocks: pl.DataFrame, elements: pl.DataFrame) -> Batch:
    """The batch of pages in the frames (``winnow.parse.frames``), with global indexes.

    Both frames are in page order and, within a page, in block/element order; every page has
    at least its ``<body>`` element, so pages come from the elements frame.
    """
    pages = elements["page_id"].unique(maintain_order=True)
    number = pl.DataFrame({"page_id": pages, "n": pl.int_range(len(pages), eager=True)})
    e_page = elements.select("page_id").join(number, on="page_id", how="left")["n"].to_numpy()
    b_page = blocks.select("page_id").join(number, on="page_id", how="left")["n"].to_numpy()
    n_pages = len(pages)
    b_count = np.bincount(b_page, minlength=n_pages)
    e_count = np.bincount(e_page, minlength=n_pages)
    b_off = np.concatenate([[0], np.cumsum(b_count)])
    e_off = np.concatenate([[0], np.cumsum(e_count)])
    parent = elements["parent"].to_numpy().astype(np.int64)
    root = parent < 0
    parent = np.where(root, 0, parent) + e_off[e_page]
    parent[root] = np.flatnonzero(root)
    tags = Distinct.of_series(elements["tag"])
    words = Distinct.of_series(elements["words"])
    return Batch(
        page=b_page,
        owner=blocks["element_index"].to_numpy().astype(np.int64) + e_off[b_page],
        chars=blocks["n_chars"].to_numpy().astype(np.int64),
        link_chars=blocks["link_chars"].to_numpy().astype(np.int64),
        links=blocks["links"].to_numpy().astype(np.int64),
        text=blocks["text"].to_list(),
        fingerprint=blocks["fingerprint"].to_numpy(),
        e_page=e_page,
        e_parent=parent,
        e_depth=elements["depth"].to_numpy().astype(np.int64),
        e_tag=tags.map(lambda t: TAG_CODES.get(t, 0)),
        e_own=words.map(words_mask),
        e_tagbits=tags.map(lambda t: _ANCESTOR_BITS.get(t, 0)),
        e_first=elements["first_block"].to_numpy().astype(np.int64) + b_off[e_page],
        e_end=elements["end_block"].to_numpy().astype(np.int64) + b_off[e_page],
        e_images=elements["images"].to_numpy().astype(np.int64),
        e_hidden=elements["hidden"].to_numpy(),
        e_words=words,
        page_first=b_off[:-1],
        page_end=b_off[1:],
    )


def _inherit(
    values: np.ndarray, parent: np.ndarray, depth: np.ndarray, combine: np.ufunc = np.bitwise_or
) -> np.ndarray:
    """``combine`` (OR, min, max: idempotent) of ``values`` over each element and all its
    ancestors, by pointer doubling."""
    out = values.copy()
    hop = parent.copy()
    for _ in range(int(depth.max(initial=0)).bit_length() + 1):
        out = combine(out, out[hop])
        hop = hop[hop]
    return out


_STRUCTURE_TAGS = ("li", "blockquote", "pre")


def inherited_tags(b: Batch, blocks: np.ndarray) -> list[frozenset[str]]:
    """For the given blocks, which of ``li``/``blockquote``/``pre`` enclose them (Markdown)."""
    bits = _inherit(b.e_tagbits, b.e_parent, b.e_depth)[b.owner[blocks]]
    wanted = [(name, _ANCESTOR_BITS[name]) for name in _STRUCTURE_TAGS]
    memo: dict[int, frozenset[str]] = {}
    out = []
    for value in bits.tolist():
        found = memo.get(value)
        if found is None:
            found = memo[value] = frozenset(n for n, bit in wanted if value & bit)
        out.append(found)
    return out


def _range_sum(cumsum: np.ndarray, first: np.ndarray, end: np.ndarray) -> np.ndarray:
    return cumsum[end] - cumsum[first]


def _cumsum(values: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(values)])


def _best_container(
    b: Batch, e_chars: np.ndarray, e_links: np.ndarray, commas: np.ndarray
) -> np.ndarray:
    """Per page, the element readability's scoring would pick (global index).

    Each block scores 1 + commas + its length in 100s (up to 3) when it has 25+ characters and
    little link text; its owner's parent gets the score and the grandparent half of it; an
    element's score is then scaled by its share of non-link text.
    """
    ld = b.link_chars / np.maximum(b.chars, 1)
    score = np.where((b.chars >= 25) & (ld < 0.5), 1 + commas + np.minimum(b.chars / 100, 3), 0.0)
    parent = b.e_parent[b.owner]
    grand = b.e_parent[parent]
    e_score = np.bincount(parent, weights=score, minlength=len(b.e_page))
    e_score += 0.5 * np.bincount(grand, weights=score, minlength=len(b.e_page))
    e_score *= 1 - e_links / np.maximum(e_chars, 1)
    return _per_page_argmax(e_score, b.e_page, len(b.page_first))


def _text_shapes(texts: list[str]) -> dict[str, np.ndarray]:
    """Punctuation, digit and case shapes of every block text (polars string kernels).

    ASCII classes and no word boundaries where they do as well: Unicode classes and ``\\b``
    cost the regex engine several times more, on every block of every page.
    """
    s = pl.Series("t", texts, dtype=pl.String)
    n = np.maximum(s.str.len_chars().to_numpy().astype(np.float32), 1)

    def count(pattern: str, literal: bool = False) -> np.ndarray:
        return s.str.count_matches(pattern, literal=literal).to_numpy().astype(np.float32)

    def has(pattern: str) -> np.ndarray:
        return s.str.contains(pattern).to_numpy().astype(np.float32)

    words = count(" ", literal=True) + 1  # blocks are whitespace-collapsed: spaces + 1
    return {
        "words": words,
        "word_len": n / words,
        "digits": count("[0-9]") / n,
        "upper": count("[A-Z]") / n,
        "commas": count("[,，、]"),
        "stops": count(r"[.!?。！？]\s|[.!?。！？]$"),
        "ends_stop": has(r"[.!?。！？:;\"'”’»)]$"),
        "starts_upper": has("^[A-Z]"),
        "pipes": count("[|•·»«/]"),
        "copyright": has(r"©|\(c\)|&copy"),
        "date_like": has("[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}|(?:19|20)[0-9]{2}"),
        "time_like": has("[0-9]{1,2}:[0-9]{2}"),
        "lines": count("\n", literal=True),
    }


def _neighbour(values: np.ndarray, b: Batch, shift: int, fill: float = -1.0) -> np.ndarray:
    """``values`` of the block ``shift`` places later (negative: earlier) on the same page."""
    n = len(values)
    idx = np.arange(n) + shift
    ok = (idx >= 0) & (idx < n)
    idx = np.clip(idx, 0, max(n - 1, 0))
    ok &= b.page[idx] == b.page if n else ok
    return np.where(ok, values[idx] if n else values, fill)


def _distance_to(mask: np.ndarray, b: Batch) -> tuple[np.ndarray, np.ndarray]:
    """Blocks to the nearest earlier and later block where ``mask`` holds (same page; 999 none)."""
    n = len(mask)
    idx = np.arange(n)
    last = np.where(mask, idx, -1)
    last = np.maximum.accumulate(last) if n else last
    before = np.where((last >= 0) & (b.page[np.maximum(last, 0)] == b.page), idx - last, 999)
    nxt = np.where(mask, idx, n)[::-1]
    nxt = np.minimum.accumulate(nxt)[::-1] if n else nxt
    safe = np.minimum(nxt, max(n - 1, 0))
    after = np.where((nxt < n) & (b.page[safe] == b.page), nxt - idx, 999)
    return before.astype(np.float32), after.astype(np.float32)


def _bits(
    values: np.ndarray, prefix: str, names: list[str], wanted: set[str] | None
) -> dict[str, np.ndarray]:
    """One 0/1 column per bit of ``values`` (only the ``wanted`` ones, when given)."""
    out = {}
    for i, name in enumerate(names):
        key = f"{prefix}_{name}"
        if wanted is None or key in wanted:
            out[key] = ((values >> i) & 1).astype(np.float32)
    return out


def token_features(b: Batch, weights: TokenWeights) -> dict[str, np.ndarray]:
    """Learnt class-token evidence of the block's element, its parent and all its ancestors."""
    scores = b.e_words.map(weights.score, np.float32)
    parent = b.e_parent[b.owner]
    low = _inherit(scores[:, 0], b.e_parent, b.e_depth, np.minimum)
    high = _inherit(scores[:, 1], b.e_parent, b.e_depth, np.maximum)
    return {
        "tok_own_min": scores[b.owner, 0],
        "tok_own_max": scores[b.owner, 1],
        "tok_own_sum": scores[b.owner, 2],
        "tok_parent_min": scores[parent, 0],
        "tok_parent_max": scores[parent, 1],
        "tok_anc_min": low[b.owner],
        "tok_anc_max": high[b.owner],
    }


def page_features(
    b: Batch, weights: TokenWeights | None = None, wanted: set[str] | None = None
) -> dict[str, np.ndarray]:
    """Every per-page feature of every block in the batch, as named float32 columns (of the
    one-bit vocabulary columns only the ``wanted`` ones, when given: the model's)."""
    f: dict[str, np.ndarray] = {}
    if weights is not None:
        f.update(token_features(b, weights))
    chars = b.chars.astype(np.float32)
    ld = (b.link_chars / np.maximum(b.chars, 1)).astype(np.float32)
    good = (b.chars >= GOOD_BLOCK_CHARS) & (ld < GOOD_BLOCK_LINKS)
    f["chars"] = np.log1p(chars)
    f["link_density"] = ld
    f["links"] = b.links.astype(np.float32)
    f.update(_text_shapes(b.text))

    c_chars, c_links = _cumsum(b.chars), _cumsum(b.link_chars)
    c_good = _cumsum(np.where(good, b.chars, 0))
    e_chars = _range_sum(c_chars, b.e_first, b.e_end)
    e_links = _range_sum(c_links, b.e_first, b.e_end)
    e_good = _range_sum(c_good, b.e_first, b.e_end)
    page_chars = np.maximum(_range_sum(c_chars, b.page_first, b.page_end), 1)
    page_good = _range_sum(c_good, b.page_first, b.page_end)
    e_share = e_chars / page_chars[b.e_page]

    element = b.owner
    for level, name in enumerate(("own", "parent", "grand")):
        if level:
            element = b.e_parent[element]
        f[f"{name}_tag"] = b.e_tag[element].astype(np.float32)
        f[f"{name}_share"] = e_share[element].astype(np.float32)
        f[f"{name}_chars"] = np.log1p(e_chars[element]).astype(np.float32)
        f[f"{name}_ld"] = (e_links[element] / np.maximum(e_chars[element], 1)).astype(np.float32)
        f[f"{name}_blocks"] = (b.e_end[element] - b.e_first[element]).astype(np.float32)
        f[f"{name}_good"] = (e_good[element] / np.maximum(e_chars[element], 1)).astype(np.float32)
    f["own_depth"] = b.e_depth[b.owner].astype(np.float32)
    f["own_images"] = b.e_images[b.owner].astype(np.float32)
    f["hidden"] = b.e_hidden[b.owner].astype(np.float32)

    tagbits = _inherit(b.e_tagbits, b.e_parent, b.e_depth)[b.owner]
    f.update(_bits(tagbits, "in", list(ANCESTOR_TAGS), wanted))
    word_names = [name for name, _ in CLASS_WORDS]
    f.update(_bits(b.e_own[b.owner], "cls", word_names, wanted))
    inherited = _inherit(b.e_own, b.e_parent, b.e_depth)[b.owner]
    f.update(_bits(inherited, "acls", word_names, wanted))

    n_page = (b.page_end - b.page_first)[b.page]
    rank = np.arange(len(b.page)) - b.page_first[b.page]
    f["rank"] = (rank / np.maximum(n_page, 1)).astype(np.float32)
    f["chars_before"] = (
        (c_chars[:-1] - c_chars[b.page_first[b.page]]) / page_chars[b.page]
    ).astype(np.float32)
    f["page_chars"] = np.log1p(page_chars[b.page]).astype(np.float32)
    f["page_blocks"] = np.log1p(n_page).astype(np.float32)
    f["page_good"] = (page_good[b.page] / page_chars[b.page]).astype(np.float32)

    best = _best_container(b, e_chars, e_links, f["commas"])[b.page]
    f["in_best"] = (
        (b.e_first[best] <= np.arange(len(b.page))) & (np.arange(len(b.page)) < b.e_end[best])
    ).astype(np.float32)
    f["best_share"] = e_share[best].astype(np.float32)
    f["best_depth_gap"] = (b.e_depth[b.owner] - b.e_depth[best]).astype(np.float32)

    f.update(_main_text_container(b, e_good, page_good, e_share))
    f["good_before"], f["good_after"] = _distance_to(good, b)
    h1 = b.e_tag[b.owner] == TAG_CODES["h1"]
    f["h1_before"], f["h1_after"] = _distance_to(h1, b)
    for shift in (-2, -1, 1, 2):
        key = f"n{shift:+d}"
        f[f"{key}_chars"] = _neighbour(f["chars"], b, shift)
        f[f"{key}_ld"] = _neighbour(ld, b, shift)
        f[f"{key}_stop"] = _neighbour(f["ends_stop"], b, shift)
        f[f"{key}_same_owner"] = (
            _neighbour(b.owner.astype(np.float32), b, shift) == b.owner
        ).astype(np.float32)
    f["dup_in_page"] = _duplicates(b)
    return f


MAIN_TEXT_SHARE = 0.6  # the main container holds this share of the page's paragraph text
ANCESTOR_LEVELS = (1, 2, 3, 4, 6, 8)


def _per_page_argmax(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Index of the largest value within each group (first one on ties)."""
    order = np.lexsort((-values, groups))
    first = np.ones(len(order), dtype=bool)
    first[1:] = groups[order][1:] != groups[order][:-1]
    best = np.zeros(n_groups, dtype=np.int64)
    best[groups[order][first]] = order[first]
    return best


def _main_text_container(
    b: Batch, e_good: np.ndarray, page_good: np.ndarray, e_share: np.ndarray
) -> dict[str, np.ndarray]:
    """Where the block sits relative to the smallest element holding most paragraph text.

    Robust where readability's parent/grandparent scoring is not: templates that wrap every
    paragraph in its own container chain. Also the paragraph-text share of the block's
    ancestors a few levels up, and the levels to climb before half the page's paragraph text
    is below.
    """
    f: dict[str, np.ndarray] = {}
    good_share = e_good / np.maximum(page_good[b.e_page], 1)
    holds = good_share >= MAIN_TEXT_SHARE
    depth = np.where(holds, b.e_depth, -1).astype(np.float64)
    main = _per_page_argmax(depth, b.e_page, len(b.page_first))[b.page]
    blocks = np.arange(len(b.page))
    f["in_main"] = ((b.e_first[main] <= blocks) & (blocks < b.e_end[main])).astype(np.float32)
    f["main_share"] = e_share[main].astype(np.float32)
    f["main_depth_gap"] = (b.e_depth[b.owner] - b.e_depth[main]).astype(np.float32)
    element = b.owner
    climb = np.full(len(blocks), 99.0, dtype=np.float32)
    for level in range(1, max(ANCESTOR_LEVELS) + 1):
        element = b.e_parent[element]
        share = good_share[element]
        climb = np.where((climb == 99) & (share >= 0.5), level, climb)
        if level in ANCESTOR_LEVELS:
            f[f"anc{level}_good"] = share.astype(np.float32)
    f["climb_to_half"] = climb
    return f


def _duplicates(b: Batch) -> np.ndarray:
    """How many blocks of the same page read the same (same fingerprint)."""
    frame = pl.DataFrame({"page": b.page, "fp": b.fingerprint})
    return frame.select(pl.len().over("page", "fp")).to_series().to_numpy().astype(np.float32)


ARTICLE_MASS = 0.8  # the article container holds this share of the page's likely-article text


def context_features(b: Batch, p: np.ndarray) -> dict[str, np.ndarray]:
    """Second-stage evidence: what the first stage believes about the block's surroundings.

    ``p`` is the first stage's probability for every block. Neighbours' beliefs, and how much of
    the page's likely-article text (``p`` × characters) each ancestor holds: a paragraph the
    first stage doubted, inside the container that holds the article, is article.
    """
    f: dict[str, np.ndarray] = {"p": p.astype(np.float32)}
    for shift in (-3, -2, -1, 1, 2, 3):
        f[f"p{shift:+d}"] = _neighbour(p, b, shift).astype(np.float32)
    mass = p * b.chars
    c_mass, c_chars = _cumsum(mass), _cumsum(b.chars)
    e_mass = _range_sum(c_mass, b.e_first, b.e_end)
    e_chars = _range_sum(c_chars, b.e_first, b.e_end)
    page_mass = np.maximum(_range_sum(c_mass, b.page_first, b.page_end), 1e-6)
    e_mass_share = e_mass / page_mass[b.e_page]
    e_mean = e_mass / np.maximum(e_chars, 1)
    element = b.owner
    for level in range(0, 7):
        if level:
            element = b.e_parent[element]
        if level in (0, 1, 2, 4, 6):
            f[f"anc{level}_pmass"] = e_mass_share[element].astype(np.float32)
            f[f"anc{level}_pmean"] = e_mean[element].astype(np.float32)
    holds = e_mass_share >= ARTICLE_MASS
    article = _per_page_argmax(
        np.where(holds, b.e_depth, -1).astype(np.float64), b.e_page, len(b.page_first)
    )[b.page]
    blocks = np.arange(len(b.page))
    f["in_article"] = ((b.e_first[article] <= blocks) & (blocks < b.e_end[article])).astype(
        np.float32
    )
    f["article_share"] = (
        e_chars[article] / np.maximum(_range_sum(c_chars, b.page_first, b.page_end)[b.page], 1)
    ).astype(np.float32)
    f["article_gap"] = (b.e_depth[b.owner] - b.e_depth[article]).astype(np.float32)
    f["page_pmax"] = (
        np.maximum.reduceat(p, b.page_first)[b.page].astype(np.float32) if len(p) else p
    )
    f["page_pmass"] = np.log1p(page_mass[b.page]).astype(np.float32)
    hi = p >= 0.5
    f["hi_before"], f["hi_after"] = _distance_to(hi, b)
    return f


def site_features(blocks: pl.DataFrame, stats: SiteStats) -> dict[str, np.ndarray]:
    """The site model's evidence for each block: on how many other pages of its site its text
    and its template slot recur (0 where the site is too small for a model)."""
    joined = (
        blocks.select("site", "fingerprint", "signature")
        .join(stats.sizes, on="site", how="left")
        .join(stats.texts, on=["site", "fingerprint"], how="left")
        .join(stats.slots, on=["site", "signature"], how="left")
    )
    size = joined["site_pages"].fill_null(1).to_numpy().astype(np.float32)
    active = size >= MIN_SITE_PAGES
    others = np.maximum(size - 1, 1)
    text_pages = np.maximum(joined["text_pages"].fill_null(1).to_numpy() - 1, 0)
    slot_pages = np.maximum(joined["slot_pages"].fill_null(1).to_numpy() - 1, 0)
    return {
        "site_pages_log": np.log1p(size),
        "fp_share": np.where(active, text_pages / others, 0).astype(np.float32),
        "fp_pages": np.where(active, text_pages, 0).astype(np.float32),
        "path_share": np.where(active, slot_pages / others, 0).astype(np.float32),
    }
