from winnow.extract.html import (
    MAX_PRUNE_SHARE,
    chrome_elements,
    detect_language,
    drop_chrome_lines,
    drop_link_rows,
    extract_html,
    looks_like_listing,
    mostly_cards,
    read_metadata,
    second_opinion,
    teaser_card_texts,
)
from winnow.extract.text_pages import extract_text
from winnow.model import EMPTY_MODEL, SiteModel
from winnow.parse.fingerprint import text_fingerprint
from winnow.parse.segment import parse_html, segment_text, segment_tree

PARAS = [
    "The harbour council voted on Tuesday evening to rebuild the old stone pier, ending a "
    "debate that had divided the town for nearly a decade and filled many public meetings.",
    "Engineers told the council that the pier had been sinking by several centimetres each "
    "winter and that a storm like the one last year could break it apart entirely.",
    "Fishing crews who use the pier every morning welcomed the decision, though several said "
    "they worried about where they would land their catch while the work goes on.",
]
SIGNUP = "Subscribe to our newsletter for daily updates from the harbour"
MOST_READ = "Most read: Ferry timetable changes this weekend"
FOOTER = "Copyright Harbor Gazette. All rights reserved."
PROMO = (
    "Sign up for the Harbor Gazette morning briefing and get every local story in your "
    "inbox before breakfast."
)
CHROME = [SIGNUP, MOST_READ, FOOTER, PROMO, "Home Local Sport"]


def article_page():
    paras = (
        f"<p>{PARAS[0]}</p><p>{PARAS[1]}</p>"
        f'<div class="promo-box"><p>{PROMO}</p></div>'
        f"<p>{PARAS[2]}</p>"
    )
    return f"""<html lang="en-GB"><head>
<title>Council votes to rebuild pier | Harbor Gazette</title>
<meta property="og:title" content="Council votes to rebuild pier">
<meta name="author" content="Jane Marlow">
<meta property="article:published_time" content="2024-03-05T09:00:00Z">
</head><body>
<nav class="site-nav"><a href="/">Home</a> <a href="/local">Local</a> <a href="/s">Sport</a></nav>
<div class="signup"><p>{SIGNUP}</p></div>
<article><h1>Council votes to rebuild pier</h1>{paras}</article>
<aside class="most-read"><p>{MOST_READ}</p></aside>
<footer><p>{FOOTER}</p></footer>
</body></html>"""


MODEL = SiteModel(
    "harborgazette.example", 10, frozenset(text_fingerprint(t) for t in CHROME), frozenset()
)


def _parsed(html):
    tree = parse_html(html)
    return tree, segment_tree(tree)


def test_extract_html_drops_chrome_keeps_article():
    tree, blocks = _parsed(article_page())
    article = extract_html(tree, blocks, MODEL, url="https://harborgazette.example/pier")
    for para in PARAS:
        assert para in article.body
    for chrome in (SIGNUP, MOST_READ, FOOTER, PROMO):
        assert chrome not in article.body
    assert "Home" not in article.body
    assert article.blocks_removed >= 4


def test_extract_html_metadata():
    tree, blocks = _parsed(article_page())
    article = extract_html(tree, blocks, MODEL)
    assert article.title == "Council votes to rebuild pier"
    assert article.byline == "Jane Marlow"
    assert article.published_at == "2024-03-05"
    assert article.language == "en"  # from <html lang="en-GB">


def test_extract_html_with_empty_model_prunes_nothing():
    tree, blocks = _parsed(article_page())
    article = extract_html(tree, blocks, EMPTY_MODEL)
    assert article.blocks_removed == 0 and article.lines_removed == 0
    # Without a site model nothing is pruned; readability's second opinion may still trim.
    for para in PARAS:
        assert para in article.body


def test_chrome_elements_are_outermost_chrome_blocks():
    _, blocks = _parsed(article_page())
    removed = chrome_elements(blocks, MODEL)
    assert [b.tag for b in removed] == ["nav", "div", "div", "aside", "footer"]
    # The <div class=signup> is returned, not the <p> inside it.
    assert removed[1].tag_path == "body/div.signup"
    assert removed[2].tag_path == "body/article/div.promo-box"
    # The article mixes chrome and content: never removed as a whole.
    assert all(b.tag != "article" for b in removed)


def test_chrome_elements_never_removes_most_of_the_page():
    big = " ".join(PARAS)
    html = f"<html><body><div class=main><p>{big}</p></div><p>A short note.</p></body></html>"
    _, blocks = _parsed(html)
    wrong_model = SiteModel("x.example", 10, frozenset({text_fingerprint(big)}))
    assert chrome_elements(blocks, wrong_model) == []
    total = sum(b.n_chars for b in blocks)
    assert len(big) > MAX_PRUNE_SHARE * total

    small = "A short note."
    note_model = SiteModel("x.example", 10, frozenset({text_fingerprint(small)}))
    assert [b.text for b in chrome_elements(blocks, note_model)] == [small]


