"""Language identification of article bodies with py3langid, loaded fast.

py3langid ships its model LZMA-compressed; decompressing it takes ≈ 0.6 s, paid by every
process that identifies a language (a tenth of a whole ``winnow extract`` over Dragnet). The
decompressed arrays are cached once per machine in the user cache folder (``~/.cache/winnow``,
``$XDG_CACHE_HOME`` honoured) and loaded from there in ≈ 30 ms; an unwritable cache only means
the slow load.
"""

from __future__ import annotations

import os
from array import array
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

_TYPECODE = {2: "H", 4: "I", 8: "L"}


def _cache_file() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "winnow" / f"py3langid-{version('py3langid')}.npz"


def _as_array(values: np.ndarray) -> array:
    out = array(_TYPECODE[values.dtype.itemsize])
    out.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
    return out


def _write_cache(path: Path) -> None:
    """Decompress py3langid's model once into an uncompressed ``.npz`` (written atomically)."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(
        partial,
        ptc=np.asarray(ptc),
        pc=np.asarray(pc),
        classes=np.array(classes),
        nextmove=np.frombuffer(nextmove, dtype=np.dtype(nextmove.typecode)),
        row=np.frombuffer(row, dtype=np.dtype(row.typecode)),
        output=np.asarray(output, dtype=np.int32),
    )
    partial.replace(path)


@lru_cache(maxsize=1)
def identifier():  # noqa: ANN201 - py3langid's LanguageIdentifier
    """py3langid's identifier, from the decompressed cache when it can be had."""
    from py3langid.langid import LanguageIdentifier, classify

    path = _cache_file()
    try:
        if not path.is_file():
            _write_cache(path)
        with np.load(path, allow_pickle=False) as data:
            return LanguageIdentifier(
                data["ptc"],
                data["pc"],
                data["classes"].tolist(),
                _as_array(data["nextmove"]),
                data["output"].tolist(),
                tk_row=_as_array(data["row"]),
            )
    except (OSError, ValueError, KeyError):
        classify("")  # loads the packaged model the slow way
        from py3langid import langid

        return langid._get_identifier()


def identify(text: str) -> str:
    """ISO 639-1 code of the language ``text`` is written in."""
    return identifier().classify(text)[0]
