"""Site health (issue 20 item 3): a site whose template changes between two runs, so that its
article bodies come out empty, is flagged by name and figure; the other sites are not."""

import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from orchestration.resources import SourcesResource, WarehouseResource
from orchestration.run_once import check_lines, materialize_all
from winnow.health import judge, site_figures

ROOT = Path(__file__).resolve().parents[1]
CHANGED = "harborgazette.example"
ARTICLE = re.compile(r'<article class="hg-article">.*?</article>', re.S)


def _client_rendered(html: str) -> str:
    """The article moved into a script the browser renders (a common template change): the
    headline stays in the page, the paragraphs only in a JSON blob."""

    def swap(match: re.Match) -> str:
        text = re.sub(r"<[^>]+>", " ", match.group(0)).replace('"', "'")
        headline = re.search(r"<h1[^>]*>.*?</h1>", match.group(0), re.S)
        blob = '{"text": "' + " ".join(text.split()) + '"}'
        return (
            '<div id="story-app">' + (headline.group(0) if headline else "") + "</div>"
            f'<script type="application/json" id="story-data">{blob}</script>'
        )

    return ARTICLE.sub(swap, html)


def _figures(rows: list[tuple]) -> pl.DataFrame:
    return site_figures(
        pl.DataFrame(
            rows,
            schema=["site", "page_id", "has_article", "n_words", "body_chars", "text_chars"],
            orient="row",
        )
    )


def test_judge_flags_the_site_off_its_usual_figures_only():
    usual = [(s, f"{s}{i}", True, 400, 2000, 4000) for s in ("a", "b") for i in range(6)]
    history = pl.concat([_figures(usual).with_columns(pl.lit(r).alias("run")) for r in "12"])
    now = _figures(
        [("a", f"a{i}", True, 410, 2100, 4000) for i in range(6)]
        + [
            ("b", f"b{i}", i == 0, 30 if i == 0 else 0, 150 if i == 0 else 0, 4000)
            for i in range(6)
        ]
        + [("c", f"c{i}", False, 0, 0, 100) for i in range(6)]  # no history: not judged
    )
    flags = judge(now, history, min_pages=5, max_drop=0.5, max_rise=0.3)
    assert set(flags["site"]) == {"b"}
    assert set(flags["figure"]) == {
        "articles_per_page",
        "median_words",
        "no_article_share",
        "removed_share",
    }
    words = flags.filter(pl.col("figure") == "median_words").row(0, named=True)
    assert (words["value"], words["usual"], words["history_runs"]) == (30.0, 400.0, 2)
    assert words["reason"].startswith("b: median body words 30 over 6 pages, usually 400")
    # Too few pages this run: not judged, however bad.
    assert judge(now, history, min_pages=7, max_drop=0.5, max_rise=0.3).is_empty()
    assert judge(now, history.clear(), min_pages=5, max_drop=0.5, max_rise=0.3).is_empty()


@pytest.fixture
def demo_copy(tmp_path):
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "data" / "demo", demo)
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - {{name: demo, kind: manifest, path: {demo / 'manifest.jsonl'}}}\n",
        encoding="utf-8",
    )
    return demo, SourcesResource(config_path=str(sources))


def _health(result) -> object:
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == "site_health_stable"
    ]
    return evaluation


def test_a_template_change_flags_that_site_and_only_it(demo_copy, tmp_path):
    demo, sources = demo_copy
    warehouse = WarehouseResource(path=str(tmp_path / "warehouse.duckdb"))
    first = materialize_all(warehouse, sources)
    assert first.success and _health(first).passed  # no history yet: nothing to compare

    changed = 0
    for page in sorted(demo.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        if page.relative_to(demo).parts[0] == CHANGED:
            new = _client_rendered(html)
            changed += new != html
        else:  # a harmless edit: the other sites' pages are new versions, re-extracted too
            new = html.replace("</body>", "<!-- rebuilt --></body>")
        page.write_text(new, encoding="utf-8")
    assert changed >= 20

    second = materialize_all(warehouse, sources)
    assert second.success  # a warning, never a failed run
    health = _health(second)
    assert not health.passed and health.severity.value == "WARN"
    assert set(health.metadata["sites"].value) == {CHANGED}
    reasons = health.metadata["sites"].value[CHANGED]
    assert any("median body words" in r or "articles per page" in r for r in reasons)
    assert health.metadata["sites_judged"].value == 3  # the others were measured and judged
    lines = check_lines([health])
    assert lines[0].startswith("WARNING check articles:site_health_stable: 1 of 3 sites fell off")
    assert all(line.startswith(f"  {CHANGED}: ") for line in lines[1:])
