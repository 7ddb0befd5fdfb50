"""Stories through the whole pipeline (``winnow run`` in a subprocess, real files): a wire story
syndicated on two demo sites is joined the next night by a third copy, published a day later in
a third site's template (its own nav, teaser rail, cookie notice, comments). The copy joins the
story under the id the story already had, and no other article's story changes."""

import json
import os
import re
import shutil
import subprocess
import sys
from html import escape
from pathlib import Path

from winnow import warehouse

ROOT = Path(__file__).resolve().parents[1]
TRUTH = [json.loads(line) for line in (ROOT / "data/demo/truth.jsonl").open(encoding="utf-8")]


def _run(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("WINNOW_")},
        "WINNOW_SOURCES": str(tmp_path / "sources.yaml"),
        "WINNOW_WAREHOUSE": str(tmp_path / "w.duckdb"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "winnow.cli", "run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr


def _members(tmp_path: Path) -> dict[str, str]:
    con = warehouse.open_published(tmp_path / "w.duckdb")
    try:
        return dict(con.execute("SELECT page_id, story_id FROM v_articles").fetchall())
    finally:
        con.close()


def _third_copy(demo: Path, story: dict) -> dict:
    """The story as valleyherald.example prints it, dated the day after: an existing
    valleyherald page with its headline, date and paragraphs replaced."""
    host = next(t for t in TRUTH if t["site"] == "valleyherald.example" and t["format"] == "html")
    manifest = {
        r["page_id"]: r for r in map(json.loads, (demo / "manifest.jsonl").open(encoding="utf-8"))
    }
    page = (demo / manifest[host["page_id"]]["file"]).read_text(encoding="utf-8")
    body = "\n".join(
        f'<div class="vh-block"><div class="vh-text"><p>{escape(p, quote=False)}</p></div></div>'
        for p in story["paragraphs"]
    )
    page = re.sub(
        r'(<div class="vh-story__body">\n).*?(\n</div>\n</section>)',
        lambda m: m.group(1) + body + m.group(2),
        page,
        count=1,
        flags=re.S,
    )
    page = page.replace(escape(host["title"], quote=False), escape(story["title"], quote=False))
    page = re.sub(
        r'<time datetime="[^"]+">[^<]+</time>',
        '<time datetime="2026-03-16T08:00:00+00:00">Monday 16 March 2026</time>',
        page,
    )
    path = demo / "valleyherald.example/news/wire-copy-20260316.html"
    path.write_text(page, encoding="utf-8")
    return {
        "page_id": "valleyherald-2026-03-16-wire-copy",
        "file": str(path.relative_to(demo)),
        "url": "https://valleyherald.example/news/wire-copy-20260316.html",
        "site": "valleyherald.example",
    }


def test_a_copy_in_another_template_a_day_later_joins_the_story(tmp_path):
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "data/demo", demo)
    (tmp_path / "sources.yaml").write_text(
        f"sources:\n  - name: demo\n    kind: manifest\n    path: {demo / 'manifest.jsonl'}\n",
        encoding="utf-8",
    )
    _run(tmp_path)
    night1 = _members(tmp_path)
    copies = [t for t in TRUTH if (t.get("syndication_group") or "").startswith("wire-2026-03-15")]
    assert len(copies) == 2
    story_id = night1[f"demo/{copies[0]['page_id']}"]
    assert night1[f"demo/{copies[1]['page_id']}"] == story_id

    row = _third_copy(demo, copies[0])
    with (demo / "manifest.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row) + "\n")
    _run(tmp_path)
    night2 = _members(tmp_path)
    assert night2[f"demo/{row['page_id']}"] == story_id
    assert {k: v for k, v in night2.items() if k in night1} == night1
    con = warehouse.open_published(tmp_path / "w.duckdb")
    try:
        story = con.execute(
            "SELECT members, sites, first_published, last_published, canonical_title "
            "FROM v_stories WHERE story_id = ?",
            [story_id],
        ).fetchall()[0]
    finally:
        con.close()
    members, sites, first, last, title = story
    assert members == 3 and sorted(sites) == sorted({c["site"] for c in copies} | {row["site"]})
    assert (str(first), str(last)) == ("2026-03-15", "2026-03-16")
    assert title == copies[0]["title"]
