from winnow.parse.blocks import paths, text_dom, walk
from winnow.parse.fingerprint import structural_signature, text_fingerprint
from winnow.parse.frames import blocks_frame, elements_frame
from winnow.parse.html import body_dom, parse_html

PAGE = """<html lang="en"><head><title>Pier</title><style>.hidden { color: red }</style>
<script type="application/ld+json">{"@type": "NewsArticle"}</script></head>
<body>
<div class="top-nav main"><a href="/">Home</a> <a href="/local">Local</a> | Menu</div>
<nav><a href="/">Site menu</a></nav>
<div class="story">Lead text<p>First <b>bold</b>word and <a href="/x">link</a> here.<br>
After break</p>
<script>var secret = "do not show";</script>
<p class="c2 x99">Second paragraph</p>tail text<img src="x.jpg"></div>
<button>Share</button><select><option>Pick one</option></select>
<footer><p>Copyright footer</p></footer>
</body></html>"""


def _dom(html=PAGE):
    return body_dom(parse_html(html))


def test_blocks_in_reading_order_without_duplicates():
    # Text between nested blocks is its own block, in place: "Lead" before, "tail" after.
    assert _dom().text == [
        "Home Local | Menu",
        "Lead text",
        "First boldword and link here.\nAfter break",
        "Second paragraph",
        "tail text",
    ]


def test_skipped_subtrees_never_become_text():
    text = " ".join(_dom().text)
    for hidden in (
        "do not show",
        "color: red",
        "Share",
        "Pick one",
        "NewsArticle",
        "Site menu",
        "footer",
    ):
        assert hidden not in text


def test_owner_elements_and_ranges():
    dom = _dom()
    tags = [dom.tag[o] for o in dom.owner]
    assert tags == ["div", "div", "p", "p", "div"]
    story = dom.owner[1]
    assert dom.words[story] == "story"
    # the story div's blocks are the contiguous range [first_block, end_block)
    assert dom.text[dom.first_block[story] : dom.end_block[story]][0] == "Lead text"
    assert dom.end_block[story] == 5
    assert dom.images[story] == 1
    for child in (dom.owner[2], dom.owner[3]):
        assert dom.parent[child] == story and dom.depth[child] == dom.depth[story] + 1


def test_link_characters_counted():
    dom = _dom()
    assert dom.link_chars[0] == len("Home") + len("Local")
    assert dom.links[0] == 2 and dom.links[2] == 1
    assert dom.link_chars[3] == 0


def test_tag_paths_carry_classes():
    dom = _dom()
    found = paths(dom, dom.owner)
    assert found[0] == "body/div.top-nav.main"
    assert found[3] == "body/div.story/p.c2.x99"


def test_hidden_elements_marked():
    dom = _dom('<body><div hidden><p>a</p></div><div style="display: none">b</div><p>c</p></body>')
    hidden = [dom.hidden[o] for o in dom.owner]
    assert hidden == [True, True, False]


def test_page_without_body_or_text():
    assert _dom("").text == []
    assert _dom("<html><body></body></html>").tag == ["body"]


def test_text_dom_lines():
    dom = text_dom("Headline\n\n  A  line  \nAnother\n")
    assert dom.text == ["Headline", "A line", "Another"]
    assert dom.end_block[0] == 3 and all(dom.parent[o] == 0 for o in dom.owner)


def test_frames_carry_fingerprints_and_signatures():
    pages = [("a", "x.example", _dom()), ("b", "x.example", walk(parse_html("<p>x</p>").body))]
    blocks, elements = blocks_frame(pages), elements_frame(pages)
    assert blocks.height == 6 and elements["page_id"].unique(maintain_order=True).to_list() == [
        "a",
        "b",
    ]
    for text, fingerprint in zip(blocks["text"], blocks["fingerprint"], strict=True):
        assert fingerprint == text_fingerprint(text)
    assert blocks["signature"][3] == structural_signature("body/div.story/p.c2.x99")


def test_signature_folds_digit_classes():
    one = _dom('<body><div class="slot-1"><p>One</p></div></body>')
    two = _dom('<body><div class="slot-2"><p>Two</p></div></body>')
    s1 = blocks_frame([("a", None, one)])["signature"][0]
    s2 = blocks_frame([("b", None, two)])["signature"][0]
    assert s1 == s2
