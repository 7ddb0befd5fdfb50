import pytest

from winnow.extract.metadata import (
    PageMeta,
    choose_title,
    clean_byline,
    clean_title,
    parse_date,
    read_metadata,
    visible_date,
)
from winnow.parse.html import parse_html

JSONLD = """<html lang="de-DE"><head><title>Pier to be rebuilt | Harbor Gazette</title>
<meta property="og:site_name" content="Harbor Gazette">
<meta property="article:published_time" content="2024-01-09T08:00:00Z">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Harbor Gazette"},
  {"@type": ["NewsArticle"], "headline": "Pier to be rebuilt",
   "datePublished": "2024-03-05T10:00:00+01:00",
   "author": [{"@type": "Person", "name": "Jane Roe"},
              {"@type": "Person", "name": "Max Mustermann"}]}
]}
</script></head><body><h1>Pier to be rebuilt</h1><p>Text.</p>
<footer>Copyright © 2026 Harbor Gazette</footer></body></html>"""

META_ONLY = """<html><head><title>Council votes - Valley Herald</title>
<meta name="author" content="By John Smith">
<meta name="date" content="2023/11/02">
<meta http-equiv="content-language" content="fr"></head>
<body><h1>Council votes on the budget</h1><time datetime="2020-01-01">old</time></body></html>"""


def test_json_ld_article_wins():
    meta = read_metadata(parse_html(JSONLD), "https://harborgazette.example/pier")
    assert meta.declared_title == "Pier to be rebuilt"
    assert meta.byline == "Jane Roe; Max Mustermann"
    assert meta.date == "2024-03-05"  # JSON-LD before the meta tag
    assert meta.language == "de"
    assert meta.site_name == "Harbor Gazette"


def test_meta_tags_when_no_json_ld():
    meta = read_metadata(parse_html(META_ONLY))
    assert meta.declared_title == "Council votes"  # site suffix cut
    assert meta.byline == "John Smith"
    assert meta.date == "2023-11-02"  # the meta date, not the later <time>
    assert meta.language == "fr"


def test_time_element_and_url_date():
    html = '<html><body><time datetime="2022-06-30T12:00">June</time></body></html>'
    assert read_metadata(parse_html(html)).date == "2022-06-30"
    bare = "<html><body><p>No date here</p></body></html>"
    meta = read_metadata(parse_html(bare), "https://x.example/news/2021/04/07/story.html")
    assert meta.date == "2021-04-07"


def test_copyright_line_is_never_the_date():
    html = "<html><body><h1>Section front</h1><p>Copyright © 2026 Example Media</p></body></html>"
    assert read_metadata(parse_html(html)).date is None
    assert visible_date(["Section front", "Copyright © 2026 Example Media, 3 May 2026"], 0) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T10:00:00+01:00", "2024-03-05"),
        ("2023/11/02", "2023-11-02"),
        ("05.03.2024", "2024-03-05"),
        ("Updated August 14, 2025", "2025-08-14"),
        ("3. März 2024", "2024-03-03"),
        ("12 janvier 2023", "2023-01-12"),
        ("2024-02-31", None),
        ("Room 12, floor 3", None),
        ("1890-01-01", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_visible_date_after_headline():
    lines = ["Menu", "Headline of the story", "By Jane Roe", "March 3, 2024", "Body text."]
    assert visible_date(lines, 1) == "2024-03-03"


def test_titles():
    assert clean_title("Headline here | Site", "Site") == "Headline here"
    assert clean_title("Site - A much longer headline of the story") == (
        "A much longer headline of the story"
    )
    meta = PageMeta(declared_title="Pier to be rebuilt")
    longer = "Pier to be rebuilt after storm"
    assert choose_title(meta, [longer]) == longer
    assert choose_title(meta, ["Weather"]) == "Pier to be rebuilt"
    assert choose_title(PageMeta(), ["Only an h1"]) == "Only an h1"


def test_bylines():
    assert clean_byline("By  Jane Roe ") == "Jane Roe"
    assert clean_byline("von Max Mustermann") == "Max Mustermann"
    assert clean_byline("https://example.com/authors/jane") is None
    assert clean_byline("x" * 200) is None


def test_broken_json_ld_is_ignored():
    html = '<html><head><script type="application/ld+json">{not json</script></head></html>'
    assert read_metadata(parse_html(html)) == PageMeta()
