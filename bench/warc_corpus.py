"""A synthetic Common Crawl-like WARC corpus from the demo pages and the shared datasets' pages.

    uv run python bench/warc_corpus.py OUT_DIR --pages 20000 --per-file 1000

Base pages are the demo corpus and every shared dataset page that has a URL (about 4,500
pages, hundreds of sites). Copy ``k`` of a page lives on a site of its own (``bbc.co.uk`` ->
``bbc<k>.co.uk``, same template) and has its long texts rewritten word by word, so it is a new
page, not a duplicate: the corpus keeps the shape of a crawl (many sites mixed, each with
its template chrome) at any size. Records are shuffled (seeded) across files of ``per_file``
pages, one gzip member per record as Common Crawl writes them. ``--changed 0.01`` writes, in
an extra file, a new version of 1 % of the pages (a night's worth of updates: the article text
edited, the template untouched).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from winnow.fetch.local import read_local  # noqa: E402
from winnow.fetch.warc import NewRecord, write_warc  # noqa: E402
from winnow.parse.sites import site_of  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/datasets")
DATASETS = [ROOT / "data" / "demo", *sorted(p for p in SHARED.iterdir() if p.is_dir())]
_LONG_TEXT = re.compile(rb">([^<>]{80,})<")
_WORD = re.compile(rb"[A-Za-z]{4,}")


@dataclass(frozen=True)
class BasePage:
    url: str
    path: Path


def base_pages(datasets: list[Path] = DATASETS) -> list[BasePage]:
    """Every page with a URL in the datasets' manifests, in a stable order."""
    found = []
    for folder in datasets:
        manifest = folder / "manifest.jsonl"
        if not manifest.is_file():
            continue
        for line in manifest.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("url") and row.get("file") and row.get("format", "html") == "html":
                found.append(BasePage(row["url"], folder / row["file"]))
    return found


def copy_url(url: str, copy: int) -> str:
    """The URL of copy ``copy`` on a site of its own (same path, registered domain renamed)."""
    if copy == 0:
        return url
    parts = urlsplit(url)
    site = site_of(url) or parts.hostname or "unknown.example"
    label, _, suffix = site.partition(".")
    host = (parts.hostname or site).replace(site, f"{label}{copy}.{suffix}")
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def rewrite(html: bytes, copy: int, salt: int = 0) -> bytes:
    """Long texts with every third long word replaced, per copy: a new page, same template."""
    if copy == 0 and salt == 0:
        return html
    rng = random.Random(copy * 1_000_003 + salt)

    def words(match: re.Match) -> bytes:
        counter = iter(range(1 << 30))
        return _WORD.sub(
            lambda w: w.group(0)[::-1] if next(counter) % 3 == rng.randrange(3) else w.group(0),
            match.group(0),
        )

    return _LONG_TEXT.sub(words, html)


def edit_article(html: bytes, night: int) -> bytes:
    """A night's update of a page: its longest text reworded and an update sentence added, the
    template (navigation, footer, other blocks) untouched, as a news site updates a story."""
    texts = list(_LONG_TEXT.finditer(html))
    if not texts:
        return html.replace(b"</body>", f"<p>Updated on night {night}.</p></body>".encode())
    longest = max(texts, key=lambda m: len(m.group(0)))
    reworded = rewrite(longest.group(0), 0, salt=night)
    update = f" Updated on night {night} with new details from the agency.<".encode()
    return html[: longest.start()] + reworded[:-1] + update + html[longest.end() :]


def corpus_records(
    n_pages: int, seed: int = 0, base: list[BasePage] | None = None
) -> Iterator[tuple[str, BasePage, int]]:
    """(url, base page, copy) of ``n_pages`` pages, shuffled so files mix sites."""
    base = base or base_pages()
    chosen = [
        (copy_url(p.url, i // len(base)), p, i // len(base))
        for i, p in ((i, base[i % len(base)]) for i in range(n_pages))
    ]
    random.Random(seed).shuffle(chosen)
    yield from chosen


def write_corpus(
    out: Path, n_pages: int, per_file: int, seed: int = 0, base: list[BasePage] | None = None
) -> list[Path]:
    """Write ``n_pages`` pages in files of ``per_file`` records; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    records = list(corpus_records(n_pages, seed, base))
    files = []
    for number in range(0, len(records), per_file):
        path = out / f"CC-SYNTH-{number // per_file:05d}.warc.gz"
        write_warc(
            path,
            (
                NewRecord(url, rewrite(read_local(p.path), copy))
                for url, p, copy in records[number : number + per_file]
            ),
        )
        files.append(path)
    return files


def write_changes(
    out: Path,
    n_pages: int,
    share: float,
    seed: int = 0,
    night: int = 1,
    base: list[BasePage] | None = None,
) -> Path:
    """A file holding a new version of ``share`` of the corpus' pages: each the page as the
    corpus holds it, with its article text edited (``edit_article``)."""
    records = list(corpus_records(n_pages, seed, base))
    picked = random.Random(seed + night).sample(records, max(1, int(len(records) * share)))
    path = out / f"CC-SYNTH-night-{night:03d}.warc.gz"
    write_warc(
        path,
        (
            NewRecord(url, edit_article(rewrite(read_local(p.path), copy), night))
            for url, p, copy in picked
        ),
    )
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--changed", type=float, default=0.0)
    args = parser.parse_args()
    files = write_corpus(args.out, args.pages, args.per_file)
    print(f"{len(files)} files, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB")
    if args.changed:
        print(write_changes(args.out, args.pages, args.changed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
