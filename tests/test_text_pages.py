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
