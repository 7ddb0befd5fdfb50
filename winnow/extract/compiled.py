"""The LightGBM models as native code: each tree an ``if``/``else`` nest in C, built once with the
machine's C compiler and cached by the model's digest.

LightGBM's own predictor walks node arrays and converts every row to sparse pairs first: about
7 µs a row for stage 1. The same trees compiled to branches cost about 1 µs. The generated code
follows LightGBM's numerical decision exactly (``Tree::NumericalDecision``: NaN read as 0 unless
the split sends missing values one way, |x| <= 1e-35 is zero, ``x <= threshold`` goes left),
sums the trees in LightGBM's order and applies the same sigmoid, so predictions are equal to
LightGBM's (checked on random rows when a model is built: a model that differs by more than
``MAX_DIFFERENCE`` is never used). Built for the generic CPU of the architecture (no ``-march``),
so a cache shared between machines stays valid.

Where no C compiler is found, the cache cannot be written or a model uses what this code does
not generate (categorical splits, linear trees), ``load_booster`` returns LightGBM's predictor:
slower, same figures.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CODEGEN_VERSION = "1"  # part of the cache key: a change in the generated code rebuilds
MAX_DIFFERENCE = 1e-12  # largest difference from LightGBM's predictions a build may show
CHECK_ROWS = 2000  # random rows compared with LightGBM when a model is built
ZERO_THRESHOLD = "1e-35"  # LightGBM's kZeroThreshold
_MISSING_ZERO, _MISSING_NAN = 1, 2


class Unsupported(ValueError):
    """A model this code generator does not translate (LightGBM predicts it instead)."""


def _trees(model_text: str) -> tuple[int, float, list[dict[str, str]]]:
    """(feature count, sigmoid, trees as key -> value text) of a model in LightGBM's text form."""
    header, _, rest = model_text.partition("\nTree=")
    head = dict(line.split("=", 1) for line in header.splitlines() if "=" in line)
    objective = head.get("objective", "").split()
    if not objective or objective[0] != "binary" or head.get("num_class", "1") != "1":
        raise Unsupported(f"objective {head.get('objective')!r} is not binary")
    sigmoid = next((float(p.split(":")[1]) for p in objective if p.startswith("sigmoid:")), 1.0)
    body = rest.split("\nend of trees", 1)[0]
    trees = []
    for chunk in body.split("\nTree="):
        tree = dict(line.split("=", 1) for line in chunk.splitlines() if "=" in line)
        if tree.get("num_cat", "0") != "0" or tree.get("is_linear", "0") != "0":
            raise Unsupported("categorical splits or linear trees")
        trees.append(tree)
    return int(head["max_feature_idx"]) + 1, sigmoid, trees


def _node(tree: dict[str, list], node: int, indent: str) -> list[str]:
    """C statements for the subtree at ``node`` (negative: leaf ``~node``), adding to ``s``."""
    if node < 0:
        return [f"{indent}s += {tree['leaf_value'][~node]!r};"]
    feature = tree["split_feature"][node]
    threshold = tree["threshold"][node]
    kind = tree["decision_type"][node]
    if kind & 1:
        raise Unsupported("categorical split")
    missing, default_left = (kind >> 2) & 3, bool(kind & 2)
    value = f"x[{feature}]"
    if missing == _MISSING_NAN:
        test = f"(isnan({value}) ? {int(default_left)} : {value} <= {threshold!r})"
    elif missing == _MISSING_ZERO:
        test = f"(v = isnan({value}) ? 0.0 : {value}, fabs(v) <= {ZERO_THRESHOLD} ? "
        test += f"{int(default_left)} : v <= {threshold!r})"
    else:
        test = f"(isnan({value}) ? 0.0 <= {threshold!r} : {value} <= {threshold!r})"
    lines = [f"{indent}if {test} {{"]
    lines += _node(tree, tree["left_child"][node], indent + " ")
    lines.append(f"{indent}}} else {{")
    lines += _node(tree, tree["right_child"][node], indent + " ")
    lines.append(f"{indent}}}")
    return lines


def _tree_function(number: int, tree: dict[str, str]) -> list[str]:
    columns = {
        "split_feature": int,
        "threshold": float,
        "decision_type": int,
        "left_child": int,
        "right_child": int,
        "leaf_value": float,
    }
    parsed = {k: [kind(v) for v in tree[k].split()] for k, kind in columns.items() if k in tree}
    lines = [f"static double tree{number}(const double *x) {{", " double s = 0.0, v = 0.0;"]
    if int(tree["num_leaves"]) == 1:
        lines.append(f" s += {parsed['leaf_value'][0]!r};")
    else:
        lines += _node(parsed, 0, " ")
    return [*lines, " (void)v;", " return s;", "}"]


