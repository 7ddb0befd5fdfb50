"""``winnow extract``: articles out of pages, on the assets' own code path
(``winnow.pipeline.iter_ref_records``, which ``extract_dataset`` and so the quality benchmark
use). Lines are written as each chunk of sites is decided; memory holds one chunk.

What it reads: a dataset folder (``manifest.jsonl`` beside its pages, in manifest order), any
other folder (every .html, .htm, .txt page below it, optionally gzipped, in path order), a
single page file, or standard input (``-``, or no argument when input is piped). Pages read
together teach the site model together, as a run's pages do.

What it writes: JSON lines (the contract's page_id, body, title, byline, date, language, then
url and markdown; status and error for a page it could not read), or each page's Markdown or
plain text. ``--out -`` (the default) is standard output; for several pages in markdown or txt,
an ``--out`` folder gets one file per page, a stream gets them one after another under a
``==> page_id <==`` line.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from winnow.cli.common import CommandError, say, settings
from winnow.cli.progress import progress_bar

EXTRACT_FORMATS = ("jsonl", "markdown", "txt")
SUFFIX = {"markdown": ".md", "txt": ".txt"}
STDIN_ID = "-"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def input_refs(target: str, limit: int | None) -> list:
    """The pages ``target`` names (see the module doc) as ``PageRef``s."""
    from winnow.records import PageRef, page_format

    if target == STDIN_ID:
        return [_stdin_ref()]
    path = Path(target)
    if path.is_dir():
        if (path / "manifest.jsonl").is_file():
            from winnow.pipeline import iter_dataset

            return list(iter_dataset(path, limit))
        refs = _folder_refs(path)[:limit]
        if not refs:
            raise CommandError(
                f"{target}: no manifest.jsonl and no page files (.html, .htm, .txt, optionally "
                ".gz) in this folder"
            )
        return refs
    if path.exists():
        return [PageRef(path.name, "file", str(path), fmt=page_format(path.name))]
    raise CommandError(f"{target}: no such file or folder")


def _folder_refs(folder: Path) -> list:
    """Every page file below ``folder`` (the ``files`` source kind), keyed by relative path."""
    from dataclasses import replace

    from winnow.sources.config import SourceSpec
    from winnow.sources.files import file_refs

    spec = SourceSpec(name=folder.name, kind="files", path=folder)
    prefix = f"{folder.name}/"
    return [replace(ref, page_id=ref.page_id.removeprefix(prefix)) for ref in file_refs(spec)]


def _stdin_ref():  # noqa: ANN202 - a PageRef
    """Standard input as one page (up to the page size cap): HTML if a tag opens early,
    else a plain-text page."""
    from winnow.limits import PageLimits
    from winnow.records import PageRef

    cap = PageLimits.of().max_bytes
    raw = sys.stdin.buffer.read(cap + 1)
    if len(raw) > cap:
        return PageRef(STDIN_ID, "stdin", "<stdin>", error=f"<stdin>: over {cap:,} bytes")
    fmt = "html" if re.search(rb"<[A-Za-z!?/]", raw[:4096]) else "txt"
    return PageRef(STDIN_ID, "stdin", "<stdin>", fmt=fmt, payload=raw)


def cmd_extract(args: argparse.Namespace) -> int:
    from winnow.pipeline import iter_ref_records

    settings(args)  # prints the page limits it applies (the pipeline reads the same)
    target = args.input
    if target is None:
        if sys.stdin.isatty():
            raise CommandError("give a folder, a page file, or - for standard input")
        target = STDIN_ID
    refs = input_refs(target, args.limit)
    start = time.perf_counter()
    with progress_bar(len(refs), "pages") as bar:
        records = iter_ref_records(refs, bar.done)
        pages, empty, where = write_records(records, len(refs), args.format, args.out)
    elapsed = time.perf_counter() - start
    say(
        f"{pages} pages -> {where} in {elapsed:.1f}s "
        f"({pages / max(elapsed, 1e-9):.1f} pages/s; {empty} with an empty body)"
    )
    return 0


@contextmanager
def _opened(out: str) -> Iterator[IO[str]]:
    """Standard output, or a partial file renamed over ``out`` once whole (a failed run never
    leaves half an output)."""
    if out == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8") as handle:
        yield handle
    partial.replace(path)


def write_records(records: Iterable[dict], count: int, fmt: str, out: str) -> tuple[int, int, str]:
    """Write ``count`` records as ``fmt`` to ``out`` as they come; returns the pages written,
    how many had an empty body, and where they went, in words."""
    pages = empty = 0
    if fmt != "jsonl" and count != 1 and (out.endswith("/") or Path(out).is_dir()):
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        names = _FileNames()
        for record in records:
            text = _document(record, fmt)
            path = folder / f"{names.next(record['page_id'])}{SUFFIX[fmt]}"
            path.write_text(text + "\n" if text else "", "utf-8")
            pages, empty = pages + 1, empty + (not record["body"])
        return pages, empty, f"{folder}/ ({pages} files)"
    with _opened(out) as stream:
        for record in records:
            if fmt == "jsonl":
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                if count > 1:
                    stream.write(f"==> {record['page_id']} <==\n")
                stream.write(_document(record, fmt) + "\n")
            pages, empty = pages + 1, empty + (not record["body"])
    return pages, empty, "standard output" if out == "-" else out


def _document(record: dict, fmt: str) -> str:
    return record["markdown"] if fmt == "markdown" else record["body"]


class _FileNames:
    """A file name per page id: made safe (no path separators, no leading dot), unique."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def next(self, page_id: str) -> str:
        stem = _UNSAFE.sub("_", page_id).lstrip(".") or "page"
        name, n = stem, 1
        while name in self.used:
            n += 1
            name = f"{stem}-{n}"
        self.used.add(name)
        return name
