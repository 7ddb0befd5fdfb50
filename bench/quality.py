"""Extraction-quality benchmark: Winnow against trafilatura and readability on labelled datasets.

    uv run python bench/quality.py [DATASET_DIR ...] [--limit N]
        [--systems winnow,trafilatura,trafilatura_precision,readability]
        [--write-docs [PATH]] [--json OUT] [--gate] [--preds-dir DIR]

Datasets are the shared, read-only folders described in ``shared/datasets/README.md``
(``manifest.jsonl``, ``gold.jsonl``, ``html/<page_id>.html.gz``); the default is every dataset
folder there (``WINNOW_DATASETS`` overrides the location). A DATASET_DIR argument may be a path or
a bare dataset name.

Scoring is delegated to the datasets' own reference scorer ``score.py`` (imported, or run as a
subprocess if it ever loses its importable API) so that our figures are comparable with the
published AEB / trafilatura numbers rather than with a private re-implementation.

Every system sees the pages in manifest order in a single process. Throughput for the per-page
baselines times the extraction call only (gunzip and file reading excluded); Winnow's
``extract_dataset`` does its own reading, so its time includes I/O and is a slight underestimate
of its extraction speed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # bench.* helpers when run as a script
    sys.path.insert(0, str(REPO_ROOT))
DEFAULT_DATASETS_DIR = REPO_ROOT.parent / "shared" / "datasets"
EXCLUDED_DATASETS = frozenset({"warc-samples"})  # raw WARC files, no gold
DEFAULT_SYSTEMS = (
    "winnow",
    "trafilatura",
    "trafilatura_comments",
    "trafilatura_precision",
    "readability",
    "resiliparse",
)
MIN_SITE_PAGES = 5  # "multi-page site" threshold for the per-site subset
PRED_FIELDS = ("body", "title", "byline", "date")

# The quality gate's fixed subset (tests/test_quality_gate.py): first N pages in manifest order,
# None = all pages. Chosen to run in well under two minutes while covering four gold styles.
GATE_LIMITS: dict[str, int | None] = {
    "scrapinghub-aeb": 60,
    "l3s-gn1": 80,
    "cleanportaleval": None,
    "dragnet-2012": 120,
    "trafilatura-eval": 300,  # never used in training: the gate's out-of-sample check
}

Prediction = dict[str, Any]


class SystemUnavailable(Exception):
    """The system cannot run here (e.g. its module is missing); reported, not fatal."""


# ---------------------------------------------------------------------------------------------
# datasets


@dataclass(frozen=True)
class Page:
    page_id: str
    site: str | None
    url: str | None
    path: Path


@dataclass
class Dataset:
    name: str
    path: Path
    pages: list[Page]  # the pages to run and score (first --limit of the manifest)
    site_counts: Counter[str]  # pages per site over the *whole* manifest

    def read_html(self, page: Page) -> bytes:
        """Raw page bytes (gunzipped when the file is ``.gz``), never re-encoded: each system
        does its own charset detection."""
        from winnow.fetch import read_local

        return read_local(page.path)


def datasets_dir() -> Path:
    return Path(os.environ.get("WINNOW_DATASETS") or DEFAULT_DATASETS_DIR)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def default_dataset_paths(root: Path) -> list[Path]:
    return [
        p
        for p in sorted(root.iterdir())
        if p.is_dir() and p.name not in EXCLUDED_DATASETS and (p / "manifest.jsonl").is_file()
    ]


def resolve_dataset_path(arg: str, root: Path) -> Path:
    """Accept a path or a bare dataset name (``l3s-gn1``) for convenience."""
    path = Path(arg)
    if not (path / "manifest.jsonl").is_file() and (root / arg / "manifest.jsonl").is_file():
        path = root / arg
    if not (path / "manifest.jsonl").is_file():
        raise SystemExit(f"not a dataset folder (no manifest.jsonl): {arg}")
    return path.resolve()


def load_dataset(path: Path, limit: int | None = None) -> Dataset:
    rows = list(read_jsonl(path / "manifest.jsonl"))
    site_counts = Counter(r["site"] for r in rows if r.get("site"))
    pages = [Page(r["page_id"], r.get("site"), r.get("url"), path / r["file"]) for r in rows]
    return Dataset(path.name, path, pages[:limit] if limit is not None else pages, site_counts)


# ---------------------------------------------------------------------------------------------
# systems


@dataclass
class SystemRun:
    predictions: list[Prediction]
    seconds: float
    timing_scope: str
    errors: list[str] = field(default_factory=list)


Runner = Callable[[Dataset], SystemRun]
PageExtractor = Callable[[bytes], Prediction]


def run_per_page(dataset: Dataset, extract: PageExtractor) -> SystemRun:
    """Run a page-at-a-time extractor, timing only the extraction call.

    A page that raises gets an empty prediction (scored as a miss) and its error is recorded,
    so one pathological page cannot hide a system's figures for the whole dataset."""
    predictions, errors, seconds = [], [], 0.0
    for page in dataset.pages:
        html = dataset.read_html(page)
        start = time.perf_counter()
        try:
            pred = extract(html)
        except Exception as exc:  # noqa: BLE001 - any failure is a miss, not a crash
            pred = {}
            errors.append(f"{page.page_id}: {type(exc).__name__}: {exc}"[:300])
        seconds += time.perf_counter() - start
        predictions.append({"page_id": page.page_id, **pred})
    return SystemRun(predictions, seconds, "extraction call only", errors)


