"""Speed: the whole ``winnow extract`` process against trafilatura and resiliparse, one core.

    uv run python bench/speed.py [DATASET ...] [--rounds N] [--baseline DIR] [--write-docs]

Every system runs as its own process pinned to one core (``taskset -c 0``), over the same
pages, start to finish (CPU time of the process, so other programs on a shared machine do not
count): interpreter start, imports, reading the gzipped files, extracting,
writing JSON lines. Winnow is ``winnow extract`` itself; trafilatura is ``trafilatura.extract``
alone (no metadata), resiliparse is ``extract_plain_text(main_content=True)``. The machine is
shared and drifts, so systems are timed in alternating rounds and the best round of each is
kept; compare the ratios (baseline time / Winnow time), not the rates.

``--baseline DIR`` also times ``winnow extract`` of another checkout of Winnow (its own
``.venv``) in the same alternating rounds: the speed-up of this checkout over it is a ratio
from one run, as the machine's load drifts.

Then, in this process, Winnow's stages are timed one by one on the same pages (CPU ms per
page): read, parse (lexbor + walk), metadata, frames, features, model, assemble, choose
metadata, write.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATASETS = Path(os.environ.get("WINNOW_DATASETS", ROOT.parent / "shared" / "datasets"))
DEFAULT = ("dragnet-2012",)

BASELINE = """
import gzip, json, sys
from pathlib import Path
folder = Path(sys.argv[1])
{setup}
with open(sys.argv[2], "w") as out:
    for line in open(folder / "manifest.jsonl"):
        row = json.loads(line)
        raw = gzip.decompress((folder / row["file"]).read_bytes())
        try:
            body = {call}
        except Exception:
            body = ""
        out.write(json.dumps({{"page_id": row["page_id"], "body": body or ""}}) + "\\n")
