"""Pages that are not text: found before they are parsed, so they never become articles.

Random bytes decode as *something* in a legacy encoding (200 KB of them once made a
1,364-word "article" in Guadeloupean Creole). Three measures on a sample of the decoded text
tell them apart:

* control characters other than whitespace (binary data: ≈ 11 % in random bytes, at most
  0.08 % in 1,632 pages of the shared datasets);
* U+FFFD, bytes the chosen encoding could not decode (at most 0.01 % in those pages);
* charset-normalizer's mess ratio (accents in unlikely places, mixed scripts, symbols between
  letters: what mojibake looks like): 2.0 to 3.0 for random or invalid bytes, at most 0.40 in
  those pages.

``lost_text`` catches the other failure: a parser that keeps far less text than the page holds
(libxml2 dropped text nodes over 10 MB and returned an empty body without an error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from charset_normalizer.md import mess_ratio

from winnow.parse.decode import decode_with

#: Above these shares of the sampled text a page is quarantined (see the module doc).
MAX_CONTROL_SHARE = 0.01
MAX_REPLACEMENT_SHARE = 0.02
MAX_MESS_RATIO = 1.0
#: Characters sampled (start, middle, end): the measures cost ≈ 0.2 ms a page.
SAMPLE_CHARS = 12_000
#: ``lost_text`` looks only at pages with more visible text than this, and calls a page
#: truncated when the parse kept less than ``MIN_KEPT_SHARE`` of it.
LOST_TEXT_MIN_CHARS = 1_000_000
MIN_KEPT_SHARE = 0.25

#: Unicode category Cc (U+0000–U+001F, U+007F–U+009F) except the whitespace controls
#: \t \n \v \f \r: one regex scan in C (a per-character loop cost 0.6 ms a page).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a page is quarantined: its status (``binary``, ``undecodable``, ``truncated``) and
    the measure that decided, as a sentence."""

    status: str
    reason: str


def sample(text: str, size: int = SAMPLE_CHARS) -> str:
    """The start, middle and end of ``text`` (all of it when short)."""
    if len(text) <= size:
        return text
    third = size // 3
    middle = len(text) // 2 - third // 2
    return text[:third] + text[middle : middle + third] + text[-third:]


def text_verdict(text: str) -> Verdict | None:
    """A ``Verdict`` when ``text`` (decoded page or article body) is not text, else None."""
    part = sample(text)
    if not part:
        return None
    controls = len(_CONTROLS.findall(part))
    if controls / len(part) > MAX_CONTROL_SHARE:
        return Verdict("binary", f"binary data: {controls / len(part):.1%} control characters")
    replaced = part.count("\ufffd")
    if replaced / len(part) > MAX_REPLACEMENT_SHARE:
        return Verdict(
            "undecodable", f"undecodable: {replaced / len(part):.1%} of the characters are U+FFFD"
        )
    mess = mess_ratio(part, MAX_MESS_RATIO)
    if mess >= MAX_MESS_RATIO:
        return Verdict("undecodable", f"not text in any encoding tried (mess ratio {mess:.2f})")
    return None


def page_verdict(raw: bytes, encoding: str) -> Verdict | None:
    """``text_verdict`` of page bytes decoded with their detected ``encoding``."""
    head = raw[: SAMPLE_CHARS * 4]
    if b"\x00" in head and not encoding.startswith(("utf-16", "utf_16", "utf-32", "utf_32")):
        share = head.count(b"\x00") / len(head)
        if share > MAX_CONTROL_SHARE:
            return Verdict("binary", f"binary data: {share:.1%} NUL bytes")
    return text_verdict(decode_with(raw, encoding))


def visible_chars(text: str) -> int:
    """Characters of ``text`` outside tags, scripts and styles (whitespace runs count one)."""
    return len(" ".join(_INVISIBLE.sub(" ", text).split()))


def lost_text(text: str, kept_chars: int) -> Verdict | None:
    """A ``truncated`` verdict when a parse kept far less text than a big page shows."""
    if len(text) <= LOST_TEXT_MIN_CHARS:
        return None
    shown = visible_chars(text)
    if shown > LOST_TEXT_MIN_CHARS and kept_chars < MIN_KEPT_SHARE * shown:
        return Verdict(
            "truncated",
            f"the parser kept {kept_chars:,} of {shown:,} characters of text",
        )
    return None
