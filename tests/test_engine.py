"""The HTML engine end to end with the shipped model: one parse, block decisions, assembly."""

from __future__ import annotations

import json

from winnow.extract.engine import Article
from winnow.pipeline import LoadedPage, extract_pages

PARAGRAPHS = [
    "The harbour council voted on Tuesday evening to rebuild the old stone pier, ending a "
    "debate that has divided the town for more than a decade and cost two mayors their seats.",
    "Councillors approved a budget of four million pounds, most of it from a regional fund for "
    "coastal towns, and work is expected to start in the spring once the fishing season ends.",
    "Local fishermen welcomed the decision but asked for a temporary landing stage while the "
    "works go on, so that the boats can still unload their catch every morning at dawn.",
    "The mayor said the new pier would be open to walkers by the end of next summer, with "
    "benches, lights and a small museum about the herring fleet that once filled the harbour.",
]
COMMENTS = [
    "Great news, it was about time somebody did something about that dangerous old pier!",
    "I have lived here for forty years and I still think the money should go to the schools.",
]
RELATED = ["Storm closes coastal road again", "School wins robotics prize", "Ferry timetable"]


def news_page(
    paragraphs: list[str] = PARAGRAPHS,
    title: str = "Pier to be rebuilt after decade of debate",
    rail: list[str] | None = None,
) -> str:
    rail_html = "".join(f"<li><p>{t}</p></li>" for t in rail or [])
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": "2024-03-05T10:00:00Z",
        "author": {"@type": "Person", "name": "Jane Roe"},
    }
    return f"""<!doctype html><html lang="en"><head><title>{title} | Harbor Gazette</title>
<script type="application/ld+json">{json.dumps(ld)}</script></head><body>
<div class="cookie-banner"><p>We use cookies to improve your experience on our site.</p></div>
<header class="site-header"><nav class="main-nav"><ul><li><a href="/">Home</a></li>
<li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article class="article"><h1 class="headline">{title}</h1>
<div class="byline">By Jane Roe</div>
<div class="article-body">{"".join(f"<p>{p}</p>" for p in paragraphs)}</div>
<aside class="related"><h3>Related</h3><ul>
{"".join(f'<li><a href="/r{i}">{t}</a></li>' for i, t in enumerate(RELATED))}</ul></aside>
</article>
<section class="top-stories"><h2>Top Stories</h2><ul>{rail_html}</ul></section>
<section id="comments" class="comments"><h2>Comments</h2>
{"".join(f'<div class="comment"><p>{c}</p></div>' for c in COMMENTS)}</section></main>
<footer class="site-footer"><p>Copyright © 2026 Harbor Gazette. All rights reserved.</p>
<p><a href="/about">About</a> | <a href="/contact">Contact</a></p></footer></body></html>"""


def _page(page_id: str, html: str, site: str = "harborgazette.example") -> LoadedPage:
    raw = html.encode("utf-8")
    url = f"https://{site}/news/{page_id}"
    return LoadedPage(page_id, "test", url, url, site, "html", raw, "h", "utf-8", "ok")


def _article(html: str) -> Article:
    return extract_pages([_page("one", html)])["one"]


def test_article_kept_and_furniture_dropped():
    article = _article(news_page())
    for paragraph in PARAGRAPHS:
        assert paragraph in article.body
    for chrome in (*COMMENTS, *RELATED, "cookies", "Copyright", "Home", "Top Stories"):
        assert chrome not in article.body
    assert article.has_article and article.n_words > 100


def test_metadata_from_the_same_tree():
    article = _article(news_page())
    assert article.title == "Pier to be rebuilt after decade of debate"
    assert article.byline == "Jane Roe"
    assert article.published_at == "2024-03-05"
    assert article.language == "en"


