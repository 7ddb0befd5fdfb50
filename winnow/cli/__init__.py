"""The ``winnow`` command line: one module per command, each importing what it needs only
when it runs (``winnow query`` starts without polars, rich or Dagster).

Every command prints the settings it uses on stderr first, results on stdout, and a mistake
the user can fix as one line on stderr (exit 2; 3 when the warehouse is missing or held),
never a traceback (``--traceback`` shows one for an unexpected failure).
"""

from __future__ import annotations

import argparse
import os
import sys

from winnow.cli.common import error, one_line, report
from winnow.cli.output import FORMATS

DESCRIPTION = "Winnow: crawled news pages to clean articles in a DuckDB warehouse."
EPILOG = """examples:
  winnow status                                  what the last runs did, rows per table
  winnow sql "select site, count(*) from articles group by 1"
  winnow sql "select * from articles limit 5" --format csv > five.csv
  winnow why https://www.example.com/news/1      each block of a page, kept or dropped, and why
  winnow extract pages/ --out -                  JSON lines on standard output
  winnow run                                     the ingest job once (what make run runs)
  winnow prune                                   drop the rows of removed sources
  winnow export --format parquet --out data/export   the articles for the next tool

Settings come from flags, then WINNOW_* environment variables, then defaults; each command
prints the ones it uses. Exit status: 0 done, 1 found problems (validate, why), 2 a mistake
in what was asked (bad SQL, bad settings or sources), 3 no warehouse yet or another program
holds it."""

SOURCES_HELP = "sources file (default: $WINNOW_SOURCES, else data/sources.yaml)"
WAREHOUSE_HELP = "warehouse file (default: $WINNOW_WAREHOUSE, else data/warehouse.duckdb)"
FORMAT_HELP = (
    "table (default: cut to the terminal's width, whole on a pipe), or csv, json, jsonl "
    "(every value whole; binary values as base64)"
)


