"""Where ``winnow extract`` spends its CPU time, stage by stage (pyinstrument, CPU timer).

    uv run python bench/profile_extract.py DATASET_DIR [--code CHECKOUT]

Runs ``extract_dataset`` over the folder under pyinstrument and adds up the samples under each
stage's function (the outermost stage on a stack takes the sample); each stage's share of the
samples is then applied to the CPU time the run took, so time other programs held the core
(a shared machine) is spread evenly rather than counted. (pyinstrument's CPU timer is a Python
callable invoked on every call event: its own overhead swamped the figures.) Start-up
(imports and loading the models; not the interpreter) is timed before the profile starts.
``--code`` imports another checkout of Winnow instead (run it with that checkout's Python), so
two versions are profiled the same way. Prints one line per stage, CPU ms per page.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

#: function name -> stage; the first (outermost) of these on a sampled stack takes the sample.
STAGES = {
    "load_page": "read: gunzip, hash, encoding, garbage screen",
    "parse_html": "lexbor parse",
    "body_dom": "block walk",
    "read_metadata": "metadata",
    "resolve_date": "metadata",
    "segment": "frames",
    "site_stats": "site model",
    "batch": "features",
    "stage1_features": "features",
    "context_features": "features",
    "predict": "classifier (trees)",
    "assemble": "assemble",
    "detect_language": "language id",
    "_article": "article records",
    "_title_and_date": "article records",
    "article_record": "article records",
}


def _collect(frame, totals: dict[str, float]) -> None:
    stage = STAGES.get(frame.function)
    if stage is not None:
        totals[stage] = totals.get(stage, 0.0) + frame.time
        return
    if not frame.children:
        totals["other"] = totals.get("other", 0.0) + frame.time
        return
    own = frame.time - sum(child.time for child in frame.children)
    totals["other"] = totals.get("other", 0.0) + max(own, 0.0)
    for child in frame.children:
        _collect(child, totals)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--code", type=Path, help="a Winnow checkout to import instead")
    args = parser.parse_args(argv)
    root = (args.code or Path(__file__).resolve().parents[1]).resolve()
    sys.path.insert(0, str(root))
    start = time.process_time()
    from winnow.pipeline import extract_dataset
    from winnow.quarantine import _load_models

    _load_models()
    startup = time.process_time() - start
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001, async_mode="disabled")
    cpu = time.process_time()
    profiler.start()
    records = extract_dataset(args.dataset)
    profiler.stop()
    cpu = time.process_time() - cpu
    pages = len(records)
    samples: dict[str, float] = {}
    _collect(profiler.last_session.root_frame(), samples)
    sampled = sum(samples.values())
    totals = {"start-up: imports and models": startup}
    totals |= {stage: cpu * value / sampled for stage, value in samples.items()}
    whole = sum(totals.values())
    print(f"{root.name} on {args.dataset.name}: {pages} pages, {whole:.2f} CPU s")
    for stage, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:45} {1000 * seconds / pages:6.2f} ms/page  {seconds / whole:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