def model_source(model_text: str) -> str:
    """C source predicting the model's probabilities for rows of float32 features.

    ``predict(X, rows, row_stride, column_stride, out)`` reads feature ``j`` of row ``i`` at
    ``X[i * row_stride + j * column_stride]`` (row- or column-major alike).
    """
    features, sigmoid, trees = _trees(model_text)
    lines = ["#include <math.h>", "#include <stdint.h>", ""]
    for number, tree in enumerate(trees):
        lines += _tree_function(number, tree)
    lines += [
        "void predict(const float *X, int64_t rows, int64_t rs, int64_t cs, double *out) {",
        f" double x[{features}];",
        " for (int64_t i = 0; i < rows; i++) {",
        f"  for (int j = 0; j < {features}; j++) {{",
        "   double f = (double)X[i * rs + j * cs];",
        f"   x[j] = (fabs(f) > {ZERO_THRESHOLD} || isnan(f)) ? f : 0.0;",
        "  }",
        "  double s = 0.0;",
        *[f"  s += tree{n}(x);" for n in range(len(trees))],
        f"  out[i] = 1.0 / (1.0 + exp(-{sigmoid!r} * s));",
        " }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def cache_dir() -> Path:
    """Where built models are kept: ``WINNOW_CACHE_DIR``, else the user's cache folder."""
    if folder := os.environ.get("WINNOW_CACHE_DIR"):
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "winnow" / "trees"


def _compiler() -> str | None:
    names = (os.environ.get("CC"), "cc", "gcc", "clang")
    return next((name for name in names if name and shutil.which(name)), None)


def build(model_text: str, folder: Path | None = None) -> Path | None:
    """The built library of a model (built now when missing), or None when it cannot be built
    or does not predict what LightGBM predicts (a ``.bad`` marker then skips later tries)."""
    digest = hashlib.sha256((CODEGEN_VERSION + model_text).encode()).hexdigest()[:20]
    folder = folder or cache_dir()
    target = folder / f"trees-{digest}.so"
    if target.is_file():
        return target
    if (folder / f"trees-{digest}.bad").exists() or (compiler := _compiler()) is None:
        return None
    try:
        source = model_source(model_text)
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as work:
            c_file, so_file = Path(work) / "trees.c", Path(work) / "trees.so"
            c_file.write_text(source)
            command = [compiler, "-O2", "-shared", "-fPIC", "-o", str(so_file), str(c_file), "-lm"]
            subprocess.run(command, check=True, capture_output=True, timeout=600)
            if not _agrees(so_file, model_text):
                (folder / f"trees-{digest}.bad").touch()
                return None
            os.replace(so_file, target)  # atomic: a concurrent build finds a whole file
    except (Unsupported, OSError, subprocess.SubprocessError) as exc:
        print(f"winnow: compiled trees unavailable ({exc}); LightGBM predicts", file=sys.stderr)
        return None
    return target


def _agrees(library: Path, model_text: str) -> bool:
    """Whether the built model predicts LightGBM's probabilities on random rows."""
    from winnow.extract.booster import Booster

    features = _trees(model_text)[0]
    rng = np.random.default_rng(0)
    rows = rng.normal(0, 3, (CHECK_ROWS, features)).astype(np.float32)
    rows[rng.random(rows.shape) < 0.2] = 0.0
    rows[rng.random(rows.shape) < 0.05] = np.nan
    ours = CompiledBooster(library).predict(rows)
    return bool(np.max(np.abs(ours - Booster(model_text).predict(rows))) <= MAX_DIFFERENCE)


class CompiledBooster:
    """A built model, predicting as ``winnow.extract.booster.Booster`` does."""

    def __init__(self, library: Path) -> None:
        self._lib = ctypes.CDLL(str(library))
        self._predict = self._lib.predict
        self._predict.restype = None
        self._predict.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int64,
            ctypes.c_int64,
            ctypes.c_int64,
            ctypes.c_void_p,
        ]

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """Probability of the positive class for each row of a float32 matrix (any strides)."""
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[0] == 0:
            return np.zeros(rows.shape[0] if rows.ndim else 0)
        out = np.empty(rows.shape[0], dtype=np.float64)
        row_stride, column_stride = (s // rows.itemsize for s in rows.strides)
        self._predict(rows.ctypes.data, rows.shape[0], row_stride, column_stride, out.ctypes.data)
        return out


def load_booster(model_text: str):  # noqa: ANN201 - CompiledBooster or Booster
    """The fastest predictor of the model this machine offers: built native code, else
    LightGBM (``WINNOW_COMPILED_TREES=0`` forces LightGBM)."""
    if os.environ.get("WINNOW_COMPILED_TREES", "1") != "0":
        library = build(model_text)
        if library is not None:
            return CompiledBooster(library)
    from winnow.extract.booster import Booster

    return Booster(model_text)
