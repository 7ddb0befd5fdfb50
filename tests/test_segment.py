from winnow.parse.fingerprint import structural_signature, text_fingerprint
from winnow.parse.segment import parse_html, segment_text, segment_tree, text_blocks

PAGE = """<html lang="en"><head><title>Pier</title><style>.hidden { color: red }</style></head>
<body>
<nav class="top-nav main"><a href="/">Home</a> <a href="/local">Local</a> | Menu</nav>
<div class="story">Lead text<p>First <b>bold</b>word and <a href="/x">link</a> here.<br>
After break</p>
<script>var secret = "do not show";</script>
<p class="c2 x99">Second paragraph</p>tail text</div>
</body></html>"""


def _blocks(html=PAGE):
    return segment_tree(parse_html(html))


def _by_text(blocks):
    return {b.text: b for b in blocks if b.text}


def test_block_texts_in_document_order():
    texts = [b.text for b in _blocks() if b.text]
    assert texts == [
        "Home Local | Menu",
        "Lead text tail text",
        "First boldword and link here. After break",
        "Second paragraph",
    ]


def test_parent_indexes_and_depth():
    blocks = _blocks()
    assert [b.index for b in blocks] == list(range(len(blocks)))
    body = blocks[0]
    assert body.tag == "body" and body.parent == -1 and body.depth == 0
    by_text = _by_text(blocks)
    nav, story = by_text["Home Local | Menu"], by_text["Lead text tail text"]
    first, second = (
        by_text["First boldword and link here. After break"],
        by_text["Second paragraph"],
    )
    assert nav.parent == body.index and story.parent == body.index
    assert first.parent == story.index and second.parent == story.index
    assert first.depth == story.depth + 1


def test_tag_paths_carry_classes():
    by_text = _by_text(_blocks())
    assert by_text["Home Local | Menu"].tag_path == "body/nav.top-nav.main"
    assert by_text["Lead text tail text"].tag_path == "body/div.story"
    assert by_text["Second paragraph"].tag_path == "body/div.story/p.c2.x99"
    first = by_text["First boldword and link here. After break"]
    assert first.tag_path == "body/div.story/p"
    assert first.signature == structural_signature("body/div.story/p")


def test_signature_folds_digit_classes():
    a = _by_text(_blocks('<html><body><div class="slot-1"><p>One</p></div></body></html>'))
    b = _by_text(_blocks('<html><body><div class="slot-2"><p>Two</p></div></body></html>'))
    assert a["One"].signature == b["Two"].signature


def test_link_density_of_nav():
    by_text = _by_text(_blocks())
    nav = by_text["Home Local | Menu"]
    assert nav.n_chars == len("Home Local | Menu")
    assert nav.link_chars == len("Home") + len("Local")
    assert nav.link_density == (len("Home") + len("Local")) / len("Home Local | Menu")
    assert by_text["Second paragraph"].link_density == 0.0
    first = by_text["First boldword and link here. After break"]
    assert 0 < first.link_density < 0.2


def test_script_and_style_text_excluded():
    joined = " ".join(b.text for b in _blocks())
    assert "secret" not in joined
    assert "color" not in joined
    assert "Pier" not in joined  # the <head> title is not a body block


def test_nested_block_separates_words_inline_tag_does_not():
    by_text = _by_text(_blocks())
    # Text before and after a nested <p> joins with a space, not glued together.
    assert "Lead text tail text" in by_text
    # <b> is inline: "First <b>bold</b>word" stays one run; <br> separates.
    assert "First boldword and link here. After break" in by_text
    blocks = _blocks("<html><body><div>Alpha<p>Inner</p>Beta</div></body></html>")
    assert [b.text for b in blocks if b.text] == ["Alpha Beta", "Inner"]


def test_empty_holders_kept_but_text_blocks_filters_them():
    blocks = _blocks("<html><body><div><p>Only text</p></div><p>   </p></body></html>")
    assert [b.tag for b in blocks] == ["body", "div", "p", "p"]
    assert [b.text for b in text_blocks(blocks)] == ["Only text"]


def test_block_fingerprint_matches_text_fingerprint():
    block = _by_text(_blocks())["Second paragraph"]
    assert block.fingerprint == text_fingerprint("Second paragraph")


def test_segment_text_one_block_per_non_empty_line():
    blocks = segment_text("  First   line \n\n\t\nSecond line\r\nThird\n")
    assert [b.text for b in blocks] == ["First line", "Second line", "Third"]
    assert [b.index for b in blocks] == [0, 1, 2]
    assert all(b.parent == -1 and b.element is None and b.signature == 0 for b in blocks)
    assert blocks[0].n_chars == len("First line")


def test_segment_text_empty():
    assert segment_text("\n \n") == []