def test_chrome_elements_by_slot_signature():
    html = (
        f"<html><body><article><p>{PARAS[0]}</p></article>"
        '<aside class="promo"><p>Rotating offer nobody has seen before</p></aside></body></html>'
    )
    _, blocks = _parsed(html)
    aside_p = next(b for b in blocks if b.text.startswith("Rotating"))
    model = SiteModel("x.example", 10, frozenset({123}), frozenset({aside_p.signature}))
    assert [b.tag for b in chrome_elements(blocks, model)] == ["aside"]


def test_drop_chrome_lines():
    text = f"{PARAS[0]}\n{FOOTER}\n{PARAS[1]}"
    kept, removed = drop_chrome_lines(text, MODEL)
    assert kept == f"{PARAS[0]}\n{PARAS[1]}" and removed == 1
    assert drop_chrome_lines(text, EMPTY_MODEL) == (text, 0)


HEADLINES = [
    "Council approves new budget for schools",
    "Storm closes coastal road overnight",
    "Local bakery wins national award",
    "Ferry fares rise from next month",
    "Library reopens after long repair",
    "Harbour festival draws record crowds",
    "New bus route links the two villages",
    "Police appeal for witnesses after crash",
]
TEASERS = [
    "The plan adds funding for three primary schools in the district.",
    "Drivers are asked to use the inland route until the repairs are done.",
    "The family-run shop beat two hundred entries with its rye loaf.",
    "The operator blames fuel costs and a smaller winter timetable.",
    "Readers can borrow books again from Monday after two years of work.",
    "Organisers counted more visitors than in any year since it began.",
    "The service runs every hour and stops at the station and the market.",
    "Officers want to speak to anyone who saw the collision on Friday.",
]


def section_front():
    cards = "".join(
        f'<div class="card"><h3><a href="/story/{i}">{h}</a></h3><p>{t}</p></div>'
        for i, (h, t) in enumerate(zip(HEADLINES, TEASERS, strict=True))
    )
    return (
        '<html lang="en"><head><title>Local news | Harbor Gazette</title></head><body>'
        f'<h1>Local news</h1><div class="grid">{cards}</div></body></html>'
    )


def test_teaser_cards_are_detected():
    _, blocks = _parsed(section_front())
    cards = teaser_card_texts(blocks)
    assert cards == {text_fingerprint(t) for t in TEASERS}


def test_section_front_gets_empty_body():
    tree, blocks = _parsed(section_front())
    article = extract_html(tree, blocks, EMPTY_MODEL)
    assert article.body == ""


def test_article_paragraphs_are_not_cards():
    _, blocks = _parsed(article_page())
    cards = teaser_card_texts(blocks)
    assert not cards & {text_fingerprint(p) for p in PARAS}


def test_mostly_cards():
    cards = {text_fingerprint(t) for t in TEASERS}
    assert mostly_cards("\n".join(TEASERS[:4]), cards)
    assert not mostly_cards("\n".join(TEASERS[:2]), cards)  # fewer than three card lines
    assert not mostly_cards("\n".join(TEASERS[:3] + PARAS * 2), cards)


def test_looks_like_listing():
    links = {tuple(h.lower().split()[:5]) for h in HEADLINES}
    items = [f"- {h} with a one-line teaser after the link." for h in HEADLINES]
    assert looks_like_listing("\n".join(items), links)
    assert not looks_like_listing("\n".join(items[:4]), links)  # too few items
    long_para = " ".join(["word"] * 45)
    assert not looks_like_listing("\n".join([*items, long_para]), links)
    assert not looks_like_listing("\n".join(PARAS), links)
    # The same list whose items do not open with a link (quotes, facts) is an article's list.
    assert not looks_like_listing("\n".join(items), set())


def test_detect_language():
    assert detect_language("", "de-AT") == "de"
    assert detect_language("", " FR ") == "fr"
    assert detect_language("too short to tell", None) is None
    assert detect_language(" ".join(PARAS)) == "en"


TEXT_PAGE = f"""Harbor Gazette
Home | Local | Sport | Weather
Council votes to rebuild the old pier
By Jane Marlow
5 March 2024
{PARAS[0]}
{PROMO}
What happens next
{PARAS[1]}
Share this article
{FOOTER}
"""
TEXT_CHROME = ["Harbor Gazette", "Home | Local | Sport | Weather", "Share this article"]
TEXT_MODEL = SiteModel(
    "harborgazette.example",
    10,
    frozenset(text_fingerprint(t) for t in [*TEXT_CHROME, PROMO, FOOTER]),
)