def trafilatura_page(
    html: bytes, favor_precision: bool = False, include_comments: bool = False
) -> Prediction:
    """trafilatura without comments, body and metadata from one call. ``doc.text`` is what
    ``extract`` returns minus its final whitespace sanitising, which changes no token or snippet
    match."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        include_comments=include_comments,
        with_metadata=True,
        favor_precision=favor_precision,
    )
    if doc is None:
        return {}
    return {"body": doc.text, "title": doc.title, "byline": doc.author, "date": doc.date}


def trafilatura_precision_page(html: bytes) -> Prediction:
    return trafilatura_page(html, favor_precision=True)


def trafilatura_comments_page(html: bytes) -> Prediction:
    """trafilatura as it ships (``include_comments=True``): comments appended to the body."""
    return trafilatura_page(html, include_comments=True)


# fmt: off
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li", "main", "menu",
    "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})
# fmt: on
SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})


def html_to_text(fragment: str) -> str:
    """Block-aware text: a line break around block elements and at ``<br>``, whitespace
    collapsed within lines. Plain ``text_content()`` would glue paragraphs together and create
    shingles that exist in neither the page nor the gold."""
    import lxml.etree
    import lxml.html

    if not fragment.strip():
        return ""
    root = lxml.html.fromstring(fragment)
    parts: list[str] = []
    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for action, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if tag is None or tag in SKIP_TAGS:  # comments, processing instructions, scripts
            if action == "start":
                parts.append(el.tail or "")
                walker.skip_subtree()  # also suppresses this element's "end" event
            continue
        if action == "start":
            parts.append("\n" if tag in BLOCK_TAGS or tag == "br" else "")
            parts.append(el.text or "")
        else:
            parts.append("\n" if tag in BLOCK_TAGS else "")
            parts.append(el.tail or "")
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def readability_page(html: bytes) -> Prediction:
    """readability-lxml on text decoded as Winnow decodes it (valid UTF-8 first, then the
    declared charset, then a guess): readability's own byte decoding trusts the meta charset,
    and 290 of l3s-gn1's pages are UTF-8 but declare iso-8859-1, which would measure the
    datasets' encoding quirks rather than the extractor."""
    from readability import Document

    from winnow.parse.decode import decode

    doc = Document(decode(html)[0])
    return {"body": html_to_text(doc.summary()), "title": doc.short_title()}