"""
SYSTEMS = {
    "trafilatura": ("import trafilatura", "trafilatura.extract(raw)"),
    "resiliparse": (
        "from resiliparse.extract.html2text import extract_plain_text\n"
        "from resiliparse.parse.html import HTMLTree",
        "extract_plain_text(HTMLTree.parse_from_bytes(raw), main_content=True)",
    ),
}


def _pinned(command: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *command] if shutil.which("taskset") else command


def _time(command: list[str]) -> float:
    """CPU seconds (user + system) the process used: on a shared machine the wall clock also
    counts the time other programs held the core, the CPU time does not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(_pinned(command), check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _extract_command(root: Path, dataset: Path, out: Path) -> list[str]:
    python = root / ".venv" / "bin" / "python"
    python = python if root != ROOT and python.exists() else Path(sys.executable)
    return [str(python), "-m", "winnow.cli", "extract", str(dataset), "--out", str(out)]


def whole_process(dataset: Path, rounds: int, baseline: Path | None = None) -> dict[str, float]:
    """Least CPU time of each system's process over the dataset, alternating the order."""
    out = Path(tempfile.mkdtemp()) / "pred.jsonl"
    commands = {"winnow": _extract_command(ROOT, dataset, out)}
    if baseline is not None:  # run from its own folder, so it imports its own code
        commands["baseline"] = [
            "env",
            "-C",
            str(baseline),
            *_extract_command(baseline, dataset, out),
        ]
    # a first run outside the clock builds what is built once per machine (compiled trees)
    subprocess.run(commands["winnow"], check=True, capture_output=True)
    for name, (setup, call) in SYSTEMS.items():
        script = BASELINE.format(setup=setup, call=call)
        commands[name] = [sys.executable, "-c", script, str(dataset), str(out)]
    best = {name: float("inf") for name in commands}
    order = list(commands)
    for number in range(rounds):
        for name in order if number % 2 == 0 else order[::-1]:
            best[name] = min(best[name], _time(commands[name]))
    return best


def stage_times(dataset: Path) -> dict[str, float]:
    """Milliseconds per page of each of Winnow's stages, run one after the other in-process."""
    import numpy as np

    from winnow.extract.assemble import assemble
    from winnow.extract.classifier import (
        SURE_NO,
        SURE_YES,
        candidates,
        default_classifier,
        matrix,
        stage1_features,
    )
    from winnow.extract.engine import extract_articles, meta_frame
    from winnow.extract.features import batch, context_features
    from winnow.extract.metadata import names_date, read_metadata, resolve_date
    from winnow.model.site import site_stats
    from winnow.parse.frames import blocks_frame, elements_frame
    from winnow.parse.html import body_dom, parse_html
    from winnow.pipeline import article_record, iter_dataset, load_page

    model = default_classifier()
    clock: dict[str, float] = {}

    def timed(name: str, fn, *args):  # CPU time: other programs on the machine do not count
        start = time.process_time()
        value = fn(*args)
        clock[name] = clock.get(name, 0.0) + time.process_time() - start
        return value

    refs = list(iter_dataset(dataset))
    pages = [timed("read", load_page, ref) for ref in refs]
    trees = [timed("parse", parse_html, p.raw.decode(p.encoding, "replace")) for p in pages]
    metas = [timed("metadata", read_metadata, t, p.url) for t, p in zip(trees, pages, strict=True)]
    doms = [timed("parse", body_dom, t) for t in trees]
    for page, meta, dom in zip(pages, metas, doms, strict=True):
        if not meta.date:
            headline = next((i for i, o in enumerate(dom.owner) if dom.tag[o] == "h1"), 0)
            marked = lambda dom=dom: [names_date(dom.words[o]) for o in dom.owner]  # noqa: E731
            source = page.raw.decode(page.encoding, "replace")
            timed("metadata", resolve_date, meta, dom.text, headline, marked, source)
    triples = [(p.page_id, p.site, d) for p, d in zip(pages, doms, strict=True)]
    blocks = timed("frames", blocks_frame, triples)
    elements = timed("frames", elements_frame, triples)
    meta_rows = timed(
        "frames",
        meta_frame,
        [(p.page_id, "html", p.url, m) for p, m in zip(pages, metas, strict=True)],
    )
    stats = timed("features", site_stats, blocks)
    clock["features_site"] = clock["features"]
    b = timed("features", batch, blocks, elements)
    first = timed("features", stage1_features, b, blocks, stats, model.tokens)
    scored = candidates(first)
    p1 = np.zeros(len(b.page))
    p1[scored] = timed(
        "model", lambda: model.stage1.predict(matrix(first, model.features1, scored))
    )
    second = timed("features", lambda: {**first, **context_features(b, p1)})
    doubted = scored & (p1 > SURE_NO) & (p1 < SURE_YES)
    p2 = p1.copy()
    p2[doubted] = timed(
        "model", lambda: model.stage2.predict(matrix(second, model.features2, doubted))
    )
    timed("assemble", assemble, b, p2 >= model.threshold)
    before = clock["features"] + clock["model"] + clock["assemble"] - clock["features_site"]
    articles = timed("whole_decision", extract_articles, blocks, elements, meta_rows, stats, model)
    # extract_articles repeats batch, features, model and assembly: what is left of its time is
    # choosing title, byline, date and language for each page
    clock["choose_metadata"] = max(clock.pop("whole_decision") - before, 0.0)
    with tempfile.TemporaryFile("w") as sink:
        for page in pages:
            timed(
                "write",
                lambda a, sink=sink: sink.write(json.dumps(a, ensure_ascii=False) + "\n"),
                article_record(page.page_id, articles[page.page_id]),
            )
    clock.pop("features_site")
    return {name: 1000 * seconds / len(pages) for name, seconds in clock.items()}


SPEED_HEADING = "## Extraction speed (bench/speed.py)"


STARTUP = (
    "import winnow.cli, winnow.pipeline; from winnow.quarantine import _load_models; _load_models()"
)


def startup_seconds() -> float:
    """CPU seconds a ``winnow extract`` process spends before its first page: interpreter,
    imports, the classifier and the language model (least of three, pinned to one core)."""
    return min(_time([sys.executable, "-c", STARTUP]) for _ in range(3))


def render_docs(results: dict, rounds: int, baseline: str | None = None) -> str:
    """The speed section of docs/BENCHMARKS.md: whole processes and Winnow's stages."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    command = "make bench-speed" + (f" (bench/speed.py --baseline {baseline})" if baseline else "")
    lines = [
        SPEED_HEADING,
        "",
        f"`{command}` on {stamp}: each system a whole process "
        f"pinned to one core (`taskset -c 0`), CPU seconds, least of {rounds} alternating "
        "rounds; the machine is shared, so compare the ratios. Winnow runs `winnow extract` "
        "(read, decode, parse, blocks, site model, classifier, metadata, JSON out); "
        "trafilatura runs `trafilatura.extract` alone (no metadata), resiliparse "
        "`extract_plain_text(main_content=True)`; both read the same gzipped files.",
        "",
    ]
    head = "| dataset | pages | Winnow pages/s | trafilatura pages/s | resiliparse pages/s "
    head += "| Winnow's speed vs trafilatura | vs resiliparse |"
    if baseline:
        commit = results[next(iter(results))].get("baseline_commit", "?")
        lines[-2] += (
            f" `baseline` is `winnow extract` of the checkout in `{baseline}` (commit "
            f"{commit}), timed in the same rounds."
        )
        head += " baseline pages/s | vs baseline |"
    lines += [head, "|---|" + "---:|" * (head.count("|") - 2)]
    for name, r in results.items():
        rate, sec = r["pages_per_s"], r["seconds"]
        row = (
            f"| {name} | {r['pages']} | {rate['winnow']:.0f} | {rate['trafilatura']:.1f} | "
            f"{rate['resiliparse']:.0f} | {sec['trafilatura'] / sec['winnow']:.2f}× | "
            f"{sec['resiliparse'] / sec['winnow']:.2f}× |"
        )
        if baseline:
            row += f" {rate['baseline']:.0f} | {sec['baseline'] / sec['winnow']:.2f}× |"
        lines.append(row)
    names = list(next(iter(results.values()))["stages_ms"])
    lines += [
        "",
        "Winnow's stages, CPU ms per page, timed one after the other in one process (`start-up`: "
        "a process's interpreter, imports and models, spread over the dataset's pages):",
        "",
        "| dataset | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for name, r in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{r['stages_ms'][n]:.2f}" for n in names) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*", default=list(DEFAULT))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another Winnow checkout to time as well")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--write-docs", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    baseline = args.baseline.resolve() if args.baseline else None
    results = {}
    startup = startup_seconds()
    for name in args.datasets:
        folder = Path(name) if Path(name).is_dir() else DATASETS / name
        pages = sum(1 for _ in (folder / "manifest.jsonl").open())
        best = whole_process(folder, args.rounds, baseline)
        rates = {system: pages / seconds for system, seconds in best.items()}
        stages = {"start-up": 1000 * startup / pages, **stage_times(folder)}
        results[folder.name] = {
            "pages": pages,
            "seconds": best,
            "pages_per_s": rates,
            "stages_ms": stages,
            "startup_s": startup,
        }
        if baseline:
            commit = subprocess.run(
                ["git", "-C", str(baseline), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
            )
            results[folder.name]["baseline_commit"] = commit.stdout.strip() or "?"
        print(f"{folder.name}: {pages} pages, whole process on one core, least of {args.rounds}")
        for system, rate in rates.items():
            line = f"  {system:12} {rate:8.1f} pages/s   {best[system]:7.1f} CPU s"
            if system != "winnow":
                line += f"   winnow is {best[system] / best['winnow']:5.2f}x"
            print(line)
        print("  stages (ms/page): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    if args.write_docs:
        from bench.docs import replace_section

        docs = render_docs(results, args.rounds, str(args.baseline) if baseline else None)
        replace_section(SPEED_HEADING, docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
