"""Text pages (a copy of a page's visible text): the article comes out, the rails do not."""

import pytest

from winnow.extract.engine import extract_articles, meta_frame
from winnow.extract.metadata import PageMeta
from winnow.model.site import site_stats
from winnow.parse.blocks import text_dom
from winnow.parse.frames import blocks_frame, elements_frame

ARTICLE = [
    "The harbour council voted on Tuesday evening to rebuild the old stone pier, ending a "
    "debate that has divided the town for more than a decade.",
    "Councillors approved a budget of four million pounds, most of it from a regional fund "
    "for coastal towns, and work is expected to start in the spring.",
    "Local fishermen welcomed the decision but asked for a temporary landing stage while the "
    "works go on, so that the boats can still unload their catch.",
    "The mayor said the new pier would be open to walkers by the end of next summer.",
]
TEASERS = [
    (
        "Storm closes coastal road for the second time this week",
        "Drivers were told to expect "
        "long diversions while crews cleared fallen rocks from the carriageway near the cliffs.",
    ),
    (
        "School wins national robotics prize",
        "Pupils built a machine that sorts plastic waste "
        "from beach litter, impressing the judges at the final in Birmingham.",
    ),
    (
        "New ferry timetable announced for the islands",
        "Crossings will run every two hours "
        "during the summer season, the operator confirmed on Friday afternoon.",
    ),
]


def _rail_doubled() -> list[str]:
    """ "Top Stories": each headline printed twice, a summary, a "5h ago" line; the rail twice."""
    rail = ["Top Stories"]
    for i, (headline, summary) in enumerate(TEASERS):
        rail += [headline, headline, summary, f"{i + 2}h ago"]
    return rail + rail


def _video_rail() -> list[str]:
    lines = ["Most Watched"]
    for i, (headline, _) in enumerate(TEASERS):
        lines += [f"Video: {headline}", f"{i + 1}:{i + 3}4"]
    return lines


HEAD = ["Pier to be rebuilt after decade of debate", "By Jane Roe", "March 3, 2024"]
SHAPES = {
    "rails after": HEAD + ARTICLE + _rail_doubled() + _video_rail(),
    "rails before": ["Menu", "Sign in"] + _rail_doubled() + HEAD + ARTICLE + _video_rail(),
    "rail between paragraphs": HEAD + ARTICLE[:2] + _video_rail() + ARTICLE[2:],
    "footer": HEAD + ARTICLE + ["Submit a Correction", "Contact us", "© 2024 Harbor Gazette"],
}


def _extract(lines: list[str], page_id: str = "p") -> object:
    pages = [(page_id, "harbor.example", text_dom("\n".join(lines)))]
    blocks, elements = blocks_frame(pages), elements_frame(pages)
    metas = meta_frame([(page_id, "txt", None, PageMeta())])
    return extract_articles(blocks, elements, metas, site_stats(blocks))[page_id]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_single_text_page_keeps_article_and_drops_rails(shape):
    article = _extract(SHAPES[shape])
    expected = ARTICLE if shape != "rail between paragraphs" else ARTICLE
    for paragraph in expected[:2]:
        assert paragraph in article.body
    for headline, summary in TEASERS:
        assert headline not in article.body
        assert summary not in article.body
    for chrome in ("Top Stories", "Most Watched", "5h ago", "Submit a Correction", "© 2024"):
        assert chrome not in article.body
    assert article.has_article


@pytest.mark.parametrize("shape", ["rails after", "rails before", "footer"])
def test_text_page_head(shape):
    article = _extract(SHAPES[shape])
    assert article.title == HEAD[0]
    assert article.byline == "Jane Roe"
    assert article.published_at == "2024-03-03"
    assert article.body.split("\n") == ARTICLE


def test_text_page_of_only_chrome_has_no_article():
    article = _extract(_rail_doubled() + _video_rail())
    assert not article.has_article


def test_site_model_drops_lines_repeated_across_pages():
    promo = "Subscribe today and get your first three months of the Gazette for just one pound."
    pages = []
    for key in "abcd":  # letters: digits are folded in fingerprints
        paragraphs = [f"({key}) {a}" for a in ARTICLE[1:]]
        lines = HEAD + [f"Story {key}: " + ARTICLE[0], promo] + paragraphs
        pages.append((key, "harbor.example", text_dom("\n".join(lines))))
    blocks, elements = blocks_frame(pages), elements_frame(pages)
    metas = meta_frame([(pid, "txt", None, PageMeta()) for pid, _, _ in pages])
    articles = extract_articles(blocks, elements, metas, site_stats(blocks))
    for pid, _, _ in pages:
        assert promo not in articles[pid].body
        assert f"({pid}) {ARTICLE[1]}" in articles[pid].body


