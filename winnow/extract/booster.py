"""Prediction with a trained LightGBM model through its C library, without the Python package.

``import lightgbm`` also imports scipy (about a second of start-up in every ``winnow extract``
process, a sixth of a whole Dragnet run at the target speed); prediction needs three functions
of ``lib_lightgbm``, which ships in the lightgbm wheel. Training (``bench/train.py``) uses the
Python package as usual; the model files are LightGBM's own text format.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from pathlib import Path

import numpy as np

_DTYPE_FLOAT32 = 0
_PREDICT_NORMAL = 0


def _library() -> ctypes.CDLL:
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("lightgbm is not installed: its C library predicts block scores")
    name = {"win32": "lib_lightgbm.dll", "darwin": "lib_lightgbm.dylib"}.get(
        sys.platform, "lib_lightgbm.so"
    )
    for folder in spec.submodule_search_locations:
        for candidate in (Path(folder) / "lib" / name, Path(folder) / name):
            if candidate.is_file():
                return ctypes.cdll.LoadLibrary(str(candidate))
    raise ImportError(f"{name} not found in the lightgbm package")


_LIB: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    global _LIB
    if _LIB is None:
        _LIB = _library()
        _LIB.LGBM_GetLastError.restype = ctypes.c_char_p
    return _LIB


def _check(code: int) -> None:
    if code != 0:
        raise RuntimeError(_lib().LGBM_GetLastError().decode("utf-8", "replace"))


class Booster:
    """A LightGBM model loaded from its text form, predicting probabilities on one thread."""

    def __init__(self, model_text: str) -> None:
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int(0)
        _check(
            _lib().LGBM_BoosterLoadModelFromString(
                ctypes.c_char_p(model_text.encode("utf-8")),
                ctypes.byref(iterations),
                ctypes.byref(self._handle),
            )
        )
        self.iterations = iterations.value

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Probability of the positive class for each row of a float32 matrix (row- or
        column-major: a transposed column-major array is passed without a copy)."""
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[0] == 0:
            return np.zeros(rows.shape[0] if rows.ndim else 0)
        row_major = rows.flags.c_contiguous
        if not row_major and not rows.flags.f_contiguous:
            rows, row_major = np.ascontiguousarray(rows), True
        out = np.zeros(rows.shape[0], dtype=np.float64)
        out_len = ctypes.c_int64(0)
        _check(
            _lib().LGBM_BoosterPredictForMat(
                self._handle,
                rows.ctypes.data_as(ctypes.c_void_p),
                ctypes.c_int(_DTYPE_FLOAT32),
                ctypes.c_int32(rows.shape[0]),
                ctypes.c_int32(rows.shape[1]),
                ctypes.c_int(1 if row_major else 0),
                ctypes.c_int(_PREDICT_NORMAL),
                ctypes.c_int(0),  # from the first iteration
                ctypes.c_int(-1),  # to the last
                ctypes.c_char_p(b"num_threads=1"),
                ctypes.byref(out_len),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
            )
        )
        return out

    def __del__(self) -> None:
        if getattr(self, "_handle", None) and _LIB is not None:
            _LIB.LGBM_BoosterFree(self._handle)