def resiliparse_page(html: bytes) -> Prediction:
    """resiliparse's main-content text (lexbor parse, rule-based main content)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    return {"body": extract_plain_text(HTMLTree.parse_from_bytes(html), main_content=True)}


def run_winnow(dataset: Dataset) -> SystemRun:
    """Winnow works on a whole dataset folder (it learns per-site boilerplate across pages),
    so it is timed as one call, I/O included."""
    try:
        from winnow.pipeline import extract_dataset
    except Exception as exc:  # noqa: BLE001 - ImportError, SyntaxError mid-edit, ...
        raise SystemUnavailable(f"cannot import winnow.pipeline.extract_dataset: {exc!r}") from exc
    start = time.perf_counter()
    rows = extract_dataset(dataset.path, limit=len(dataset.pages))
    seconds = time.perf_counter() - start
    by_id = {r.get("page_id"): r for r in rows}
    errors = [
        f"{p.page_id}: missing from extract_dataset output"
        for p in dataset.pages
        if p.page_id not in by_id
    ]
    predictions = [
        {"page_id": p.page_id, **{k: by_id.get(p.page_id, {}).get(k) for k in PRED_FIELDS}}
        for p in dataset.pages
    ]
    return SystemRun(predictions, seconds, "extract_dataset incl. I/O", errors)


def per_page(extract: PageExtractor, *modules: str) -> Runner:
    """Wrap a page extractor as a dataset runner; its modules are imported before the clock
    starts so the first page does not pay for the import."""

    def runner(dataset: Dataset) -> SystemRun:
        for module in modules:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                raise SystemUnavailable(f"cannot import {module}: {exc}") from exc
        return run_per_page(dataset, extract)

    return runner


SYSTEMS: dict[str, Runner] = {
    "winnow": run_winnow,
    "trafilatura": per_page(trafilatura_page, "trafilatura"),
    "trafilatura_precision": per_page(trafilatura_precision_page, "trafilatura"),
    "trafilatura_comments": per_page(trafilatura_comments_page, "trafilatura"),
    "readability": per_page(readability_page, "readability", "lxml.html"),
    "resiliparse": per_page(resiliparse_page, "resiliparse.extract.html2text"),
}


# ---------------------------------------------------------------------------------------------
# scoring (delegated to the reference scorer)


def load_scorer(root: Path) -> ModuleType | None:
    """Import ``score.py`` from the datasets folder; None if it has no usable API."""
    spec = importlib.util.spec_from_file_location("winnow_reference_score", root / "score.py")
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module if hasattr(module, "score_dataset") else None


def write_predictions(path: Path, predictions: Iterable[Prediction]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for pred in predictions:
            f.write(json.dumps(pred, ensure_ascii=False) + "\n")


def limited_gold(dataset: Dataset) -> list[dict[str, Any]]:
    """Gold rows of the pages being run only, so ``--limit`` does not score the rest as misses."""
    wanted = {p.page_id for p in dataset.pages}
    return [g for g in read_jsonl(dataset.path / "gold.jsonl") if g["page_id"] in wanted]


def score_predictions(
    dataset: Dataset, preds_path: Path, scorer: ModuleType | None, work_dir: Path
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the scorer's dataset summary and its per-page rows."""
    gold = limited_gold(dataset)
    if scorer is not None:
        preds = {r["page_id"]: r for r in read_jsonl(preds_path)}
        rows: list[dict[str, Any]] = []
        summary = scorer.score_dataset(dataset.name, gold, preds, per_page=rows)
        return summary, rows
    return score_via_subprocess(dataset, gold, preds_path, work_dir)


