"""Keeping a source's pages inside its root folder.

A manifest line can say ``"file": "../private/notes.txt"`` or ``"/etc/passwd"``, and a ``files``
folder can hold a symlink to anywhere. A page's path is resolved (symlinks followed, ``..``
collapsed) and must lie under the source's root (the manifest's folder, or the ``files``
folder) unless the source sets ``allow_outside: true``. What is not a regular file is refused
when it is read (``winnow.fetch.local``).

A hard link cannot be resolved: it *is* the file, under another name. A file with more than
one link is read only when all its links lie under the root (counted by one walk of the root,
kept for ``HARDLINK_INDEX_SECONDS``); otherwise a link into the folder could expose a file
from anywhere on the same filesystem.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

#: How long one walk's count of a root's hard links is reused (a listing of one source).
HARDLINK_INDEX_SECONDS = 30.0
_INDEXES: dict[Path, tuple[float, dict[tuple[int, int], int]]] = {}


class OutsideRoot(ValueError):
    """A page path that leaves its source's root; the message names both."""


def _hardlinks_under(base: Path) -> dict[tuple[int, int], int]:
    """(device, inode) -> links found under ``base``, for files with more than one link."""
    now = time.monotonic()
    cached = _INDEXES.get(base)
    if cached is not None and now - cached[0] < HARDLINK_INDEX_SECONDS:
        return cached[1]
    found: dict[tuple[int, int], int] = {}
    for folder, _, names in os.walk(base):
        for name in names:
            try:
                info = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                key = (info.st_dev, info.st_ino)
                found[key] = found.get(key, 0) + 1
    _INDEXES[base] = (now, found)
    return found


def _links_outside(resolved: Path, base: Path) -> int:
    """How many of the file's hard links lie outside ``base`` (0 for a file with one link)."""
    try:
        info = resolved.stat()
    except OSError:
        return 0  # missing or unreadable: the reader says so
    if not stat.S_ISREG(info.st_mode) or info.st_nlink <= 1:
        return 0
    inside = _hardlinks_under(base).get((info.st_dev, info.st_ino), 0)
    return max(0, info.st_nlink - inside)


def contained(path: Path, root: Path, allow_outside: bool = False) -> Path:
    """``path`` resolved; ``OutsideRoot`` (its message says where the path leads, the caller
    names the page) when it lies outside ``root`` and that is not allowed, or cannot be
    resolved (a symlink loop), or is a hard link to a file linked from outside ``root``."""
    try:
        resolved = path.resolve()
        base = root.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
        raise OutsideRoot(f"cannot resolve the path ({exc})") from exc
    if allow_outside:
        return resolved
    if not resolved.is_relative_to(base):
        how = "is a symlink to" if path.is_symlink() else "resolves to"
        raise OutsideRoot(
            f"{how} {resolved}, outside the source's folder {base} "
            "(set allow_outside: true on the source to read it)"
        )
    outside = _links_outside(resolved, base)
    if outside:
        raise OutsideRoot(
            f"is a hard link to a file with {outside} other link(s) outside the source's "
            f"folder {base} (set allow_outside: true on the source to read it)"
        )
    return resolved
