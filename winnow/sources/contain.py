"""Keeping a source's pages inside its root folder.

A manifest line can say ``"file": "../private/notes.txt"`` or ``"/etc/passwd"``, and a ``files``
folder can hold a symlink to anywhere. A page's path is resolved (symlinks followed, ``..``
collapsed) and must lie under the source's root (the manifest's folder, or the ``files``
folder) unless the source sets ``allow_outside: true``. What is not a regular file is refused
when it is read (``winnow.fetch.local``).
"""

from __future__ import annotations

from pathlib import Path


class OutsideRoot(ValueError):
    """A page path that leaves its source's root; the message names both."""


def contained(path: Path, root: Path, allow_outside: bool = False) -> Path:
    """``path`` resolved; ``OutsideRoot`` (its message says where the path leads, the caller
    names the page) when it lies outside ``root`` and that is not allowed, or cannot be
    resolved (a symlink loop)."""
    try:
        resolved = path.resolve()
        base = root.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python 3.11)
        raise OutsideRoot(f"cannot resolve the path ({exc})") from exc
    if allow_outside or resolved.is_relative_to(base):
        return resolved
    how = "is a symlink to" if path.is_symlink() else "resolves to"
    raise OutsideRoot(
        f"{how} {resolved}, outside the source's folder {base} "
        "(set allow_outside: true on the source to read it)"
    )