def score_via_subprocess(
    dataset: Dataset, gold: list[dict[str, Any]], preds_path: Path, work_dir: Path
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Fallback: run ``score.py --json`` on a temporary dataset folder holding only our pages."""
    gold_dir = work_dir / "gold" / dataset.name
    gold_dir.mkdir(parents=True, exist_ok=True)
    write_predictions(gold_dir / "gold.jsonl", gold)
    per_page_path = preds_path.with_suffix(".per_page.jsonl")
    cmd = [
        sys.executable,
        str(datasets_dir() / "score.py"),
        str(gold_dir),
        str(preds_path),
        "--json",
        "--per-page",
        str(per_page_path),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["datasets"][dataset.name], list(read_jsonl(per_page_path))


def site_subset_scores(dataset: Dataset, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Scores restricted to pages of sites with >= MIN_SITE_PAGES pages in the full manifest.

    Recomputed from the scorer's per-page output with the scorer's own aggregation rules
    (macro P over pages with a predicted shingle, macro R over pages with a gold shingle;
    micro sums for snippets). These are the pages where cross-page learning can help."""
    sites = {s for s, n in dataset.site_counts.items() if n >= MIN_SITE_PAGES}
    in_subset = {p.page_id for p in dataset.pages if p.site in sites}
    body_rows = [r for r in rows if "tp" in r and r["page_id"] in in_subset]
    snip_rows = [r for r in rows if "with_found" in r and r["page_id"] in in_subset]
    result: dict[str, Any] = {"sites": len(sites), "pages": len(in_subset)}
    if body_rows:
        result["body"] = macro_prf(body_rows)
    if snip_rows:
        result["snippets"] = snippet_shares(snip_rows)
    return result


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def macro_prf(rows: list[dict[str, Any]]) -> dict[str, float]:
    p = mean([r["precision"] for r in rows if r["precision"] is not None])
    r = mean([r["recall"] for r in rows if r["recall"] is not None])
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {"precision": p, "recall": r, "f1": f1, "pages": len(rows)}


def snippet_shares(rows: list[dict[str, Any]]) -> dict[str, float]:
    found = sum(r["with_found"] for r in rows)
    with_total = sum(r["with_total"] for r in rows)
    present = sum(r["without_present"] for r in rows)
    without_total = sum(r["without_total"] for r in rows)
    return {
        "with_found_share": found / with_total if with_total else 0.0,
        "without_present_share": present / without_total if without_total else 0.0,
        "pages": len(rows),
    }


# ---------------------------------------------------------------------------------------------
# orchestration


def benchmark_system(
    dataset: Dataset, system: str, scorer: ModuleType | None, work_dir: Path
) -> dict[str, Any]:
    """Run and score one system on one dataset; never raises for a system-side failure."""
    try:
        run = SYSTEMS[system](dataset)
    except SystemUnavailable as exc:
        return {"status": "unavailable", "reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - report the failure, keep benchmarking the rest
        return {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
    preds_path = work_dir / f"{dataset.name}.{system}.jsonl"
    write_predictions(preds_path, run.predictions)
    summary, rows = score_predictions(dataset, preds_path, scorer, work_dir)
    n = len(dataset.pages)
    return {
        "status": "ok",
        "pages": n,
        "seconds": run.seconds,
        "pages_per_s": n / run.seconds if run.seconds > 0 else None,
        "timing_scope": run.timing_scope,
        "errors": len(run.errors),
        "error_examples": run.errors[:5],
        "score": summary,
        f"sites_ge{MIN_SITE_PAGES}": site_subset_scores(dataset, rows),
    }


WARM_UP_PAGE = (
    b"<html lang='en'><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
    b"<p>Published on the third of March, 2021 by a staff writer of the local paper.</p>"
    b"<p>" + b"This sentence only wakes up lazily loaded models and locales. " * 12 + b"</p>"
    b"</article></body></html>"
)


def warm_up(systems: list[str]) -> None:
    """Pay one-time lazy initialisation (dateparser locales, the language model, imports)
    before any clock starts, so no system is charged for what the first one loaded."""
    for system in systems:
        if system == "winnow":
            from winnow.extract.engine import detect_language
            from winnow.pipeline import LoadedPage, extract_pages

            page = LoadedPage("w", "w", "w", None, None, "html", WARM_UP_PAGE, "h", "utf-8", "ok")
            extract_pages([page])
            detect_language("warm up the language identifier with a sentence or two of text", None)
        elif system.startswith("trafilatura"):
            trafilatura_page(WARM_UP_PAGE)
        elif system == "readability":
            readability_page(WARM_UP_PAGE)
        elif system == "resiliparse":
            resiliparse_page(WARM_UP_PAGE)


def run_benchmark(
    datasets: list[Dataset],
    systems: list[str],
    preds_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """All figures as one JSON-able dict: ``{"datasets": {name: {"systems": {system: ...}}}}``."""
    root = datasets_dir()
    scorer = load_scorer(root) if (root / "score.py").is_file() else None
    results: dict[str, Any] = {"datasets": {}}
    warm_up([s for s in systems if s in SYSTEMS])
    with tempfile.TemporaryDirectory(prefix="winnow-bench-") as tmp:
        work_dir = preds_dir or Path(tmp)
        work_dir.mkdir(parents=True, exist_ok=True)
        for ds in datasets:
            entry = {
                "pages": len(ds.pages),
                "manifest_pages": sum(1 for _ in read_jsonl(ds.path / "manifest.jsonl")),
                "systems": {},
            }
            for system in systems:
                if progress:
                    progress(f"{ds.name}: {system} on {len(ds.pages)} pages")
                entry["systems"][system] = benchmark_system(ds, system, scorer, work_dir)
            results["datasets"][ds.name] = entry
    return results


def cpu_model() -> str:
    """``platform.processor()`` is empty on most Linux builds; /proc/cpuinfo has the name."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def environment_info(argv: list[str]) -> dict[str, Any]:
    def pkg(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.processor() or cpu_model()} / {platform.machine()}",
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "packages": {
            p: pkg(p)
            for p in ("winnow", "trafilatura", "readability-lxml", "lxml", "duckdb", "polars")
        },
        "command": "uv run python " + shlex.join(["bench/quality.py", *argv]),
        "datasets_dir": str(datasets_dir()),
    }


# ---------------------------------------------------------------------------------------------
# reporting


def fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def table_columns(entry: dict[str, Any]) -> list[tuple[str, Callable[[dict[str, Any]], str]]]:
    """Only the columns this dataset's gold supports (no body F1 for trafilatura-eval, ...)."""
    runs = [r for r in entry["systems"].values() if r["status"] == "ok"]
    score_keys = {k for r in runs for k in r["score"]}
    field_keys = {k for r in runs for k in r["score"].get("fields", {})}
    sub = f"sites_ge{MIN_SITE_PAGES}"
    cols: list[tuple[str, Callable[[dict[str, Any]], str]]] = []
    if "body" in score_keys:
        for key, label in (("precision", "P"), ("recall", "R"), ("f1", "F1")):
            cols.append((label, lambda r, k=key: fmt(r["score"]["body"][k])))
        for key, label in (("precision", "P≥5"), ("recall", "R≥5"), ("f1", "F1≥5")):
            cols.append((label, lambda r, k=key: fmt(r[sub].get("body", {}).get(k))))
    if "snippets" in score_keys:
        for key, label in (("with_found_share", "with"), ("without_present_share", "without")):
            cols.append((label, lambda r, k=key: fmt(r["score"]["snippets"][k])))
            cols.append((label + "≥5", lambda r, k=key: fmt(r[sub].get("snippets", {}).get(k))))
    for name in ("title", "byline", "date"):
        if name in field_keys:
            cols.append((name, lambda r, n=name: fmt(r["score"]["fields"][n]["accuracy"])))
    cols.append(("pages/s", lambda r: fmt(r["pages_per_s"], 1)))
    cols.append(("seconds", lambda r: fmt(r["seconds"], 1)))
    cols.append(("errors", lambda r: str(r["errors"])))
    return cols


def table_rows(entry: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the systems that ran; the others are listed by ``notes``."""
    cols = table_columns(entry)
    header = ["system", *(label for label, _ in cols)]
    rows = [
        [system, *(cell(run) for _, cell in cols)]
        for system, run in entry["systems"].items()
        if run["status"] == "ok"
    ]
    return header, rows


def notes(entry: dict[str, Any]) -> list[str]:
    """Per-site subset size, failed/unavailable systems and per-page errors, one line each."""
    out = []
    sub = next(
        (r[f"sites_ge{MIN_SITE_PAGES}"] for r in entry["systems"].values() if r["status"] == "ok"),
        None,
    )
    if sub is not None:
        out.append(
            f"≥{MIN_SITE_PAGES}: {sub['pages']} of {entry['pages']} pages, on the "
            f"{sub['sites']} sites with ≥{MIN_SITE_PAGES} pages in the manifest"
        )
    for system, run in entry["systems"].items():
        if run["status"] != "ok":
            out.append(f"{system} {run['status']}: {run['reason']}")
        elif run["errors"]:
            out.append(f"{system}: {run['errors']} page errors, e.g. {run['error_examples'][0]}")
    return out


def print_tables(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:  # piped to a file: do not squeeze the columns to 80
        console = Console(width=200)
    for name, entry in results["datasets"].items():
        header, rows = table_rows(entry)
        table = Table(title=f"{name} ({entry['pages']}/{entry['manifest_pages']} pages)")
        for i, label in enumerate(header):
            table.add_column(label, justify="left" if i == 0 else "right", no_wrap=True)
        for row in rows:
            table.add_row(*row)
        console.print(table)
        for line in notes(entry):
            console.print(f"  {line}", markup=False, highlight=False)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


QUALITY_HEADING = "## Extraction quality (bench/quality.py)"


def render_docs(results: dict[str, Any]) -> str:
    env = results["environment"]
    pkgs = ", ".join(f"{k} {v}" for k, v in env["packages"].items())
    parts = [
        QUALITY_HEADING,
        "",
        "Generated by `bench/quality.py --write-docs`; do not edit this section by hand.",
        "",
        f"* Date: {env['date_utc']}",
        f"* Machine: {env['machine']}, {env['cpu_count']} CPUs",
        f"* Python {env['python']}; {pkgs}",
        f"* Command: `{env['command']}`",
        "",
        "Body P/R/F1: Scrapinghub AEB token-shingle metric (macro over pages) from the reference "
        "`score.py`; `≥5` columns: only pages of sites with at least 5 pages in the dataset. "
        "`with`: share of expected snippets found; `without`: share of boilerplate snippets "
        "wrongly kept (lower is better). title/byline/date: normalised exact-match accuracy. "
        "pages/s: single process; baselines time the extraction call only, Winnow times "
        "`extract_dataset` including I/O, segmentation and model learning; one-time lazy "
        "initialisation (dateparser locales, the language model) is paid in a warm-up "
        "before any clock starts. The machine is shared: treat pages/s as ±20 %.",
    ]
    for name, entry in results["datasets"].items():
        header, rows = table_rows(entry)
        parts += [
            "",
            f"### {name} ({entry['pages']}/{entry['manifest_pages']} pages)",
            "",
            markdown_table(header, rows),
        ]
        if lines := notes(entry):
            parts += ["", *(f"* {line}" for line in lines)]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------------------------------------
# CLI


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("datasets", nargs="*", metavar="DATASET_DIR")
    ap.add_argument("--limit", type=int, help="only the first N pages of each dataset")
    ap.add_argument(
        "--systems",
        default=",".join(DEFAULT_SYSTEMS),
        help=f"comma-separated, from: {', '.join(SYSTEMS)}",
    )
    ap.add_argument(
        "--write-docs",
        nargs="?",
        const=str(REPO_ROOT / "docs" / "BENCHMARKS.md"),
        metavar="PATH",
        help="(re)write docs/BENCHMARKS.md (or PATH)",
    )
    ap.add_argument("--json", metavar="OUT", help="write all figures as JSON")
    ap.add_argument(
        "--gate",
        action="store_true",
        help="run the quality-gate subset (ignores DATASET_DIR and --limit)",
    )
    ap.add_argument("--preds-dir", metavar="DIR", help="keep prediction files here")
    args = ap.parse_args(argv)
    unknown = set(args.systems.split(",")) - set(SYSTEMS)
    if unknown:
        ap.error(f"unknown system(s): {', '.join(sorted(unknown))}")
    return args


def select_datasets(args: argparse.Namespace) -> list[Dataset]:
    root = datasets_dir()
    if args.gate:
        return gate_datasets(root)
    paths = (
        [resolve_dataset_path(a, root) for a in args.datasets]
        if args.datasets
        else default_dataset_paths(root)
    )
    return [load_dataset(p, args.limit) for p in paths]


def gate_datasets(root: Path) -> list[Dataset]:
    return [load_dataset(root / name, limit) for name, limit in GATE_LIMITS.items()]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if str(REPO_ROOT) not in sys.path:  # so `winnow` imports when run as a script
        sys.path.insert(0, str(REPO_ROOT))
    datasets = select_datasets(args)
    started = time.perf_counter()
    results = run_benchmark(
        datasets,
        args.systems.split(","),
        Path(args.preds_dir) if args.preds_dir else None,
        progress=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    results["environment"] = environment_info(argv)
    results["wall_seconds"] = time.perf_counter() - started
    print_tables(results)
    print(f"total wall time {results['wall_seconds']:.1f} s", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(
            json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    if args.write_docs:
        from bench.docs import replace_section

        replace_section(QUALITY_HEADING, render_docs(results), Path(args.write_docs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