def test_markdown_keeps_structure():
    html = news_page(paragraphs=PARAGRAPHS[:2]).replace(
        "</div>\n<aside",
        "<h2>What happens next</h2><ul><li>Survey in April, costing the council very little.</li>"
        "<li>Works from May, paid for by the regional coastal fund.</li></ul>"
        "<blockquote><p>It is a great day for the harbour and for everyone who loves it.</p>"
        "</blockquote></div>\n<aside",
        1,
    )
    article = _article(html)
    assert "## What happens next" in article.markdown
    assert "- Survey in April" in article.markdown
    assert "> It is a great day" in article.markdown
    assert article.markdown.index(PARAGRAPHS[0][:30]) < article.markdown.index("## What")


def test_section_front_has_no_article():
    links = "".join(
        f'<li class="card"><a href="/n{i}"><h3>Headline number {i} about the town</h3></a>'
        f"<span>2h ago</span></li>"
        for i in range(30)
    )
    html = f"<html><body><div class='menu'><a href='/'>Home</a></div><ul>{links}</ul></body></html>"
    assert not _article(html).has_article


def test_german_page():
    paragraphs = [
        "Der Gemeinderat hat am Dienstagabend beschlossen, den alten Steinsteg im Hafen neu zu "
        "bauen, und damit einen Streit beendet, der die Stadt seit mehr als zehn Jahren spaltet.",
        "Die Fischer begrüßten die Entscheidung, verlangten aber eine provisorische Anlegestelle, "
        "damit die Boote während der Bauarbeiten weiterhin ihren Fang entladen können.",
        "Nach Angaben der Bürgermeisterin soll der neue Steg bis zum Ende des nächsten Sommers "
        "für Spaziergänger geöffnet werden, mit Bänken, Laternen und einem kleinen Museum.",
    ]
    html = news_page(paragraphs, title="Neuer Steg für den Hafen").replace('lang="en"', 'lang="de"')
    article = _article(html)
    for paragraph in paragraphs:
        assert paragraph in article.body
    assert article.language == "de"


def test_site_model_drops_a_rail_of_article_like_sentences():
    rail = [
        "Storm closes the coastal road for the second time this week, and drivers were told to "
        "expect long diversions while crews cleared fallen rocks from the carriageway.",
        "Pupils from the harbour school built a machine that sorts plastic waste from beach "
        "litter, and it impressed the judges at the national final in Birmingham.",
    ]
    pages = []
    for n in range(6):
        paragraphs = [f"Story {chr(97 + n)}: {p}" for p in PARAGRAPHS]
        pages.append(_page(f"p{n}", news_page(paragraphs, title=f"Story {chr(97 + n)}", rail=rail)))
    articles = extract_pages(pages)
    for n in range(6):
        body = articles[f"p{n}"].body
        assert f"Story {chr(97 + n)}: {PARAGRAPHS[1]}" in body
        for teaser in rail:
            assert teaser not in body


def test_a_never_closed_title_does_not_swallow_the_page():
    """lexbor reads everything after an unclosed ``<title>`` as title text (so would a browser);
    the page is parsed again with the title closed, and the article comes out."""
    from winnow.parse.html import repair_open_title

    html = news_page().replace("</title>", '</titlevalue="true" -->', 1)
    article = _article(html)
    assert article.has_article
    for paragraph in PARAGRAPHS:
        assert paragraph in article.body
    assert repair_open_title(news_page()) is None  # a closed title is left alone


def test_a_weak_page_keeps_its_best_blocks():
    """Below the threshold everywhere, a page still keeps the blocks near its best belief; a
    page with a block above the threshold, with nothing above the floor, or whose best blocks
    are too short to be prose (teasers), is decided as before."""
    from types import SimpleNamespace

    import numpy as np

    from winnow.extract.classifier import default_classifier

    b = SimpleNamespace(
        page=np.array([0, 0, 0, 1, 1, 2, 2, 3, 3]),
        page_first=np.array([0, 3, 5, 7]),
        chars=np.array([400, 400, 30, 40, 400, 400, 400, 120, 100]),
    )
    p = np.array([0.40, 0.30, 0.01, 0.90, 0.20, 0.02, 0.01, 0.40, 0.35])
    keep = default_classifier().decide(b, p)
    assert keep.tolist() == [True, True, False, True, False, False, False, False, False]
