"""Class and id tokens as learnt evidence: how often text under an element with a token is article.

Templates name their containers ``article-body``, ``storyblok-rich-text``, ``comment-list``,
``related-posts``, ``c-newsletter``…; a hand-written list can never know them all. The weight of
a token is the smoothed log-odds that a word under an element carrying it is article text,
counted over the training pages (each page weighs the same) and kept only for tokens seen on
several sites, so one site's naming cannot become a rule. Weights ship inside the model file.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")
_TOKENS: dict[str, tuple[str, ...]] = {}
MIN_TOKEN_SITES = 4  # a token must be seen on this many sites to get a weight
SMOOTHING = 2.0  # pseudo-pages added to both sides of a token's odds


def class_tokens(words: str) -> tuple[str, ...]:
    """Distinct lower-case tokens of class/id words (``articleBody-2`` -> ``article``, ``body``)."""
    tokens = _TOKENS.get(words)
    if tokens is None:
        parts = _SPLIT.split(_CAMEL.sub(" ", words).lower())
        tokens = tuple(dict.fromkeys(t for t in parts if len(t) > 1 and not t.isdigit()))
        if len(_TOKENS) < 200_000:
            _TOKENS[words] = tokens
    return tokens


def count_tokens(
    words: Sequence[str],
    positive: np.ndarray,
    total: np.ndarray,
    site: str,
    stats: dict[str, list],
) -> None:
    """Add one page's elements to ``stats`` (token -> [positive share, negative share, sites]).

    ``positive``/``total``: article and all words below each element, over the page's words.
    """
    seen: set[str] = set()
    for element, text in enumerate(words):
        if not text or not total[element]:
            continue
        for token in class_tokens(text):
            entry = stats.get(token)
            if entry is None:
                entry = stats[token] = [0.0, 0.0, set()]
            entry[0] += positive[element]
            entry[1] += total[element] - positive[element]
            if token not in seen:
                entry[2].add(site)
                seen.add(token)


def weights_from_counts(
    stats: dict[str, list], min_sites: int = MIN_TOKEN_SITES
) -> dict[str, float]:
    """Smoothed log-odds of each token against the overall odds (0 = no evidence)."""
    pos = sum(v[0] for v in stats.values())
    neg = sum(v[1] for v in stats.values())
    prior = math.log((pos + SMOOTHING) / (neg + SMOOTHING))
    return {
        token: round(math.log((p + SMOOTHING) / (n + SMOOTHING)) - prior, 3)
        for token, (p, n, sites) in stats.items()
        if len(sites) >= min_sites
    }


class TokenWeights:
    """Per-element min/max/sum of token weights, memoised per distinct class string."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.weights = weights
        self._memo: dict[str, tuple[float, float, float]] = {}

    def score(self, words: str) -> tuple[float, float, float]:
        found = self._memo.get(words)
        if found is None:
            values = [self.weights[t] for t in class_tokens(words) if t in self.weights]
            found = (min(values), max(values), sum(values)) if values else (0.0, 0.0, 0.0)
            if len(self._memo) < 200_000:
                self._memo[words] = found
        return found

    def scores(self, words: Iterable[str]) -> np.ndarray:
        """(n, 3) array of min, max, sum for each element's words."""
        rows = [self.score(w) for w in words]
        return np.array(rows, dtype=np.float32).reshape(-1, 3)


def merge_counts(parts: Iterable[dict[str, list]]) -> dict[str, list]:
    """Token counts of several page sets added together."""
    merged: dict[str, list] = defaultdict(lambda: [0.0, 0.0, set()])
    for part in parts:
        for token, (p, n, sites) in part.items():
            entry = merged[token]
            entry[0] += p
            entry[1] += n
            entry[2] |= sites
    return dict(merged)
