"""Build the compiled block walk (``winnow/parse/_walk.pyx``) in place: ``make setup`` runs it.

    python -m winnow.parse.build_walk [--force]

The walk reads selectolax's lexbor tree directly, so it is compiled against the lexbor headers
of the installed selectolax: they come from that version's source distribution on PyPI
(fetched once with pip, kept in the cache folder), never from a toolchain download. Cython
(a dev dependency) writes the C; the machine's C compiler builds it, for the generic CPU.
Nothing here is needed at run time: without the built module ``winnow.parse.html`` walks in
Python, with the same output. A build that fails says why in one line and exits 0, so
``make setup`` never fails for it.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "_walk.pyx"
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
TARGET = HERE / f"_walk{SUFFIX}"
STAMP = HERE / "_walk.stamp"


def _selectolax() -> tuple[str, Path]:
    """(version, path of its compiled lexbor module) of the installed selectolax."""
    import selectolax.lexbor

    return importlib.metadata.version("selectolax"), Path(selectolax.lexbor.__file__)


def _stamp(version: str) -> str:
    """What the built module depends on: the walk's source, selectolax's version, Python."""
    digest = hashlib.sha256(SOURCE.read_bytes())
    digest.update(f"{version} {SUFFIX} {sys.version}".encode())
    return digest.hexdigest()[:20]


def _headers(version: str) -> Path:
    """lexbor's source folder from selectolax's sdist (downloaded once, then cached)."""
    from winnow.extract.compiled import cache_dir

    folder = cache_dir().parent / f"lexbor-{version}"
    if (folder / "lexbor" / "html" / "html.h").is_file():
        return folder
    with tempfile.TemporaryDirectory() as work:
        # the project's venv may have no pip: the interpreter it was made from has
        pythons = dict.fromkeys([sys.executable, getattr(sys, "_base_executable", ""), "python3"])
        for python in filter(None, pythons):
            command = [python, "-m", "pip", "download", f"selectolax=={version}", "--no-deps"]
            command += ["--no-binary", "selectolax", "--quiet", "-d", work]
            if subprocess.run(command, capture_output=True).returncode == 0:
                break
        archives = list(Path(work).glob("selectolax-*.tar.gz"))
        if not archives:
            raise RuntimeError(f"could not download the selectolax {version} sdist with pip")
        staging = Path(tempfile.mkdtemp(dir=work))
        with tarfile.open(archives[0]) as tar:
            members = [
                m
                for m in tar.getmembers()
                if "/lexbor/source/" in m.name and m.name.endswith(".h") and m.isfile()
            ]
            tar.extractall(staging, members=members, filter="data")
        source = next(staging.glob("*/lexbor/source"))
        folder.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=folder.parent))
        shutil.copytree(source, partial / "src")
        if not folder.exists():
            (partial / "src").rename(folder)
        shutil.rmtree(partial, ignore_errors=True)
    return folder


def build(force: bool = False) -> Path:
    """Build ``_walk`` next to its source unless the built one is current; returns its path."""
    version, lexbor_module = _selectolax()
    stamp = _stamp(version)
    if not force and TARGET.is_file() and STAMP.is_file() and STAMP.read_text() == stamp:
        return TARGET
    compiler = next((c for c in ("cc", "gcc", "clang") if shutil.which(c)), None)
    if compiler is None:
        raise RuntimeError("no C compiler (cc, gcc or clang) on PATH")
    headers = _headers(version)
    with tempfile.TemporaryDirectory() as work:
        c_file, built = Path(work) / "_walk.c", Path(work) / f"_walk{SUFFIX}"
        cython = [sys.executable, "-m", "cython", "-3", str(SOURCE), "-o", str(c_file)]
        subprocess.run(cython, check=True, capture_output=True, text=True)
        include = sysconfig.get_paths()["include"]
        command = [compiler, "-O2", "-shared", "-fPIC", "-w", f"-I{include}", f"-I{headers}"]
        # linked to selectolax's module (by path) for the lexbor functions it exports
        command += [str(c_file), "-o", str(built), str(lexbor_module)]
        subprocess.run(command, check=True, capture_output=True, text=True)
        shutil.copy2(built, TARGET.with_suffix(".tmp"))
        TARGET.with_suffix(".tmp").replace(TARGET)
    STAMP.write_text(stamp)
    return TARGET


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when current")
    args = parser.parse_args(argv)
    try:
        build(args.force)
    except (OSError, RuntimeError, subprocess.CalledProcessError, ImportError) as exc:
        detail = getattr(exc, "stderr", None) or ""
        last = detail.strip().splitlines()[-1] if detail.strip() else ""
        print(f"compiled walk not built ({exc}{': ' + last if last else ''}); the Python walk runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
