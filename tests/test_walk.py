"""The compiled block walk gives exactly the Python walk's blocks and elements."""

import gzip
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from winnow.parse import html
from winnow.parse.blocks import walk as python_walk
from winnow.parse.decode import decode

DATASETS = Path(
    os.environ.get("WINNOW_DATASETS") or Path(__file__).parents[2] / "shared" / "datasets"
)
if not DATASETS.is_dir():
    DATASETS = Path("/work/shared/datasets")

TRICKY = {
    "links and breaks": "<p>Lead <a href=x>linked <b>bold</b></a> tail<br>next line<br/><br></p>",
    "block in a link": "<a href=x><div>inside</div> after <p>para</p></a> out",
    "skipped inside text": "<p>foo<script>var x = 1;</script>bar<style>p{}</style> baz</p>",
    "skipped blocks": "<nav><p>menu</p></nav><div>kept<footer>foot</footer></div><footer>f",
    "forms and media": "<p>a<select><option>o</select>b<button>go</button><textarea>t</textarea>c"
    "<video><p>v</p></video><svg><text>s</text></svg><math><mi>x</mi></math>d</p>",
    "template and noscript": "<div><template><p>tpl</p></template><noscript>ns</noscript>x</div>",
    "attributes": '<div class="a b" id=main role=main itemprop=articleBody><p class>e</p>'
    '<p hidden>h</p><p aria-hidden="true">ah</p><p aria-hidden=false>v</p>'
    '<p style="color:red; DISPLAY : none">s</p><p style="visibility:hidden">vh</p>'
    '<p CLASS="Upper" data-x="1">u</p><p class="">empty</p></div>',
    "hiding inherited": "<div hidden><section><p>deep</p></section></div><p>shown</p>",
    "images": "<div><img src=a><span><img src=b></span><p>t</p></div><div><img src=c></div>",
    "empty elements": "<div><div></div><ul><li> </li></ul><p>\n  </p></div><p>real</p>",
    "comments and unknown tags": "<div><!-- c --><my-widget>w<x-y>xy</x-y></my-widget></div>",
    "tables": "<table><tr><td>a</td><td>b <a>l</a></td></tr></table><dl><dt>t<dd>d</dl>",
    "whitespace": "<p>\u00a0\u2003 </p><p>  spaced \n\t words\u00a0here </p><pre>a\n b</pre>",
    "entities and scripts": "<p>caf&eacute; &amp; &lt;tag&gt; \u65e5\u672c\u8a9e \U0001f600</p>",
    "no body content": "",
    "text only": "just text, no elements",
    "deep": "<div>" * 3000 + "<p>bottom</p>" + "</div>" * 3000 + "<p>after</p>",
    "unclosed": "<div><p>one<p>two<li>three<div>four",
    "headings": "<h1>Title</h1><header><h2>sub</h2></header><main><article><p>x</p></article>",
}


def _same(text: str | bytes) -> None:
    compiled = html.compiled_walk(LexborHTMLParser(text).body)
    expected = python_walk(html.strip_skipped(LexborHTMLParser(text)).body)
    assert asdict(compiled) == asdict(expected)


@pytest.fixture(scope="module", autouse=True)
def built():
    """The compiled walk as ``make setup`` builds it (built here when a checkout skipped it)."""
    if html.compiled_walk is not None:
        yield
        return
    if not any(shutil.which(c) for c in ("cc", "gcc", "clang")):
        pytest.skip("no C compiler: the compiled walk cannot be built here")
    from winnow.parse import build_walk

    build_walk.build()
    from winnow.parse._walk import walk

    html.compiled_walk = walk
    yield
    html.compiled_walk = None


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_markup(name):
    _same(f"<html><head><title>t</title></head><body>{TRICKY[name]}</body></html>")


def test_invalid_utf8_bytes_become_replacement_characters():
    _same(b"<p class='\xff\xfe'>bad \xc3\x28 bytes \xe2\x82</p><p>fine</p>")


def test_body_dom_uses_it_and_matches_on_shared_pages():
    """Every tenth page of the shared sets (HTML ones): identical PageDoms."""
    if not DATASETS.is_dir():
        pytest.skip(f"shared datasets not found at {DATASETS}")
    checked = 0
    for manifest in sorted(DATASETS.glob("*/manifest.jsonl")):
        for number, line in enumerate(manifest.read_text().splitlines()):
            row = json.loads(line)
            path = manifest.parent / row["file"]
            if number % 10 or ".txt" in path.name or not path.is_file():
                continue
            raw = path.read_bytes()
            text = decode(gzip.decompress(raw) if path.suffix == ".gz" else raw)[0]
            assert asdict(html.body_dom(LexborHTMLParser(text))) == asdict(
                python_walk(
                    html.strip_skipped(LexborHTMLParser(text)).body
                    or LexborHTMLParser("<body></body>").body
                )
            ), f"{manifest.parent.name}/{row['page_id']}"
            checked += 1
    assert checked > 100