def test_extract_text_drops_chrome_lines_keeps_paragraphs():
    article = extract_text(segment_text(TEXT_PAGE), TEXT_MODEL)
    assert article.body == f"{PARAS[0]}\nWhat happens next\n{PARAS[1]}"
    assert article.lines_removed == 5
    assert article.language == "en"


def test_extract_text_finds_title_byline_date_above_first_paragraph():
    article = extract_text(segment_text(TEXT_PAGE), TEXT_MODEL)
    assert article.title == "Council votes to rebuild the old pier"
    assert article.byline == "Jane Marlow"
    assert article.published_at == "2024-03-05"


def test_extract_text_without_model_keeps_paragraph_like_chrome():
    article = extract_text(segment_text(TEXT_PAGE), EMPTY_MODEL)
    assert PROMO in article.body and FOOTER in article.body
    assert "Home | Local" not in article.body  # short lines before the first paragraph
    assert article.lines_removed == 0


def test_extract_text_title_may_be_a_chrome_line():
    page = "Pier to be rebuilt\nBy Jane Marlow\n" + PARAS[0] + "\n"
    model = SiteModel("x.example", 10, frozenset({text_fingerprint("Pier to be rebuilt")}))
    article = extract_text(segment_text(page), model)
    assert article.title == "Pier to be rebuilt"
    assert article.body == PARAS[0]


def test_extract_text_iso_and_us_dates():
    for line, iso in (("2024-05-02", "2024-05-02"), ("May 2, 2024", "2024-05-02")):
        article = extract_text(segment_text(f"Road closed\n{line}\n{PARAS[0]}"))
        assert article.published_at == iso
        assert article.title == "Road closed"


def test_extract_text_without_paragraphs_is_empty():
    article = extract_text(segment_text("Menu\nHome\nContact us"), EMPTY_MODEL)
    assert article.body == "" and article.title is None


def test_drop_link_rows_keeps_data_tables():
    html = (
        "<html><body><table><tr><td><a href='/p'>Print This</a></td>"
        "<td><a href='/e'>E-mail This</a></td></tr></table>"
        "<table><tr><td>Top Stories</td><td></td></tr></table>"
        "<table><tr><td>Pos</td><td>Player</td><td>Points</td></tr>"
        "<tr><td>1</td><td>Kyle Busch</td><td>5040</td></tr></table></body></html>"
    )
    blocks = segment_tree(parse_html(html))
    body = "\n".join(
        [
            "| Print This | E-mail This |",
            "| Top Stories |  |",
            "| Pos | Player | Points |",
            "| 1 | Kyle Busch | 5040 |",
            "|  |  |",
            "An ordinary paragraph stays.",
        ]
    )
    kept = drop_link_rows(body, blocks).split("\n")
    assert kept == [
        "| Pos | Player | Points |",
        "| 1 | Kyle Busch | 5040 |",
        "An ordinary paragraph stays.",
    ]


def _article_page(extra: str = "") -> str:
    paras = "".join(f"<p>{p}</p>" for p in PARAS * 3)
    return (
        "<html><body><div id='content'><article class='story'>"
        f"{paras}</article></div>{extra}</body></html>"
    )


def test_second_opinion_trims_furniture_readability_leaves_out():
    furniture = " ".join(
        f"Reader favourite number {i} about the ferry timetable and the harbour works."
        for i in range(12)
    )
    body = "\n".join([*PARAS * 3, furniture])
    trimmed = second_opinion(body, parse_html(_article_page()))
    assert "Reader favourite" not in trimmed
    assert all(p in trimmed for p in PARAS)


def test_second_opinion_keeps_ours_when_readability_disagrees():
    body = "\n".join(PARAS)
    other = "<html><body><article>" + "<p>Entirely different text here.</p>" * 30
    assert second_opinion(body, parse_html(other + "</article></body></html>")) == body
    assert second_opinion("", parse_html(_article_page())) == ""


def _dated_page(dateline: str) -> str:
    return (
        "<html><head><title>Harbour pier</title></head><body><h1>Harbour pier</h1>"
        f"{dateline}<p>{PARAS[0]}</p><p>{PARAS[1]}</p></body></html>"
    )


def test_metadata_date_from_meta_tags_and_from_free_text():
    meta_tag = '<meta property="article:published_time" content="2021-03-03T10:00:00Z">'
    assert read_metadata(parse_html(_dated_page(meta_tag)), None).date == "2021-03-03"
    # only htmldate's extensive search (dateparser over text segments) finds these
    for dateline in (
        "<p>Posted on 3rd of March, 2021 by the desk.</p>",
        "<p>Veröffentlicht am 3. März 2021</p>",
    ):
        assert read_metadata(parse_html(_dated_page(dateline)), None).date == "2021-03-03"
    assert read_metadata(parse_html(_dated_page("")), None).date is None