TITLE = HEAD[0]
MASTHEAD = ["The Harbor Gazette", "News | Sport | Business | Opinion | Weather | Subscribe"]
STANDFIRST = (
    "Councillors back a four million pound plan that ends years of argument over the town's "
    "crumbling harbour wall."
)
_RAIL = _rail_doubled()
# (lines above the article, expected byline, expected date, standfirst kept in the body)
LAYOUTS = {
    "masthead, menu, byline, dateline, rails": (
        MASTHEAD + [TITLE, "By Jane Roe", "March 3, 2024"],
        "Jane Roe",
        "2024-03-03",
    ),
    "byline after the date": (
        MASTHEAD + [TITLE, "Published 3 March 2024", "By Jane Roe"],
        "Jane Roe",
        "2024-03-03",
    ),
    "no byline": (MASTHEAD + [TITLE, "2024-03-03"], None, "2024-03-03"),
    "no byline, no date": (MASTHEAD + [TITLE], None, None),
    "date with weekday and time": (
        MASTHEAD + [TITLE, "By Jane Roe", "Sun 3 Mar 2024 10.42 GMT"],
        "Jane Roe",
        "2024-03-03",
    ),
    "updated date with a time": (
        MASTHEAD + [TITLE, "By Jane Roe", "Updated March 3, 2024 at 5:00 p.m. ET"],
        "Jane Roe",
        "2024-03-03",
    ),
    "abbreviated month ending like a sentence": (
        MASTHEAD + [TITLE, "By Jane Roe", "Mar. 3, 2024 10:42 a.m."],
        "Jane Roe",
        "2024-03-03",
    ),
    "numeric day-first date": (
        MASTHEAD + [TITLE, "By Jane Roe", "25/12/2023"],
        "Jane Roe",
        "2023-12-25",
    ),
    "German": (MASTHEAD + [TITLE, "Von Jane Roe", "3. März 2024"], "Jane Roe", "2024-03-03"),
    "byline and date on one line": (
        MASTHEAD + [TITLE, "By Jane Roe | March 3, 2024"],
        "Jane Roe",
        "2024-03-03",
    ),
    "two authors, rails before": (
        MASTHEAD + _RAIL + [TITLE, "By Jane Roe and John Doe", "March 3, 2024"],
        "Jane Roe and John Doe",
        "2024-03-03",
    ),
    "share and reading-time lines": (
        MASTHEAD
        + [TITLE, "By Jane Roe", "March 3, 2024", "Share", "Listen to this article", "3 min read"],
        "Jane Roe",
        "2024-03-03",
    ),
    "headline repeated in a rail above": (
        MASTHEAD
        + ["Top Stories", TITLE, TEASERS[0][0], TEASERS[1][0], "Most Read"]
        + [TITLE, "By Jane Roe", "March 3, 2024"],
        "Jane Roe",
        "2024-03-03",
    ),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_text_page_layouts_keep_title_byline_and_date(layout):
    above, byline, date = LAYOUTS[layout]
    article = _extract(above + ARTICLE + _RAIL + ["Top Stories", TITLE, "2h ago"])
    assert article.title == TITLE
    assert article.byline == byline
    assert article.published_at == date
    assert article.body.split("\n") == ARTICLE


def test_standfirst_stays_in_the_body_and_the_byline_below_it_does_not():
    lines = MASTHEAD + [TITLE, STANDFIRST, "By Jane Roe", "March 3, 2024"] + ARTICLE + _RAIL
    article = _extract(lines)
    assert (article.title, article.byline, article.published_at) == (
        TITLE,
        "Jane Roe",
        "2024-03-03",
    )
    assert article.body.split("\n") == [STANDFIRST, *ARTICLE]


def test_sentences_that_start_with_by_or_hold_a_date_stay_prose():
    prose = [
        "By the time the council met on Tuesday, the harbour wall had already begun to crack.",
        "The council met on March 3, 2024 to vote on the plan, which passed by nine to two.",
    ]
    article = _extract(MASTHEAD + [TITLE, "By Jane Roe", "March 3, 2024"] + prose + ARTICLE)
    assert article.body.split("\n") == prose + ARTICLE
    assert article.byline == "Jane Roe" and article.published_at == "2024-03-03"