class _Version(argparse.Action):
    """``--version``: Winnow's version and the extractor version stored on articles."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: ANN001
        from winnow import EXTRACTOR_VERSION, __version__

        print(f"winnow {__version__} (extractor {EXTRACTOR_VERSION})")
        parser.exit()


def _sub(sub, name: str, summary: str, description: str | None = None):  # noqa: ANN001, ANN202
    return sub.add_parser(
        name,
        help=summary,
        description=description or summary,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_sql(sub, name: str, summary: str) -> None:  # noqa: ANN001
    from winnow.cli.query import cmd_query

    p = _sub(
        sub,
        name,
        summary,
        "Run one read-only SQL statement on the last published run (a run in progress never "
        "changes\nwhat you read) and print its result. Values are printed as they are: no "
        "markup, NULL as\nNULL, binary values as their size and first bytes; the table cuts "
        "long cells with '…'\nonly on a terminal. Tables and views: see README, 'Questions in "
        "SQL'.",
    )
    p.add_argument("sql", help='one SQL statement, e.g. "select * from articles limit 5"')
    p.add_argument("--format", choices=FORMATS, default="table", help=FORMAT_HELP)
    p.add_argument("--warehouse", help=WAREHOUSE_HELP)
    p.set_defaults(func=cmd_query)


def build_parser() -> argparse.ArgumentParser:
    from winnow.cli.export import cmd_export, since_date
    from winnow.cli.extract import EXTRACT_FORMATS, cmd_extract
    from winnow.cli.run import cmd_prune, cmd_run, cmd_validate
    from winnow.cli.status import cmd_status
    from winnow.cli.why import cmd_why

    parser = argparse.ArgumentParser(
        prog="winnow",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    parser.add_argument(
        "--traceback", action="store_true", help="show the traceback of an unexpected failure"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _sub(
        sub,
        "extract",
        "extract the articles of pages: a folder, a page file or standard input",
        "Extract the article of each page: its text, title, byline, date and language.\n\n"
        "INPUT is a folder with a manifest.jsonl (its pages, in manifest order), any other "
        "folder\n(every .html, .htm and .txt page below it, also gzipped), one page file, or - "
        "for standard\ninput (the default when input is piped). Pages read together teach "
        "each site's model\ntogether, so a folder of one site's pages comes out cleaner than "
        "each page alone.\n\nA page that cannot be read still gets its line, with an empty "
        "body, its status and why;\nthe command still exits 0.",
    )
    p.add_argument(
        "input", nargs="?", metavar="INPUT", help="a folder, a page file, or - (standard input)"
    )
    p.add_argument(
        "--out",
        default="-",
        help="where to write: a file, - for standard output (the default), or a folder (ending "
        "in /) for one markdown or txt file per page",
    )
    p.add_argument(
        "--format",
        choices=EXTRACT_FORMATS,
        default="jsonl",
        help="jsonl: one JSON object a page (page_id, body, title, byline, date, language, url, "
        "markdown); markdown: each page's article as Markdown; txt: its plain text",
    )
    p.add_argument("--limit", type=int, default=None, help="only the first N pages of a folder")
    p.set_defaults(func=cmd_extract)

    p = _sub(
        sub,
        "run",
        "run the ingest job once: every source into the warehouse (what make run runs)",
        "Run the ingest job once, as make run does: every configured source (new WARC files "
        "too), the model, the articles, the stories, then publish. The run is recorded in the "
        "warehouse's Dagster history (the UI lists it) and waits for any other run of the "
        "warehouse to finish (WINNOW_RUN_LOCK_SECONDS). Exit 1 when the run failed or a "
        "source produced no page, 3 when another run held the warehouse too long.",
    )
    p.add_argument("--sources", help=SOURCES_HELP)
    p.add_argument("--warehouse", help=WAREHOUSE_HELP)
    p.add_argument("--fresh", action="store_true", help="start from an empty warehouse")
    p.set_defaults(func=cmd_run)

    p = _sub(
        sub,
        "prune",
        "drop the rows of sources no longer in the sources file",
        "Drop the pages (and their blocks, articles and stories) of every source the sources "
        "file no longer names, from the run's working file; the next run publishes without "
        "them (--publish: run now).",
    )
    p.add_argument("--sources", help=SOURCES_HELP)
    p.add_argument("--warehouse", help=WAREHOUSE_HELP)
    p.add_argument("--publish", action="store_true", help="then run the ingest job to publish")
    p.set_defaults(func=cmd_prune, fresh=False)

    p = _sub(sub, "validate", "check the sources file and every page it names")
    p.add_argument("--sources", help=SOURCES_HELP)
    p.set_defaults(func=cmd_validate)

    _add_sql(sub, "sql", "run read-only SQL on the warehouse and print the result")
    _add_sql(sub, "query", "the same as 'winnow sql'")

    p = _sub(
        sub,
        "status",
        "what the last runs did and what the warehouse holds",
        "What the last runs did and what the warehouse holds: each run's outcome and duration "
        "(from the warehouse's published runs and the Dagster instance in DAGSTER_HOME), rows "
        "per table, sites the site health check flags, and pages quarantined or unreadable.",
    )
    p.add_argument("--runs", type=int, default=10, help="how many recent runs to list (10)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="table or json")
    p.add_argument("--warehouse", help=WAREHOUSE_HELP)
    p.set_defaults(func=cmd_status)

    p = _sub(sub, "why", "show each block of a page and why it was kept or dropped")
    p.add_argument(
        "page", metavar="PAGE_ID|URL", help="a page id (with or without its source) or URL"
    )
    p.add_argument("--format", choices=FORMATS, default="table", help=FORMAT_HELP)
    p.add_argument("--warehouse", help=WAREHOUSE_HELP)
    p.set_defaults(func=cmd_why)

    p = _sub(sub, "export", "write the published articles as Parquet or JSON lines")
    p.add_argument("--format", choices=("parquet", "jsonl"), default="parquet")
    p.add_argument("--since", type=since_date, help="only articles published on or after DATE")
    p.add_argument("--out", required=True, help="folder to write (replaced by each export)")
    p.add_argument("--warehouse", help=WAREHOUSE_HELP)
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:  # `winnow sql ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - every failure is one line
        try:
            return report(args, exc)
        except Exception:  # noqa: BLE001 - not one we know: still one line, unless asked
            if args.traceback:
                raise
            error(
                f"unexpected failure: {type(exc).__name__}: {one_line(exc)} "
                "(winnow --traceback ... shows where)"
            )
            return 1
