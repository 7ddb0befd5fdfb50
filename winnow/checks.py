"""Data-quality checks over the warehouse, as plain functions (the asset checks call them).

Each returns ``(passed, details)``; details are small numbers and samples worth showing.
"""

from __future__ import annotations

import duckdb

from winnow.model import site_models
from winnow.parse.fingerprint import text_fingerprint
from winnow.parse.garbage import text_verdict
from winnow.summaries import chrome_share_by_site
from winnow.warehouse import read_boilerplate

MAX_SITE_CHROME_SHARE = 0.95
MAX_BODY_CHROME_SHARE = 0.5


def page_ids_unique(con: duckdb.DuckDBPyConnection) -> tuple[bool, dict]:
    """Each page key has exactly one latest version (and at most one row per content hash)."""
    dupes = con.execute(
        "SELECT count(*) FROM (SELECT page_id, content_hash FROM pages "
        "GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()[0][0]
    latest = con.execute("SELECT count(*) - count(DISTINCT page_id) FROM latest_pages").fetchall()[
        0
    ][0]
    return dupes == 0 and latest == 0, {"duplicate_versions": dupes, "duplicate_latest": latest}


def ids_unique_within_source(con: duckdb.DuckDBPyConnection) -> tuple[bool, dict]:
    """No source names two pages with one id (``winnow.sources.identity``): a repeat is kept
    under ``<key>#N`` with ``duplicate_of``, and listed here."""
    rows = con.execute(
        "SELECT page_id, duplicate_of, source, error FROM latest_pages "
        "WHERE duplicate_of IS NOT NULL ORDER BY source, page_id"
    ).fetchall()
    return not rows, {
        "repeated_ids": len(rows),
        "pages": {page_id: f"{source}: repeats {first}" for page_id, first, source, _ in rows[:20]},
    }


def pages_readable(con: duckdb.DuckDBPyConnection) -> tuple[bool, dict]:
    """Share of latest pages that could be read and are text; failures and quarantined pages
    (``winnow.quarantine``) are counted by status and listed by their error."""
    total, failed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status <> 'ok') FROM latest_pages"
    ).fetchall()[0]
    by_status = dict(
        con.execute(
            "SELECT status, count(*) FROM latest_pages WHERE status <> 'ok' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    )
    errors = [
        r[0]
        for r in con.execute(
            "SELECT error FROM latest_pages WHERE status <> 'ok' ORDER BY page_id LIMIT 10"
        ).fetchall()
    ]
    return failed == 0, {"pages": total, "failed": failed, "by_status": by_status, "errors": errors}


def article_bodies_present(con: duckdb.DuckDBPyConnection) -> tuple[bool, dict]:
    """Every readable page has an articles row; every row flagged as an article has a body.

    ``details["broken"]`` says whether the failure is the code's (a row flagged as an article
    with an empty body: the check blocks the run) or the data's (pages whose extraction failed
    and have no row, named in ``pages``; a corpus without a single article): those are warned
    about, since one page that always fails must not stop every later run from publishing."""
    missing = [
        row[0]
        for row in con.execute(
            # An anti join: the correlated NOT EXISTS form made DuckDB hold every page's HTML.
            "SELECT p.page_id FROM latest_pages p ANTI JOIN articles a ON a.page_id = p.page_id "
            "WHERE p.status = 'ok' ORDER BY p.page_id"
        ).fetchall()
    ]
    empty = con.execute(
        "SELECT count(*) FROM articles WHERE has_article AND length(trim(body)) = 0"
    ).fetchall()[0][0]
    with_article, total = con.execute(
        "SELECT count(*) FILTER (WHERE has_article), count(*) FROM articles"
    ).fetchall()[0]
    ok = not missing and empty == 0 and (total == 0 or with_article > 0)
    return ok, {
        "pages_without_row": len(missing),
        "empty_bodies": empty,
        "with_article": with_article,
        "articles": total,
        "broken": empty > 0,
        "pages": {
            page: "readable, but no article row (its extraction failed)" for page in missing[:20]
        },
    }


def site_chrome_share(con: duckdb.DuckDBPyConnection) -> tuple[bool, dict]:
    """Per site, the share of block text the model calls chrome stays below a sane bound.

    A site whose text is nearly all "chrome" means duplicated pages, not a template.
    """
    frame = chrome_share_by_site(con)
    shares = {site: round(float(share or 0.0), 3) for site, share in frame.iter_rows()}
    bad = {s: v for s, v in shares.items() if v > MAX_SITE_CHROME_SHARE}
    return not bad, {
        "max_share": max(shares.values(), default=0.0),
        "over_bound": bad,
        "shares": dict(list(shares.items())[:20]),
    }


def bodies_not_chrome(
    con: duckdb.DuckDBPyConnection, run_id: str | None, tolerated_share: float
) -> tuple[str, dict]:
    """Article bodies that are mostly text the site's model knows as chrome: ``fail`` when more
    than ``tolerated_share`` of the corpus' bodies are, ``warn`` when some written by ``run_id``
    are (within the tolerance), else ``pass``. Judging only the corpus with zero tolerance made
    a handful of odd pages fail every later run; a run is told about the pages it wrote, and a
    share of the whole decides whether the corpus is broken. ``pages`` maps each page to its
    reason (this run's first, then the corpus' when it fails)."""
    models = site_models(read_boilerplate(con))
    corpus: dict[str, str] = {}
    this_run: dict[str, str] = {}
    checked = 0
    result = con.execute("SELECT page_id, site, body, run_id FROM articles WHERE has_article")
    while rows := result.fetchmany(1000):  # a batch of bodies at a time, never the corpus
        for page_id, site, body, row_run in rows:
            model = models.get(site or "")
            if model is None or not model.text_keys:
                continue
            checked += 1
            reason = chrome_body_reason(body, model.text_keys, site)
            if reason is not None:
                corpus[page_id] = reason
                if row_run == run_id:
                    this_run[page_id] = reason
    share = len(corpus) / checked if checked else 0.0
    verdict = "fail" if share > tolerated_share else "warn" if this_run else "pass"
    shown = dict(sorted(this_run.items())[:20])
    if verdict == "fail":
        shown.update(sorted(corpus.items())[: max(0, 20 - len(shown))])
    return verdict, {
        "checked": checked,
        "mostly_chrome": len(corpus),
        "mostly_chrome_share": round(share, 4),
        "tolerated_share": tolerated_share,
        "written_by_this_run": len(this_run),
        "pages": shown,
    }


def chrome_body_reason(body: str, chrome_keys: set | frozenset, site: str | None) -> str | None:
    """Why ``body`` counts as mostly chrome (its share of characters in lines whose fingerprint
    is among the site's ``chrome_keys``, and the longest such line), or None when it does not.
    Characters, not lines: a few repeated one-line headings in a long article are not chrome."""
    lines = [line for line in body.split("\n") if line.strip()]
    total = sum(len(line) for line in lines)
    chrome = [line for line in lines if text_fingerprint(line) in chrome_keys]
    share = sum(len(line) for line in chrome) / total if total else 0.0
    if share <= MAX_BODY_CHROME_SHARE:
        return None
    sample = max(chrome, key=len)
    sample = sample if len(sample) <= 60 else sample[:59] + "…"
    return (
        f"{share:.0%} of the body's characters ({len(chrome)} of {len(lines)} lines) are "
        f"{site}'s chrome, e.g. {sample!r}"
    )


def bodies_are_text(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> tuple[bool, dict]:
    """No article body is mostly not text (control characters, U+FFFD, mojibake: the measures
    of ``winnow.parse.garbage``); pages like that should have been quarantined. Checks the
    bodies written by ``run_id`` (all bodies when None)."""
    sql = "SELECT page_id, body FROM articles WHERE has_article"
    params: list = []
    if run_id is not None:
        sql += " AND run_id = ?"
        params.append(run_id)
    checked = 0
    bad: dict[str, str] = {}
    for page_id, body in con.execute(sql + " ORDER BY page_id", params).fetchall():
        checked += 1
        verdict = text_verdict(body)
        if verdict is not None:
            bad[page_id] = verdict.reason
    return not bad, {
        "checked": checked,
        "not_text": len(bad),
        "pages": dict(list(bad.items())[:20]),
    }
