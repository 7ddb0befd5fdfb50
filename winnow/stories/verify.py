"""Is a candidate pair really one story? Exact checks on the two bodies.

LSH over MinHash sketches only *proposes* pairs: two bodies share a band bucket by chance more
often than a newsroom would like, and two different stories on one topic (the same people, the
same place, a different event: a second storm warning for the same bay, next month's council
vote) share many word 5-grams. Precision comes first, so a pair is linked only when all four
hold:

* **Jaccard** of the word 5-gram sets is at least ``jaccard`` (most of the text is shared);
* **containment** of the smaller set in the larger is at least ``containment`` (a copy trimmed
  or extended by a closing paragraph still passes; a roundup quoting one paragraph does not);
* **distinctive containment**: the smaller body's *distinctive* shingles (those holding a number
  or a capitalised word that does not open a sentence: the names, figures, dates and times
  that tell one event from another) are found in the other body at ``distinctive`` or more.
  Two templated reports of different events share their wording but not their figures, days
  and places, so this is where they fall apart. A body with fewer than
  ``min_distinctive`` distinctive shingles (a script without capitals, a text without figures)
  is judged on the other checks;
* **no name swapped**: where both bodies have the same two words on either side and a different
  word between them, that word is a name in at most ``name_conflicts`` places ("Storm Ada
  approached" / "Storm Cara approached", "on Tuesday" / "on Sunday") and a figure in at most
  ``figure_conflicts`` (an update raising a toll or a forecast is still the same story). This
  catches the templated pair whose text is 90 % the same.

Distinctiveness is read from the text itself (case and digits), not from corpus frequencies:
that needs no corpus-wide shingle counts and so costs a night only the pairs it brings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from winnow.settings import StorySettings

_TOKEN = re.compile(r"\w+")
_SENTENCE_BREAK = re.compile(r"[.!?:;\"“”«»\n]")
SHINGLE = 5


FIGURE, NAME = 1, 2


@dataclass(frozen=True, slots=True)
class BodyShingles:
    """A body's word 5-gram set, its distinctive subset, and what stands between each pair of
    words two to the left and two to the right (to find a name or figure swapped for another)."""

    all: frozenset[str]
    distinctive: frozenset[str]
    centres: dict[tuple[str, ...], dict[str, int]]


def _kind(token: str, gap: str) -> int:
    """FIGURE for a token with a digit, NAME for a capitalised word that does not open its
    sentence (the gap before it holds no sentence break), else 0."""
    if any(ch.isdigit() for ch in token):
        return FIGURE
    if token[:1].isupper() and not _SENTENCE_BREAK.search(gap):
        return NAME
    return 0


def _tokens(text: str) -> tuple[list[str], list[int]]:
    tokens, kinds, last_end = [], [], 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        kinds.append(_kind(token, text[last_end : match.start()] if tokens else "."))
        tokens.append(token.lower())
        last_end = match.end()
    return tokens, kinds


def body_shingles(text: str, size: int = SHINGLE) -> BodyShingles:
    """Shingles as ``winnow.stories.cluster.shingles`` cuts them (lower-cased word n-grams)."""
    tokens, kinds = _tokens(text)
    centres: dict[tuple[str, ...], dict[str, int]] = {}
    for i in range(2, len(tokens) - 2):
        around = (tokens[i - 2], tokens[i - 1], tokens[i + 1], tokens[i + 2])
        seen = centres.setdefault(around, {})
        seen[tokens[i]] = max(seen.get(tokens[i], 0), kinds[i])
    if len(tokens) <= size:
        whole = frozenset({" ".join(tokens)}) if tokens else frozenset()
        return BodyShingles(whole, whole if any(kinds) else frozenset(), centres)
    every, special = set(), set()
    for i in range(len(tokens) - size + 1):
        shingle = " ".join(tokens[i : i + size])
        every.add(shingle)
        if any(kinds[i : i + size]):
            special.add(shingle)
    return BodyShingles(frozenset(every), frozenset(special), centres)


def conflicts(a: BodyShingles, b: BodyShingles) -> tuple[int, int]:
    """(names, figures) swapped: the same two words either side, a different name or figure
    between them in each body ("Storm Ada approached" / "Storm Cara approached")."""
    names = figures = 0
    small, large = (a, b) if len(a.centres) <= len(b.centres) else (b, a)
    for around, mine in small.centres.items():
        theirs = large.centres.get(around)
        if theirs is None or mine.keys() & theirs.keys():
            continue
        kind = max(*mine.values(), *theirs.values())
        names += kind == NAME
        figures += kind == FIGURE
    return names, figures


@dataclass(frozen=True, slots=True)
class Verdict:
    jaccard: float
    containment: float
    distinctive: float
    name_conflicts: int
    figure_conflicts: int
    linked: bool


def verify(a: BodyShingles, b: BodyShingles, settings: StorySettings) -> Verdict:
    """The checks of the module doc on two bodies' shingles."""
    if not a.all or not b.all:
        return Verdict(0.0, 0.0, 0.0, 0, 0, False)
    shared = len(a.all & b.all)
    jaccard = shared / len(a.all | b.all)
    small, large = (a, b) if len(a.all) <= len(b.all) else (b, a)
    containment = shared / len(small.all)
    if len(small.distinctive) >= settings.min_distinctive:
        distinctive = len(small.distinctive & large.all) / len(small.distinctive)
    else:
        distinctive = containment
    names, figures = conflicts(a, b)
    linked = (
        jaccard >= settings.jaccard
        and containment >= settings.containment
        and distinctive >= settings.distinctive
        and names <= settings.name_conflicts
        and figures <= settings.figure_conflicts
    )
    return Verdict(jaccard, containment, distinctive, names, figures, linked)
